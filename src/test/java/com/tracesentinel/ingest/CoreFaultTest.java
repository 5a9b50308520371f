package com.tracesentinel.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.code.CodeKey;
import com.tracesentinel.reference.Product;
import com.tracesentinel.reference.ReferenceStore;
import com.tracesentinel.reference.Site;
import com.tracesentinel.reference.SiteKind;
import com.tracesentinel.rules.CodeState;
import com.tracesentinel.rules.EventType;
import com.tracesentinel.rules.LadderSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A fault no stage of the core handles (an Error, a bug in its failure handling) ends that stage's thread. Before,
 * every request then in hand, and every one after it, waited for ever. Now the core stops taking scans, answers each
 * request in hand with what is known of it, and leaves the ledger to be reconciled at the next start.
 */
class CoreFaultTest {
  private static final Instant NOW = Instant.parse("2026-11-20T10:00:00Z");

  private final ReferenceStore reference = new ReferenceStore();
  private final FakeHistory history = new FakeHistory(1, 0, 0);
  private ScanService service;

  private ScanService start(LedgerPort ledger) {
    reference.putSites(List.of(new Site(1, "S1", "A", SiteKind.PHARMACY, "440301", "r")));
    reference.putProducts(List.of(new Product("8600001", "D1", "g", null, null, null, 10)));
    service = new ScanService(ledger, history, reference, LadderSettings.DEFAULTS, new ScanIds(),
        new IngestMetrics(new SimpleMeterRegistry()), new DatabaseHealth(),
        new ScanService.Settings(60, 100_000, 60_000, Duration.ofDays(400)));
    return service;
  }

  @AfterEach
  void stop() throws Exception {
    assertFalse(service.stop(), "what was judged and not stored is not settled: the ledger must not close clean");
  }

  private static ScanInput sale(int serial) {
    return new ScanInput(String.format("860000100000%08d", serial), EventType.SALE, "S1", "D" + serial, 1,
        NOW.minusSeconds(600), 1, false, null, null, null);
  }

  private static Throwable failure(CompletableFuture<?> answer) {
    return assertThrows(ExecutionException.class, () -> answer.get(10, TimeUnit.SECONDS),
        "answered, not left waiting").getCause();
  }

  @Test
  void theCommitterDyingAnswersItsGroupNotKnownAndRefusesWhatFollows() throws Exception {
    start(new MemoryLedger(1_000));
    assertEquals(ScanStatus.ACCEPTED, service.ingest(List.of(sale(1)), NOW).get(10, TimeUnit.SECONDS).get(0).status());

    history.dieNextCommit = new OutOfMemoryError("injected: the committer's thread dies");
    assertInstanceOf(ScanService.OutcomeUnknown.class, failure(service.ingest(List.of(sale(2)), NOW)),
        "its group was being committed: stored or not, nobody can say");

    Throwable after = failure(service.ingest(List.of(sale(3)), NOW));
    assertInstanceOf(ScanService.Unavailable.class, after, "refused: nothing stores scans any more");
    assertNotNull(service.stoppedBecause());
    assertTrue(service.stoppedBecause().contains("committer"), service.stoppedBecause());
    assertNotNull(service.admission(), "readiness and admission refuse");
    assertNull(service.settledBefore(), "the ledger's checkpoint stops where the core stopped");
    assertEquals(1, history.countStoredScans());
  }

