package com.tracesentinel.ingest;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.reference.Product;
import com.tracesentinel.reference.ReferenceStore;
import com.tracesentinel.reference.Site;
import com.tracesentinel.reference.SiteKind;
import com.tracesentinel.rules.LadderSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;

/**
 * The pipeline over the in-memory ledger and a history that fails only when a test tells it to, for a test that plays
 * one scenario through it: pharmacies S1 and S2 of one city, and product 8600001.
 */
final class MemoryPipeline implements AutoCloseable {
  final ReferenceStore reference = new ReferenceStore();
  final MemoryLedger ledger = new MemoryLedger(1_000);
  final FakeHistory history = new FakeHistory(1, 0, 0);
  final DatabaseHealth health = new DatabaseHealth();
  final ScanService service;

  /** A group is given up after a minute's stall: longer than any scenario waits for the history. */
  MemoryPipeline() {
    this(60_000);
  }

  MemoryPipeline(long stallMillis) {
    reference.putSites(List.of(new Site(1, "S1", "A", SiteKind.PHARMACY, "440301", "r"),
        new Site(2, "S2", "B", SiteKind.PHARMACY, "440301", "r")));
    reference.putProducts(List.of(new Product("8600001", "D1", "g", null, null, null, 10)));
    service = new ScanService(ledger, history, reference, LadderSettings.DEFAULTS, new ScanIds(),
        new IngestMetrics(new SimpleMeterRegistry()), health,
        new ScanService.Settings(60, 100_000, stallMillis, Duration.ofDays(400)));
  }

  /** The ledger holds what a rebuild from the history makes, as verify-ledger checks it. */
  void assertLedgerMatchesHistory() throws Exception {
    LedgerRecovery.Report report = new LedgerRecovery(ledger, history, reference, LadderSettings.DEFAULTS)
        .verify(new PrintStream(new ByteArrayOutputStream()), 10);
    assertTrue(report.clean(), report.toString());
  }

  /** Stops the service without judging how: a test that asserts a clean stop calls {@code service.stop()} itself. */
  @Override
  public void close() throws InterruptedException {
    service.stop();
  }
}
