package com.tracesentinel.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.rules.EventType;
import java.time.Instant;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The history port throwing what it must not (a JDBC driver's internal error once escaped it, and the committer
 * thread died: every request after it waited for ever). The committer asks the database whether the group committed,
 * answers accordingly, and goes on.
 */
class UnexpectedHistoryFailureTest {
  private static final Instant NOW = Instant.parse("2026-11-20T10:00:00Z");

  private final MemoryPipeline pipeline = new MemoryPipeline();
  private final ScanService service = pipeline.service;
  private final FakeHistory history = pipeline.history;

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

    pipeline.health.up(); // what the supervisor's probe does once the database answers
    assertEquals(ScanStatus.ACCEPTED, service.ingest(List.of(sale(1)), NOW).get(10, TimeUnit.SECONDS).get(0).status(),
        "judged afresh: the failed try was undone");
    assertEquals(ScanStatus.ACCEPTED, service.ingest(List.of(sale(2)), NOW).get(10, TimeUnit.SECONDS).get(0).status());
    assertEquals(2, history.countStoredScans());
    pipeline.assertLedgerMatchesHistory();
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
    pipeline.assertLedgerMatchesHistory();
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
    pipeline.assertLedgerMatchesHistory();
  }
}
