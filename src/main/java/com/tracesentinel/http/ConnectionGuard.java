package com.tracesentinel.http;

import com.tracesentinel.config.Config;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.vertx.core.Context;
import io.vertx.core.Future;
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
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps connections from exhausting the process. One guard per service, shared by every HTTP verticle through
 * Vert.x's local map; HTTP/1.1 only (ApiServer turns clear-text HTTP/2 off), so a connection carries one exchange at
 * a time.
 *
 * <ul>
 *   <li>A cap on open connections: one opened beyond it answers its request 503 and is closed (the connections
 *       already open are not affected).
 *   <li>A deadline for a request's head, counted from the connection's opening, or on a keep-alive connection from
 *       the first byte of its next request: a client that sends nothing, or trickles its head, is closed
 *       (slowloris). Between requests a keep-alive connection may stay silent until Vert.x's idle timeout.
 *   <li>A deadline for a request's body, counted from its head: 408 if nothing was answered yet, else (an upload
 *       refused and being drained) the connection is closed. A route may also ask for a least rate for its body
 *       ({@link #requireRate}), answered the same way when the body falls below it.
 *   <li>A connection its client reset while its body was coming is closed at the next sweep, when the socket
 *       transport has not noticed the reset itself.
 * </ul>
 *
 * <p>The clocks are read by a sweep every half second rather than by handlers on the request and response: Vert.x
 * Web takes the response's end handler for itself, and a request it refuses before routing never reaches ours.
 */
final class ConnectionGuard implements Shareable {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);
  /** File descriptors kept for everything but client connections: database, ledger, logs, uploads. */
  static final int RESERVED_FILES = 2_500;
  private static final long SWEEP_MILLIS = 500;

  private final int max;
  private final long headNanos;
  private final long bodyNanos;
  /** How long a body with a least rate may take to get going: a phone's upload starting, a TCP window opening. */
  private final long rateGraceNanos;
  private final AtomicInteger open = new AtomicInteger();
  private final Map<HttpConnection, Tracked> connections = new ConcurrentHashMap<>();

  /** One open connection and its clocks (nanoTime; 0 = not running). */
  private static final class Tracked {
    final HttpConnection conn;
    /** The connection's event loop: responses are written there. */
    final Context context;
    final boolean beyondCap;
    /** The head clock of a connection that has not sent a request yet. */
    final long opened = System.nanoTime();
    /** Whether bytes are watched: else the head clock of a keep-alive connection runs from its last response. */
    boolean bytesWatched;
    /** The exchange in progress (one at a time on HTTP/1.1), or null; the sweep clears it only if unchanged. */
    final AtomicReference<HttpServerRequest> request = new AtomicReference<>();
    volatile long requestStarted;
    /** The least average rate its body must arrive at after the rate's grace, in bytes a second; 0: none. */
    volatile long minRate;
    /** Told of the bytes read while the request's body arrives ({@link #countBody}); null: none. */
    volatile java.util.function.LongConsumer bodyBytes;
    /** The sweep has found the body late (read by the sweep only; reset when the next request starts). */
    volatile boolean overdue;
    volatile boolean served;
    /** When the connection last became idle: the end of its last exchange. */
    volatile long idleSince;
    /** The first byte read since then: the next request's head has begun. */
    volatile long headStarted;

    Tracked(HttpConnection conn, Context context, boolean beyondCap) {
      this.conn = conn;
      this.context = context;
      this.beyondCap = beyondCap;
    }
  }

  private ConnectionGuard(int max, long headNanos, long bodyNanos, long rateGraceNanos) {
    this.max = max;
    this.headNanos = headNanos;
    this.bodyNanos = bodyNanos;
    this.rateGraceNanos = rateGraceNanos;
  }

  static ConnectionGuard shared(Vertx vertx, Config.Http http) {
    return vertx.sharedData().<String, ConnectionGuard>getLocalMap("tracesentinel.connections")
        .computeIfAbsent("guard", k -> {
          int max = http.maxConnections() > 0 ? http.maxConnections() : fromFileLimit();
          ConnectionGuard g = new ConnectionGuard(max, http.headers().toNanos(), http.body().toNanos(),
              http.photoRateGrace().toNanos());
          vertx.setPeriodic(SWEEP_MILLIS, id -> g.sweep());
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

  /** The server's connection handler: counts the connection and starts its head clock. */
  void connected(HttpConnection conn) {
    Tracked t = new Tracked(conn, Vertx.currentContext(), open.incrementAndGet() > max);
    t.bytesWatched = watchBytes(conn, t);
    connections.put(conn, t);
    conn.closeHandler(v -> {
      open.decrementAndGet();
      connections.remove(conn);
    });
  }

  /**
   * Notes when the first byte of a keep-alive connection's next request arrives. Vert.x has no public hook for
   * that, so a handler goes in front of its Netty pipeline; without it (another Vert.x), a keep-alive connection's
   * head clock runs from its last response instead.
   */
  private static boolean watchBytes(HttpConnection conn, Tracked t) {
    if (!(conn instanceof io.vertx.core.http.impl.HttpServerConnection internal)) {
      return false;
    }
    internal.channelHandlerContext().pipeline().addFirst("tracesentinel-head-clock",
        new ChannelInboundHandlerAdapter() {
          @Override
          public void channelRead(ChannelHandlerContext ctx, Object msg) {
            HttpServerRequest req = t.request.get();
            if (t.headStarted == 0 && req == null) {
              t.headStarted = System.nanoTime();
            }
            java.util.function.LongConsumer counter = t.bodyBytes;
            if (counter != null && req != null && !req.isEnded() && msg instanceof io.netty.buffer.ByteBuf bytes) {
              long n = bytes.readableBytes();
              onContext(t, () -> counter.accept(n));
            }
            ctx.fireChannelRead(msg);
          }
        });
    return true;
  }

  /** Wraps the router: refuses requests on connections beyond the cap, and starts the body clock. */
  Handler<HttpServerRequest> guard(Handler<HttpServerRequest> next) {
    return req -> {
      Tracked t = connections.get(req.connection());
      if (t != null && t.beyondCap) {
        req.response().putHeader("Retry-After", "5");
        refuse(req, Problem.unavailable("too many open connections (" + max + "); try again shortly", 5))
            .onComplete(ar -> req.connection().close());
        return;
      }
      if (t != null) {
        t.requestStarted = System.nanoTime();
        t.overdue = false;
        t.minRate = 0;
        t.bodyBytes = null;
        t.served = true;
        t.headStarted = 0;
        t.request.set(req);
      }
      next.handle(req);
    };
  }

  private void sweep() {
    long now = System.nanoTime();
    for (Tracked t : connections.values()) {
      HttpServerRequest req = t.request.get();
      if (req != null) {
        boolean received = req.isEnded();
        if (received && req.response().ended()) {
          // the exchange is over: the connection waits for its next request (unless one has started meanwhile)
          t.headStarted = 0;
          t.idleSince = now;
          t.request.compareAndSet(req, null);
        } else if (!received && resetUnnoticed(t.conn)) {
          connections.remove(t.conn);
          t.conn.close();
        } else if (!received && !t.overdue && now - t.requestStarted > bodyNanos) {
          t.overdue = true;
          onContext(t, () -> bodyTooSlow(t, req, "the request's body did not arrive within "
              + TimeUnit.NANOSECONDS.toSeconds(bodyNanos) + " s"));
        } else if (!received && !t.overdue && t.minRate > 0 && now - t.requestStarted > rateGraceNanos) {
          // read where the request is read: its count of bytes is that event loop's
          onContext(t, () -> belowRate(t, req));
        }
        continue;
      }
      long since = !t.served ? t.opened : t.bytesWatched ? t.headStarted : t.idleSince;
      if (since != 0 && now - since > headNanos) {
        connections.remove(t.conn);
        t.conn.close();
      }
    }
  }

  /** The kernel's state of a TCP connection its peer has reset (TCP_CLOSE in Linux's tcp_states.h). */
  private static final int TCP_CLOSE = 7;

  /**
   * Netty's io_uring transport (4.2.18) can miss a reset that arrives while bytes of a body are still unread in the
   * socket, around Vert.x pausing and resuming the request for the checks before the body: the channel stays active
   * and reads nothing more (128,000 of 204,800 bytes read, auto-read on), and no close handler runs, so an upload's
   * decoder slot and its photo in hand stayed taken until the body deadline. Three uploads from each of five
   * addresses, reset 0-20 ms after their head and 200 KB, left 2-9 of the public's 9 slots so in nearly every try;
   * on epoll and java.nio none.
   */
  private static boolean resetUnnoticed(HttpConnection conn) {
    if (conn instanceof io.vertx.core.http.impl.HttpServerConnection internal
        && internal.channelHandlerContext().channel() instanceof io.netty.channel.uring.IoUringSocketChannel socket
        && socket.isOpen()) {
      try {
        return socket.tcpInfo().state() == TCP_CLOSE;
      } catch (RuntimeException closedMeanwhile) {
        return false; // its descriptor was closed since isOpen(): the close handlers run as for any other close
      }
    }
    return false;
  }

  private static void onContext(Tracked t, Runnable action) {
    if (t.context == null) {
      action.run();
    } else {
      t.context.runOnContext(v -> action.run());
    }
  }

  /**
   * Asks that the request's body arrive at {@code bytesPerSecond} at least, on average from its head once
   * its grace has passed; slower, it is answered as a body not arrived in time.
   */
  void requireRate(HttpServerRequest req, long bytesPerSecond) {
    // by its connection: a route sees the request wrapped, and HTTP/1.1 has one exchange at a time
    Tracked t = connections.get(req.connection());
    if (t != null) {
      t.minRate = bytesPerSecond;
    }
  }

  /**
   * Tells {@code counter}, on the request's event loop, of each read of the request's body as the socket delivers it
   * (chunk framing included), until the body has ended. False when this connection's bytes cannot be watched.
   */
  boolean countBody(HttpServerRequest req, java.util.function.LongConsumer counter) {
    Tracked t = connections.get(req.connection());
    if (t == null || !t.bytesWatched) {
      return false;
    }
    t.bodyBytes = counter;
    return true;
  }

  private void belowRate(Tracked t, HttpServerRequest req) {
    long rate = t.minRate;
    long late = System.nanoTime() - t.requestStarted - rateGraceNanos;
    if (t.overdue || t.request.get() != req || rate == 0 || late <= 0
        || req.bytesRead() >= rate * late / TimeUnit.SECONDS.toNanos(1)) {
      return;
    }
    t.overdue = true;
    bodyTooSlow(t, req, "the request's body arrived slower than " + rate / 1024 + " KiB/s");
  }

  /** The body did not arrive in time: 408 when nothing was answered yet; the connection is closed either way. */
  private void bodyTooSlow(Tracked t, HttpServerRequest req, String detail) {
    if (req.isEnded()) {
      return; // it arrived meanwhile: the next sweep sees the exchange through
    }
    connections.remove(t.conn);
    if (req.response().headWritten()) {
      t.conn.close(); // a refused upload still draining, or an answer under way: nothing more can be said
      return;
    }
    refuse(req, new Problem(408, "Request timeout", detail)).onComplete(ar -> t.conn.close());
  }

  /** Answers {@code p} and closes: a problem, or on the NHSA routes their envelope, which their clients read. */
  static Future<Void> refuse(HttpServerRequest req, Problem p) {
    String id = req.response().headers().get("X-Request-Id");
    if (id == null) {
      id = RequestLog.newId();
      req.response().putHeader("X-Request-Id", id);
    }
    String envelope = NhsaRoutes.refusalOutsideRouter(req, id, p);
    return req.response().setStatusCode(p.status())
        .putHeader("Content-Type", envelope == null ? "application/problem+json" : "application/json; charset=utf-8")
        .putHeader("Connection", "close").end(envelope == null ? p.toJson().encode() : envelope);
  }
}
