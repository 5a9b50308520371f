package com.tracesentinel.ingest;

import java.nio.ByteBuffer;
import java.util.Map;

/**
 * What a commit learned from the database: the document numbers of the scans that stored anomalies conflict with,
 * and the originals of replays whose first scan was still in flight when they were judged.
 *
 * @param conflictDocuments by (scan id, anomaly type)
 * @param originals         by the replay's idempotency hash ({@code ByteBuffer.wrap(idem)})
 */
public record CommitReceipt(Map<AnomalyRef, String> conflictDocuments, Map<ByteBuffer, ScanResult.Original> originals) {
  public static final CommitReceipt EMPTY = new CommitReceipt(Map.of(), Map.of());

  public record AnomalyRef(long scanId, String type) {}
}
