package com.tracesentinel.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import java.time.Duration;

/** Latency histograms (Prometheus buckets) where SLOs need p50/p95/p99 across instances: Vert.x's HTTP server. */
public final class Histograms {
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
        return config;
      }
    };
  }
}
