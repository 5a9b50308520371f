package com.tracesentinel.http;

import com.tracesentinel.auth.Principal;
import com.tracesentinel.auth.Role;
import com.tracesentinel.ingest.ScanInput;
import com.tracesentinel.ingest.ScanIntake;
import com.tracesentinel.ingest.ScanResult;
import com.tracesentinel.ingest.ScanService;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Instant;
import java.util.List;

/** POST /api/v1/scans: one scan or a batch, answered only after the history has committed it. */
final class ScanRoutes {
  static final int MAX_BATCH = 1000;

  private final ScanIntake scans;

  ScanRoutes(ScanIntake scans) {
    this.scans = scans;
  }

  /** Mounted before the API's shared body handler: the key is checked before the body is read. */
  void mount(Router router, Auth auth) {
    router.post("/api/v1/scans").handler(ImageRoutes.holdBody(ApiServer.MAX_BODY)).handler(auth.require(Role.SCANNER))
        .handler(ApiServer::requireJsonBody).handler(ctx -> BodyBudget.reserve(ctx, ApiServer.MAX_BODY));
    router.post("/api/v1/scans").handler(BodyHandler.create(false).setBodyLimit(ApiServer.MAX_BODY)).handler(this::post);
  }

  private void post(RoutingContext ctx) {
    Instant now = Instant.now();
    List<ScanInput> inputs = ScanJson.readBody(ctx.body().buffer() == null ? Buffer.buffer() : ctx.body().buffer(), now,
        MAX_BATCH);
    requireOwnSite(Auth.principal(ctx), inputs);
    ingest(ctx, inputs, now).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      ctx.response().putHeader("Content-Type", "application/json").end(ScanJson.writeResults(ar.result()));
    });
  }

  /** A scanner key posts for its own site only: 403 for the whole request otherwise, nothing stored. */
  static void requireOwnSite(Principal caller, List<ScanInput> inputs) {
    if (caller.role() == Role.SCANNER) {
      for (ScanInput in : inputs) {
        if (!caller.siteId().equals(in.siteId())) {
          throw new Problem(403, "Forbidden", "this key may only post scans for its own site " + caller.siteId());
        }
      }
    }
  }

  /** Stores the scans; the future fails with a problem (503, or 422 for refused data) when nothing was stored. */
  Future<List<ScanResult>> ingest(RoutingContext ctx, List<ScanInput> inputs, Instant now) {
    return Future.fromCompletionStage(scans.ingest(inputs, now), ctx.vertx().getOrCreateContext())
        .recover(e -> Future.failedFuture(problem(e)));
  }

  /**
   * The core's refusals as problems: the exception's type decides the status. The core words its refusals for the
   * client (what happened, never a database's own text); what failed underneath is in its log.
   */
  static Throwable problem(Throwable e) {
    Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    if (cause instanceof ScanService.Unavailable u) {
      return Problem.unavailable(cause.getMessage(), 1, partly(u.partlyStored()));
    }
    if (cause instanceof ScanService.DataRefused d) {
      return Problem.refused(cause.getMessage(), partly(d.partlyStored()));
    }
    if (cause instanceof ScanService.StoredUnanswered) {
      return new Problem(500, "Internal error", cause.getMessage());
    }
    if (cause instanceof ScanService.OutcomeUnknown) {
      return new Problem(504, "Gateway timeout", cause.getMessage());
    }
    return cause;
  }

  /** A cluster's split request whose other parts were stored says so in a member a client can test, not only in words. */
  private static JsonObject partly(boolean stored) {
    return stored ? new JsonObject().put("partlyStored", true) : null;
  }

  static JsonObject results(List<ScanResult> results) {
    JsonArray list = new JsonArray();
    for (ScanResult r : results) {
      list.add(ScanJson.result(r));
    }
    return new JsonObject().put("results", list);
  }

}
