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
        counting(svc.app().pool(), reads, inFlight, mostAtOnce), new ReferenceStore());
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
