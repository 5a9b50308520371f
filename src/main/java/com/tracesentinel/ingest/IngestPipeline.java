package com.tracesentinel.ingest;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import com.tracesentinel.code.ParseResult;
import com.tracesentinel.code.TraceCode;
import com.tracesentinel.code.TraceCodes;
import com.tracesentinel.ledger.CodeKey;
import com.tracesentinel.ledger.CodeLedger;
import com.tracesentinel.reference.ReferenceStore;
import com.tracesentinel.reference.Site;
import com.tracesentinel.rules.Ladder;
import com.tracesentinel.rules.LadderSettings;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where a scan goes after HTTP: parsed and checked on the event loop, judged by its code's shard (one writer per
 * shard, in ring order), then stored with everything that arrived with it in one PostgreSQL transaction. The
 * returned future completes only after that commit.
 *
 * <pre>
 *  HTTP ─prepare→ ring ─→ ShardJudge[0..n-1] (ledger + ladder) ─→ CommitStage ─→ GroupCommitter ─→ PostgreSQL
 * </pre>
 */
public final class IngestPipeline implements AutoCloseable {
  /** Scans more than this far in the future are a terminal's clock error, not a sale. */
  static final Duration MAX_FUTURE = Duration.ofMinutes(10);

  private final Disruptor<RingSlot> disruptor;
  private final RingBuffer<RingSlot> ring;
  private final ReferenceStore reference;
  private final CodeLedger ledger;
  private final int shards;
  private final IngestMetrics metrics;
  /** Requests published and not yet finished: what a clean stop waits for and the ledger checkpoint looks at. */
  private final java.util.Set<IngestBatch> outstanding = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private volatile boolean undoPending;
  /** Why scans are refused right now (the ledger is being reconciled), or null. */
  private volatile String paused;

  public IngestPipeline(Vertx vertx, CodeLedger ledger, ReferenceStore reference, LadderSettings settings,
                        int shards, int maxGroupScans, HistoryWriter history, OriginalLookup originals,
                        IngestMetrics metrics, ScanIds ids) {
    this.reference = reference;
    this.ledger = ledger;
    this.shards = shards;
    this.metrics = metrics;
    AtomicInteger threadNo = new AtomicInteger();
    this.disruptor = new Disruptor<>(RingSlot::new, 1024, r -> {
      Thread t = new Thread(r, "ingest-" + threadNo.getAndIncrement());
      t.setDaemon(true);
      return t;
    }, ProducerType.MULTI, new BlockingWaitStrategy());
    AtomicLong committed = new AtomicLong(-1);
    Semaphore waiting = new Semaphore(Math.max(4 * maxGroupScans, 20_000));
    GroupCommitter committer = new GroupCommitter(vertx, history, waiting, maxGroupScans, committed, metrics);
    Ladder ladder = new Ladder(settings);
    @SuppressWarnings("unchecked")
    EventHandler<RingSlot>[] judges = new EventHandler[shards];
    for (int i = 0; i < shards; i++) {
      judges[i] = new ShardJudge(i, shards, ledger, ladder, reference, ids, originals, committed::get, metrics);
    }
    // Set before the handlers (it applies to handlers added after it). Disruptor's default stops a consumer thread
    // on any exception, which would silently stall every later request; judging already contains its failures per
    // scan, so anything reaching here is logged and passed over.
    disruptor.setDefaultExceptionHandler(new com.lmax.disruptor.ExceptionHandler<>() {
      @Override
      public void handleEventException(Throwable ex, long sequence, RingSlot event) {
        org.slf4j.LoggerFactory.getLogger(IngestPipeline.class).error("Ingest ring event {} failed", sequence, ex);
      }

      @Override
      public void handleOnStartException(Throwable ex) {
        throw new IllegalStateException(ex);
      }

      @Override
      public void handleOnShutdownException(Throwable ex) {
        org.slf4j.LoggerFactory.getLogger(IngestPipeline.class).warn("Ingest ring shutdown", ex);
      }
    });
    disruptor.handleEventsWith(judges).then(new CommitStage(committer, waiting, maxGroupScans));
    this.ring = disruptor.start();
    committer.onUndo(() -> {
      undoPending = true;
      return ring.tryPublishEvent((slot, seq) -> slot.batch = IngestBatch.UNDO);
    }, () -> undoPending = false);
  }

