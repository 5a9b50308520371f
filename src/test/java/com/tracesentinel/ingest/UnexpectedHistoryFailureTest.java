package com.tracesentinel.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.reference.Product;
import com.tracesentinel.reference.ReferenceStore;
import com.tracesentinel.reference.Site;
import com.tracesentinel.reference.SiteKind;
import com.tracesentinel.rules.EventType;
import com.tracesentinel.rules.LadderSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The history port throwing what it must not (a JDBC driver's internal error once escaped it, and the committer
 * thread died: every request after it waited for ever). The committer asks the database whether the group committed,
 * answers accordingly, and goes on.
 */
class UnexpectedHistoryFailureTest {
  private static final Instant NOW = Instant.parse("2026-11-20T10:00:00Z");

  private final ReferenceStore reference = new ReferenceStore();
  private final MemoryLedger ledger = new MemoryLedger(1_000);
  private final FakeHistory history = new FakeHistory(1, 0, 0);
  private final DatabaseHealth health = new DatabaseHealth();
  private ScanService service;

  @BeforeEach
  void start() {
    reference.putSites(List.of(new Site(1, "S1", "A", SiteKind.PHARMACY, "440301", "r")));
    reference.putProducts(List.of(new Product("8600001", "D1", "g", null, null, null, 10)));
    service = new ScanService(ledger, history, reference, LadderSettings.DEFAULTS, new ScanIds(),
        new IngestMetrics(new SimpleMeterRegistry()), health,
        new ScanService.Settings(60, 100_000, 60_000, Duration.ofDays(400)));
  }

  @AfterEach
  void stop() throws Exception {
    assertTrue(service.stop());
  }

  private static ScanInput sale(int serial) {
    return new ScanInput(String.format("860000100000%08d", serial), EventType.SALE, "S1", "D" + serial, 1,
        NOW.minusSeconds(600), 1, false, null, null, null);
  }

  @Test
  void aFailureBeforeAnythingWasStoredIsA503AndTheCommitterGoesOn() throws Exception {
    history.crashNextCommit = new NoSuchElementException("injected: the driver's protocol state");
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> service.ingest(List.of(sale(1)), NOW).get(10, TimeUnit.SECONDS));
    assertInstanceOf(ScanService.Unavailable.class, e.getCause());
    assertEquals(0, history.countStoredScans());

    health.up(); // what the supervisor's probe does once the database answers
    assertEquals(ScanStatus.ACCEPTED, service.ingest(List.of(sale(1)), NOW).get(10, TimeUnit.SECONDS).get(0).status(),
        "judged afresh: the failed try was undone");
    assertEquals(ScanStatus.ACCEPTED, service.ingest(List.of(sale(2)), NOW).get(10, TimeUnit.SECONDS).get(0).status());
    assertEquals(2, history.countStoredScans());
    assertClean();
  }

  @Test
  void aFailureAfterTheGroupCommittedIsAnsweredAsStored() throws Exception {
    history.crashAfterStore = true;
    history.crashNextCommit = new NoSuchElementException("injected: the driver's protocol state");
    assertEquals(ScanStatus.ACCEPTED, service.ingest(List.of(sale(1)), NOW).get(10, TimeUnit.SECONDS).get(0).status(),
        "the database says the group committed: 200");
    assertEquals(ScanStatus.REPLAYED, service.ingest(List.of(sale(1)), NOW).get(10, TimeUnit.SECONDS).get(0).status(),
        "a re-send of a stored scan");
    assertEquals(ScanStatus.ACCEPTED, service.ingest(List.of(sale(2)), NOW).get(10, TimeUnit.SECONDS).get(0).status());
    assertEquals(2, history.countStoredScans());
    assertClean();
  }

  @Test
  void anAnswerThatCannotBeBuiltSaysStoredAndTheCommitterGoesOn() throws Exception {
    assertEquals(ScanStatus.ACCEPTED, service.ingest(List.of(sale(1)), NOW).get(10, TimeUnit.SECONDS).get(0).status());
    history.brokenReceiptOnce = true;
    ScanInput again = new ScanInput(sale(1).code(), EventType.SALE, "S1", "D-again", 1, NOW.minusSeconds(60), 1, false,
        null, null, null);
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> service.ingest(List.of(again), NOW).get(10, TimeUnit.SECONDS),
        "the second sale's conflict is read from the receipt, which throws");
    assertInstanceOf(ScanService.StoredUnanswered.class, e.getCause());
    assertEquals(2, history.countStoredScans(), "stored all the same");

    assertEquals(ScanStatus.ACCEPTED, service.ingest(List.of(sale(2)), NOW).get(10, TimeUnit.SECONDS).get(0).status(),
        "the committer is alive");
    assertEquals(ScanStatus.REPLAYED, service.ingest(List.of(again), NOW).get(10, TimeUnit.SECONDS).get(0).status(),
        "the re-send the answer asks for");
    assertEquals(3, history.countStoredScans());
    assertClean();
  }

  private void assertClean() throws Exception {
    LedgerRecovery.Report report = new LedgerRecovery(ledger, history, reference, LadderSettings.DEFAULTS)
        .verify(new PrintStream(new ByteArrayOutputStream()), 10);
    assertTrue(report.clean(), report.toString());
  }
}
