package com.tracesentinel.http;

import com.tracesentinel.Config;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.shareddata.Shareable;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps connections from exhausting the process: a cap on open connections (beyond it a request is answered 503 and
 * the connection closed), a deadline for a request's head (a client that opens a connection, or finishes a response,
 * and then sends nothing or trickles its headers is closed: slowloris), and a deadline for a request's body. One guard
 * per service, shared by every HTTP verticle through Vert.x's local map.
 */
final class ConnectionGuard implements Shareable {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);
  /** File descriptors kept for everything but client connections: database, ledger, logs, uploads. */
  static final int RESERVED_FILES = 2_500;

  private final int max;
  private final long headNanos;
  private final long bodyMillis;
  private final AtomicInteger open = new AtomicInteger();
  /** Per connection: since when it waits for a request's head (0 while a request is in progress). */
  private final Map<HttpConnection, long[]> connections = new ConcurrentHashMap<>();

  private ConnectionGuard(int max, long headNanos, long bodyMillis) {
    this.max = max;
    this.headNanos = headNanos;
    this.bodyMillis = bodyMillis;
  }

  static ConnectionGuard shared(Vertx vertx, Config.Http http) {
    return vertx.sharedData().<String, ConnectionGuard>getLocalMap("tracesentinel.connections")
        .computeIfAbsent("guard", k -> {
          int max = http.maxConnections() > 0 ? http.maxConnections() : fromFileLimit();
          ConnectionGuard g = new ConnectionGuard(max, TimeUnit.SECONDS.toNanos(http.headers().toSeconds()),
              http.body().toMillis());
          vertx.setPeriodic(1_000, id -> g.sweep());
          LOG.info("HTTP: at most {} open connections, {} s for a request's head, {} s for its body, {} s idle", max,
              http.headers().toSeconds(), http.body().toSeconds(), http.idle().toSeconds());
          return g;
        });
  }

  /** The process's file limit minus what the rest of the service needs; 10,000 when the limit cannot be read. */
  static int fromFileLimit() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
      long limit = unix.getMaxFileDescriptorCount();
      return (int) Math.max(100, Math.min(Integer.MAX_VALUE, limit - RESERVED_FILES));
    }
    return 10_000;
  }

  int max() {
    return max;
  }

  int open() {
    return open.get();
  }

  void connected(HttpConnection conn) {
    open.incrementAndGet();
    connections.put(conn, new long[] {System.nanoTime()});
    conn.closeHandler(v -> {
      open.decrementAndGet();
      connections.remove(conn);
    });
  }

  /** Wraps the router: refuses requests on connections beyond the cap, and times the head and the body. */
  Handler<HttpServerRequest> guard(Vertx vertx, Handler<HttpServerRequest> next) {
    return req -> {
      HttpConnection conn = req.connection();
      long[] waiting = connections.get(conn);
      if (waiting != null) {
        waiting[0] = 0;
      }
      if (open.get() > max) {
        req.response().setStatusCode(503).putHeader("Content-Type", "application/problem+json")
            .putHeader("Connection", "close").putHeader("Retry-After", "5")
            .end(Problem.unavailable("too many open connections (" + max + "); try again shortly", 5).toJson()
                .encode())
            .onComplete(ar -> conn.close());
        return;
      }
      long timer = vertx.setTimer(bodyMillis, id -> {
        if (!req.isEnded() && !req.response().ended()) {
          req.response().setStatusCode(408).putHeader("Content-Type", "application/problem+json")
              .putHeader("Connection", "close")
              .end(new Problem(408, "Request timeout", "the request did not arrive within " + bodyMillis / 1000
                  + " s").toJson().encode())
              .onComplete(ar -> conn.close());
        }
      });
      req.response().endHandler(v -> {
        vertx.cancelTimer(timer);
        if (waiting != null) {
          waiting[0] = System.nanoTime();
        }
      });
      next.handle(req);
    };
  }

  private void sweep() {
    long now = System.nanoTime();
    connections.forEach((conn, waiting) -> {
      long since = waiting[0];
      if (since != 0 && now - since > headNanos) {
        connections.remove(conn);
        conn.close();
      }
    });
  }
}
