package com.tracesentinel.http;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import org.junit.jupiter.api.Test;

/** The real service on the embedded PostgreSQL answers its health checks and has migrated its schema. */
@Tag("slow")
class HealthTest {
  @Test
  void theStartedServiceIsLiveAndReady() throws Exception {
    try (TestService svc = TestService.start()) {
      Response live = svc.get("/health/live", null);
      assertEquals(200, live.status());
      assertEquals("UP", live.json().getString("status"));
      Response ready = svc.get("/health/ready", null);
      assertEquals(200, ready.status(), ready.body());
      assertEquals(1, TestDatabase.count(svc.db(),
          "SELECT count(*) FROM flyway_schema_history WHERE version = '1' AND success"));
      Response metrics = svc.get("/metrics", null);
      assertEquals(200, metrics.status());
      assertTrue(metrics.body().contains("tracesentinel_ledger_capacity{application=\"tracesentinel\"} 100000.0"));
      // Relayed by a reverse proxy on this machine: from 127.0.0.1, but for whoever the proxy serves.
      for (String[] relayed : new String[][] {{"X-Forwarded-For", "203.0.113.5"}, {"Forwarded", "for=203.0.113.5"},
          {"X-Real-IP", "203.0.113.5"}}) {
        for (String path : new String[] {"/metrics", "/health/ready"}) {
          Response r = svc.send(svc.request(path, null).header(relayed[0], relayed[1]).GET().build());
          assertEquals(403, r.status(), relayed[0] + " " + path + ": " + r.body());
        }
      }
      // A monitor probing with HEAD: the status and headers of the GET, no body.
      for (String path : new String[] {"/health/live", "/health/ready", "/metrics"}) {
        Response head = svc.send(svc.request(path, null)
            .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(200, head.status(), path + ": " + head.body());
        assertEquals(svc.get(path, null).contentType(), head.contentType(), path);
        assertEquals("", head.body(), path);
      }
      Response missing = svc.get("/api/v1/nothing-here", null);
      assertEquals(404, missing.status());
      assertTrue(missing.contentType().startsWith("application/problem+json"));
    }
  }
}
