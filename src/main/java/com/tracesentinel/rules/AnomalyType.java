package com.tracesentinel.rules;

import java.util.List;

/**
 * The rows of the anomaly ladder (domain rules), each with its level and the suspicions it can carry: the complete
 * set of (type, suspicion, level) the service can raise, so metrics can exist at zero before the first one.
 */
public enum AnomalyType {
  DOUBLE_SCAN(Level.WARNING, Suspicion.OPERATOR_ERROR),
  REPEAT_SALE(Level.ALERT, Suspicion.SUBSTITUTED, Suspicion.DIVERTED, Suspicion.COUNTERFEIT),
  RECEIVED_AFTER_SALE(Level.ALERT, Suspicion.DIVERTED),
  PRODUCT_MISMATCH(Level.ALERT, Suspicion.SUBSTITUTED),
  SPLIT_OVERSOLD(Level.ALERT, Suspicion.SUBSTITUTED),
  SPLIT_ACROSS_SITES(Level.ALERT, Suspicion.DIVERTED),
  SOLD_AFTER_DESTROY(Level.ALERT, Suspicion.COUNTERFEIT),
  EXPIRED(Level.ALERT, Suspicion.QUALITY),
  UNKNOWN_PRODUCT(Level.WARNING, Suspicion.COUNTERFEIT),
  RETURN_MISMATCH(Level.ALERT, Suspicion.IRREGULAR),
  /** An NHSA 3507 deletion voided sales older than the return window: how billing fraud is covered up. */
  LATE_DELETION(Level.WARNING, Suspicion.IRREGULAR);

  private final Level level;
  private final List<Suspicion> suspicions;

  AnomalyType(Level level, Suspicion... suspicions) {
    this.level = level;
    this.suspicions = List.of(suspicions);
  }

  public Level level() {
    return level;
  }

  public List<Suspicion> suspicions() {
    return suspicions;
  }
}
