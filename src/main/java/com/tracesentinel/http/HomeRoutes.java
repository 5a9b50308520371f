package com.tracesentinel.http;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The landing page at {@code /} (bilingual: where to go next), the site icon, and the README as plain text so that
 * the landing page can link its sections. Static files from the jar; nothing here reads data or needs a key.
 */
final class HomeRoutes {
  private static final String CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
      + "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

  private HomeRoutes() {}

  static void mount(Router router) {
    router.get("/").handler(ctx -> page(ctx, "webroot/index.html", "text/html; charset=utf-8", 300));
    router.get("/favicon.ico").handler(ctx -> page(ctx, "webroot/favicon.ico", "image/x-icon", 86_400));
    router.get("/README.md").handler(ctx -> page(ctx, "webroot/README.md", "text/plain; charset=utf-8", 300));
  }

  private static void page(RoutingContext ctx, String resource, String type, int maxAgeSeconds) {
    ctx.response()
        .putHeader("Content-Type", type)
        .putHeader("Cache-Control", "public, max-age=" + maxAgeSeconds)
        .putHeader("Content-Security-Policy", CSP)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        .sendFile(resource).onFailure(ctx::fail);
  }
}
