package com.tracesentinel.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Supplier;

/**
 * Health and metrics. Unauthenticated, and by default answered only on the loopback interface. Readiness says why
 * the service does not take scans (the ledger being rebuilt or reconciled, the database down); liveness fails only
 * when restarting the process is the remedy (the database unavailable beyond the configured grace, the ingest
 * threads gone).
 */
final class OpsRoutes {
  private final PrometheusMeterRegistry registry;
  private final Supplier<String> notReady;
  private final Supplier<String> notLive;
  private final boolean loopbackOnly;

  OpsRoutes(PrometheusMeterRegistry registry, Supplier<String> notReady, Supplier<String> notLive,
            boolean loopbackOnly) {
    this.registry = registry;
    this.notReady = notReady;
    this.notLive = notLive;
    this.loopbackOnly = loopbackOnly;
  }

  // GET and HEAD: a monitor or load balancer probing with HEAD (HTTP requires it wherever GET is served) got 405 and
  // took a healthy service for down.
  void mount(Router router) {
    ApiServer.getAndHead(router, "/health/*").handler(this::loopback);
    ApiServer.getAndHead(router, "/metrics").handler(this::loopback);
    ApiServer.getAndHead(router, "/health/live").handler(ctx -> answer(ctx, notLive.get()));
    ApiServer.getAndHead(router, "/health/ready").handler(ctx -> answer(ctx, notReady.get()));
    ApiServer.getAndHead(router, "/metrics").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        .end(registry.scrape()));
  }

  private static void answer(RoutingContext ctx, String down) {
    if (down == null) {
      ctx.json(new JsonObject().put("status", "UP"));
    } else {
      ctx.response().setStatusCode(503).putHeader("Content-Type", "application/json").putHeader("Retry-After", "5")
          .end(new JsonObject().put("status", "DOWN").put("reason", down).encode());
    }
  }

  private void loopback(RoutingContext ctx) {
    if (!loopbackOnly || isLoopback(ctx.request().remoteAddress() == null ? null
        : ctx.request().remoteAddress().hostAddress()) && !relayed(ctx)) {
      ctx.next();
    } else {
      ctx.fail(new Problem(403, "Forbidden", "operations endpoints answer on the loopback interface only"));
    }
  }

  /**
   * A request a proxy passed on: behind a reverse proxy on the same machine every client's request comes from
   * 127.0.0.1, and /metrics was anyone's (whatever TRACESENTINEL_TRUST_PROXY says).
   */
  private static boolean relayed(RoutingContext ctx) {
    var h = ctx.request().headers();
    return h.contains("X-Forwarded-For") || h.contains("Forwarded") || h.contains("X-Real-IP");
  }

  private static boolean isLoopback(String host) {
    return host != null && (host.startsWith("127.") || host.equals("0:0:0:0:0:0:0:1") || host.equals("::1"));
  }
}
