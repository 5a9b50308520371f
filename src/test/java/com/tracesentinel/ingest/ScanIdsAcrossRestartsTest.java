package com.tracesentinel.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A code's scans replay in id order, and ids come from the clock: a run after one whose clock ran ahead (a machine
 * that booted with a wrong clock, then was corrected) must still give its scans higher ids, or the ledger judged live
 * differs from its rebuild from the history.
 */
@Tag("slow")
class ScanIdsAcrossRestartsTest {
  /** An hour of scan ids: ids are epoch milliseconds × 4096. */
  private static final long AN_HOUR_OF_IDS = 3_600_000L << 12;

  @Test
  void aScanJudgedAfterARunWhoseClockRanAheadStillSortsAfterThatRunsScans() throws Exception {
    try (TestService svc = TestService.start()) {
      svc.sites("PA", "440305", "PB", "440306");
      String code = "81300000000000000100";
      Instant sold = Instant.now().minusSeconds(3_600);
      TestService.Response first = svc.post("/api/v1/scans", svc.key("scanner", "PA"), scan(code, "PA", sold));
      assertEquals("ACCEPTED", first.result(0).getString("status"), first.body());
      // What a run with its clock an hour ahead would have left: its scans' ids, and its groups', an hour ahead.
      TestDatabase.execute(svc.db(), "UPDATE scans SET id = id + " + AN_HOUR_OF_IDS);
      TestDatabase.execute(svc.db(), "UPDATE commit_markers SET group_id = group_id + " + AN_HOUR_OF_IDS);
      svc.restart();

      TestService.Response second = svc.post("/api/v1/scans", svc.key("scanner", "PB"),
          scan(code, "PB", sold.plusSeconds(60)));
      assertEquals("FLAGGED", second.result(0).getString("status"), second.body());
      assertEquals(1, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE site_id = 'PB'"
          + " AND id > (SELECT id FROM scans WHERE site_id = 'PA')"), "the later scan has the higher id");
      svc.assertLedgerEqualsHistory();
    }
  }

  private static JsonObject scan(String code, String site, Instant at) {
    return new JsonObject().put("code", code).put("siteId", site).put("documentNo", "D-" + site)
        .put("scannedAt", at.toString());
  }
}
