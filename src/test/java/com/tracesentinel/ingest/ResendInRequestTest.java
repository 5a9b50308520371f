package com.tracesentinel.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.code.CodeKey;
import com.tracesentinel.reference.Product;
import com.tracesentinel.reference.ReferenceStore;
import com.tracesentinel.reference.Site;
import com.tracesentinel.reference.SiteKind;
import com.tracesentinel.rules.EventType;
import com.tracesentinel.rules.LadderSettings;
import com.tracesentinel.rules.StateCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A request that re-sends one scan of a code and also brings new scans of that code: the re-send is found whichever
 * comes first (without a refused commit), and the code moves in request order, exactly as if the scans had come one
 * request at a time, also when a new scan has to wait for the history (its fingerprint matches an earlier scan's, or
 * its code has more scans than its state remembers).
 */
class ResendInRequestTest {
  private static final Instant NOW = Instant.parse("2026-11-20T10:00:00Z");
  private static final String CODE = "86000010000000000042";

  private final ReferenceStore reference = new ReferenceStore();
  private final MemoryLedger ledger = new MemoryLedger(1_000);
  private final FakeHistory history = new FakeHistory(1, 0, 60);
  private final DatabaseHealth health = new DatabaseHealth();
  private final ScanService service;

  ResendInRequestTest() {
    reference.putSites(List.of(new Site(1, "S1", "A", SiteKind.PHARMACY, "440301", "r"),
        new Site(2, "S2", "B", SiteKind.PHARMACY, "440302", "r")));
    reference.putProducts(List.of(new Product("8600001", "D1", "g", null, null, null, 10)));
    service = service(ledger, history);
  }

  private ScanService service(MemoryLedger ledger, FakeHistory history) {
    return new ScanService(ledger, history, reference, LadderSettings.DEFAULTS, new ScanIds(),
        new IngestMetrics(new SimpleMeterRegistry()), health,
        new ScanService.Settings(60, 100_000, 30, Duration.ofDays(400)));
  }

  @AfterEach
  void stop() throws InterruptedException {
    assertTrue(service.stop());
  }

  private static ScanInput sale(String site, String doc, int minutesAgo) {
    return scan(EventType.SALE, site, doc, minutesAgo);
  }

  private static ScanInput scan(EventType type, String site, String doc, int minutesAgo) {
    return new ScanInput(CODE, type, site, doc, 1, NOW.minusSeconds(60L * minutesAgo), 1, false, null, null, null);
  }

  @Test
  void aReSendAfterANewScanOfItsCodeIsReplayed() throws Exception {
    assertEquals(ScanStatus.ACCEPTED, service.ingest(List.of(sale("S1", "D1", 30)), NOW).join().get(0).status());
    List<ScanResult> results = service.ingest(List.of(sale("S2", "D2", 10), sale("S1", "D1", 30)), NOW).join();
    assertEquals(List.of(ScanStatus.FLAGGED, ScanStatus.REPLAYED), results.stream().map(ScanResult::status).toList());
    assertEquals(ScanStatus.ACCEPTED, results.get(1).original().status());
    assertStoredAndRebuildable(2, 2);
  }

  @Test
  void aReSendBeforeANewScanOfItsCodeIsReplayedAndTheNewScanStillJudged() throws Exception {
    assertEquals(ScanStatus.ACCEPTED, service.ingest(List.of(sale("S1", "D1", 30)), NOW).join().get(0).status());
    List<ScanResult> results = service.ingest(List.of(sale("S1", "D1", 30), sale("S2", "D2", 10),
        sale("S2", "D3", 5)), NOW).join();
    assertEquals(List.of(0, 1, 2), results.stream().map(ScanResult::index).toList());
    assertEquals(List.of(ScanStatus.REPLAYED, ScanStatus.FLAGGED, ScanStatus.FLAGGED),
        results.stream().map(ScanResult::status).toList());
    assertStoredAndRebuildable(3, 2);
  }