  /** Parses and checks each scan; what fails a check is REJECTED here and never reaches a shard. */
  public List<PendingScan> prepare(List<ScanInput> inputs, Instant now) {
    List<PendingScan> prepared = new ArrayList<>(inputs.size());
    Instant latest = now.plus(MAX_FUTURE);
    for (int i = 0; i < inputs.size(); i++) {
      ScanInput in = inputs.get(i);
      ParseResult parsed = TraceCodes.parse(in.code());
      if (parsed instanceof ParseResult.Invalid invalid) {
        prepared.add(PendingScan.rejected(i, in, null, "invalid code: " + invalid.message()));
        continue;
      }
      TraceCode code = ((ParseResult.Valid) parsed).code();
      Site site = reference.siteById(in.siteId());
      if (site == null) {
        prepared.add(PendingScan.rejected(i, in, code, "site " + in.siteId() + " is not registered"));
      } else if (in.scannedAt().isAfter(latest)) {
        prepared.add(PendingScan.rejected(i, in, code,
            "scannedAt " + in.scannedAt() + " is more than 10 minutes in the future"));
      } else {
        byte[] key = CodeKey.of(code.canonical());
        prepared.add(PendingScan.toJudge(i, in, code, key, CodeKey.shardOf(key, shards), site));
      }
    }
    return prepared;
  }

  /**
   * Hands a prepared request to the shards. Fails at once with {@link Overloaded} when the ring is full or the
   * ledger has no room for more codes, so the caller can answer 503 having stored nothing.
   */
  public Future<IngestBatch> submit(List<PendingScan> scans, Instant now) {
    Promise<IngestBatch> done = Promise.promise();
    String pausedBecause = paused;
    if (pausedBecause != null) {
      return Future.failedFuture(new Overloaded(pausedBecause));
    }
    if (ledger.size() >= ledger.capacity() && bringsNewCode(scans)) {
      metrics.ledgerFull(scans.size());
      return Future.failedFuture(new Overloaded("the code ledger is full; new scans cannot be judged"));
    }
    IngestBatch[] holder = new IngestBatch[1];
    IngestBatch batch = new IngestBatch(scans, now, failure -> {
      outstanding.remove(holder[0]);
      if (failure == null) {
        done.complete(holder[0]);
      } else {
        done.fail(failure);
      }
    });
    holder[0] = batch;
    outstanding.add(batch);
    if (!ring.tryPublishEvent((slot, seq) -> slot.batch = batch)) {
      outstanding.remove(batch);
      return Future.failedFuture(new Overloaded("too many scans are waiting to be stored"));
    }
    return done.future();
  }

  /**
   * Counts a public look-up of a code, by the code's own shard. Best effort: when the ring is full the count is
   * dropped (false) rather than the look-up delayed.
   */
  public boolean countLookup(byte[] key) {
    if (paused != null) {
      return false;
    }
    IngestBatch batch = IngestBatch.lookups(List.of(key));
    return ring.tryPublishEvent((slot, seq) -> slot.batch = batch);
  }

  /** The code's state as the ledger has it now (committed or about to be), or null for a code never scanned. */
  public com.tracesentinel.rules.CodeState state(byte[] key) {
    return ledger.get(key);
  }

  /** Refuses scans (503) until {@link #resume()}: while the ledger is reconciled with the history. */
  public void pause(String reason) {
    paused = reason;
  }

  public void resume() {
    paused = null;
  }

  /** Null when scans are accepted, otherwise why not. */
  public String pausedBecause() {
    return paused;
  }

  /** At capacity only new codes are refused: returns, repeats and receipts of known boxes still go through. */
  private boolean bringsNewCode(List<PendingScan> scans) {
    for (PendingScan p : scans) {
      if (p.key != null && p.status == null && ledger.getRaw(p.key) == null) {
        return true;
      }
    }
    return false;
  }

  /** Ring slots in use: how far judging and committing lag behind arrivals. */
  public long backlog() {
    return ring.getBufferSize() - ring.remainingCapacity();
  }

  /**
   * A time before which every ledger change is either committed or undone: the oldest unfinished request's arrival
   * (or now when idle). After an unclean stop only codes changed since then need re-checking. Null while a failed
   * commit is being undone or the ledger is reconciled: a crash then must check the same codes again.
   */
  public Instant settledBefore() {
    if (undoPending || paused != null) {
      return null;
    }
    Instant oldest = Instant.now();
    for (IngestBatch b : outstanding) {
      if (b.ingestedAt.isBefore(oldest)) {
        oldest = b.ingestedAt;
      }
    }
    return oldest;
  }

  /** Waits for every published request to be committed (or failed), then stops the shard threads. */
  @Override
  public void close() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!outstanding.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    disruptor.shutdown(30, TimeUnit.SECONDS);
  }

  /** No room right now: answer 503 with Retry-After. */
  public static final class Overloaded extends RuntimeException {
    public Overloaded(String message) {
      super(message, null, false, false);
    }
  }
}
