package com.tracesentinel.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tracesentinel.history.DatabaseUrl;
import com.tracesentinel.support.CuttingProxy;
import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The public look-up answers from what is stored: a sale judged while its group waits for a stalled database, then
 * answered 503 and undone, was told to the public as a sale meanwhile, because the look-up read the ledger as the
 * judge had left it.
 */
@Tag("slow")
class VerifyUncommittedSaleTest {
  @Test
  void aSaleWhoseGroupIsStillCommittingIsNotShownAndAfterIts503NeverWas() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    try (CuttingProxy proxy = new CuttingProxy(db.host(), db.port(), "none");
         TestService svc = TestService.start(new DatabaseUrl("127.0.0.1", proxy.port(), db.database(), db.user(),
             db.password()), Map.of("TRACESENTINEL_DB_STALL_MS", "3000"))) {
      svc.sites("VU1", "110105");
      String stored = "(01)06901234567892(21)VU-STORED";
      assertEquals(200, sell(svc, stored).status());
      assertEquals("ONE_SALE", outcome(svc, stored));
      String box = "(01)06901234567892(21)VU-PENDING";
      proxy.freeze(); // as a SIGSTOPped server: the sale's group waits out the stall limit
      try {
        CompletableFuture<Response> sale = CompletableFuture.supplyAsync(() -> sell(svc, box));
        Thread.sleep(500); // judged at once; its group commits, or not, 3 s later
        assertEquals("NO_SALE_RECORD", outcome(svc, box), "a sale not stored (yet) was told to the public");
        assertEquals("ONE_SALE", outcome(svc, stored), "a stored sale is still told");
        Response answered = sale.get(30, TimeUnit.SECONDS);
        assertEquals(503, answered.status(), answered.body());
        assertEquals("NO_SALE_RECORD", outcome(svc, box));
      } finally {
        proxy.thaw();
      }
    }
  }

  private static Response sell(TestService svc, String code) {
    return svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("code", code).put("siteId", "VU1")
        .put("documentNo", "VU-" + code.hashCode()).put("scannedAt", "2026-01-15T23:30:00+00:00"));
  }

  private static String outcome(TestService svc, String code) {
    Response r = svc.get("/api/v1/verify/" + URLEncoder.encode(code, StandardCharsets.UTF_8), null);
    assertEquals(200, r.status(), r.body());
    return r.json().getString("outcome");
  }
}
