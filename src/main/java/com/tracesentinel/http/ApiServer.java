package com.tracesentinel.http;

import com.tracesentinel.Services;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP edge: one instance per event loop, all sharing the same services. Every failure becomes a problem
 * JSON; an unexpected one is logged with a request id and answered 500 without internals.
 */
public final class ApiServer extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
  static final long MAX_BODY = 1024 * 1024;

  private final Services services;
  private HttpServer server;
  private ImageRoutes images;
  private VerifyRoutes verify;

  public ApiServer(Services services) {
    this.services = services;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.route().handler(RequestLog.handler());
    Auth auth = new Auth(services.keys());
    ScanRoutes scans = new ScanRoutes(services.pipeline(), services.reference(), services.scanMetrics());
    images = new ImageRoutes(vertx, services.imageDecoder(), scans, services.pipeline(),
        services.config().dataDir().resolve("uploads"), services.prometheus());
    images.mount(router, auth);
    verify = new VerifyRoutes(vertx, services, images);
    verify.mount(router);
    router.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY));
    new OpsRoutes(services.prometheus(), services::ready, services.config().opsOnLoopbackOnly()).mount(router);
    scans.mount(router, auth);
    new ReferenceRoutes(services.referenceRepository()).mount(router, auth);
    new KeyRoutes(services.keys(), services.reference()).mount(router, auth);
    router.route().last().handler(ctx -> ctx.fail(new Problem(404, "Not found",
        "no route for " + ctx.request().method() + " " + ctx.request().path())));
    router.route().failureHandler(ApiServer::problem);
    server = vertx.createHttpServer(new HttpServerOptions().setCompressionSupported(true)
        .setMaxInitialLineLength(8192));
    return server.requestHandler(router).listen(services.config().port(), services.config().host());
  }

  @Override
  public Future<?> stop() {
    if (images != null) {
      images.close();
    }
    return verify == null ? Future.succeededFuture() : verify.close();
  }

  static void problem(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    Problem p;
    if (failure instanceof Problem known) {
      p = known;
    } else if (failure == null) {
      int status = ctx.statusCode();
      p = switch (status) {
        case 413 -> new Problem(413, "Payload too large", "the body is larger than " + MAX_BODY + " bytes");
        case 404 -> new Problem(404, "Not found", "no such resource");
        case 405 -> new Problem(405, "Method not allowed", ctx.request().method() + " is not allowed here");
        case 415 -> new Problem(415, "Unsupported media type", "this content type is not accepted here");
        case 400 -> Problem.badRequest("the request could not be read");
        default -> new Problem(status < 400 ? 500 : status, "Error", "the request failed");
      };
    } else {
      LOG.error("Unexpected failure on {} {} [{}]", ctx.request().method(), ctx.request().path(),
          RequestLog.id(ctx), failure);
      p = new Problem(500, "Internal error", "an unexpected error occurred; request id " + RequestLog.id(ctx));
    }
    if (ctx.response().ended()) {
      return;
    }
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    if (p.retryAfterSeconds() != null) {
      ctx.response().putHeader("Retry-After", Integer.toString(p.retryAfterSeconds()));
    }
    ctx.response().setStatusCode(p.status()).putHeader("Content-Type", "application/problem+json")
        .end(p.toJson().encode());
  }
}
