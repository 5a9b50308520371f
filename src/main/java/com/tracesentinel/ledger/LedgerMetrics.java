package com.tracesentinel.ledger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/** Ledger fill as gauges, so an alert fires long before the ledger starts refusing new codes. */
public final class LedgerMetrics implements MeterBinder {
  private final CodeLedger ledger;
  private final LedgerReplay replay;

  public LedgerMetrics(CodeLedger ledger, LedgerReplay replay) {
    this.ledger = ledger;
    this.replay = replay;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Gauge.builder("tracesentinel.ledger.codes", ledger, CodeLedger::size)
        .description("Codes in the ledger").register(registry);
    Gauge.builder("tracesentinel.ledger.capacity", ledger, CodeLedger::capacity)
        .description("Codes the ledger was sized for; new codes are refused beyond it").register(registry);
    Gauge.builder("tracesentinel.ledger.fill.ratio", ledger, CodeLedger::fill)
        .description("Ledger codes / capacity").register(registry);
    Gauge.builder("tracesentinel.ledger.disk", ledger, CodeLedger::bytesOnDisk).baseUnit("bytes")
        .description("Bytes the ledger file occupies on disk").register(registry);
    // Strong references: Micrometer holds gauge objects weakly, and nothing else keeps the replay alive.
    Gauge.builder("tracesentinel.reconcile.codes.total", replay, LedgerReplay::reconcileTotal).strongReference(true)
        .description("Codes to re-derive from the history after an unclean stop (0 when none)").register(registry);
    Gauge.builder("tracesentinel.reconcile.codes.done", replay, LedgerReplay::reconcileDone).strongReference(true)
        .description("Codes re-derived so far by the reconcile after an unclean stop").register(registry);
  }
}