  @Test
  void theSameScanTwiceInOneRequestIsStoredOnceAndReplayedOnce() throws Exception {
    List<ScanResult> results = service.ingest(List.of(sale("S1", "D1", 30), sale("S1", "D1", 30)), NOW).join();
    assertEquals(List.of(ScanStatus.ACCEPTED, ScanStatus.REPLAYED), results.stream().map(ScanResult::status).toList());
    assertStoredAndRebuildable(1, 1);
  }

  /**
   * New scans are judged one look-up each until one may be a re-send; that one waits for the history, and the scans
   * behind it are judged after it, in order, whether they are new or re-sends too.
   */
  @Test
  void aReSendAmongNewScansIsReplayedAndTheScansAroundItJudgedInOrder() throws Exception {
    assertSameAsOneAtATime(List.of(sale("S1", "D1", 90)), List.of(sale("S2", "D2", 40), sale("S1", "D1", 90),
        sale("S2", "D3", 30), sale("S2", "D2", 40), sale("S1", "D4", 20)));
  }

  /**
   * A new scan whose fingerprint happens to equal an earlier scan's waits for the history, which says it is new; the
   * scan of its code behind it must still be judged after it.
   */
  @Test
  void aScanBehindANewScanThatWaitedIsJudgedAfterIt() throws Exception {
    ScanInput first = sale("S1", "D1", 90);
    byte[] fingerprint = CodeKey.sha256Prefix(first.idempotencyKey(CODE));
    String doc = null;
    for (int k = 0; doc == null; k++) {
      byte[] idem = CodeKey.sha256Prefix(ScanInput.idempotencyKey("S2", "X" + k, 1, CODE, EventType.SALE));
      if (idem[0] == fingerprint[0] && idem[1] == fingerprint[1]) {
        doc = "X" + k;
      }
    }
    assertSameAsOneAtATime(List.of(first), List.of(sale("S2", doc, 20), sale("S2", "D5", 10)));
  }

  /**
   * A code with more than four scans may always be a re-send (its state remembers four), so its every scan waits for
   * the history; the scans of it behind one that waits must wait too, or a later one would move the code first.
   */
  @Test
  void scansOfACodeBehindOneThatWaitsForTheHistoryAreJudgedAfterIt() throws Exception {
    List<ScanInput> before = List.of(sale("S1", "D1", 90), scan(EventType.RETURN, "S1", "D1", 80),
        sale("S1", "D2", 70), scan(EventType.RETURN, "S1", "D2", 60), sale("S1", "D3", 50));
    assertSameAsOneAtATime(before, List.of(scan(EventType.RETURN, "S1", "D3", 20), sale("S2", "D4", 10)));
  }

  /**
   * Ingests {@code before}, then {@code request} as one request: its answers and the code's state must be those of
   * the same scans sent one request at a time, in order, to a service of their own.
   */
  private void assertSameAsOneAtATime(List<ScanInput> before, List<ScanInput> request) throws Exception {
    MemoryLedger apartLedger = new MemoryLedger(1_000);
    ScanService apart = service(apartLedger, new FakeHistory(1, 0, 60));
    List<ScanStatus> expected = new java.util.ArrayList<>();
    try {
      for (ScanInput s : before) {
        apart.ingest(List.of(s), NOW).join();
      }
      for (ScanInput s : request) {
        expected.add(apart.ingest(List.of(s), NOW).join().get(0).status());
      }
    } finally {
      assertTrue(apart.stop());
    }
    service.ingest(before, NOW).join();
    List<ScanResult> results = service.ingest(request, NOW).join();
    assertEquals(expected, results.stream().map(ScanResult::status).toList());
    byte[] key = CodeKey.of(CODE);
    assertEquals(StateCodec.decode(apartLedger.getRaw(key)), StateCodec.decode(ledger.getRaw(key)), "the same state");
  }

