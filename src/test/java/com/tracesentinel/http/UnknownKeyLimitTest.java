package com.tracesentinel.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.history.DatabaseUrl;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.List;
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

  /**
   * Live keys not yet cached, sent at once from one address beyond the limit, are all let in: each took a token before
   * its query and gave it back after, so a client's first requests at once (its connections after a restart) were
   * 429s for keys that exist. Unknown keys sent at once are all asked, and the debt they leave is what the next
   * guess waits for.
   */
  @Test
  void liveKeysAtOnceBeyondTheLimitAreLetInAndUnknownOnesAtOnceLeaveADebt() throws Exception {
    int atOnce = 4 * PER_MINUTE;
    try (TestService svc = TestService.start(Map.of("TRACESENTINEL_UNKNOWN_KEYS_PER_MINUTE",
        Integer.toString(PER_MINUTE), "TRACESENTINEL_TRUST_PROXY", "true", "TRACESENTINEL_DB_TIMEOUT_SECONDS", "30"))) {
      String live = svc.key("investigator", null);
      assertEquals(List.of(200), statusesAtOnce(svc, java.util.Collections.nCopies(atOnce, live)));
      List<String> guesses = java.util.stream.IntStream.range(0, atOnce).mapToObj(i -> "ts_unknown-at-once-" + i)
          .toList();
      assertEquals(List.of(401), statusesAtOnce(svc, guesses));
      Response next = anomalies(svc, "ts_unknown-after", GUESSER);
      assertEquals(429, next.status(), next.body());
      // the tokens owed (atOnce - PER_MINUTE) and the one asked for, at 60 / PER_MINUTE s each
      int owed = (atOnce - PER_MINUTE + 1) * 60 / PER_MINUTE;
      int seconds = Integer.parseInt(next.retryAfter());
      assertTrue(seconds > owed - 5 && seconds <= owed, next.retryAfter());
    }
  }

  /** The distinct statuses of requests from GUESSER with these keys, all sent while the keys table is locked. */
  private static List<Integer> statusesAtOnce(TestService svc, List<String> keys) throws Exception {
    DatabaseUrl db = svc.db();
    java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(keys.size());
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
      c.setAutoCommit(false);
      c.createStatement().execute("LOCK TABLE api_keys IN ACCESS EXCLUSIVE MODE");
      List<java.util.concurrent.Future<Integer>> statuses = new java.util.ArrayList<>();
      for (String key : keys) {
        statuses.add(threads.submit(() -> anomalies(svc, key, GUESSER).status()));
      }
      // every request in before any key can be read: a 429 answers at once, a look-up waits for the lock
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (inFlightOrDone(svc, statuses) < keys.size() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      c.rollback();
      java.util.SortedSet<Integer> seen = new java.util.TreeSet<>();
      for (java.util.concurrent.Future<Integer> status : statuses) {
        seen.add(status.get());
      }
      return List.copyOf(seen);
    } finally {
      threads.shutdownNow();
    }
  }

  private static int inFlightOrDone(TestService svc, List<java.util.concurrent.Future<Integer>> statuses) {
    double inFlight = svc.app().services().prometheus().find("tracesentinel.http.requests.in.flight").gauge().value();
    return (int) inFlight + (int) statuses.stream().filter(java.util.concurrent.Future::isDone).count();
  }
}
