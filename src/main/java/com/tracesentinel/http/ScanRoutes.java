package com.tracesentinel.http;

import com.tracesentinel.auth.Principal;
import com.tracesentinel.auth.Role;
import com.tracesentinel.ingest.GroupCommitter;
import com.tracesentinel.ingest.IngestBatch;
import com.tracesentinel.ingest.IngestPipeline;
import com.tracesentinel.ingest.PendingScan;
import com.tracesentinel.ingest.ScanInput;
import com.tracesentinel.metrics.ScanMetrics;
import com.tracesentinel.reference.ReferenceData;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** POST /api/v1/scans: one scan or a batch, answered only after the history has committed it. */
final class ScanRoutes {
  static final int MAX_BATCH = 1000;

  private final IngestPipeline pipeline;
  private final ReferenceData reference;
  private final ScanMetrics metrics;

  ScanRoutes(IngestPipeline pipeline, ReferenceData reference, ScanMetrics metrics) {
    this.pipeline = pipeline;
    this.reference = reference;
    this.metrics = metrics;
  }

  void mount(Router router, Auth auth) {
    router.post("/api/v1/scans").handler(auth.require(Role.SCANNER)).handler(this::post);
  }

  private void post(RoutingContext ctx) {
    Instant now = Instant.now();
    List<ScanInput> inputs = parseBody(ctx, now);
    Principal caller = Auth.principal(ctx);
    if (caller.role() == Role.SCANNER) {
      for (ScanInput in : inputs) {
        if (!in.siteId().equals(caller.siteId())) {
          throw new Problem(403, "Forbidden",
              "this key may only post scans for site " + caller.siteId() + ", not " + in.siteId());
        }
      }
    }
    List<PendingScan> prepared = pipeline.prepare(inputs, now);
    ingest(prepared, now).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      ctx.response().putHeader("Content-Type", "application/json").end(results(ar.result()).encode());
    });
  }

  /** Stores prepared scans; the future fails with a 503 problem when nothing could be stored. */
  Future<List<PendingScan>> ingest(List<PendingScan> prepared, Instant now) {
    return pipeline.submit(prepared, now)
        .map(IngestBatch::scans)
        .onSuccess(metrics::record)
        .recover(e -> Future.failedFuture(
            e instanceof IngestPipeline.Overloaded || e instanceof GroupCommitter.Unavailable
                ? Problem.unavailable(e.getMessage(), 1) : e));
  }

  JsonObject results(List<PendingScan> scans) {
    JsonArray results = new JsonArray();
    for (PendingScan p : scans) {
      results.add(ScanJson.result(p, reference));
    }
    return new JsonObject().put("results", results);
  }

  private static List<ScanInput> parseBody(RoutingContext ctx, Instant now) {
    Object body;
    try {
      body = ctx.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      throw Problem.badRequest("the body is not a JSON object: " + firstLine(e.getMessage()));
    }
    if (body == null) {
      throw Problem.badRequest("the body must be a scan object or {\"scans\": [...]}");
    }
    JsonObject json = (JsonObject) body;
    Problem.Errors errors = new Problem.Errors();
    List<ScanInput> inputs = new ArrayList<>();
    Object scans = json.getValue("scans");
    if (scans == null) {
      inputs.add(ScanJson.parse(json, "", now, errors));
    } else if (!(scans instanceof JsonArray array)) {
      throw Problem.validation(List.of(new Problem.FieldError("scans", "must be an array of scan objects")));
    } else if (array.isEmpty() || array.size() > MAX_BATCH) {
      throw Problem.validation(List.of(new Problem.FieldError("scans", "must hold 1 to " + MAX_BATCH + " scans")));
    } else {
      for (int i = 0; i < array.size(); i++) {
        Object o = array.getValue(i);
        if (o instanceof JsonObject scan) {
          inputs.add(ScanJson.parse(scan, "scans[" + i + "].", now, errors));
        } else {
          errors.add("scans[" + i + "]", "must be a scan object");
        }
      }
    }
    errors.throwIfAny();
    return inputs;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    String line = nl < 0 ? s : s.substring(0, nl);
    return line.length() > 200 ? line.substring(0, 200) : line;
  }
}
