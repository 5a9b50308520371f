package com.tracesentinel.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.reference.ReferenceStore;
import com.tracesentinel.reference.Site;
import com.tracesentinel.reference.SiteKind;
import com.tracesentinel.rules.CodeState;
import com.tracesentinel.rules.EventType;
import com.tracesentinel.rules.LadderSettings;
import com.tracesentinel.rules.StateCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The background audit finds a ledger entry that disagrees with the history, and nothing when none does. */
class LedgerAuditTest {
  @Test
  void anEntryThatDisagreesWithItsHistoryIsCountedAndNoOtherIs() throws Exception {
    ReferenceStore reference = new ReferenceStore();
    reference.putSites(List.of(new Site(1, "S1", "A", SiteKind.PHARMACY, "440301", "r")));
    MemoryLedger ledger = new MemoryLedger(1_000);
    FakeHistory history = new FakeHistory(1, 0, 0);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ScanService scans = new ScanService(ledger, history, reference, LadderSettings.DEFAULTS, new ScanIds(),
        new IngestMetrics(registry), new DatabaseHealth(), new ScanService.Settings(100, 10_000, 1_000,
        Duration.ofDays(400)));
    Instant now = Instant.parse("2026-11-20T10:00:00Z");
    List<ScanInput> sales = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      sales.add(new ScanInput(String.format("8600001%013d", i), EventType.SALE, "S1", "D" + i, 1, now.minusSeconds(i),
          1, false, null, null, null));
    }
    scans.ingest(sales, now).join();
    LedgerAudit audit = new LedgerAudit(scans, new LedgerRecovery(ledger, history, reference,
        LadderSettings.DEFAULTS), registry, part -> true);
    assertEquals(0, audit.runOnce(100));
    assertEquals(50, registry.get("tracesentinel.ledger.audit.checked").counter().count());

    ByteBuffer victim = ledger.entries.keySet().iterator().next();
    CodeState state = StateCodec.decode(ledger.entries.get(victim));
    ledger.entries.put(victim, StateCodec.encode(new CodeState(state.scanCount(), state.saleCount() + 1,
        state.soldUnits(), state.distinctSaleSites(), state.lastSale(), state.lastSaleSplit(),
        state.lastSaleReimbursed(), state.prevSaleSite(), state.destroyed(),
        state.recentKeys()), 100));
    assertEquals(1, audit.runOnce(100));
    assertEquals(1, registry.get("tracesentinel.ledger.audit.mismatches").counter().count());
    assertTrue(scans.stop());
  }

  /**
   * The layout counts a code's scans up to 255 only (StateCodec): a code scanned more often was reported by the audit
   * and by verify-ledger (exit 1) as differing from its history, which counts them all, though every other field was
   * equal and the ladder asks only "one scan?" and "more than four?".
   */
  @Test
  void aCodeScannedMoreOftenThanTheLayoutCountsIsNoMismatch() throws Exception {
    try (MemoryPipeline pipeline = new MemoryPipeline()) {
      Instant now = Instant.parse("2026-11-20T10:00:00Z");
      for (int request = 0; request < 3; request++) {
        List<ScanInput> sales = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
          sales.add(new ScanInput("86000010000000000007", EventType.SALE, "S1", "D" + request + "-" + i, 1,
              now.minusSeconds(request * 100L + i), 1, false, null, null, null));
        }
        pipeline.service.ingest(sales, now).join();
      }
      LedgerAudit audit = new LedgerAudit(pipeline.service, new LedgerRecovery(pipeline.ledger, pipeline.history,
          pipeline.reference, LadderSettings.DEFAULTS), new SimpleMeterRegistry(), part -> true);
      assertEquals(0, audit.runOnce(100));
      pipeline.assertLedgerMatchesHistory();
    }
  }
}
