package com.tracesentinel.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/** The pipeline's own meters (scan verdict counters live with the HTTP results). */
public final class IngestMetrics {
  private final DistributionSummary groupSize;
  private final Timer commitLatency;
  private final Counter commitFailures;
  private final Counter ledgerFull;

  public IngestMetrics(MeterRegistry registry) {
    this.groupSize = DistributionSummary.builder("tracesentinel.commit.group.scans")
        .description("Scans stored per group-commit transaction").publishPercentileHistogram()
        .register(registry);
    this.commitLatency = Timer.builder("tracesentinel.commit.latency")
        .description("Time from starting a group commit to PostgreSQL's acknowledgement")
        .publishPercentileHistogram().register(registry);
    this.commitFailures = Counter.builder("tracesentinel.commit.failures")
        .description("Group commits that failed and were undone").register(registry);
    this.ledgerFull = Counter.builder("tracesentinel.ledger.refused")
        .description("Scans refused because the ledger was at capacity (whole requests, or a new code at the edge)").register(registry);
  }

  void groupCommitted(int scans, long nanos) {
    groupSize.record(scans);
    commitLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  void commitFailed() {
    commitFailures.increment();
  }

  void ledgerFull(int scans) {
    ledgerFull.increment(scans);
  }
}
