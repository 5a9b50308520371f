package com.tracesentinel.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A re-send that arrives first after the database dropped the service's connections (a restart, a crash, an
 * administrator) is REPLAYED, as any re-send is: not REJECTED "could not check", with a REJECTED row stored for it.
 */
@Tag("slow")
class ResendAfterDatabaseRestartTest {

  @Test
  void theFirstResendAfterTheConnectionsWereDroppedIsReplayed() throws Exception {
    try (TestService svc = TestService.start()) {
      svc.sites("RR1", "440305");
      String code = "81000010000004200001";
      JsonObject scan = new JsonObject().put("code", code).put("siteId", "RR1").put("documentNo", "RR-1")
          .put("scannedAt", Instant.now().toString());
      assertEquals("ACCEPTED", svc.post("/api/v1/scans", TestService.ADMIN_KEY, scan).result(0).getString("status"));
      // The judge asks the history about this re-send: its connection is open from here on.
      assertEquals("REPLAYED", svc.post("/api/v1/scans", TestService.ADMIN_KEY, scan).result(0).getString("status"));

      // What a restart does to the connections the service holds (SQLSTATE 57P01 on their next use).
      TestDatabase.execute(svc.db(), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
          + "WHERE datname = current_database() AND application_name = 'tracesentinel-local'");

      // New scans meanwhile: the committer finds its connection dead (503: nothing stored) and opens a new one; until
      // the database is seen back, new requests are refused at once (503 too).
      int sent = 0;
      Response fresh;
      do {
        if (sent > 0) {
          Thread.sleep(200);
        }
        fresh = svc.post("/api/v1/scans", TestService.ADMIN_KEY, scan.copy().put("code", "810000100000042" + (10000 + sent))
            .put("documentNo", "RR-N" + sent));
        sent++;
      } while (fresh.status() == 503 && sent < 100);
      assertEquals(200, fresh.status(), fresh.body());

      Response again = svc.post("/api/v1/scans", TestService.ADMIN_KEY, scan);
      assertEquals(200, again.status(), again.body());
      assertEquals("REPLAYED", again.result(0).getString("status"), again.body());
      assertEquals(1, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE canonical = '" + code + "'"),
          "no REJECTED row stored for the re-send");
      assertTrue(svc.post("/api/v1/scans", TestService.ADMIN_KEY, scan.copy().put("documentNo", "RR-2")).status() == 200,
          "the service goes on taking scans");
    }
  }
}
