package com.tracesentinel.http;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.MimeMapping;
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
    ApiServer.getAndHead(router, "/").handler(ctx -> page(ctx, "webroot/index.html", "text/html; charset=utf-8", 300));
    ApiServer.getAndHead(router, "/favicon.ico")
        .handler(ctx -> page(ctx, "webroot/favicon.ico", "image/x-icon", 86_400));
    ApiServer.getAndHead(router, "/README.md")
        .handler(ctx -> page(ctx, "webroot/README.md", "text/plain; charset=utf-8", 300));
  }

  /**
   * Before a static handler: Vert.x's answers HEAD without the Content-Type its GET sends, so a link preview could
   * not tell the page from a download. Sets the type a GET of the same file carries.
   */
  static void headContentType(RoutingContext ctx) {
    if (ctx.request().method() == HttpMethod.HEAD) {
      String path = ctx.normalizedPath();
      String type = MimeMapping.mimeTypeForFilename(path.endsWith("/") ? "index.html" : path);
      if (type != null) {
        ctx.response().putHeader("Content-Type", type.startsWith("text") ? type + ";charset=UTF-8" : type);
      }
    }
    ctx.next();
  }

  private static void page(RoutingContext ctx, String resource, String type, int maxAgeSeconds) {
    ctx.response()
        .putHeader("Content-Type", type)
        .putHeader("Cache-Control", "public, max-age=" + maxAgeSeconds)
        .putHeader("Content-Security-Policy", CSP)
        .putHeader("Referrer-Policy", "no-referrer");
    sendFile(ctx, resource);
  }

  /**
   * A file from the jar, for GET and HEAD: Vert.x's sendFile answers HEAD without the Content-Length its GET carries,
   * so a HEAD gets the file's length from its properties and no body.
   */
  static void sendFile(RoutingContext ctx, String resource) {
    if (ctx.request().method() == HttpMethod.HEAD) {
      ctx.vertx().fileSystem().props(resource)
          .onSuccess(p -> ctx.response().putHeader("Content-Length", Long.toString(p.size())).end())
          .onFailure(ctx::fail);
    } else {
      ctx.response().sendFile(resource).onFailure(ctx::fail);
    }
  }
}
