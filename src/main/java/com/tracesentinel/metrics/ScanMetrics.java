package com.tracesentinel.metrics;

import com.tracesentinel.ingest.PendingScan;
import com.tracesentinel.rules.Anomaly;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;

/** Verdict counters: low-cardinality tags only (type, status, suspicion, level; never a code, key or site). */
public final class ScanMetrics {
  private final MeterRegistry registry;
  private final DistributionSummary batchSize;

  public ScanMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.batchSize = DistributionSummary.builder("tracesentinel.scan.batch.size")
        .description("Scans per POST /api/v1/scans request").publishPercentileHistogram()
        .serviceLevelObjectives(1, 10, 100, 1000).register(registry);
  }

  public void record(List<PendingScan> scans) {
    batchSize.record(scans.size());
    for (PendingScan p : scans) {
      Counter.builder("tracesentinel.scans").description("Scans by event type and verdict status")
          .tag("type", p.input().type().name()).tag("status", p.status().name())
          .register(registry).increment();
      for (Anomaly a : p.anomalies()) {
        Counter.builder("tracesentinel.anomalies").description("Anomalies raised, by type, suspicion and level")
            .tag("type", a.type().name()).tag("suspicion", a.suspicion().name()).tag("level", a.level().name())
            .register(registry).increment();
      }
    }
  }
}
