package com.tracesentinel.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tracesentinel.history.DatabaseUrl;
import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A code's timeline lists no stored sale its state does not count: the state was read before the scans, and a first
 * sale committed in between was listed ACCEPTED beside a state of a code never sold.
 */
@Tag("slow")
class TimelineStateTest {
  @Test
  void aSaleCommittedWhileTheTimelineIsReadIsCountedByItsStateIfListed() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    try (TestService svc = TestService.start(db, Map.of("TRACESENTINEL_DB_POOL", "2"))) {
      svc.sites("TL1", "110105");
      String code = "(01)06901234567892(21)TL-RACE";
      CompletableFuture<Response> timeline;
      try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
        c.setAutoCommit(false);
        c.createStatement().execute("LOCK TABLE anomalies IN ACCESS EXCLUSIVE MODE"); // not taken by a clean sale
        // both pooled connections held by anomaly lists waiting for the lock: the timeline waits for one
        List<CompletableFuture<Response>> lists = IntStream.range(0, 2)
            .mapToObj(i -> CompletableFuture.supplyAsync(() -> svc.get("/api/v1/anomalies?limit=1",
                TestService.ADMIN_KEY)))
            .toList();
        Thread.sleep(500);
        timeline = CompletableFuture.supplyAsync(() -> svc.get("/api/v1/codes/"
            + URLEncoder.encode(code, StandardCharsets.UTF_8) + "/events", TestService.ADMIN_KEY));
        Thread.sleep(500);
        assertEquals(200, svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("code", code)
            .put("siteId", "TL1").put("documentNo", "TL-1").put("scannedAt", "2026-01-15T23:30:00+00:00")).status());
        c.rollback();
        for (CompletableFuture<Response> list : lists) {
          assertEquals(200, list.get(30, TimeUnit.SECONDS).status());
        }
      }
      Response r = timeline.get(30, TimeUnit.SECONDS);
      assertEquals(200, r.status(), r.body());
      JsonArray events = r.json().getJsonArray("events");
      JsonObject state = r.json().getJsonObject("state");
      // the scans are read once a connection is free, after the sale's commit
      assertEquals(1, events.size(), r.body());
      assertEquals("ACCEPTED", events.getJsonObject(0).getString("status"), r.body());
      assertEquals(1, state.getInteger("saleCount"), "a listed sale the state does not count: " + r.body());
      assertEquals(1, state.getInteger("soldUnits"), r.body());
    }
  }
}
