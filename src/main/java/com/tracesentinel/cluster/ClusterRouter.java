package com.tracesentinel.cluster;

import com.tracesentinel.code.CodeKey;
import com.tracesentinel.history.ReferenceRepository;
import com.tracesentinel.ingest.Prepared;
import com.tracesentinel.ingest.Preparation;
import com.tracesentinel.ingest.ScanInput;
import com.tracesentinel.ingest.ScanIntake;
import com.tracesentinel.ingest.ScanResult;
import com.tracesentinel.ingest.ScanService;
import com.tracesentinel.ingest.Voiding;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The cluster's {@link ScanIntake}: splits a request by code partition, judges the parts this node owns itself,
 * forwards each other part to its owner's internal route, and answers with every result in the request's order.
 *
 * <p>Each part is stored whole or not at all by its owner, but the parts are not one transaction: when one fails,
 * the request fails (503, or 422 for refused data) while other parts may have been stored. A re-send of the whole
 * request is the remedy, and the stored parts come back REPLAYED. A request whose partitions are not all served at
 * the moment it arrives (no owner yet, or this node's own still rebuilding) is refused before anything is sent.
 * A part sent to its owner that then went silent (timed out, connection cut) or answered 500 may have been stored:
 * that is a 504, never a 503. A part that never left this node (no connection to its owner could be made, or none of
 * the pooled ones came free in time) cannot have been stored: a 503. Failures name the owner by its node id: its URL is
 * the cluster's internal address, not a client's business.
 */
public final class ClusterRouter implements ScanIntake {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ClusterRouter.class);
  /** Forwarded requests carry this header with the cluster's secret. */
  public static final String SECRET_HEADER = "X-TraceSentinel-Cluster-Key";
  /** Answers the node's id (with the secret): a node checks at start that its own URL reaches itself. */
  public static final String NODE_PATH = "/internal/v1/node";
  /** A node that does not own a partition it was sent answers this status: the sender reads the owners again. */
  public static final int NOT_OWNER = 421;
  private static final long VOID_TIMEOUT_MILLIS = 30_000;
  /** A deletion's answer lists its late deletions: at most one for each scan of the upload, bounded all the same. */
  private static final long VOID_ANSWER_LIMIT = 64L << 20;
  private static final Target LOCAL = new Target("", "");
  /** A scan request's parts are stored, and a stored scan sent again comes back REPLAYED. */
  static final Words SCANS = new Words("so it was not stored: send the request again shortly",
      "whether that part was stored is not known: send the request again, a stored scan comes back REPLAYED");
  /** A deletion's parts are deleted, never stored; its own answer adds that a deletion sent again deletes once. */
  static final Words DELETION = new Words("so nothing of it was deleted", "whether that part was deleted is not known");

  private final Vertx vertx;
  private final PartitionOwners node;
  private final ScanService local;
  private final Preparation preparation;
  private final ReferenceRepository reference;
  private final HttpClient client;
  private final long scansTimeoutMillis;
  private final Counter forwardedScans;
  private final Counter forwardFailures;
  private final Counter localScans;
  private volatile long lastSecretRefusal = System.nanoTime() - 20_000_000_000L;

  /**
   * @param scansTimeoutMillis how long a forwarded part of a request may take in all, from waiting for a connection
   *     to its owner to the last byte of the owner's answer: the service's own deadline for a database gone silent,
   *     which its owner, alive, answers within
   * @param ownersIdle how long the owners keep an idle connection open (every node runs the same settings)
   */
  public ClusterRouter(Vertx vertx, PartitionOwners node, ScanService local, Preparation preparation,
                       ReferenceRepository reference, MeterRegistry registry, long scansTimeoutMillis,
                       Duration ownersIdle) {
    this.vertx = vertx;
    this.node = node;
    this.scansTimeoutMillis = scansTimeoutMillis;
    this.local = local;
    this.preparation = preparation;
    this.reference = reference;
    this.client = forwardingClient(vertx, ownersIdle);
    this.forwardedScans = Counter.builder("tracesentinel.cluster.forwarded.scans")
        .description("scans sent to the node that owns their partition").register(registry);
    this.forwardFailures = Counter.builder("tracesentinel.cluster.forward.failures")
        .description("forwarded parts of requests that failed (503, 504 or 422 for the whole request)").register(registry);
    this.localScans = Counter.builder("tracesentinel.cluster.local.scans")
        .description("scans judged on the node that received them").register(registry);
  }

  /**
   * The pool of connections to the owners. One it keeps idle it closes itself, well before its owner would: a part
   * written onto a connection its owner was closing that very moment (both sides' idle timeouts were 60 s) was cut
   * off unanswered, a 504 ("not known") for a part the owner never read.
   */
  static HttpClient forwardingClient(Vertx vertx, Duration ownersIdle) {
    return vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(2_000).setKeepAlive(true)
        .setKeepAliveTimeout((int) Math.max(1, ownersIdle.toSeconds() / 2)).setIdleTimeout(60),
        new PoolOptions().setHttp1MaxSize(32));
  }

  @Override
  public CompletableFuture<List<ScanResult>> ingest(List<ScanInput> inputs, Instant now) {
    // A site or product registered through another node a moment ago: read it now, as an owner does for a forwarded
    // scan, rather than store its scans here REJECTED "not registered", or FLAGGED UNKNOWN_PRODUCT.
    CompletableFuture<Void> known = reference.catchUp(inputs).toCompletionStage().toCompletableFuture()
        .exceptionally(e -> null);
    // Recorded here, once: each owner judges only its part, whose size is not the request's.
    // One deadline for every forward of the request, a part re-routed after a 421 included.
    return known.thenCompose(x -> route(inputs, now, System.nanoTime() + scansTimeoutMillis * 1_000_000, true))
        .thenApply(results -> {
      local.requestSize(results.size());
      return results;
    });
  }

  private CompletableFuture<List<ScanResult>> route(List<ScanInput> inputs, Instant now, long deadline,
                                                   boolean mayRetry) {
    Map<Target, List<Integer>> groups = new LinkedHashMap<>();
    List<Prepared> prepared = preparation.prepare(inputs, now);
    for (int i = 0; i < prepared.size(); i++) {
      Target target;
      if (prepared.get(i) instanceof Prepared.ToJudge t) {
        int part = CodeKey.partitionOf(t.event().codeKey());
        target = targetOf(part);
        if (target == null) {
          return CompletableFuture.failedFuture(unavailable(part));
        }
      } else {
        target = LOCAL; // refused before judging: stored where it arrived, it touches no partition's state
      }
      groups.computeIfAbsent(target, k -> new ArrayList<>()).add(i);
    }
    if (groups.size() == 1 && groups.containsKey(LOCAL)) {
      localScans.increment(inputs.size());
      return local.ingest(inputs, now, false);
    }
    List<CompletableFuture<List<ScanResult>>> parts = new ArrayList<>();
    List<List<Integer>> indices = new ArrayList<>();
    for (Map.Entry<Target, List<Integer>> g : groups.entrySet()) {
      List<ScanInput> sub = new ArrayList<>(g.getValue().size());
      for (int i : g.getValue()) {
        sub.add(inputs.get(i));
      }
      indices.add(g.getValue());
      if (g.getKey().equals(LOCAL)) {
        localScans.increment(sub.size());
        parts.add(local.ingest(sub, now, false));
      } else {
        forwardedScans.increment(sub.size());
        parts.add(forward(g.getKey(), sub, now, deadline, mayRetry));
      }
    }
    return CompletableFuture.allOf(parts.toArray(new CompletableFuture[0])).handle((ignored, failure) -> {
      if (failure != null) {
        throw new CompletionException(partly(parts, failure));
      }
      ScanResult[] out = new ScanResult[inputs.size()];
      for (int g = 0; g < parts.size(); g++) {
        List<Integer> idx = indices.get(g);
        for (ScanResult r : parts.get(g).join()) {
          int at = idx.get(r.index());
          out[at] = new ScanResult(at, r.status(), r.canonical(), r.product(), r.anomalies(), r.error(),
              r.original());
        }
      }
      return List.of(out);
    });
  }

  /** LOCAL when this node judges the partition now, its owner when another node does, null when none does. */
  private Target targetOf(int part) {
    if (node.judges(part)) {
      return LOCAL;
    }
    ClusterNode.Owner owner = node.ownerOf(part);
    if (owner == null || owner.node().equals(node.settings().nodeId()) || owner.url() == null) {
      return null;
    }
    return new Target(owner.node(), owner.url());
  }

  private static ScanService.Unavailable unavailable(int part) {
    return new ScanService.Unavailable("partition " + part + " of the codes is being handed over between nodes; "
        + "nothing of this request was stored: send it again shortly");
  }

  /**
   * The request's failure, once every part is done, worded for a client that must know other parts may be stored
   * already. A part whose fate is not known outranks the others' failures, whichever came first: a 503 would promise
   * that nothing of it was stored.
   */
  static RuntimeException partly(List<? extends CompletableFuture<?>> parts, Throwable failure) {
    return partly(parts, failure, someStored(parts) ? " Other parts of the request, judged by other nodes, were "
        + "stored: send the whole request again, and they come back REPLAYED." : "");
  }

  private static boolean someStored(List<? extends CompletableFuture<?>> parts) {
    return parts.stream().anyMatch(f -> f.isDone() && !f.isCompletedExceptionally());
  }

  /** As {@link #partly(List, Throwable)}, with {@code also} appended to the chosen failure's message. */
  static RuntimeException partly(List<? extends CompletableFuture<?>> parts, Throwable failure, String also) {
    // Carried as a flag, not only in words: the NHSA answer's Chinese half said "nothing stored" for a split 503.
    Throwable cause = unwrapped(failure);
    for (CompletableFuture<?> part : parts) {
      Throwable partFailure = part.isCompletedExceptionally() ? unwrapped(part.handle((r, e) -> e).join()) : null;
      if (partFailure instanceof ScanService.OutcomeUnknown) {
        cause = partFailure;
        break;
      }
    }
    // A part re-routed after a 421 is itself split: what its own parts stored counts too.
    boolean stored = someStored(parts) || parts.stream().anyMatch(f -> f.isCompletedExceptionally()
        && unwrapped(f.handle((r, e) -> e).join()) instanceof RuntimeException e
        && (e instanceof ScanService.Unavailable u && u.partlyStored()
            || e instanceof ScanService.DataRefused d && d.partlyStored()));
    if (cause instanceof ScanService.DataRefused) {
      return new ScanService.DataRefused(sentences(cause.getMessage(), also), stored);
    }
    if (cause instanceof ScanService.OutcomeUnknown) {
      return new ScanService.OutcomeUnknown(sentences(cause.getMessage(), also));
    }
    return new ScanService.Unavailable(sentences(cause instanceof ScanService.Unavailable ? cause.getMessage()
        : "a node of the cluster did not answer; this part was not stored", also), stored);
  }

  /** {@code also} (a sentence, or empty) after {@code first}, which gets the full stop it lacks when there is one. */
  private static String sentences(String first, String also) {
    return also.isEmpty() || first.endsWith(".") ? first + also : first + "." + also;
  }

  private CompletableFuture<List<ScanResult>> forward(Target owner, List<ScanInput> sub, Instant now, long deadline,
                                                     boolean mayRetry) {
    long left = (deadline - System.nanoTime()) / 1_000_000;
    if (left < 1) {
      return CompletableFuture.failedFuture(new ScanService.Unavailable("the node that owns part of these codes was "
          + "handed it as the request was routed, and the request's " + seconds(scansTimeoutMillis) + " ran out; that "
          + "part was never sent to its new owner, " + SCANS.notSent()));
    }
    Buffer body = ClusterWire.scans(sub, now);
    return post(owner, "/internal/v1/scans", body, left, SCANS, answerLimit(sub.size())).thenCompose(reply -> {
      if (reply.status() == 200) {
        return CompletableFuture.completedFuture(results(owner, reply, sub.size()));
      }
      if (reply.status() == NOT_OWNER && mayRetry) {
        // The owner moved since the owners were read: read them again and route this part once more, within what is
        // left of the request's deadline (a fresh one made a client wait it twice over).
        node.refreshOwnersSoon();
        return CompletableFuture.supplyAsync(() -> null, CompletableFuture.delayedExecutor(200,
            java.util.concurrent.TimeUnit.MILLISECONDS)).thenCompose(x -> route(sub, now, deadline, false));
      }
      forwardFailures.increment();
      secretRefused(owner, reply);
      throw new CompletionException(failureOf(reply, SCANS));
    });
  }

  /**
   * An owner that refuses this node's cluster secret refuses every part sent to it, and both nodes still look
   * healthy: said in the log (at most every 10 s), or the only trace is the clients' 503s.
   */
  private void secretRefused(Target owner, Reply reply) {
    long now = System.nanoTime();
    if (reply.status() == 403 && now - lastSecretRefusal > 10_000_000_000L) {
      lastSecretRefusal = now;
      LOG.error("The node {} at {} refuses this node's cluster secret: TRACESENTINEL_CLUSTER_SECRET must be the same "
          + "on every node; the scans of its partitions are answered 503 until it is", owner.node(), owner.url());
    }
  }

  @Override
  public CompletableFuture<Voiding.Result> voidUpload(String siteId, String uploadBatch, Instant now) {
    Map<Target, Set<Integer>> groups = new LinkedHashMap<>();
    groups.put(LOCAL, new TreeSet<>(Set.of(Voiding.UNPARSED)));
    for (int part = 0; part < CodeKey.PARTITIONS; part++) {
      Target target = targetOf(part);
      if (target == null) {
        return CompletableFuture.failedFuture(unavailable(part));
      }
      groups.computeIfAbsent(target, k -> new TreeSet<>()).add(part);
    }
    List<CompletableFuture<Voiding.Result>> parts = new ArrayList<>();
    for (Map.Entry<Target, Set<Integer>> g : groups.entrySet()) {
      if (g.getKey().equals(LOCAL)) {
        parts.add(local.voidUpload(siteId, uploadBatch, g.getValue(), now));
      } else {
        // Not the scans' deadline: an owner voiding a large upload reads it in several statements.
        parts.add(post(g.getKey(), "/internal/v1/void", ClusterWire.voiding(siteId, uploadBatch, g.getValue(), now),
            VOID_TIMEOUT_MILLIS, DELETION, VOID_ANSWER_LIMIT).thenApply(reply -> {
              if (reply.status() != 200) {
                secretRefused(g.getKey(), reply);
                throw new CompletionException(failureOf(reply, DELETION));
              }
              return ClusterWire.readVoided(reply.body());
            }));
      }
    }
    return CompletableFuture.allOf(parts.toArray(new CompletableFuture[0])).handle((ignored, failure) -> {
      if (failure != null) {
        // A part whose owner went silent may have been deleted: 504 then, as for scans, never a 503.
        throw new CompletionException(partly(parts, failure, " Send the deletion again: the parts already deleted "
            + "are not deleted twice."));
      }
      int scans = 0;
      int codes = 0;
      List<ScanResult.Finding> late = new ArrayList<>();
      for (CompletableFuture<Voiding.Result> f : parts) {
        Voiding.Result r = f.join();
        scans += r.scansVoided();
        codes += r.codesRederived();
        late.addAll(r.lateDeletions());
      }
      return new Voiding.Result(uploadBatch, scans, codes, List.copyOf(late));
    });
  }

  record Reply(int status, Buffer body) {}

  /** A node that owns partitions: its id, said to clients, and its internal URL, which only the forward uses. */
  record Target(String node, String url) {}

  /** How a failed part's detail ends: after "that part was never sent, ", and once it may have reached its owner. */
  record Words(String notSent, String notKnown) {}

  private static Throwable unwrapped(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  private CompletableFuture<Reply> post(Target owner, String path, Buffer body, long timeoutMillis, Words words,
                                        long maxAnswerBytes) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(owner.url() + path)
        .putHeader(SECRET_HEADER, node.settings().secret()).putHeader("Content-Type", "application/json");
    Future<Reply> reply = exchange(vertx, client, owner.node(), options, timeoutMillis, body, words, maxAnswerBytes);
    return reply.toCompletionStage().toCompletableFuture().exceptionallyCompose(e -> {
      forwardFailures.increment();
      node.refreshOwnersSoon();
      return CompletableFuture.failedFuture(unwrapped(e));
    });
  }

  /**
   * Sends body to the node ownerId, as options say; an exchange that gets no answer fails with what it promises. One
   * deadline covers all of it: the wait for one of the pool's connections to that node, the sending and the owner's
   * whole answer, to its last byte (an owner stalled in the middle of its answer held the part until the connection's
   * 60 s idle timeout, and a part that waited for a connection then waited the deadline again for its answer). A part
   * waits for a connection half the deadline at most, so that one sent has the other half for its answer. A request
   * that never got a connection (none could be made, or every one stayed taken) wrote nothing, so the owner cannot have
   * stored it: {@link ScanService.Unavailable}. Once sent, the owner may have stored it and then gone silent or been
   * cut off: {@link ScanService.OutcomeUnknown}.
   */
  static Future<Reply> exchange(Vertx vertx, HttpClient client, String ownerId, RequestOptions options,
                                long deadlineMillis, Buffer body, Words words, long maxAnswerBytes) {
    long began = System.nanoTime();
    String owner = "the node that owns part of these codes (" + ownerId + ")";
    long queueMillis = Math.max(1, deadlineMillis / 2);
    return client.request(options.setConnectTimeout(queueMillis))
        .recover(e -> Future.failedFuture(new ScanService.Unavailable(owner + " could not be reached (" + (e instanceof
            java.util.concurrent.TimeoutException ? "no connection to it came free within " + seconds(queueMillis)
            : "no connection to it could be made") + "); that part was never sent, " + words.notSent())))
        .compose(req -> {
          Promise<Reply> answer = Promise.promise();
          long left = deadlineMillis - (System.nanoTime() - began) / 1_000_000;
          long timer = vertx.setTimer(Math.max(1, left), id -> {
            if (answer.tryFail(new ScanService.OutcomeUnknown(owner + " was sent that part and did not answer within "
                + seconds(deadlineMillis) + "; " + words.notKnown()))) {
              req.reset(); // frees the pool's connection, which a stalled answer would hold
            }
          });
          req.send(body).compose(resp -> bounded(resp, maxAnswerBytes).map(b -> new Reply(resp.statusCode(), b)))
              .onComplete(r -> {
            vertx.cancelTimer(timer);
            if (r.succeeded()) {
              answer.tryComplete(r.result());
            } else if (r.cause() instanceof AnswerTooLarge) {
              req.reset(); // the rest of it is not read
              answer.tryFail(new ScanService.OutcomeUnknown(owner + " was sent that part and answered with more than "
                  + maxAnswerBytes + " bytes, more than any answer to it can hold, so it was not read; "
                  + words.notKnown()));
            } else {
              answer.tryFail(new ScanService.OutcomeUnknown(owner + " was sent that part and the connection to it "
                  + "broke before its answer was complete; " + words.notKnown()));
            }
          });
          return answer.future();
        });
  }

  /** The answer's body, or {@link AnswerTooLarge} as soon as it passes max bytes: nothing more of it is kept. */
  private static Future<Buffer> bounded(HttpClientResponse resp, long max) {
    Promise<Buffer> body = Promise.promise();
    Buffer read = Buffer.buffer();
    resp.exceptionHandler(body::tryFail);
    resp.handler(chunk -> {
      if (read.length() + (long) chunk.length() > max) {
        resp.handler(null);
        body.tryFail(new AnswerTooLarge());
      } else {
        read.appendBuffer(chunk);
      }
    });
    resp.endHandler(v -> body.tryComplete(read));
    return body.future();
  }

  private static final class AnswerTooLarge extends RuntimeException {
    AnswerTooLarge() {
      super(null, null, false, false);
    }
  }

  /**
   * The most an owner's answer to a part of n scans can take: a result's verdict, product and findings, each finding's
   * detail under 1 KiB, and the same again for a REPLAYED scan's original, are well under 16 KiB.
   */
  static long answerLimit(int scans) {
    return 65_536 + 16_384L * scans;
  }

  /**
   * The results of a part the owner stored (it answered 200) in the part's order. An answer that cannot be read as
   * one result for each of its scans leaves their verdicts unknown, not the part unstored: a 504, never a 503.
   */
  static List<ScanResult> results(Target owner, Reply reply, int scans) {
    List<ScanResult> results;
    try {
      results = ClusterWire.readResults(reply.body());
    } catch (RuntimeException e) {
      results = List.of();
    }
    boolean[] seen = new boolean[scans];
    int distinct = 0;
    for (ScanResult r : results) {
      if (r.index() >= 0 && r.index() < scans && !seen[r.index()]) {
        seen[r.index()] = true;
        distinct++;
      }
    }
    if (distinct != scans || results.size() != scans) {
      throw new CompletionException(new ScanService.OutcomeUnknown("the node that owns part of these codes ("
          + owner.node() + ") stored that part but its answer could not be read as one result for each of its "
          + scans + " scans; " + SCANS.notKnown()));
    }
    return results;
  }

  private static String seconds(long millis) {
    return (millis + 999) / 1_000 + " s";
  }

  /** A forward the owner answered with an error: its 503 and 4xx store nothing, its 500 may have stored the part. */
  static RuntimeException failureOf(Reply reply, Words words) {
    String detail;
    try {
      detail = new JsonObject(reply.body()).getString("detail", "status " + reply.status());
    } catch (RuntimeException e) {
      detail = "status " + reply.status();
    }
    if (reply.status() == 422) {
      return new ScanService.DataRefused(detail);
    }
    if (reply.status() == 403) { // its words ("answer the cluster's own nodes only") did not say which setting
      return new ScanService.Unavailable("the node that owns part of these codes refused this node's cluster secret "
          + "(TRACESENTINEL_CLUSTER_SECRET differs between the nodes); that part was not stored");
    }
    if (reply.status() >= 500 && reply.status() != 503) {
      return new ScanService.OutcomeUnknown("the node that owns part of these codes failed (" + reply.status()
          + ": " + detail + "); " + words.notKnown());
    }
    return new ScanService.Unavailable(detail);
  }
}