  /**
   * An interrupt nobody sent to stop it ends the committer's wait for work, and its thread with it: that thread ended
   * silently, liveness said only "the ingest threads stopped", and scans were still admitted, to wait for a committer
   * that was gone (seen when a test stopped the thread: Thread.stop interrupts it first).
   */
  @Test
  void theCommitterEndedByAnInterruptIsADeathNotASilentEnd() throws Exception {
    java.util.Set<Thread> earlier = committers();
    start(new MemoryLedger(1_000));
    assertEquals(ScanStatus.ACCEPTED, service.ingest(List.of(sale(1)), NOW).get(10, TimeUnit.SECONDS).get(0).status());
    java.util.Set<Thread> started = committers();
    started.removeAll(earlier);
    assertEquals(1, started.size(), started.toString());
    Thread committer = started.iterator().next();
    committer.interrupt();
    committer.join(10_000);
    assertFalse(committer.isAlive());
    assertNotNull(service.stoppedBecause());
    assertTrue(service.stoppedBecause().contains("internal fault in its committer"), service.stoppedBecause());
    assertNotNull(service.admission(), "readiness and admission refuse");
    assertInstanceOf(ScanService.Unavailable.class, failure(service.ingest(List.of(sale(2)), NOW)),
        "refused at once, not left waiting for a committer");
  }

  private static java.util.Set<Thread> committers() {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("ingest-committer"))
        .collect(java.util.stream.Collectors.toSet());
  }

  @Test
  void theJudgeDyingLetsTheCommitterFinishWhatItWasGivenAndFailsOnlyWhatWasNotStored() throws Exception {
    byte[] poisoned = CodeKey.of(sale(3).code()); // a plain 20-digit code is its own canonical form
    start(new DyingLedger(new MemoryLedger(1_000), poisoned));

    CountDownLatch hold = new CountDownLatch(1);
    history.holdNextCommit = hold;
    CompletableFuture<List<ScanResult>> first = service.ingest(List.of(sale(1)), NOW);
    waitFor(() -> history.commits == 1);
    CompletableFuture<List<ScanResult>> second = service.ingest(List.of(sale(2)), NOW); // judged, queued behind
    CompletableFuture<List<ScanResult>> third = service.ingest(List.of(sale(3)), NOW);  // kills the judge
    waitFor(() -> service.stoppedBecause() != null);
    assertTrue(service.stoppedBecause().contains("judge"), service.stoppedBecause());
    assertInstanceOf(ScanService.Unavailable.class, failure(service.ingest(List.of(sale(4)), NOW)),
        "refused at once after the judge died");
    assertInstanceOf(ScanService.Unavailable.class, failure(service.storedNow(List.of())),
        "a task for the judge's thread fails instead of waiting for ever");
    assertFalse(first.isDone(), "the group being committed is not answered before its commit");
    assertFalse(second.isDone(), "nor what the committer holds: it may still be stored");

    hold.countDown();
    assertEquals(ScanStatus.ACCEPTED, first.get(10, TimeUnit.SECONDS).get(0).status());
    assertEquals(ScanStatus.ACCEPTED, second.get(10, TimeUnit.SECONDS).get(0).status());
    assertInstanceOf(ScanService.Unavailable.class, failure(third), "never judged: certainly not stored");
    assertEquals(2, history.countStoredScans());
    assertNull(service.settledBefore());
  }

  private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out");
      Thread.sleep(5);
    }
  }

  /** A ledger whose one code throws an Error on the judge's thread, as a fault nothing there handles. */
  private record DyingLedger(LedgerPort inner, byte[] poisoned) implements LedgerPort {
    private void check(byte[] key) {
      if (Arrays.equals(key, poisoned)) {
        throw new StackOverflowError("injected: the judge's thread dies");
      }
    }

    @Override
    public byte[] getRaw(byte[] key) {
      check(key);
      return inner.getRaw(key);
    }

    @Override
    public void put(byte[] key, CodeState state, long changedAt, boolean isNew) {
      check(key);
      inner.put(key, state, changedAt, isNew);
    }

    @Override
    public byte[] update(byte[] key, long changedAt, Function<byte[], CodeState> step) {
      check(key);
      return inner.update(key, changedAt, step);
    }

    @Override
    public void restore(byte[] key, byte[] previous) {
      inner.restore(key, previous);
    }

    @Override
    public void forEach(BiConsumer<byte[], byte[]> visitor) {
      inner.forEach(visitor);
    }

    @Override
    public long size() {
      return inner.size();
    }

    @Override
    public long capacity() {
      return inner.capacity();
    }
  }
}
