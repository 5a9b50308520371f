package com.tracesentinel.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tracesentinel.code.CodeKey;
import com.tracesentinel.reference.Product;
import com.tracesentinel.reference.ReferenceStore;
import com.tracesentinel.reference.Site;
import com.tracesentinel.reference.SiteKind;
import com.tracesentinel.rules.EventType;
import com.tracesentinel.rules.LadderSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A cluster node's judge carries, into the commit's ownership check, the epoch under which it found the partition
 * ready: read once. A hold that changes between two reads (handed away and back, its ledger part being rebuilt)
 * must not lend the judged request the new epoch, or the commit would pass its check on a half-rebuilt ledger.
 */
class JudgingEpochTest {
  private static final Instant NOW = Instant.parse("2026-11-20T10:00:00Z");

  /** Ready under epoch 5 at the first look; from the second on, being rebuilt under epoch 7. */
  private static final class HandedBackMeanwhile implements Partitions {
    final AtomicInteger reads = new AtomicInteger();

    private boolean firstLook() {
      return reads.getAndIncrement() == 0;
    }

    @Override
    public boolean judges(int part) {
      return firstLook();
    }

    @Override
    public long judgingEpoch(int part) {
      return firstLook() ? 5 : -1;
    }

    @Override
    public void fenced(Set<Integer> parts) {
      throw new AssertionError("not in this test");
    }
  }

  @Test
  void theEpochCarriedIsTheOneTheHoldWasReadyUnder() throws Exception {
    ReferenceStore reference = new ReferenceStore();
    reference.putSites(List.of(new Site(1, "S1", "A", SiteKind.PHARMACY, "440301", "r")));
    reference.putProducts(List.of(new Product("8600001", "D1", "g", null, null, null, 10)));
    FakeHistory history = new FakeHistory(1, 0, 0);
    HandedBackMeanwhile partitions = new HandedBackMeanwhile();
    ScanService service = new ScanService(new MemoryLedger(1_000), history, reference, LadderSettings.DEFAULTS,
        new ScanIds(), new IngestMetrics(new SimpleMeterRegistry()), new DatabaseHealth(),
        new ScanService.Settings(60, 100_000, 60_000, Duration.ofDays(400)), partitions);
    try {
      ScanInput sale = new ScanInput("86000010000000000001", EventType.SALE, "S1", "D1", 1, NOW.minusSeconds(600), 1,
          false, null, null, null);
      assertEquals(ScanStatus.ACCEPTED, service.ingest(List.of(sale), NOW).get(10, TimeUnit.SECONDS).get(0).status());
      assertEquals(Map.of(CodeKey.partitionOf(CodeKey.of(sale.code())), 5L), history.lastHolds);
      assertEquals(1, partitions.reads.get(), "the hold was read once");
    } finally {
      service.close();
    }
  }
}
