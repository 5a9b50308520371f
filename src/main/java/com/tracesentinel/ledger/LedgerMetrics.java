package com.tracesentinel.ledger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.LongSupplier;

/** Ledger fill as gauges, so an alert fires long before the ledger starts refusing new codes. */
public final class LedgerMetrics {
  private LedgerMetrics() {}

  /**
   * @param recoveryTotal codes (reconcile) or scans (rebuild) the ledger's recovery has to go through, 0 when none
   * @param recoveryDone  how many of them are done
   */
  public static void bind(MeterRegistry registry, CodeLedger ledger, LongSupplier recoveryTotal,
                          LongSupplier recoveryDone) {
    Gauge.builder("tracesentinel.ledger.codes", ledger, CodeLedger::size)
        .description("Codes in the ledger").register(registry);
    Gauge.builder("tracesentinel.ledger.capacity", ledger, CodeLedger::capacity)
        .description("Codes the ledger was sized for; new codes are refused beyond it").register(registry);
    Gauge.builder("tracesentinel.ledger.fill.ratio", ledger, CodeLedger::fill)
        .description("Ledger codes / capacity").register(registry);
    Gauge.builder("tracesentinel.ledger.disk", ledger, CodeLedger::bytesOnDisk).baseUnit("bytes")
        .description("Bytes the ledger file occupies on disk").register(registry);
    // Strong references: Micrometer holds gauge objects weakly, and nothing else keeps the suppliers alive.
    Gauge.builder("tracesentinel.reconcile.codes.total", recoveryTotal, LongSupplier::getAsLong).strongReference(true)
        .description("Codes to re-derive (after an unclean stop) or scans to replay (rebuild) before ready")
        .register(registry);
    Gauge.builder("tracesentinel.reconcile.codes.done", recoveryDone, LongSupplier::getAsLong).strongReference(true)
        .description("Codes re-derived or scans replayed so far").register(registry);
  }
}
