package com.tracesentinel.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.tracesentinel.reference.ReferenceStore;
import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Query;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Reading the reference data again on demand: a cluster node re-read it for every request naming a site it did not
 * know, each request with its own queries, so a client naming unknown sites in a loop put them all on the pool.
 */
@Tag("slow")
class ReferenceRefreshTest {
  private static TestService svc;

  @BeforeAll
  static void start() throws Exception {
    svc = TestService.start();
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
  }

  @Test
  void callersDuringAReadShareTheNextOneAndReadsNeverOverlap() throws Exception {
    AtomicInteger reads = new AtomicInteger();
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger mostAtOnce = new AtomicInteger();
    ReferenceRepository repository = new ReferenceRepository(
        counting(svc.app().pool(), reads, inFlight, mostAtOnce), new ReferenceStore(), 30_000);
    Vertx vertx = svc.app().vertx();

    CompletableFuture<Void> first = new CompletableFuture<>();
    List<CompletableFuture<Void>> during = new ArrayList<>();
    vertx.runOnContext(v -> {
      repository.refresh().onComplete(ar -> first.complete(null));
      // registered after the first read started: only a read started after it can see it
      TestDatabase.execute(svc.db(), "INSERT INTO sites (site_id, name, kind, region_code, region_name) "
          + "VALUES ('LATE1', 'Late', 'PHARMACY', '440305', 'Nanshan')");
      for (int i = 0; i < 50; i++) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        during.add(done);
        repository.refresh().onComplete(ar -> done.complete(null));
      }
    });
    first.get(30, TimeUnit.SECONDS);
    CompletableFuture.allOf(during.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

    assertEquals(2, reads.get(), "one read for the first caller, one shared by the 50 that came during it");
    assertEquals(1, mostAtOnce.get(), "reads at once");
    assertNotNull(repository.store().siteById("LATE1"), "the callers' read started after they asked");
  }

  /**
   * A database frozen in the middle of the read a scan naming an unknown site asked for (a frozen server never runs
   * its statement_timeout) held that request, and every request queued behind the read, as long as it stayed frozen.
   * A lock held on the sites table stands in for the freeze here: the read waits on it.
   */
  @Test
  void aCatchUpStopsWaitingAtItsLimitWhileTheReadGoesOn() throws Exception {
    ReferenceRepository repository = new ReferenceRepository(svc.app().pool(), new ReferenceStore(), 500);
    Vertx vertx = svc.app().vertx();
    TestDatabase.execute(svc.db(), "INSERT INTO sites (site_id, name, kind, region_code, region_name) "
        + "VALUES ('LATE2', 'Late', 'PHARMACY', '440305', 'Nanshan')");
    List<com.tracesentinel.ingest.ScanInput> scan = List.of(new com.tracesentinel.ingest.ScanInput(
        "81000012345678901234", com.tracesentinel.rules.EventType.SALE, "LATE2", "D-1", 0, java.time.Instant.now(), 1,
        false, null, null, null, null, null));
    try (java.sql.Connection lock = java.sql.DriverManager.getConnection(svc.db().jdbcUrl(), svc.db().user(),
        svc.db().password())) {
      lock.setAutoCommit(false);
      lock.createStatement().execute("LOCK TABLE sites IN ACCESS EXCLUSIVE MODE");
      List<CompletableFuture<Throwable>> waits = List.of(new CompletableFuture<>(), new CompletableFuture<>());
      long began = System.nanoTime();
      vertx.runOnContext(v -> waits.forEach(w -> repository.catchUp(scan).onComplete(ar -> w.complete(ar.cause()))));
      for (CompletableFuture<Throwable> w : waits) {
        // The pool's statement_timeout would end the read itself after 10 s, with another failure.
        org.junit.jupiter.api.Assertions.assertInstanceOf(java.util.concurrent.TimeoutException.class,
            w.get(8, TimeUnit.SECONDS));
      }
      org.junit.jupiter.api.Assertions.assertTrue(System.nanoTime() - began < TimeUnit.SECONDS.toNanos(8));
      lock.rollback();
    }
    CompletableFuture<Throwable> after = new CompletableFuture<>();
    vertx.runOnContext(v -> repository.catchUp(scan).onComplete(ar -> after.complete(ar.cause())));
    org.junit.jupiter.api.Assertions.assertNull(after.get(30, TimeUnit.SECONDS));
    assertNotNull(repository.store().siteById("LATE2"), "the read went on, and the next caller has the site");
  }

  /** {@code pool}, counting the reads of the sites table and how many ran at once. */
  private static Pool counting(Pool pool, AtomicInteger reads, AtomicInteger inFlight, AtomicInteger mostAtOnce) {
    return (Pool) Proxy.newProxyInstance(Pool.class.getClassLoader(), new Class<?>[] {Pool.class}, (p, m, args) -> {
      Object out = invoke(m, pool, args);
      if (!m.getName().equals("query") || !Sql.SELECT_SITES.equals(args[0])) {
        return out;
      }
      Query<?> query = (Query<?>) out;
      return Proxy.newProxyInstance(Query.class.getClassLoader(), new Class<?>[] {Query.class}, (q, qm, qargs) -> {
        if (!qm.getName().equals("execute")) {
          return invoke(qm, query, qargs);
        }
        reads.incrementAndGet();
        mostAtOnce.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        Future<?> f = (Future<?>) invoke(qm, query, qargs);
        return f.andThen(ar -> inFlight.decrementAndGet());
      });
    });
  }

  private static Object invoke(Method m, Object target, Object[] args) throws Throwable {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
