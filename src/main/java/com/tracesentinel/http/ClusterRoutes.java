package com.tracesentinel.http;

import com.tracesentinel.cluster.ClusterNode;
import com.tracesentinel.cluster.ClusterRouter;
import com.tracesentinel.cluster.ClusterWire;
import com.tracesentinel.code.CodeKey;
import com.tracesentinel.history.ReferenceRepository;
import com.tracesentinel.ingest.Preparation;
import com.tracesentinel.ingest.Prepared;
import com.tracesentinel.ingest.ScanInput;
import com.tracesentinel.ingest.ScanService;
import com.tracesentinel.ingest.Voiding;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Cluster mode's routes. {@code /internal/v1/*}: what another node forwards here, for partitions this node owns
 * (the cluster's secret in {@link ClusterRouter#SECRET_HEADER}; 421 when a partition is not judged here, so the sender
 * reads the owners again). {@code /health/cluster}: this node's view of every partition (loopback, like the other
 * health routes), and {@code /health/cluster/verify}: this node's ledger compared with the history for the partitions
 * it judges.
 */
final class ClusterRoutes {
  private final ClusterNode node;
  private final ScanService local;
  private final Preparation preparation;
  private final ReferenceRepository reference;
  private final byte[] secret;

  ClusterRoutes(ClusterNode node, ScanService local, Preparation preparation, ReferenceRepository reference) {
    this.node = node;
    this.reference = reference;
    this.local = local;
    this.preparation = preparation;
    this.secret = node.settings().secret().getBytes(StandardCharsets.UTF_8);
  }

  void mount(Router router) {
    // The secret is checked before the body is read, as the API checks its keys: these routes share the public port,
    // and with the body handler first any caller could make a node buffer 4 MiB per connection before its 403.
    router.route("/internal/*").handler(ImageRoutes.holdBody(ApiServer.MAX_BODY * 4)).handler(this::requireSecret);
    router.route("/internal/*").handler(BodyHandler.create(false).setBodyLimit(ApiServer.MAX_BODY * 4));
    router.post("/internal/v1/scans").handler(this::scans);
    router.post("/internal/v1/void").handler(this::voidUpload);
    router.get(ClusterRouter.NODE_PATH).handler(ctx -> ctx.json(new JsonObject().put("node",
        node.settings().nodeId())));
    ApiServer.getAndHead(router, "/health/cluster").handler(this::status);
    ApiServer.getAndHead(router, "/health/cluster/verify").handler(this::verify);
  }

  private void requireSecret(RoutingContext ctx) {
    String given = ctx.request().getHeader(ClusterRouter.SECRET_HEADER);
    if (given == null || !MessageDigest.isEqual(secret, given.getBytes(StandardCharsets.UTF_8))) {
      ctx.fail(new Problem(403, "Forbidden", "internal routes answer the cluster's own nodes only"));
      return;
    }
    ctx.next();
  }

  private void scans(RoutingContext ctx) {
    Instant[] receivedAt = new Instant[1];
    List<ScanInput> inputs;
    try {
      inputs = ClusterWire.readScans(ctx.body().buffer(), receivedAt);
    } catch (RuntimeException e) {
      throw unreadable(e);
    }
    // Reference data reaches the other nodes every few seconds; a site or product the sender knew and this node does
    // not yet was registered moments ago: read it now rather than judge its scans as from an unknown site or product.
    reference.catchUp(inputs).onComplete(ar -> judge(ctx, inputs, receivedAt[0]));
  }

  private void judge(RoutingContext ctx, List<ScanInput> inputs, Instant receivedAt) {
    Set<Integer> notHere = new TreeSet<>();
    for (Prepared p : preparation.prepare(inputs, receivedAt)) {
      if (p instanceof Prepared.ToJudge t && !node.judges(CodeKey.partitionOf(t.event().codeKey()))) {
        notHere.add(CodeKey.partitionOf(t.event().codeKey()));
      }
    }
    if (!notHere.isEmpty()) {
      notOwner(ctx, notHere);
      return;
    }
    answer(ctx, Future.fromCompletionStage(local.ingest(inputs, receivedAt, false), ctx.vertx().getOrCreateContext())
        .map(ClusterWire::results));
  }

  private void voidUpload(RoutingContext ctx) {
    ClusterWire.VoidRequest req;
    try {
      req = ClusterWire.readVoiding(ctx.body().buffer());
    } catch (RuntimeException e) {
      throw unreadable(e);
    }
    Set<Integer> notHere = new TreeSet<>();
    for (int part : req.parts()) {
      if (part < Voiding.UNPARSED || part >= CodeKey.PARTITIONS) {
        throw unreadable(new IllegalArgumentException("no partition " + part));
      }
      if (part >= 0 && !node.judges(part)) {
        notHere.add(part);
      }
    }
    if (!notHere.isEmpty()) {
      notOwner(ctx, notHere);
      return;
    }
    answer(ctx, Future.fromCompletionStage(local.voidUpload(req.siteId(), req.uploadBatch(), req.parts(),
        req.receivedAt()), ctx.vertx().getOrCreateContext()).map(ClusterWire::voided));
  }

  /**
   * A body the sender's {@link ClusterWire} could not have written (a node of another version, or not a node): 400,
   * nothing stored. It was a 500, which the sending node must read as "that part may be stored" and answer 504.
   */
  private static Problem unreadable(RuntimeException e) {
    return Problem.badRequest("this node cannot read the forwarded body (" + e.getClass().getSimpleName()
        + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); nothing was stored: are all nodes on one version?");
  }

  private static void notOwner(RoutingContext ctx, Set<Integer> parts) {
    ctx.fail(new Problem(ClusterRouter.NOT_OWNER, "Misdirected request", "this node does not judge partitions "
        + parts + " now"));
  }

  private static void answer(RoutingContext ctx, Future<Buffer> body) {
    body.onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ScanRoutes.problem(ar.cause()));
      } else {
        ctx.response().putHeader("Content-Type", "application/json").end(ar.result());
      }
    });
  }

  private void status(RoutingContext ctx) {
    JsonArray parts = new JsonArray();
    node.status().forEach(row -> parts.add(new JsonObject(row)));
    ctx.json(new JsonObject().put("node", node.settings().nodeId()).put("url", node.settings().url())
        .put("ready", node.notReady() == null).put("rebuildScansReplayed", node.rebuildScans()).put("partitions", parts));
  }

  /** Blocking (a pass over this node's partitions' history): on a worker thread. Meaningful when no scan is moving. */
  private void verify(RoutingContext ctx) {
    ctx.vertx().executeBlocking(() -> {
      ClusterNode.Verified r = node.verify();
      return new JsonObject().put("node", node.settings().nodeId())
          .put("partitions", new JsonArray(List.copyOf(r.partitions())))
          .put("codes", r.codes()).put("scans", r.scans()).put("mismatched", r.mismatched())
          .put("missing", r.missing()).put("extra", r.extra()).put("clean", r.clean());
    }, false).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
      } else {
        ctx.json(ar.result());
      }
    });
  }
}
