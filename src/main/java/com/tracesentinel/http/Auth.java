package com.tracesentinel.http;

import com.tracesentinel.auth.ApiKeys;
import com.tracesentinel.auth.Principal;
import com.tracesentinel.auth.Role;
import com.tracesentinel.limits.LookupLimiter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;
import io.vertx.ext.web.RoutingContext;

/**
 * Bearer-key checks for routes: 401 for a missing or unknown key, 403 for the wrong role, 429 for a client past its
 * unknown keys a minute.
 */
final class Auth {
  private static final String PRINCIPAL = "principal";
  private static final String TOKEN = "bearerToken";

  private final ApiKeys keys;
  private final int dbTimeoutSeconds;
  private final boolean trustProxy;
  private final Guesses guesses;

  Auth(Vertx vertx, Services services) {
    this.keys = services.keys();
    this.dbTimeoutSeconds = services.config().dbTimeoutSeconds();
    this.trustProxy = services.config().trustProxy();
    this.guesses = vertx.sharedData().<String, Guesses>getLocalMap("tracesentinel.auth").computeIfAbsent("guesses",
        k -> new Guesses(services.config().unknownKeysPerMinute(), services.prometheus()));
  }

  /**
   * A key not yet cached is read from the database, which a frozen PostgreSQL never answers: a request with a body
   * then waited, paused before its body, until the 30 s body timer answered 408 as if the client were slow.
   *
   * <p>Every key not cached costs a query: unbounded, one client tried 1,000–2,300 keys a second and everyone's
   * look-ups slowed. A client whose unknown keys of the minute are spent is refused before the query; a key counts
   * only once the database did not find it. Counting every key not yet cached before its query (and giving live ones
   * their token back afterwards) refused live keys: more than the limit's worth of first requests at once from one
   * address (a client's connections after a restart, tills behind one NAT) were 429s for keys that exist. Unknown
   * keys sent at once may all be asked before the first is counted; they leave the client in debt, so its next
   * guesses wait the longer. A cached key is never held up by its client's guesses.
   */
  private Future<Principal> authenticate(RoutingContext ctx, String token) {
    Principal known = keys.cached(token);
    if (known != null) {
      return Future.succeededFuture(known);
    }
    if (guesses.limiter == null) {
      return lookUp(token);
    }
    String client = VerifyRoutes.clientKey(ctx, trustProxy);
    long waitSeconds = guesses.limiter.waitSeconds(client);
    if (waitSeconds > 0) {
      guesses.limited.increment();
      return Future.failedFuture(Problem.tooManyRequests("at most " + guesses.limiter.perMinute()
          + " unknown or revoked API keys a minute from one address; try again in " + waitSeconds + " s",
          (int) waitSeconds));
    }
    return lookUp(token).andThen(ar -> {
      if (ar.succeeded() && ar.result() == null) {
        guesses.limiter.charge(client);
      }
    });
  }

  private Future<Principal> lookUp(String token) {
    return keys.authenticate(token).timeout(dbTimeoutSeconds, java.util.concurrent.TimeUnit.SECONDS);
  }

  /** The caller's principal to {@code then}; every refusal (401, 429, 503) already failed {@code ctx}. */
  private void check(RoutingContext ctx, String token, Handler<Principal> then) {
    authenticate(ctx, token).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause() instanceof Problem p ? p : Problem.unavailable("cannot check the API key now", 5));
      } else if (ar.result() == null) {
        guesses.unknown.increment();
        ctx.response().putHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
        ctx.fail(new Problem(401, "Unauthorized", "unknown or revoked API key"));
      } else {
        then.handle(ar.result());
      }
    });
  }

  /** Lets through callers whose role is {@code role} (or admin). */
  Handler<RoutingContext> require(Role role) {
    return ctx -> {
      // What a key reads is private (document numbers, case notes, a new key): no cache may keep it, the browser's
      // own disk cache included, where the console's answers outlived the sign-out that forgets the key.
      ctx.response().putHeader("Cache-Control", "no-store");
      String header = ctx.request().getHeader("Authorization");
      String token = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7) : null;
      if (token == null) {
        ctx.response().putHeader("WWW-Authenticate", "Bearer");
        ctx.fail(new Problem(401, "Unauthorized", "an API key is required: Authorization: Bearer <key>"));
        return;
      }
      check(ctx, token, principal -> {
        if (!principal.mayActAs(role)) {
          ctx.fail(new Problem(403, "Forbidden", "this key's role may not do that (needs " + role.wire() + ")"));
        } else {
          ctx.put(PRINCIPAL, principal);
          ctx.put(TOKEN, token);
          ctx.next();
        }
      });
    };
  }

  /**
   * Lets a request body be read only when it comes with a known key (any role; the route checks its own), or when
   * there is none. Every route behind the API's shared body handler needs a key, and that handler read the body
   * before the route's check: without any key, a client could make the service hold 1 MiB per open connection.
   */
  Handler<RoutingContext> keyBeforeBody() {
    return ctx -> {
      String length = ctx.request().getHeader("Content-Length");
      if (ctx.request().getHeader("Transfer-Encoding") == null && (length == null || length.equals("0"))) {
        ctx.next();
        return;
      }
      String header = ctx.request().getHeader("Authorization");
      String token = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7) : null;
      if (token == null) {
        ctx.response().putHeader("WWW-Authenticate", "Bearer");
        ctx.fail(new Problem(401, "Unauthorized", "an API key is required: Authorization: Bearer <key>"));
        return;
      }
      check(ctx, token, principal -> ctx.next());
    };
  }

  /**
   * Whether the key this request was let in with is still live (false once revoked), for an answer that outlives
   * the request (a live stream); the future fails when the keys cannot be read now.
   */
  java.util.function.Supplier<Future<Boolean>> stillLive(RoutingContext ctx) {
    String token = ctx.get(TOKEN);
    return () -> keys.authenticate(token).map(p -> p != null);
  }

  static Principal principal(RoutingContext ctx) {
    return ctx.get(PRINCIPAL);
  }

  /** The unknown keys' limit and meters: one per service, so the limit is per client, not per client and event loop. */
  static final class Guesses implements Shareable {
    /** Null when the limit is off. */
    final LookupLimiter limiter;
    final Counter unknown;
    final Counter limited;

    Guesses(int perMinute, MeterRegistry registry) {
      this.limiter = perMinute == 0 ? null : new LookupLimiter(perMinute, LookupLimiter.MAX_CLIENTS);
      this.unknown = refused(registry, "unknown_key");
      this.limited = refused(registry, "too_many_unknown_keys");
    }

    private static Counter refused(MeterRegistry registry, String reason) {
      return Counter.builder("tracesentinel.auth.refused").tag("reason", reason)
          .description("requests refused for their API key: unknown_key (401, unknown or revoked), "
              + "too_many_unknown_keys (429, the client's unknown keys a minute spent; the database not asked)")
          .register(registry);
    }
  }
}
