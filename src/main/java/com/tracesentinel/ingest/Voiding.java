package com.tracesentinel.ingest;

import com.tracesentinel.rules.EventType;
import com.tracesentinel.rules.Ladder;
import java.time.Duration;
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

  /**
   * A LATE_DELETION's detail: the sale, how long after it the deletion came and the return window it was past. In
   * whole days when the window is whole days, else as the ladder writes a RETURN_MISMATCH's (2 h 30 min): a window
   * configured under a day (TRACESENTINEL_RETURN_WINDOW_SECONDS) read "after the 0-day return window".
   */
  static String lateDeletionDetail(Instant saleAt, Instant deletedAt, Duration returnWindow) {
    Duration later = Duration.between(saleAt, deletedAt);
    long window = returnWindow.toSeconds();
    if (window > 0 && window % 86_400 == 0) {
      long days = later.toDays();
      return "sale of " + saleAt + " deleted " + days + (days == 1 ? " day" : " days") + " later, after the "
          + window / 86_400 + "-day return window";
    }
    return "sale of " + saleAt + " deleted " + Ladder.human(later.toSeconds()) + " later, after the "
        + Ladder.human(window) + " return window";
  }

  /** One stored scan of an upload, as the judge needs it to void it. */
  public record UploadedScan(long scanId, byte[] codeKey, String canonical, String product, EventType type,
                             ScanStatus status, Instant scannedAt, String documentNo, int siteRef) {}

  /** What the deletion did, for the client. */
  public record Result(String uploadBatch, int scansVoided, int codesRederived, List<ScanResult.Finding> lateDeletions) {}
}
