package com.tracesentinel.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real service, after its judge or committer thread died of a fault it does not handle (an Error such as an
 * OutOfMemoryError): both health checks fail with the reason, scans are refused with a 503 and not stored, public
 * look-ups and investigators' timelines get a 503 rather than a state from a ledger that may hold unstored changes,
 * and the next start reconciles the ledger with the history. The fault is thrown inside the running thread by
 * {@link Thread#stop} (still in Java 17), so no test hook sits in the service: the thread, waiting on its queue, gets a
 * ThreadDeath, which the queue's lock turns into an IllegalMonitorStateException on the way out; neither has a handler
 * in the stage. (Errors inside a stage's own work are tested with fake ports in CoreFaultTest.) Checked to fail with
 * the guard's catch narrowed to Error (the liveness check then says only "the ingest threads stopped").
 */
@Tag("slow")
class BrokenCoreHealthTest {
  private static final AtomicLong CODES = new AtomicLong(830_000_000_000_000_000L);

  private static String newCode() {
    return CODES.incrementAndGet() + "00";
  }

  private static JsonObject scan(String code) {
    return new JsonObject().put("code", code).put("siteId", "PA").put("documentNo", "D-" + code)
        .put("scannedAt", Instant.now().toString());
  }

  private static Set<Thread> threadsNamed(String name) {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name))
        .collect(Collectors.toSet());
  }

  /** Kills the one thread of that name started since {@code earlier} was taken (never another service's). */
  @SuppressWarnings("removal")
  private static void killThread(String name, Set<Thread> earlier) {
    Set<Thread> started = threadsNamed(name);
    started.removeAll(earlier);
    assertEquals(1, started.size(), "threads named " + name + " started by this service: " + started);
    Thread thread = started.iterator().next();
    try {
      thread.stop();
    } catch (UnsupportedOperationException e) {
      Assumptions.abort("this JDK cannot throw an Error into another thread (Thread.stop was removed after 19)");
    }
  }

  private static Response awaitStatus(TestService svc, String path, int status) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    Response r = svc.get(path, null);
    while (r.status() != status && System.nanoTime() < deadline) {
      Thread.sleep(50);
      r = svc.get(path, null);
    }
    assertEquals(status, r.status(), path + ": " + r.body());
    return r;
  }

  @ParameterizedTest
  @ValueSource(strings = {"judge", "committer"})
  void aDeadIngestThreadFailsBothHealthChecksRefusesScansAndTheNextStartReconciles(String stage) throws Exception {
    Set<Thread> earlier = threadsNamed("ingest-" + stage);
    try (TestService svc = TestService.start()) {
      svc.sites("PA", "440305");
      String scanner = svc.key("scanner", "PA");
      String investigator = svc.key("investigator", null);
      String before = newCode();
      JsonObject storedScan = scan(before);
      assertEquals(200, svc.post("/api/v1/scans", scanner, storedScan).status());

      killThread("ingest-" + stage, earlier);

      String reason = awaitStatus(svc, "/health/live", 503).json().getString("reason");
      assertTrue(reason.contains("internal fault in its " + stage), reason);
      assertEquals(reason, awaitStatus(svc, "/health/ready", 503).json().getString("reason"));
      String after = newCode();
      Response refused = svc.post("/api/v1/scans", scanner, scan(after));
      assertEquals(503, refused.status(), refused.body());
      assertTrue(refused.contentType().startsWith("application/problem+json"), refused.contentType());
      assertTrue(refused.body().contains("must be restarted"), refused.body());
      assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE canonical = '" + after + "'"));
      // The ledger may hold changes judged and never stored: the public is not answered from it.
      Response lookUp = svc.get("/api/v1/verify/" + before, null);
      assertEquals(503, lookUp.status(), lookUp.body());
      assertTrue(lookUp.body().contains("until the service has restarted"), lookUp.body());
      assertEquals("60", lookUp.retryAfter());
      // Nor an investigator: the timeline shows the ledger's state beside the stored scans.
      Response timeline = svc.get("/api/v1/codes/" + before + "/events", investigator);
      assertEquals(503, timeline.status(), timeline.body());
      assertTrue(timeline.body().contains("until the service has restarted"), timeline.body());
      assertEquals("60", timeline.retryAfter());

      svc.restart(); // the ledger was left unclean: this start verifies and reconciles it
      awaitStatus(svc, "/health/ready", 200);
      awaitStatus(svc, "/health/live", 200);
      assertEquals("ONE_SALE", svc.get("/api/v1/verify/" + before, null).json().getString("outcome"));
      assertEquals(1, svc.get("/api/v1/codes/" + before + "/events", investigator).json().getJsonObject("state")
          .getInteger("saleCount"));
      assertEquals("REPLAYED", svc.post("/api/v1/scans", scanner, storedScan).result(0).getString("status"));
      assertEquals("ACCEPTED", svc.post("/api/v1/scans", scanner, scan(after)).result(0).getString("status"));
      assertEquals(2, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE canonical IN ('" + before
          + "', '" + after + "')"));
      svc.assertLedgerEqualsHistory();
    }
  }
}
