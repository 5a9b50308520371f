package com.tracesentinel.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * An anomaly's {@code scannedAt} is its scan's: the list's and a code's events agree to the microsecond, so a bound
 * taken from one selects the other. A time with finer digits than PostgreSQL keeps was truncated for the scan and
 * rounded for its anomalies (the scan at .123456789 listed at .123456, its anomaly at .123457). It is rounded up to
 * the microsecond as an investigator's bound is, so the time as the till sent it selects the scan too: cut, it was
 * stored before that bound, and from= the scan's own time missed it.
 */
@Tag("slow")
class AnomalyScanTimeTest {
  @Test
  void anAnomalyCarriesItsScansTimeToTheMicrosecond() throws Exception {
    try (TestService svc = TestService.start()) {
      svc.sites("P44030500930", "440305", "P44030500931", "440305");
      String code = "81999990000000000931";
      Instant at = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS).plusNanos(123_456_789);
      Response first = svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("code", code)
          .put("siteId", "P44030500930").put("documentNo", "T-930").put("scannedAt", at.minusSeconds(3600).toString()));
      assertEquals(200, first.status(), first.body());
      // sold again at another site: a REPEAT_SALE, at a time with nanoseconds
      Response r = svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("code", code)
          .put("siteId", "P44030500931").put("documentNo", "T-931").put("scannedAt", at.toString()));
      assertEquals(200, r.status(), r.body());
      assertEquals("FLAGGED", r.result(0).getString("status"), r.body());

      Response events = svc.get("/api/v1/codes/" + code + "/events", TestService.ADMIN_KEY);
      assertEquals(200, events.status(), events.body());
      String scanTime = events.json().getJsonArray("events").getJsonObject(1).getString("scannedAt");
      assertEquals(at.plusNanos(211).toString(), scanTime, events.body()); // .123457

      Response list = svc.get("/api/v1/anomalies?siteId=P44030500931", TestService.ADMIN_KEY);
      assertEquals(200, list.status(), list.body());
      JsonArray items = list.json().getJsonArray("items");
      assertEquals(1, items.size(), list.body());
      assertEquals(scanTime, items.getJsonObject(0).getString("scannedAt"), list.body());

      // The scan's own time is an inclusive lower bound that finds its anomaly, and an exclusive upper bound that
      // leaves it out.
      String t = java.net.URLEncoder.encode(scanTime, java.nio.charset.StandardCharsets.UTF_8);
      assertEquals(1, svc.get("/api/v1/anomalies?siteId=P44030500931&from=" + t, TestService.ADMIN_KEY).json()
          .getJsonArray("items").size());
      assertEquals(0, svc.get("/api/v1/anomalies?siteId=P44030500931&to=" + t, TestService.ADMIN_KEY).json()
          .getJsonArray("items").size());
      // So is the time as sent, to the nanosecond.
      String sent = java.net.URLEncoder.encode(at.toString(), java.nio.charset.StandardCharsets.UTF_8);
      assertEquals(1, svc.get("/api/v1/anomalies?siteId=P44030500931&from=" + sent, TestService.ADMIN_KEY).json()
          .getJsonArray("items").size());
      assertEquals(0, svc.get("/api/v1/anomalies?siteId=P44030500931&to=" + sent, TestService.ADMIN_KEY).json()
          .getJsonArray("items").size());
    }
  }
}
