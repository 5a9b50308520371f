package com.tracesentinel.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import java.time.Duration;

/**
 * Histogram buckets set where the meter's own code does not set them: Vert.x's HTTP server latency (buckets, so SLOs
 * get p50/p95/p99 across instances) and the group-commit size, whose default summary buckets would run to
 * Long.MAX_VALUE (276 series for a count that never exceeds TRACESENTINEL_MAX_GROUP_SCANS).
 */
public final class Histograms {
  /** Largest group-commit bucket: groups beyond it (TRACESENTINEL_MAX_GROUP_SCANS raised past it) count in +Inf. */
  static final long MAX_GROUP_BUCKET = 100_000;

  private Histograms() {}

  public static MeterFilter forHttpServer() {
    return new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        if (id.getName().equals("vertx.http.server.response.time")) {
          return DistributionStatisticConfig.builder().percentilesHistogram(true)
              .minimumExpectedValue((double) Duration.ofMillis(1).toNanos())
              .maximumExpectedValue((double) Duration.ofSeconds(30).toNanos())
              .build().merge(config);
        }
        if (id.getName().equals("tracesentinel.commit.group.scans")) {
          return DistributionStatisticConfig.builder().minimumExpectedValue(1.0)
              .maximumExpectedValue((double) MAX_GROUP_BUCKET).build().merge(config);
        }
        return config;
      }
    };
  }
}
