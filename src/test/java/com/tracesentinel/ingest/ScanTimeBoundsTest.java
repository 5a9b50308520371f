package com.tracesentinel.ingest;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * scannedAt is bounded: older than the floor (here 30 days) or more than 10 minutes ahead is REJECTED with the
 * reason, stored as a rejected scan, and never reaches a code's state, however absurd the year.
 */
@Tag("slow")
class ScanTimeBoundsTest {
  @Test
  void scansDatedOutsideTheWindowAreRejectedAndNeverJudged() throws Exception {
    try (TestService svc = TestService.start(Map.of("TRACESENTINEL_SCAN_MAX_AGE_DAYS", "30"))) {
      svc.sites("TA", "440301", "TB", "110101");
      String code = "89000000000000000001";
      String[] times = {"1890-10-25T10:00:00+08:00", "1969-12-31T23:59:59Z", "-999999999-01-01T00:00:00Z",
          "+999999999-12-31T23:59:59Z", Instant.now().minusSeconds(31L * 86_400).toString(),
          Instant.now().plusSeconds(11 * 60).toString()};
      JsonArray scans = new JsonArray();
      for (int i = 0; i < times.length; i++) {
        scans.add(new JsonObject().put("code", code).put("siteId", "TA").put("documentNo", "T" + i)
            .put("scannedAt", times[i]));
      }
      Response r = svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("scans", scans));
      assertEquals(200, r.status(), r.body());
      for (int i = 0; i < times.length; i++) {
        JsonObject result = r.result(i);
        assertEquals("REJECTED", result.getString("status"), times[i] + ": " + result.encode());
        String error = result.getString("error");
        assertTrue(error.contains("days ago") || error.contains("in the future"), times[i] + ": " + error);
      }
      assertEquals(times.length, TestDatabase.count(svc.db(),
          "SELECT count(*) FROM scans WHERE status = 'REJECTED' AND document_no LIKE 'T%'"));
      // Stored as sent where PostgreSQL can hold the time (evidence of a bad terminal clock), as unknown where not.
      assertEquals(2, TestDatabase.count(svc.db(),
          "SELECT count(*) FROM scans WHERE status = 'REJECTED' AND document_no IN ('T2', 'T3') AND scanned_at IS NULL"));
      assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM anomalies"), "nothing was judged");

      // The code was never judged: its first real sale is ACCEPTED, and a sale elsewhere now is a plain repeat.
      Instant now = Instant.now();
      assertEquals("ACCEPTED", svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("code", code)
          .put("siteId", "TA").put("documentNo", "OK1").put("scannedAt", now.minusSeconds(7200).toString()))
          .result(0).getString("status"));
      JsonObject repeat = svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("code", code)
          .put("siteId", "TB").put("documentNo", "OK2").put("scannedAt", now.minusSeconds(60).toString())).result(0);
      assertEquals("REPEAT_SALE", repeat.getJsonArray("anomalies").getJsonObject(0).getString("type"));
      assertTrue(repeat.getJsonArray("anomalies").getJsonObject(0).getJsonObject("conflictsWith")
          .getString("scannedAt").startsWith(now.minusSeconds(7200).toString().substring(0, 13)));
    }
  }
}