  /**
   * A missed re-send would still not be stored twice: the history refuses the group, and the core judges the
   * request again checking every scan. So this also counts commits: one per request, none refused.
   */
  /**
   * The history commits but cannot answer whether a scan was sent before (its connection ended mid-query): the
   * request is refused whole and leaves no trace, so its re-send is told apart. Each such scan was stored REJECTED
   * with a 200, and a till's re-send of a stored batch had its rows stored a second time.
   */
  @Test
  void aRequestWhoseReSendCheckFailsIsRefusedWholeAndLeavesNoTrace() throws Exception {
    assertEquals(ScanStatus.ACCEPTED, service.ingest(List.of(sale("S1", "D1", 30)), NOW).join().get(0).status());
    byte[] before = ledger.getRaw(CodeKey.of(CODE));
    history.failNextFind = new IllegalStateException("the connection was ended");
    // The new sale is judged before the re-send, whose check then fails: the sale's change must be undone too.
    CompletionException refused = assertThrows(CompletionException.class,
        () -> service.ingest(List.of(sale("S2", "D2", 10), sale("S1", "D1", 30)), NOW).join());
    assertTrue(refused.getCause() instanceof ScanService.Unavailable, refused.toString());
    assertEquals(StateCodec.decode(before), StateCodec.decode(ledger.getRaw(CodeKey.of(CODE))), "the sale undone");
    assertStoredAndRebuildable(1, 1);

    assertTrue(health.downBecause() != null, "an unanswered check reports the database down");
    health.up(); // what the supervisor's probe does at once when the database answers it
    List<ScanResult> again = service.ingest(List.of(sale("S2", "D2", 10), sale("S1", "D1", 30)), NOW).join();
    assertEquals(List.of(ScanStatus.FLAGGED, ScanStatus.REPLAYED), again.stream().map(ScanResult::status).toList());
    assertStoredAndRebuildable(2, 2);
  }

  /**
   * The database freezes while a re-send is being checked and nothing is being committed, so no commit finds it
   * stopped: what is queued behind the unanswered check is refused at once, neither checked nor committed. A re-send
   * waited out a check of its own, refused after twice the judge's limit (4,013 ms in load-tests/faults/run.sh
   * pg-stop-resend), and a new scan a commit's stall limit (3,610 ms).
   */
  @Test
  void aReSendQueuedBehindAnUnansweredCheckIsRefusedWithoutACheckOfItsOwn() throws Exception {
    assertEquals(ScanStatus.ACCEPTED, service.ingest(List.of(sale("S1", "D1", 30)), NOW).join().get(0).status());
    java.util.concurrent.CountDownLatch asked = new java.util.concurrent.CountDownLatch(1);
    history.findAsked = asked;
    var first = service.ingest(List.of(sale("S1", "D1", 30)), NOW);
    assertTrue(asked.await(10, java.util.concurrent.TimeUnit.SECONDS), "the first re-send is being checked");
    var queued = service.ingest(List.of(sale("S1", "D1", 30)), NOW);
    // A new scan of a new code asks the history nothing, but behind the check it would wait for a commit as well.
    var queuedNew = service.ingest(List.of(new ScanInput("86000010000000000043", EventType.SALE, "S2", "D9", 1,
        NOW.minusSeconds(60), 1, false, null, null, null)), NOW);
    history.answerFind.countDown();

    for (var answer : List.of(first, queued, queuedNew)) {
      CompletionException refused = assertThrows(CompletionException.class, answer::join);
      assertTrue(refused.getCause() instanceof ScanService.Unavailable, refused.toString());
    }
    assertEquals(1, history.finds.get(), "one check asked, not one more for the queued re-send");
    health.up();
    assertEquals(ScanStatus.REPLAYED, service.ingest(List.of(sale("S1", "D1", 30)), NOW).join().get(0).status(),
        "checked again once the database answers");
    assertStoredAndRebuildable(1, 2);
  }

  private void assertStoredAndRebuildable(int rows, int commits) throws Exception {
    assertEquals(rows, history.countStoredScans());
    assertEquals(commits, history.commits, "one commit per request: none refused for a duplicate");
    LedgerRecovery.Report report = new LedgerRecovery(ledger, history, reference, LadderSettings.DEFAULTS)
        .verify(new PrintStream(new ByteArrayOutputStream()), 10);
    assertTrue(report.clean(), report.toString());
  }
}
