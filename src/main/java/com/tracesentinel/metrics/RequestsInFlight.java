package com.tracesentinel.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The requests taken and not yet answered (or given up by their client): the dashboard's "Requests in flight".
 * Vert.x's own gauge ({@code vertx_http_server_active_requests}) counts a request out only once it has seen both its
 * answer and its end, and for a request whose head the decoder refused (414, 431), or an upload refused before its
 * client sent the body it had announced with {@code Expect: 100-continue}, the end never comes: any client could
 * raise it by one a request, for good. So that one is not exported, and this one counts each routed request out
 * exactly once, when its answer ends or its connection closes.
 */
public final class RequestsInFlight {
  private final AtomicInteger requests = new AtomicInteger();

  public RequestsInFlight(MeterRegistry registry) {
    Gauge.builder("tracesentinel.http.requests.in.flight", requests, AtomicInteger::get)
        .description("HTTP requests taken and not yet answered; open live streams and exports included")
        .register(registry);
  }

  public static MeterFilter withoutVertxActiveRequests() {
    return MeterFilter.deny(id -> id.getName().equals("vertx.http.server.active.requests"));
  }

  public void taken() {
    requests.incrementAndGet();
  }

  public void done() {
    requests.decrementAndGet();
  }
}
