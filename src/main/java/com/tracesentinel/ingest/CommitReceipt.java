package com.tracesentinel.ingest;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;

/**
 * What a commit learned from the database: the scans that stored anomalies conflict with (the ledger knows only
 * their site and second), and the originals of replays whose first scan was still in flight when they were judged.
 *
 * @param conflicts by (scan id, anomaly type)
 * @param originals         by the replay's idempotency hash ({@code ByteBuffer.wrap(idem)})
 */
public record CommitReceipt(Map<AnomalyRef, ConflictScan> conflicts, Map<ByteBuffer, ScanResult.Original> originals) {
  public static final CommitReceipt EMPTY = new CommitReceipt(Map.of(), Map.of());

  public record AnomalyRef(long scanId, String type) {}

  /** The conflicting scan's document and its own time, to the microsecond as stored. */
  public record ConflictScan(String documentNo, Instant scannedAt) {}
}
