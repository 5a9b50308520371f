package com.tracesentinel.ingest;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.tracesentinel.code.CodeKey;
import com.tracesentinel.rules.EventType;
import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An NHSA 3507 deletion through the core: the upload's scans stay in the history marked voided, their codes are
 * re-derived without them, old sales raise LATE_DELETION, and the corrected upload is stored afresh.
 */
@Tag("slow")
class VoidUploadTest {
  private static ScanInput sale(String code, String site, String doc, int line, Instant at, String batch) {
    return new ScanInput(code, EventType.SALE, site, doc, line, at, 1, false, null, null, null, batch, null);
  }

  @Test
  void aDeletedUploadNoLongerCountsAndOldSalesRaiseLateDeletion() throws Exception {
    try (TestService svc = TestService.start()) {
      svc.sites("VA", "440301", "VB", "110101");
      ScanService scans = svc.app().services().scans();
      Instant now = Instant.now();
      Instant old = now.minus(Duration.ofDays(20));
      String a = "86100000000000000001";
      String b = "86100000000000000002";
      // b was sold at VB before the upload: after the deletion it must still show that sale.
      scans.ingest(List.of(sale(b, "VB", "EARLIER", 1, old.minusSeconds(3600), null)), now).join();
      List<ScanResult> upload = scans.ingest(List.of(sale(a, "VA", "R1", 1, old, "B-1"),
          sale(b, "VA", "R1", 2, now.minusSeconds(60), "B-1")), now).join();
      assertEquals("ACCEPTED", upload.get(0).status().name());
      assertEquals("FLAGGED", upload.get(1).status().name());

      Voiding.Result result = scans.voidUpload("VA", "B-1", now).join();
      assertEquals(2, result.scansVoided());
      assertEquals(2, result.codesRederived());
      assertEquals(1, result.lateDeletions().size(), "the 20-day-old sale was deleted after the return window");
      assertEquals("LATE_DELETION", result.lateDeletions().get(0).type());
      assertEquals("R1", result.lateDeletions().get(0).conflictsWith().documentNo());

      assertNull(svc.app().ledger().get(CodeKey.of(a)), "a had no other scan");
      assertEquals(1, svc.app().ledger().get(CodeKey.of(b)).saleCount(), "b keeps its earlier sale");
      assertEquals(2, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE voided_at IS NOT NULL"));
      assertEquals(1, TestDatabase.count(svc.db(), "SELECT count(*) FROM anomalies WHERE type = 'LATE_DELETION'"));
      // as README says: dated at the deletion (the voided sale's voidedAt), the sale's own time its conflict's
      assertEquals(1, TestDatabase.count(svc.db(), """
          SELECT count(*) FROM anomalies d JOIN scans s ON s.id = d.scan_id
          WHERE d.type = 'LATE_DELETION' AND abs(extract(epoch FROM d.scanned_at - s.voided_at)) < 0.001
            AND abs(extract(epoch FROM d.scanned_at - '%s'::timestamptz)) < 0.001 AND d.conflict_at = s.scanned_at
          """.formatted(now)));
      assertEquals(0, scans.voidUpload("VA", "B-1", now).join().scansVoided(), "a second deletion finds nothing");
      assertEquals(1.0, svc.app().services().prometheus().find("tracesentinel.anomalies").tag("type", "LATE_DELETION")
          .counter().count(), "the LATE_DELETION stored is counted in tracesentinel_anomalies_total, once");

      // The corrected upload that follows a deletion is judged afresh, not taken for a re-send.
      List<ScanResult> corrected = scans.ingest(List.of(sale(a, "VA", "R1", 1, old, "B-2")), now).join();
      assertEquals("ACCEPTED", corrected.get(0).status().name());
      svc.assertLedgerEqualsHistory();
    }
  }

  /**
   * The corrected upload sent right behind its deletion, judged before the deletion's commit, on a code with more
   * scans than its state remembers (so the history is asked whether it is a re-send): the history still held the
   * voided scan under its idempotency key, the upload was answered REPLAYED, and the deletion then voided the only
   * copy of the sale.
   */
  @Test
  void aCorrectedUploadSentRightBehindItsDeletionIsStored() throws Exception {
    correctedUploadRightBehindItsDeletion(false);
  }

  /**
   * As above, with another deletion ahead of its own: deletions reach the judge one at a time, so the corrected upload
   * reached it first, while its deletion still waited for the one before, was found in the history not yet voided and
   * answered REPLAYED, and its deletion then voided the only copy of the sale.
   */
  @Test
  void aCorrectedUploadSentBehindItsQueuedDeletionIsStored() throws Exception {
    correctedUploadRightBehindItsDeletion(true);
  }

  /**
   * A batch naming several sites (an admin key's), sent behind queued deletions of two of them, waited for the first
   * site's deletion only: it reached the judge before the other site's, its corrected upload of that site was found in
   * the history not yet voided and answered REPLAYED, and that deletion then voided the only copy of the sale.
   */
  @Test
  void aBatchOfTwoSitesSentBehindBothSitesQueuedDeletionsIsStored() throws Exception {
    try (TestService svc = TestService.start()) {
      svc.sites("VA", "440301", "VB", "440301", "VC", "440301");
      ScanService scans = svc.app().services().scans();
      Instant now = Instant.now();
      String b = "86100000000000000012";
      scans.ingest(List.of(sale("86100000000000000010", "VC", "RC", 1, now.minusSeconds(60), "B-C")), now).join();
      scans.ingest(List.of(sale("86100000000000000011", "VA", "RA", 1, now.minusSeconds(60), "B-A")), now).join();
      scans.ingest(List.of(sale(b, "VB", "RB", 1, now.minusSeconds(60), "B-B")), now).join();

      var underWay = scans.voidUpload("VC", "B-C", now);
      var first = scans.voidUpload("VA", "B-A", now);
      var second = scans.voidUpload("VB", "B-B", now);
      var corrected = scans.ingest(List.of(sale("86100000000000000013", "VA", "RA2", 1, now.minusSeconds(30), null),
          sale(b, "VB", "RB", 1, now.minusSeconds(60), "B-B2")), now);
      for (var deletion : List.of(underWay, first, second)) {
        assertEquals(1, deletion.join().scansVoided());
      }
      assertStoredAfresh(svc, corrected.join().get(1), "B-B2", b);
    }
  }

  private static void correctedUploadRightBehindItsDeletion(boolean anotherDeletionAhead) throws Exception {
    try (TestService svc = TestService.start()) {
      svc.sites("VA", "440301");
      ScanService scans = svc.app().services().scans();
      Instant now = Instant.now();
      String a = "86100000000000000003";
      for (int i = 1; i <= 5; i++) {
        scans.ingest(List.of(new ScanInput(a, EventType.RECEIVE, "VA", "IN-" + i, 1, now.minusSeconds(600), 1, false,
            null, null, null, null, null)), now).join();
      }
      scans.ingest(List.of(sale("86100000000000000005", "VA", "R0", 1, now.minusSeconds(120), "B-0")), now).join();
      scans.ingest(List.of(sale(a, "VA", "R1", 1, now.minusSeconds(60), "B-1")), now).join();

      var earlier = anotherDeletionAhead ? scans.voidUpload("VA", "B-0", now) : null;
      var deletion = scans.voidUpload("VA", "B-1", now);
      var corrected = scans.ingest(List.of(sale(a, "VA", "R1", 1, now.minusSeconds(60), "B-2")), now);
      if (earlier != null) {
        assertEquals(1, earlier.join().scansVoided());
      }
      assertEquals(1, deletion.join().scansVoided());
      assertStoredAfresh(svc, corrected.join().get(0), "B-2", a);
    }
  }

  /** The corrected upload's sale was stored, not taken for a re-send, and the ledger counts it once. */
  private static void assertStoredAfresh(TestService svc, ScanResult corrected, String batch, String code)
      throws Exception {
    assertEquals("ACCEPTED", corrected.status().name());
    assertEquals(1, TestDatabase.count(svc.db(),
        "SELECT count(*) FROM scans WHERE type = 'SALE' AND voided_at IS NULL AND upload_batch = '" + batch + "'"));
    assertEquals(1, svc.app().ledger().get(CodeKey.of(code)).saleCount());
    svc.assertLedgerEqualsHistory();
  }
}
