package com.tracesentinel.metrics;

import com.tracesentinel.ingest.PendingScan;
import com.tracesentinel.ingest.ScanStatus;
import com.tracesentinel.rules.Anomaly;
import com.tracesentinel.rules.AnomalyType;
import com.tracesentinel.rules.EventType;
import com.tracesentinel.rules.Level;
import com.tracesentinel.rules.Suspicion;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;

/**
 * Verdict counters: low-cardinality tags only (type, status, suspicion, level; never a code, key or site). The hot
 * path is an array index, not a registry look-up. Scan counters exist at zero from the start; anomaly counters from
 * their first occurrence (racing threads register the same meter: Micrometer returns the existing one).
 */
public final class ScanMetrics {
  private final DistributionSummary batchSize;
  private final Counter[][] scans = new Counter[EventType.values().length][ScanStatus.values().length];
  private final Counter[][][] anomalies =
      new Counter[AnomalyType.values().length][Suspicion.values().length][Level.values().length];
  private final MeterRegistry registry;

  public ScanMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.batchSize = DistributionSummary.builder("tracesentinel.scan.batch.size")
        .description("Scans per POST /api/v1/scans request").publishPercentileHistogram()
        // A request holds 1 to 1,000 scans (ScanRoutes.MAX_BATCH): buckets for that range, not up to Long.MAX_VALUE.
        .minimumExpectedValue(1.0).maximumExpectedValue(1000.0)
        .serviceLevelObjectives(1, 10, 100, 1000).register(registry);
    for (EventType type : EventType.values()) {
      for (ScanStatus status : ScanStatus.values()) {
        scans[type.ordinal()][status.ordinal()] = Counter.builder("tracesentinel.scans")
            .description("Scans by event type and verdict status")
            .tag("type", type.name()).tag("status", status.name()).register(registry);
      }
    }
  }

  public void record(List<PendingScan> batch) {
    batchSize.record(batch.size());
    for (PendingScan p : batch) {
      scans[p.input().type().ordinal()][p.status().ordinal()].increment();
      for (Anomaly a : p.anomalies()) {
        anomaly(a).increment();
      }
    }
  }

  private Counter anomaly(Anomaly a) {
    Counter[] byLevel = anomalies[a.type().ordinal()][a.suspicion().ordinal()];
    Counter c = byLevel[a.level().ordinal()];
    if (c == null) {
      // Only the ladder's real (type, suspicion, level) rows ever occur: register them as they first appear.
      c = Counter.builder("tracesentinel.anomalies").description("Anomalies raised, by type, suspicion and level")
          .tag("type", a.type().name()).tag("suspicion", a.suspicion().name()).tag("level", a.level().name())
          .register(registry);
      byLevel[a.level().ordinal()] = c;
    }
    return c;
  }
}
