package com.tracesentinel.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.history.DatabaseUrl;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every API key that is not cached costs a database query: one client's unknown or revoked keys are limited (429 with
 * Retry-After past the limit, the database not asked), while its live keys keep working, the look-up's client
 * (behind a trusted proxy, the address the proxy saw) being the one limited.
 */
@Tag("slow")
class UnknownKeyLimitTest {
  private static final int PER_MINUTE = 3;
  private static final String GUESSER = "198.51.100.1";

  private static Response anomalies(TestService svc, String key, String forwardedFor) {
    return svc.send(svc.request("/api/v1/anomalies?limit=1", key).header("X-Forwarded-For", forwardedFor).GET()
        .build());
  }

  private static double refused(TestService svc, String reason) {
    return svc.app().services().prometheus().find("tracesentinel.auth.refused").tag("reason", reason).counter().count();
  }

  @Test
  void aClientPastItsUnknownKeysIs429BeforeTheDatabaseAndItsLiveKeysStillWork() throws Exception {
    try (TestService svc = TestService.start(Map.of("TRACESENTINEL_UNKNOWN_KEYS_PER_MINUTE",
        Integer.toString(PER_MINUTE), "TRACESENTINEL_TRUST_PROXY", "true", "TRACESENTINEL_DB_TIMEOUT_SECONDS", "2"))) {
      // Live keys checked in the database for the first time take nothing from the client's unknown keys.
      String live = null;
      for (int i = 0; i < PER_MINUTE + 1; i++) {
        live = svc.key("investigator", null);
        assertEquals(200, anomalies(svc, live, GUESSER).status());
      }
      for (int i = 0; i < PER_MINUTE; i++) {
        Response r = anomalies(svc, "ts_unknown-guess-" + i, GUESSER);
        assertEquals(401, r.status(), r.body());
      }
      DatabaseUrl db = svc.db();
      try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
        // While the keys cannot be read, a request that asked the database would wait for it and fail (503).
        c.setAutoCommit(false);
        c.createStatement().execute("LOCK TABLE api_keys IN ACCESS EXCLUSIVE MODE");
        Response refused = anomalies(svc, "ts_unknown-guess-" + PER_MINUTE, GUESSER);
        assertEquals(429, refused.status(), refused.body());
        assertTrue(refused.contentType().startsWith("application/problem+json"), refused.contentType());
        assertNotNull(refused.retryAfter(), "Retry-After");
        int seconds = Integer.parseInt(refused.retryAfter());
        assertTrue(seconds >= 1 && seconds <= 60 / PER_MINUTE, refused.retryAfter());
        assertTrue(refused.body().contains("unknown or revoked API keys"), refused.body());
        // The same client's live key is answered from the cache, as is the bootstrap admin key.
        assertEquals(200, anomalies(svc, live, GUESSER).status());
        assertEquals(200, anomalies(svc, TestService.ADMIN_KEY, GUESSER).status());
        c.rollback();
      }
      // Another client behind the proxy has its own limit.
      assertEquals(401, anomalies(svc, "ts_unknown-guess-x", "198.51.100.2").status());
      assertEquals(1.0, refused(svc, "too_many_unknown_keys"));
      assertEquals(PER_MINUTE + 1.0, refused(svc, "unknown_key"));
    }
  }
}
