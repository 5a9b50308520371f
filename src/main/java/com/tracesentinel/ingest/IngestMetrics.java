package com.tracesentinel.ingest;

import com.tracesentinel.rules.AnomalyType;
import com.tracesentinel.rules.EventType;
import com.tracesentinel.rules.Suspicion;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The core's meters: verdicts by type and status, anomalies by type, suspicion and level, request sizes, group
 * commits and ledger refusals. Labels are enums only (never a code, key or site), and every series exists at zero
 * from the start, so dashboards and {@code rate()} see the first event.
 */
public final class IngestMetrics {
  private final DistributionSummary batchSize;
  private final DistributionSummary groupSize;
  private final Timer commitLatency;
  private final Counter commitFailures;
  private final Counter ledgerFull;
  private final Counter[][] scans = new Counter[EventType.values().length][ScanStatus.values().length];
  private final Map<String, Counter> anomalies = new HashMap<>();

  public IngestMetrics(MeterRegistry registry) {
    this.batchSize = DistributionSummary.builder("tracesentinel.scan.batch.size")
        .description("Scans per request that carries scans: POST /api/v1/scans, an NHSA upload, a photo's scan").publishPercentileHistogram()
        // A request holds 1 to 1,000 scans: buckets for that range, not up to Long.MAX_VALUE.
        .minimumExpectedValue(1.0).maximumExpectedValue(1000.0)
        .serviceLevelObjectives(1, 10, 100, 1000).register(registry);
    this.groupSize = DistributionSummary.builder("tracesentinel.commit.group.scans")
        .description("Scans stored per group-commit transaction").publishPercentileHistogram()
        .minimumExpectedValue(1.0).maximumExpectedValue(100_000.0).register(registry);
    this.commitLatency = Timer.builder("tracesentinel.commit.latency")
        .description("Time from starting a group commit to PostgreSQL's acknowledgement")
        .serviceLevelObjectives(com.tracesentinel.metrics.Histograms.LATENCY_BUCKETS).register(registry);
    this.commitFailures = Counter.builder("tracesentinel.commit.failures")
        .description("Group commits that failed; their requests got 503 (or, for a refused request, 422) and their "
            + "ledger changes were undone").register(registry);
    this.ledgerFull = Counter.builder("tracesentinel.ledger.refused")
        .description("Scans refused because the ledger was at capacity").register(registry);
    for (EventType type : EventType.values()) {
      for (ScanStatus status : ScanStatus.values()) {
        scans[type.ordinal()][status.ordinal()] = Counter.builder("tracesentinel.scans")
            .description("Scans by event type and verdict status")
            .tag("type", type.name()).tag("status", status.name()).register(registry);
      }
    }
    for (AnomalyType type : AnomalyType.values()) {
      for (Suspicion suspicion : type.suspicions()) {
        anomalies.put(key(type.name(), suspicion.name()), Counter.builder("tracesentinel.anomalies")
            .description("Anomalies raised, by type, suspicion and level")
            .tag("type", type.name()).tag("suspicion", suspicion.name()).tag("level", type.level().name())
            .register(registry));
      }
    }
  }

  private static String key(String type, String suspicion) {
    return type + '/' + suspicion;
  }

  void requestAnswered(List<ScanInput> inputs, List<ScanResult> results, boolean wholeRequest) {
    if (wholeRequest) {
      batchSize.record(results.size());
    }
    for (ScanResult r : results) {
      scans[inputs.get(r.index()).type().ordinal()][r.status().ordinal()].increment();
      anomaliesRaised(r.anomalies());
    }
  }

  /** Also an upload's deletion, whose LATE_DELETION anomalies belong to no scan's verdict. */
  void anomaliesRaised(List<ScanResult.Finding> findings) {
    for (ScanResult.Finding f : findings) {
      Counter c = anomalies.get(key(f.type(), f.suspicion()));
      if (c != null) {
        c.increment();
      }
    }
  }

  void requestSize(int scans) {
    batchSize.record(scans);
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
