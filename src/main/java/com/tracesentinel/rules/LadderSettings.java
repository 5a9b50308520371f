package com.tracesentinel.rules;

import java.time.Duration;

/**
 * The ladder's thresholds; defaults as the README documents them ("Configuration", "Domain rules").
 *
 * @param doubleScanWindow     a second sale at the same site within this is an operator's double scan
 * @param returnWindow         a RETURN later than this after the sale is irregular
 * @param cloneWindow          sales in two cities closer than this are a cloned code
 * @param counterfeitSiteCount sales at this many sites or more mean a cloned code (at most 3: see CodeState)
 */
public record LadderSettings(Duration doubleScanWindow, Duration returnWindow, Duration cloneWindow,
                             int counterfeitSiteCount) {
  public static final LadderSettings DEFAULTS =
      new LadderSettings(Duration.ofMinutes(10), Duration.ofDays(10), Duration.ofHours(24), 3);

  public LadderSettings {
    if (counterfeitSiteCount < 2 || counterfeitSiteCount > 3) {
      throw new IllegalArgumentException("counterfeitSiteCount must be 2 or 3, the ledger counts sites exactly up to 3");
    }
  }
}
