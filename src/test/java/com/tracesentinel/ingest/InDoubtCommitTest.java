package com.tracesentinel.ingest;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.history.DatabaseUrl;
import com.tracesentinel.support.CuttingProxy;
import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The connection to PostgreSQL lost exactly around COMMIT, through a proxy that cuts it: after COMMIT reached the
 * server the scan is stored and the client gets 200 (the service asks PostgreSQL whether the group's marker was committed);
 * before, nothing is stored and the client gets 503, and the re-send is judged afresh, not REPLAYED.
 */
@Tag("slow")
class InDoubtCommitTest {
  private static JsonObject sale(String code, String doc) {
    return new JsonObject().put("code", code).put("siteId", "QA").put("documentNo", doc)
        .put("scannedAt", Instant.now().minusSeconds(3600).toString());
  }

  /** A group of plain sales: one statement (marker and scans), then COMMIT. */
  @Test
  void aLostAnswerToTheOneStatementGroupIsResolvedByTheGroupsMarker() throws Exception {
    cutAroundTheCommit(false);
  }

  /** A group with an anomaly: marker, COPY, anomalies, then COMMIT. */
  @Test
  void aLostAnswerToCommitIsResolvedByTheGroupsMarker() throws Exception {
    cutAroundTheCommit(true);
  }

  private static void cutAroundTheCommit(boolean repeats) throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    try (CuttingProxy proxy = new CuttingProxy(db.host(), db.port(), "tracesentinel-local");
         TestService svc = TestService.start(new DatabaseUrl("127.0.0.1", proxy.port(), db.database(), db.user(),
             db.password()), Map.of())) {
      svc.sites("QA", "440301");
      assertEquals(200, svc.post("/api/v1/scans", TestService.ADMIN_KEY, sale("86000000000000000001", "Q1")).status());
      String expected = repeats ? "FLAGGED" : "ACCEPTED";
      if (repeats) {
        for (String code : new String[] {"86000000000000000002", "86000000000000000003"}) {
          assertEquals(200, svc.post("/api/v1/scans", TestService.ADMIN_KEY, sale(code, "P" + code)).status());
        }
      }

      proxy.arm(CuttingProxy.Cut.AFTER_COMMIT_SENT);
      Response committed = svc.post("/api/v1/scans", TestService.ADMIN_KEY, sale("86000000000000000002", "Q2"));
      assertTrue(proxy.fired(), "the cut happened");
      assertEquals(200, committed.status(), committed.body());
      assertEquals(expected, committed.result(0).getString("status"));
      assertEquals(1, TestDatabase.count(db, "SELECT count(*) FROM scans WHERE document_no = 'Q2'"));
      assertEquals(repeats ? 1 : 0, TestDatabase.count(db, "SELECT count(*) FROM anomalies a JOIN scans s "
          + "ON s.id = a.scan_id WHERE s.document_no = 'Q2'"));

      proxy.arm(CuttingProxy.Cut.BEFORE_COMMIT_SENT);
      Response lost = svc.post("/api/v1/scans", TestService.ADMIN_KEY, sale("86000000000000000003", "Q3"));
      assertTrue(proxy.fired(), "the cut happened");
      assertEquals(503, lost.status(), lost.body());
      assertEquals(0, TestDatabase.count(db, "SELECT count(*) FROM scans WHERE document_no = 'Q3'"));
      Response resent = retryWhileUnavailable(svc, sale("86000000000000000003", "Q3"));
      assertEquals(expected, resent.result(0).getString("status"), "judged afresh: the first try was undone");

      assertEquals("REPLAYED", svc.post("/api/v1/scans", TestService.ADMIN_KEY, sale("86000000000000000002", "Q2"))
          .result(0).getString("status"), "the one whose answer was lost is stored");
      svc.assertLedgerEqualsHistory();
    }
  }

  static Response retryWhileUnavailable(TestService svc, JsonObject body) throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      Response r = svc.post("/api/v1/scans", TestService.ADMIN_KEY, body);
      if (r.status() != 503) {
        return r;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("still 503 after 5 s");
  }
}
