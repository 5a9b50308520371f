package com.tracesentinel.http;

import com.tracesentinel.auth.ApiKeys;
import com.tracesentinel.auth.Principal;
import com.tracesentinel.auth.Role;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/** Bearer-key checks for routes: 401 for a missing or unknown key, 403 for the wrong role. */
final class Auth {
  private static final String PRINCIPAL = "principal";
  private static final String TOKEN = "bearerToken";

  private final ApiKeys keys;
  private final int dbTimeoutSeconds;

  Auth(ApiKeys keys, int dbTimeoutSeconds) {
    this.keys = keys;
    this.dbTimeoutSeconds = dbTimeoutSeconds;
  }

  /**
   * A key not yet cached is read from the database, which a frozen PostgreSQL never answers: a request with a body
   * then waited, paused before its body, until the 30 s body timer answered 408 as if the client were slow.
   */
  private io.vertx.core.Future<Principal> authenticate(String token) {
    return keys.authenticate(token).timeout(dbTimeoutSeconds, java.util.concurrent.TimeUnit.SECONDS);
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
      authenticate(token).onComplete(ar -> {
        if (ar.failed()) {
          ctx.fail(Problem.unavailable("cannot check the API key now", 5));
        } else if (ar.result() == null) {
          ctx.response().putHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
          ctx.fail(new Problem(401, "Unauthorized", "unknown or revoked API key"));
        } else if (!ar.result().mayActAs(role)) {
          ctx.fail(new Problem(403, "Forbidden", "this key's role may not do that (needs " + role.wire() + ")"));
        } else {
          ctx.put(PRINCIPAL, ar.result());
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
      authenticate(token).onComplete(ar -> {
        if (ar.failed()) {
          ctx.fail(Problem.unavailable("cannot check the API key now", 5));
        } else if (ar.result() == null) {
          ctx.response().putHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
          ctx.fail(new Problem(401, "Unauthorized", "unknown or revoked API key"));
        } else {
          ctx.next();
        }
      });
    };
  }

  /**
   * Whether the key this request was let in with is still live (false once revoked), for an answer that outlives
   * the request (a live stream); the future fails when the keys cannot be read now.
   */
  java.util.function.Supplier<io.vertx.core.Future<Boolean>> stillLive(RoutingContext ctx) {
    String token = ctx.get(TOKEN);
    return () -> keys.authenticate(token).map(p -> p != null);
  }

  static Principal principal(RoutingContext ctx) {
    return ctx.get(PRINCIPAL);
  }
}
