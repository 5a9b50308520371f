package com.tracesentinel.http;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.config.Config;
import com.tracesentinel.investigate.AlertWebhook;
import com.tracesentinel.support.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * TRACESENTINEL_ALERT_WEBHOOK against a receiver on 127.0.0.1 that refuses the first two attempts: ALERTs only,
 * signed, the same delivery id on every attempt, retried with back-off, and counted in /metrics.
 */
@Tag("slow")
class WebhookTest {
  private static final String SECRET = "a-webhook-secret-of-some-length";

  record Received(String delivery, String timestamp, String signature, Buffer body) {}

  @Test
  void alertsAreSignedRetriedAndCounted() throws Exception {
    Vertx vertx = Vertx.vertx();
    List<Received> received = new CopyOnWriteArrayList<>();
    AtomicInteger calls = new AtomicInteger();
    HttpServer receiver = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      received.add(new Received(req.getHeader("X-TraceSentinel-Delivery"), req.getHeader("X-TraceSentinel-Timestamp"),
          req.getHeader("X-TraceSentinel-Signature"), body));
      req.response().setStatusCode(calls.incrementAndGet() <= 2 ? 503 : 204).end();
    })).listen(0, "127.0.0.1").await();
    try (TestService svc = TestService.start(Map.of(
        "TRACESENTINEL_ALERT_WEBHOOK", "http://127.0.0.1:" + receiver.actualPort() + "/hook",
        "TRACESENTINEL_ALERT_WEBHOOK_SECRET", SECRET))) {
      svc.sites("P44030500001", "440305", "P11010500001", "110105");
      Instant t = Instant.now().minus(1, ChronoUnit.HOURS);
      JsonArray scans = new JsonArray();
      for (int i = 0; i < 3; i++) {
        String code = "8100001" + String.format("%013d", 3_000_000L + i);
        scans.add(scan(code, "P44030500001", "A" + i, t));
        scans.add(scan(code, "P11010500001", "B" + i, t.plusSeconds(600)));
      }
      for (int i = 0; i < 2; i++) { // double scans: warnings, not sent
        String code = "8100001" + String.format("%013d", 3_100_000L + i);
        scans.add(scan(code, "P44030500001", "C" + i, t));
        scans.add(scan(code, "P44030500001", "D" + i, t.plusSeconds(5)));
      }
      assertEquals(200, svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("scans", scans))
          .status());

      long deadline = System.currentTimeMillis() + 20_000;
      while (calls.get() < 3 && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      assertEquals(3, received.size(), "two refused attempts, then the delivery");
      for (Received r : received) {
        String expected = AlertWebhook.sign(SECRET.getBytes(StandardCharsets.UTF_8), r.timestamp(), r.body());
        assertEquals("sha256=" + expected, r.signature());
        assertTrue(Math.abs(Long.parseLong(r.timestamp()) - Instant.now().getEpochSecond()) < 60);
        assertEquals(received.get(0).delivery(), r.delivery(), "one delivery id across its attempts");
        assertEquals(received.get(0).body(), r.body());
      }
      JsonObject payload = received.get(2).body().toJsonObject();
      assertEquals(received.get(0).delivery(), payload.getString("deliveryId"));
      JsonArray alerts = payload.getJsonArray("alerts");
      assertEquals(3, alerts.size());
      for (Object o : alerts) {
        JsonObject a = (JsonObject) o;
        assertEquals("ALERT", a.getString("level"));
        assertEquals("REPEAT_SALE", a.getString("type"));
        assertEquals("OPEN", a.getString("state"));
      }
      String metrics = svc.get("/metrics", null).body();
      assertTrue(metrics.contains("tracesentinel_webhook_delivered_total{application=\"tracesentinel\"} 3.0"),
          metrics.lines().filter(l -> l.contains("webhook")).toList().toString());
      assertTrue(metrics.contains("tracesentinel_webhook_failures_total{application=\"tracesentinel\"} 2.0"));
      assertTrue(metrics.contains("tracesentinel_webhook_dropped_total{application=\"tracesentinel\",reason="
          + "\"queue_full\"} 0.0"));
    } finally {
      receiver.close().await();
      vertx.close().await();
    }
  }

  private static JsonObject scan(String code, String site, String doc, Instant at) {
    return new JsonObject().put("code", code).put("siteId", site).put("documentNo", doc).put("scannedAt", at.toString());
  }

  @Test
  void aWebhookNeedsAnHttpUrlAndASecret() {
    assertThrows(IllegalArgumentException.class, () -> Config.from(Map.of("TRACESENTINEL_ALERT_WEBHOOK",
        "http://127.0.0.1:9/hook")));
    assertThrows(IllegalArgumentException.class, () -> Config.from(Map.of("TRACESENTINEL_ALERT_WEBHOOK",
        "http://127.0.0.1:9/hook", "TRACESENTINEL_ALERT_WEBHOOK_SECRET", "short")));
    assertThrows(IllegalArgumentException.class, () -> Config.from(Map.of("TRACESENTINEL_ALERT_WEBHOOK",
        "ftp://example/hook", "TRACESENTINEL_ALERT_WEBHOOK_SECRET", SECRET)));
    assertThrows(IllegalArgumentException.class, () -> Config.from(Map.of("TRACESENTINEL_ALERT_WEBHOOK",
        "not a url", "TRACESENTINEL_ALERT_WEBHOOK_SECRET", SECRET)));
    Config ok = Config.from(Map.of("TRACESENTINEL_ALERT_WEBHOOK", "https://alerts.internal/hook",
        "TRACESENTINEL_ALERT_WEBHOOK_SECRET", SECRET));
    assertEquals("alerts.internal", ok.alerts().webhook().getHost());
    assertEquals(100_000, ok.alerts().replayWindow());
    assertEquals(null, Config.from(Map.of()).alerts().webhook());
  }
}
