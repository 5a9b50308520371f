package com.tracesentinel.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * After an unclean stop, only the codes whose ledger change is stamped at or after the last checkpoint are checked
 * against the history. A wall clock stepped back (an NTP correction) must not stamp a change that is not yet stored
 * below a checkpoint already written: a crash then would leave it in the ledger with nothing in the history.
 */
class CheckpointAfterClockStepTest {
  private static final Instant NOW = Instant.parse("2026-11-20T10:00:00Z");

  private final AtomicLong wall = new AtomicLong(NOW.getEpochSecond());
  private final MemoryLedger ledger = new MemoryLedger(1_000);
  private final FakeHistory history = new FakeHistory(1, 0, 0);

  private ScanService start(LedgerClock clock) {
    ReferenceStore reference = new ReferenceStore();
    reference.putSites(List.of(new Site(1, "S1", "A", SiteKind.PHARMACY, "440301", "r")));
    reference.putProducts(List.of(new Product("8600001", "D1", "g", null, null, null, 10)));
    return new ScanService(ledger, history, reference, LadderSettings.DEFAULTS, new ScanIds(),
        new IngestMetrics(new SimpleMeterRegistry()), new DatabaseHealth(),
        new ScanService.Settings(60, 100_000, 60_000, Duration.ofDays(400)), Partitions.SINGLE_NODE, clock);
  }

  private static ScanInput sale(int serial) {
    return new ScanInput(String.format("860000100000%08d", serial), EventType.SALE, "S1", "D" + serial, 1,
        NOW.minusSeconds(600), 1, false, null, null, null);
  }

  private long stampOf(int serial) {
    return StateCodec.changedAt(ledger.getRaw(CodeKey.of(sale(serial).code())));
  }

  /** What the service writes every second: TraceSentinel.checkpointLedger. */
  private static long checkpoint(ScanService service) {
    return service.settledBefore().getEpochSecond() - 2;
  }

  @Test
  void aChangeNotYetStoredIsStampedAtOrAfterTheCheckpointWrittenBeforeTheClockWentBack() throws Exception {
    ScanService service = start(new LedgerClock(0, wall::get));
    assertEquals(ScanStatus.ACCEPTED, service.ingest(List.of(sale(1)), NOW).get(10, TimeUnit.SECONDS).get(0).status());
    long written = checkpoint(service);

    wall.addAndGet(-3_600);
    CountDownLatch database = new CountDownLatch(1);
    history.holdNextCommit = database;
    CompletableFuture<List<ScanResult>> inFlight = service.ingest(List.of(sale(2)), NOW);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (history.commits < 2) {
      assertTrue(System.nanoTime() < deadline, "the second sale reached the commit");
      Thread.sleep(5);
    }
    assertTrue(stampOf(2) >= written, "judged, not stored: a crash now must find it (stamped " + stampOf(2)
        + ", checkpoint " + written + ")");
    assertTrue(checkpoint(service) <= stampOf(2), "nor may a checkpoint written now pass it");

    database.countDown();
    assertEquals(ScanStatus.ACCEPTED, inFlight.get(10, TimeUnit.SECONDS).get(0).status());
    assertTrue(service.stop());
  }

  @Test
  void aRestartWithTheClockBehindTheLastCheckpointStampsFromTheCheckpointOn() throws Exception {
    long lastCheckpoint = wall.get() + 3_600; // written by a run whose clock was an hour ahead
    ScanService service = start(new LedgerClock(0, wall::get));
    service.ledgerTimeFrom(lastCheckpoint);
    assertEquals(ScanStatus.ACCEPTED, service.ingest(List.of(sale(3)), NOW).get(10, TimeUnit.SECONDS).get(0).status());
    assertTrue(stampOf(3) >= lastCheckpoint, "stamped " + stampOf(3) + ", checkpoint " + lastCheckpoint);
    assertTrue(service.stop());
  }
}
