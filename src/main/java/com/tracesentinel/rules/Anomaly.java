package com.tracesentinel.rules;

/**
 * One rung of the ladder that a scan hit.
 *
 * @param conflictsWith the earlier scan it conflicts with, or null when there is none (EXPIRED, UNKNOWN_PRODUCT,
 *                      PRODUCT_MISMATCH, a RETURN with no sale at all)
 */
public record Anomaly(AnomalyType type, Suspicion suspicion, Level level, String detail, ScanRef conflictsWith) {}
