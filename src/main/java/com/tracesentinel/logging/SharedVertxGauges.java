package com.tracesentinel.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * Drops exactly one harmless warning: Micrometer's "This Gauge has been already registered (… name='vertx.…')".
 *
 * <p>Why it appears: the HTTP server runs as one verticle instance per event loop, and the PostgreSQL pool opens
 * connections from several contexts; each instance gets its own Vert.x metrics object, which registers the same
 * gauges ({@code vertx.http.server.active.connections}, {@code vertx.net.client.active.connections}, …). Micrometer
 * keeps the first and warns about the others. Why it is harmless: vertx-micrometer-metrics backs every such gauge
 * with one {@code LongAdder} per meter id, shared by all the instances ({@code LongGaugeBuilder}), so the one gauge
 * Micrometer kept counts for all of them. Any other Micrometer warning, including a duplicate gauge of ours, still
 * reaches the log.
 */
public final class SharedVertxGauges extends TurboFilter {
  static final String LOGGER = "io.micrometer.core.instrument.MeterRegistry";

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (logger != null && format != null && LOGGER.equals(logger.getName())
        && format.startsWith("This Gauge has been already registered") && format.contains("name='vertx.")) {
      return FilterReply.DENY;
    }
    return FilterReply.NEUTRAL;
  }
}
