package com.tracesentinel.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.history.DatabaseUrl;
import com.tracesentinel.support.CuttingProxy;
import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlConnection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A request that waited for a pooled connection longer than the pool's timeout failed because the database could not
 * serve it then: a 503 with Retry-After, like a refused connection, not a logged 500.
 */
@Tag("slow")
class PoolTimeoutTest {
  @Test
  void aPoolThatGaveNoConnectionInTimeIsTheDatabaseUnavailable() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    Vertx vertx = Vertx.vertx();
    Pool pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(1).setConnectionTimeout(2).setConnectionTimeoutUnit(TimeUnit.SECONDS))
        .connectingTo(new PgConnectOptions().setHost(db.host()).setPort(db.port()).setDatabase(db.database())
            .setUser(db.user()).setPassword(db.password()))
        .using(vertx)
        .build();
    try {
      SqlConnection held = pool.getConnection().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      Throwable failure = pool.query("SELECT 1").execute().transform(ar -> io.vertx.core.Future.succeededFuture(
          ar.cause())).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      held.close();
      assertTrue(failure != null, "the second query had to wait for the one connection");
      assertTrue(com.tracesentinel.history.DatabaseFailures.POOL_TIMEOUT != null, "the pool's timeout failure was found");
      assertTrue(ApiServer.databaseUnavailable(failure), failure.toString());
      assertFalse(ApiServer.databaseUnavailable(new io.vertx.core.VertxException(failure.getMessage())),
          "another failure with the same words is not the pool's");
    } finally {
      pool.close();
      vertx.close();
    }
  }

  /** A service whose database connections pass through {@code proxy}, with a database timeout of 4 s. */
  private static TestService behind(CuttingProxy proxy, DatabaseUrl db) throws Exception {
    return TestService.start(new DatabaseUrl("127.0.0.1", proxy.port(), db.database(), db.user(), db.password()),
        Map.of("TRACESENTINEL_DB_TIMEOUT_SECONDS", "4"));
  }

  @Test
  void aFrozenDatabaseIs503ForAReadAnd504ForAChangeWithinTheTimeout() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    try (CuttingProxy proxy = new CuttingProxy(db.host(), db.port(), "none"); TestService svc = behind(proxy, db);
         com.tracesentinel.support.LogCapture log = com.tracesentinel.support.LogCapture.of(
             org.slf4j.Logger.ROOT_LOGGER_NAME)) {
      // pooled connections already open, as in a running service: a new one would wait for the pool's 5 s instead
      java.util.stream.IntStream.range(0, 8).parallel()
          .forEach(i -> assertEquals(200, svc.get("/api/v1/anomalies/summary?groupBy=type", TestService.ADMIN_KEY).status()));
      proxy.freeze(); // as a SIGSTOPped server: its statement_timeout never runs
      try {
        long start = System.nanoTime();
        Response read = svc.get("/api/v1/anomalies?limit=1", TestService.ADMIN_KEY);
        Response change = svc.put("/api/v1/sites", TestService.ADMIN_KEY, "application/json",
            "[{\"siteId\": \"P44030500009\", \"name\": \"Pharmacy 9\", \"kind\": \"PHARMACY\", "
                + "\"regionCode\": \"440305\", \"regionName\": \"Nanshan\"}]");
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        assertEquals(503, read.status(), read.body());
        assertEquals("5", read.retryAfter());
        // sent, the upsert may still commit when the database wakes: not a 503's "nothing stored"
        assertEquals(504, change.status(), change.body());
        assertTrue(change.body().contains("not known"), change.body());
        for (Response r : java.util.List.of(read, change)) {
          assertEquals("application/problem+json", r.contentType());
        }
        assertTrue(seconds < 20, "answered after " + seconds + " s, the database timeout being 4 s for each");
      } finally {
        proxy.thaw();
      }
      // The database answers both once it thaws; the answers already given stand, and the late ones are noted, not
      // thrown at the answered responses (Vert.x logged each as an "Unhandled exception" at ERROR).
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (log.lines().stream().filter(l -> l.contains("at the database's deadline")).count() < 2
          && System.nanoTime() < until) {
        Thread.sleep(100);
      }
      List<String> late = log.lines().stream().filter(l -> l.contains("at the database's deadline")).toList();
      assertEquals(2, late.size(), String.valueOf(log.lines()));
      assertTrue(late.stream().anyMatch(l -> l.startsWith("GET /api/v1/anomalies [") && l.contains("answered 503")),
          String.valueOf(late));
      assertTrue(late.stream().anyMatch(l -> l.startsWith("PUT /api/v1/sites [") && l.contains("answered 504")),
          String.valueOf(late));
      assertEquals(List.of(), log.errors());
    }
  }

  /**
   * A database timeout of 1 s put the deadline at 3 s, before the pool's 5 s wait for a connection: a change still
   * waiting for one, its statement never sent, was a 504 ("whether it is stored is not known") where the pool's 503
   * ("nothing stored") was coming.
   */
  @Test
  void aChangeThatNeverGotAConnectionIs503WithAShortDatabaseTimeout() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    try (CuttingProxy proxy = new CuttingProxy(db.host(), db.port(), "none");
         TestService svc = TestService.start(new DatabaseUrl("127.0.0.1", proxy.port(), db.database(), db.user(),
             db.password()), Map.of("TRACESENTINEL_DB_TIMEOUT_SECONDS", "1", "TRACESENTINEL_DB_POOL", "2"))) {
      java.util.stream.IntStream.range(0, 4).parallel()
          .forEach(i -> assertEquals(200, svc.get("/api/v1/anomalies?limit=1", TestService.ADMIN_KEY).status()));
      proxy.freeze();
      try {
        // both pooled connections held by reads the frozen database never answers
        List<java.util.concurrent.CompletableFuture<Response>> reads = java.util.stream.IntStream.range(0, 2)
            .mapToObj(i -> java.util.concurrent.CompletableFuture.supplyAsync(
                () -> svc.get("/api/v1/anomalies?limit=1", TestService.ADMIN_KEY)))
            .toList();
        Thread.sleep(500);
        Response change = svc.put("/api/v1/sites", TestService.ADMIN_KEY, "application/json",
            "[{\"siteId\": \"P44030500009\", \"name\": \"Pharmacy 9\", \"kind\": \"PHARMACY\", "
                + "\"regionCode\": \"440305\", \"regionName\": \"Nanshan\"}]");
        assertEquals(503, change.status(), change.body());
        assertEquals("5", change.retryAfter());
        for (java.util.concurrent.CompletableFuture<Response> read : reads) {
          assertEquals(503, read.get(30, TimeUnit.SECONDS).status());
        }
      } finally {
        proxy.thaw();
      }
    }
  }

  @Test
  void aKeyNotYetCheckedIs503WhenTheFrozenDatabaseCannotSayWhoseItIs() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    try (CuttingProxy proxy = new CuttingProxy(db.host(), db.port(), "none"); TestService svc = behind(proxy, db)) {
      String key = svc.post("/api/v1/keys", TestService.ADMIN_KEY, new io.vertx.core.json.JsonObject()
          .put("role", "investigator")).json().getString("key");
      proxy.freeze();
      try {
        long start = System.nanoTime();
        // a body is let in only with a known key: this one is checked before it is read
        Response change = svc.send(svc.request("/api/v1/anomalies/1", key).header("Content-Type", "application/json")
            .method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofString(
                "{\"state\": \"UNDER_REVIEW\", \"note\": \"checking\"}")).build());
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        assertEquals(503, change.status(), change.body());
        assertEquals("5", change.retryAfter());
        assertEquals("application/problem+json", change.contentType());
        assertTrue(seconds < 15, "answered after " + seconds + " s, the database timeout being 4 s");
      } finally {
        proxy.thaw();
      }
    }
  }
}
