package com.tracesentinel.ingest;

import java.time.Instant;
import java.util.List;

/**
 * The outcome of a scan as it stands in the history: what a re-send gets back as {@code original}.
 */
public record StoredResult(ScanStatus status, List<StoredAnomaly> anomalies) {

  /** An anomaly with its conflicting scan resolved to a full reference (document number included). */
  public record StoredAnomaly(String type, String suspicion, String level, String detail, String conflictSiteId,
                              String conflictDocumentNo, Instant conflictAt) {}
}
