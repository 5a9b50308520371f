package com.tracesentinel.ingest;

import java.time.Instant;
import java.util.List;

/**
 * What a client gets back for one scan, after its request was committed: the wire format's result object.
 *
 * @param canonical null when the code could not be parsed
 * @param error     for REJECTED: why
 * @param original  for REPLAYED: the first scan's outcome
 */
public record ScanResult(int index, ScanStatus status, String canonical, String product, List<Finding> anomalies,
                         String error, Original original) {

  /** An anomaly as stored: its conflicting scan resolved to site, document and time. */
  public record Finding(String type, String suspicion, String level, String detail, Conflict conflictsWith) {}

  /** The earlier scan an anomaly conflicts with; documentNo is null when the history had none to match. */
  public record Conflict(String siteId, String documentNo, Instant scannedAt) {}

  /** The outcome of the first scan with a re-send's idempotency key. */
  public record Original(ScanStatus status, List<Finding> anomalies) {}
}
