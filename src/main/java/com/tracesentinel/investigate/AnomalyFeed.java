package com.tracesentinel.investigate;

import com.tracesentinel.history.AnomalyQueries;
import com.tracesentinel.history.AnomalyQueries.AnomalyRow;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's one tail of the anomalies table: every {@link #INTERVAL_MS} ms (sooner while it is behind) it reads
 * {@code anomalies WHERE id > position ORDER BY id} and hands each batch, in id order, to its listeners (the live
 * streams and the webhook), on its own event-loop context and never blocking it.
 *
 * <p>A position is a complete "everything up to here" because each read waits until no writer that could still
 * commit a smaller id is running (an advisory lock every anomaly-writing transaction holds shared: see
 * {@link AnomalyQueries#maxId}); with several writing cluster nodes, one node's larger ids can otherwise commit before
 * another's smaller ones.
 *
 * <p>It starts at the newest anomaly: what was committed before the start is for replays, not live listeners.
 */
public final class AnomalyFeed {
  private static final Logger LOG = LoggerFactory.getLogger(AnomalyFeed.class);
  static final long INTERVAL_MS = 200;
  static final int BATCH = 1_000;

  private final Vertx vertx;
  private final AnomalyQueries queries;
  private final Set<Consumer<List<AnomalyRow>>> listeners = ConcurrentHashMap.newKeySet();
  private Context context;
  private volatile long position = -1;
  /** Every anomaly id up to this one is final (AnomalyQueries#maxId); reads go up to it before asking again. */
  private long settled = -1;
  private volatile boolean stopped;
  private long timer = -1;
  /** The callers of {@link #newest()} waiting for a read that has not begun yet (null: none). */
  private Promise<Long> nextNewest;
  private boolean readingNewest;

  public AnomalyFeed(Vertx vertx, AnomalyQueries queries) {
    this.vertx = vertx;
    this.queries = queries;
  }

  /** Reads the newest id, then tails from there; completes once the position is known. */
  public Future<Void> start() {
    context = vertx.getOrCreateContext();
    Promise<Void> started = Promise.promise();
    context.runOnContext(v -> queries.maxId().onComplete(ar -> {
      if (ar.failed()) {
        started.fail(ar.cause());
        return;
      }
      position = ar.result();
      schedule(INTERVAL_MS);
      started.complete();
    }));
    return started.future();
  }

  /** Everything up to this id has been handed to the listeners (-1 before the start). */
  public long position() {
    return position;
  }

  /**
   * The newest anomaly id every smaller one of which is final ({@link AnomalyQueries#maxId}), read after this call,
   * completed on the caller's context. One read at a time serves every caller that asked before it began: each takes
   * the writers' lock exclusively and holds a pooled connection while it waits for it, and 300 streams opening at once,
   * one read each, held the pool until a third of them, and the lists meanwhile, were 503s.
   */
  public Future<Long> newest() {
    Future<Long> read;
    synchronized (this) {
      if (nextNewest == null) {
        nextNewest = Promise.promise();
      }
      read = nextNewest.future();
      if (!readingNewest) {
        readNewest();
      }
    }
    Context caller = Vertx.currentContext();
    if (caller == null) {
      return read;
    }
    Promise<Long> here = Promise.promise();
    read.onComplete(ar -> caller.runOnContext(v -> here.handle(ar)));
    return here.future();
  }

  /** Begins the read the waiting callers asked for; called holding this feed's monitor. */
  private void readNewest() {
    Promise<Long> waiting = nextNewest;
    nextNewest = null;
    readingNewest = true;
    queries.maxId().onComplete(ar -> {
      synchronized (this) {
        readingNewest = false;
        if (nextNewest != null) {
          readNewest();
        }
      }
      waiting.handle(ar);
    });
  }

  /**
   * Adds a listener: from now on it gets every batch read, on the feed's context (hop to your own). A batch read
   * before this call may still reach it; one that is not is older than {@link #position()} read after this call.
   */
  public void listen(Consumer<List<AnomalyRow>> listener) {
    listeners.add(listener);
  }

  public void forget(Consumer<List<AnomalyRow>> listener) {
    listeners.remove(listener);
  }

  private void schedule(long delay) {
    if (!stopped) {
      timer = vertx.setTimer(delay, id -> tick());
    }
  }

  private void tick() {
    // A settled id is read under a lock every anomaly-writing commit must wait for: read it once per catch-up only.
    long at = position;
    Future<Long> upTo = at < settled ? Future.succeededFuture(settled)
        : queries.maxId().onSuccess(id -> settled = id);
    upTo.compose(id -> queries.between(at, id, BATCH)).onComplete(ar -> {
      if (ar.failed()) {
        LOG.debug("Anomaly feed: reading failed, trying again in 1 s: {}", ar.cause().toString());
        schedule(1_000);
        return;
      }
      List<AnomalyRow> batch = ar.result();
      if (batch.size() < BATCH) {
        // Read up to the settled id: the ids left between (rolled back) are never to be.
        position = Math.max(position, settled);
      }
      if (!batch.isEmpty()) {
        position = Math.max(position, batch.get(batch.size() - 1).id());
        List<AnomalyRow> shared = List.copyOf(batch);
        for (Consumer<List<AnomalyRow>> l : listeners) {
          try {
            l.accept(shared);
          } catch (RuntimeException e) {
            LOG.warn("Anomaly feed listener failed", e);
          }
        }
      }
      schedule(batch.size() == BATCH ? 1 : INTERVAL_MS);
    });
  }

  public void stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }
}
