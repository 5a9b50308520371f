package com.tracesentinel.ingest;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Real PostgreSQL failing at every step of a group commit while four clients write overlapping codes: a statement
 * refused while the rows go in, a COMMIT refused (a deferred trigger), and the service's connections terminated
 * (before COMMIT, or while its answer is on the way). Afterwards PostgreSQL is checked attempt by attempt: every 200
 * is stored in full, every 503 not at all, a re-send of a stored request is REPLAYED; and the ledger equals a
 * rebuild from the history.
 */
@Tag("slow")
class IntegrityStormTest {
  private record Attempt(int id, int status, String body) {}

  @Test
  void answersMatchWhatPostgresqlStoredUnderFailuresAtEveryStep() throws Exception {
    try (TestService svc = TestService.start(Map.of("TRACESENTINEL_DB_TIMEOUT_SECONDS", "2"))) {
      svc.sites("IA", "440301", "IB", "440302", "IC", "110101");
      TestDatabase.execute(svc.db(), "CREATE FUNCTION injected() RETURNS trigger LANGUAGE plpgsql AS "
          + "$$ BEGIN RAISE EXCEPTION 'injected fault' USING ERRCODE = '57014'; END $$");
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicInteger faults = new AtomicInteger();
      Thread injector = new Thread(() -> inject(svc, running, faults), "fault-injector");
      injector.start();
      try {
        storm(svc, faults, running, injector);
      } finally {
        // Never left running after a failure: it would end the connections of the tests after this one.
        running.set(false);
        injector.join();
      }
    }
  }

  private static void storm(TestService svc, AtomicInteger faults, AtomicBoolean running, Thread injector)
      throws Exception {
    Instant t0 = Instant.now().minusSeconds(5 * 86_400);
    AtomicInteger attempts = new AtomicInteger();
    List<Attempt> log = Collections.synchronizedList(new ArrayList<>());
    ExecutorService clients = Executors.newFixedThreadPool(4);
    List<Future<?>> done = new ArrayList<>();
    String[] sites = {"IA", "IB", "IC"};
    for (int c = 0; c < 4; c++) {
      int client = c;
      done.add(clients.submit(() -> {
        Random random = new Random(client);
        List<JsonArray> sent = new ArrayList<>();
        // Until enough faults of every kind happened, however fast or slow the machine is (at most a minute).
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int n = 0; n < 2_000 && (n < 40 || faults.get() < 15) && System.nanoTime() < until; n++) {
          JsonArray scans;
          if (!sent.isEmpty() && random.nextInt(4) == 0) {
            scans = sent.get(random.nextInt(sent.size())).copy();
          } else {
            scans = new JsonArray();
            for (int line = 1; line <= 1 + random.nextInt(20); line++) {
              scans.add(new JsonObject().put("code", String.format("87%018d", random.nextInt(150)))
                  .put("siteId", sites[random.nextInt(3)]).put("documentNo", "D" + client + "-" + n)
                  .put("lineNo", line).put("scannedAt", t0.plusSeconds(random.nextInt(86_400)).toString()));
            }
            sent.add(scans);
          }
          int id = attempts.incrementAndGet();
          scans.forEach(o -> ((JsonObject) o).put("deviceId", "a" + id));
          Response r = svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("scans", scans));
          assertTrue(r.status() == 200 || r.status() == 503, r.status() + " " + r.body());
          log.add(new Attempt(id, r.status(), r.body()));
          if (r.status() == 503) {
            Thread.sleep(20);
          }
        }
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get(3, TimeUnit.MINUTES);
    }
    clients.shutdown();
    // The faults stop before PostgreSQL is checked.
    running.set(false);
    injector.join();

    int ok = 0;
    int refused = 0;
    Map<String, Long> storedByAttempt = TestDatabase.countsBy(svc.db(),
        "SELECT device_id, count(*) FROM scans GROUP BY device_id");
    for (Attempt a : log) {
      long stored = storedByAttempt.getOrDefault("a" + a.id(), 0L);
      if (a.status() == 503) {
        refused++;
        assertEquals(0, stored, "attempt " + a.id() + " was answered 503 but PostgreSQL holds its rows");
      } else {
        ok++;
        JsonArray results = new JsonObject(a.body()).getJsonArray("results");
        long rows = results.stream().filter(o -> !"REPLAYED".equals(((JsonObject) o).getString("status"))).count();
        assertEquals(rows, stored, "attempt " + a.id() + " was answered 200: exactly its rows are stored");
      }
    }
    assertTrue(ok > 50, ok + " stored");
    assertTrue(refused > 0 && faults.get() > 5, refused + " refused after " + faults.get() + " faults");
    svc.assertLedgerEqualsHistory();
  }

  /** Until stopped: every 50-250 ms one fault, at the insert, at the commit, or on the connections. */
  private static void inject(TestService svc, AtomicBoolean running, AtomicInteger faults) {
    Random random = new Random(99);
    while (running.get()) {
      try {
        Thread.sleep(150 + random.nextInt(300));
        switch (random.nextInt(3)) {
          case 0 -> window(svc, "CREATE TRIGGER injected_insert BEFORE INSERT ON scans FOR EACH ROW "
              + "EXECUTE FUNCTION injected()", "DROP TRIGGER injected_insert ON scans", random);
          case 1 -> window(svc, "CREATE CONSTRAINT TRIGGER injected_commit AFTER INSERT ON scans "
              + "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION injected()",
              "DROP TRIGGER injected_commit ON scans", random);
          default -> TestDatabase.execute(svc.db(), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
              + "WHERE application_name = 'tracesentinel-local'");
        }
        faults.incrementAndGet();
      } catch (InterruptedException e) {
        return;
      } catch (IllegalStateException e) {
        // The injection itself lost a lock race with the service's commit (a deadlock PostgreSQL broke): try again.
      }
    }
  }

  /** Installs a fault for a moment; its removal is retried until it succeeds, so no fault outlives its window. */
  private static void window(TestService svc, String install, String remove, Random random)
      throws InterruptedException {
    TestDatabase.execute(svc.db(), install);
    Thread.sleep(20 + random.nextInt(80));
    while (true) {
      try {
        TestDatabase.execute(svc.db(), remove);
        return;
      } catch (IllegalStateException deadlock) {
        Thread.sleep(10);
      }
    }
  }
}
