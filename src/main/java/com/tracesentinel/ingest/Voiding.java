package com.tracesentinel.ingest;

import com.tracesentinel.rules.EventType;
import java.time.Instant;
import java.util.List;

/**
 * An NHSA 3507 deletion of an earlier upload, as the judge settled it: the stored scans it voids, and a LATE_DELETION
 * anomaly for each voided sale older than the return window. The codes it touched were re-derived from the history
 * without those scans before it reaches the committer.
 */
public record Voiding(String siteId, String uploadBatch, Instant at, List<Long> scanIds, int codesRederived,
                      List<LateDeletion> lateDeletions) {

  /** The stand-in partition of the scans without a code (rejected as unreadable): no ledger state, no owner. */
  public static final int UNPARSED = -1;

  /** A voided sale older than the return window: an anomaly of the deletion, pointing at the sale it erased. */
  public record LateDeletion(long saleScanId, byte[] codeKey, String canonical, String product, String siteId,
                             String region, String saleDocumentNo, Instant saleAt, String detail) {}

  /** One stored scan of an upload, as the judge needs it to void it. */
  public record UploadedScan(long scanId, byte[] codeKey, String canonical, String product, EventType type,
                             ScanStatus status, Instant scannedAt, String documentNo, int siteRef) {}

  /** What the deletion did, for the client. */
  public record Result(String uploadBatch, int scansVoided, int codesRederived, List<ScanResult.Finding> lateDeletions) {}
}
