package com.tracesentinel.http;

import com.tracesentinel.metrics.RequestsInFlight;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.net.RFC3986;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per request with a request id, status and latency. The path is logged without its public look-up
 * code or anything but a key id after /api/v1/keys/, and no header (API keys) is ever logged.
 */
final class RequestLog {
  private static final Logger LOG = LoggerFactory.getLogger("tracesentinel.access");
  private static final String ID = "requestId";
  private static final String STARTED = "requestStarted";
  private static final String LOGGED = "requestLogged";
  private static final String IN_FLIGHT = "requestInFlight";
  static final String UNDECODABLE_PATH = "{a path with a broken percent escape}";

  private RequestLog() {}

  static Handler<RoutingContext> handler(RequestsInFlight inFlight) {
    return ctx -> {
      long start = System.nanoTime();
      String id = newId();
      ctx.put(ID, id);
      ctx.put(STARTED, start);
      ctx.response().putHeader("X-Request-Id", id);
      inFlight.taken();
      ctx.put(IN_FLIGHT, inFlight);
      ctx.addBodyEndHandler(v -> ended(ctx));
      // Called when the answer ends or the connection closes, unless a route took the response's close handler for
      // itself (a live stream, an export): those call ended() as they close.
      ctx.addEndHandler(ar -> countedOut(ctx));
      ctx.next();
    };
  }

  private static void countedOut(RoutingContext ctx) {
    RequestsInFlight inFlight = ctx.remove(IN_FLIGHT);
    if (inFlight != null) {
      inFlight.done();
    }
  }

  /**
   * The request's line, once: when its answer ends, or when a live stream (whose answer never ends) closes; and the
   * request counted out of those in flight.
   */
  static void ended(RoutingContext ctx) {
    Long start = ctx.get(STARTED);
    if (start == null || ctx.get(LOGGED) != null) {
      return;
    }
    ctx.put(LOGGED, Boolean.TRUE);
    countedOut(ctx);
    line(id(ctx), ctx.request(), path(ctx), ctx.response().getStatusCode(), (System.nanoTime() - start) / 1_000_000);
  }

  /**
   * The line of a request whose head Vert.x could not decode (414, 431, a 400 of the HTTP decoder): no route sees
   * it, so it had no line, nor an X-Request-Id. Its method and path are those read before the fault: Netty's
   * placeholder {@code GET /bad-request} when the request line itself was the fault.
   */
  static void undecodable(String id, HttpServerRequest request, int status) {
    String path = request.path();
    // Normalized as Vert.x Web normalizes a routed request's path, so that its redaction is the same
    line(id, request, logged(path, () -> path == null ? null : RFC3986.normalizePath(path)), status, 0);
  }

  private static void line(String id, HttpServerRequest request, String path, int status, long millis) {
    if (LOG.isInfoEnabled()) {
      LOG.info("{} {} {} {} {}ms", id, request.method(), path, status, millis);
    }
  }

  static String newId() {
    return Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xFFFFFFFFFFFFL);
  }

  /** Milliseconds since the request began (0 for one this log did not see begin). */
  static long elapsedMillis(RoutingContext ctx) {
    Long start = ctx.get(STARTED);
    return start == null ? 0 : (System.nanoTime() - start) / 1_000_000;
  }

  static String id(RoutingContext ctx) {
    String id = ctx.get(ID);
    return id == null ? "-" : id;
  }

  /** The request's path as every log line names it: without a look-up's code, in printable ASCII. */
  static String path(RoutingContext ctx) {
    return logged(ctx.request().path(), ctx::normalizedPath);
  }

  private static String logged(String path, Supplier<String> normalize) {
    String normalized;
    try {
      normalized = normalize.get();
    } catch (IllegalArgumentException e) {
      // A broken escape (%zz, a lone %), refused 400 unread: this threw in the answer's end handler, so the request
      // had no line and every such request logged Vert.x's "Unhandled exception in router" with its stack at ERROR.
      // Not the raw path either: unnormalized, a look-up's code in it ("/api/v1/./verify/CODE%zz") is not found.
      return UNDECODABLE_PATH;
    }
    return printable(redact(path, normalized));
  }

  /**
   * Every character outside printable ASCII percent-encoded. Vert.x reads the request line as Latin-1 and refuses
   * only the whitespace among control characters in it (CR, LF, tab, VT, FF), so a path's NUL (after which grep
   * takes the whole log for binary and hides every later line), ESC (a terminal's cursor moves, which redraw a line
   * shown before) or NEL (U+0085, a line break to Unicode-aware readers) reached the log as the client sent it. A
   * Latin-1 character's escape is the byte the client sent.
   */
  static String printable(String path) {
    StringBuilder out = null;
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      boolean plain = c > ' ' && c < 0x7F;
      if (!plain && out == null) {
        out = new StringBuilder(path.length() + 16).append(path, 0, i);
      }
      if (out != null) {
        if (plain) {
          out.append(c);
        } else {
          out.append('%').append(String.format("%02X", (int) c));
        }
      }
    }
    return out == null ? path : out.toString();
  }

  private static final String KEYS_PREFIX = "/api/v1/keys/";

  /**
   * A look-up's code is the public's business: keep it out of the logs. Either spelling of the path counts: the
   * router answers the normalized one ("/api/v1/./verify/CODE" and "//api/v1/codes/CODE/events" are the look-up and
   * the timeline, and were logged with their codes), while a code holding "/../" normalizes away from the prefix its
   * raw path has.
   */
  static String redact(String path, String normalized) {
    for (String p : new String[] {path, normalized}) {
      if (p != null && p.startsWith("/api/v1/verify/") && !p.equals("/api/v1/verify/image")) {
        return "/api/v1/verify/{code}";
      }
      if (p != null && p.startsWith("/api/v1/codes/")) {
        return "/api/v1/codes/{code}/events";
      }
      // A key's id is no secret and tells which key was revoked; anything else there may be the key itself, pasted in
      // its id's place.
      if (p != null && p.startsWith(KEYS_PREFIX)
          && !KeyRoutes.ID.matcher(p.substring(KEYS_PREFIX.length())).matches()) {
        return KEYS_PREFIX + "{id}";
      }
    }
    return path == null ? "" : path;
  }
}
