package com.tracesentinel.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import java.time.Duration;

/**
 * Histogram buckets set where the meter's own code does not set them: Vert.x's HTTP server latency (buckets, so SLOs
 * get p50/p95/p99 across instances: {@link #LATENCY_BUCKETS}) and the group-commit size, whose default summary
 * buckets would run to Long.MAX_VALUE (276 series for a count that never exceeds TRACESENTINEL_MAX_GROUP_SCANS).
 */
public final class Histograms {
  /** Largest group-commit bucket: groups beyond it (TRACESENTINEL_MAX_GROUP_SCANS raised past it) count in +Inf. */
  static final long MAX_GROUP_BUCKET = 100_000;

  /**
   * The buckets of every latency histogram (HTTP answers, group commits, photo decoding): finest where the targets are
   * (a look-up within 1 ms, a scan within 10 ms). Micrometer's own set, 1 ms to 30 s, is 69 buckets a series, and the
   * HTTP histogram has a series for each route, method and status answered: after load-tests/metrics-size.sh's mix
   * (30 series) a scrape was 426,135 bytes with it, 235,060 with these.
   */
  public static final Duration[] LATENCY_BUCKETS = java.util.stream.DoubleStream.of(
      0.25, 0.5, 1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9, 10, 12.5, 15, 20, 25, 30, 40, 50, 75, 100, 150, 200, 300, 500,
      750, 1_000, 2_000, 5_000, 10_000, 30_000).mapToObj(ms -> Duration.ofNanos((long) (ms * 1_000_000)))
      .toArray(Duration[]::new);

  private Histograms() {}

  /**
   * Vert.x's per-request body-size summaries (request and response bytes, a series each per route, method and status):
   * no dashboard query or alert reads them, yet every request looked two of them up and recorded into them.
   */
  public static MeterFilter withoutHttpBodySizes() {
    return MeterFilter.deny(id -> id.getName().equals("vertx.http.server.request.bytes")
        || id.getName().equals("vertx.http.server.response.bytes"));
  }

  public static MeterFilter forHttpServer() {
    return new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        if (id.getName().equals("vertx.http.server.response.time")) {
          double[] nanos = new double[LATENCY_BUCKETS.length];
          for (int i = 0; i < nanos.length; i++) {
            nanos[i] = LATENCY_BUCKETS[i].toNanos();
          }
          return DistributionStatisticConfig.builder().percentilesHistogram(false).serviceLevelObjectives(nanos)
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
