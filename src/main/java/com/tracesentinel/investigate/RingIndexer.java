package com.tracesentinel.investigate;

import com.tracesentinel.history.RingStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the ring tables up to date: every {@link AnomalyFeed#INTERVAL_MS} ms (at once while it is behind, e.g. the
 * first start after the upgrade, which folds the whole history in) it folds the next anomalies into them, the
 * position moving in the same transaction. Runs on its own event-loop context with the reactive pool: never
 * blocks an event loop, never touches the ingest path.
 */
public final class RingIndexer {
  private static final Logger LOG = LoggerFactory.getLogger(RingIndexer.class);
  static final int BATCH = 5_000;

  private final Vertx vertx;
  private final RingStore store;
  private final Counter folded;
  private volatile long position = -1;
  /** Every anomaly id up to this one is final (RingStore.settledMaxId); the folds go up to it before asking again. */
  private long settled = -1;
  private volatile boolean stopped;
  private long timer = -1;

  public RingIndexer(Vertx vertx, RingStore store, MeterRegistry registry) {
    this.vertx = vertx;
    this.store = store;
    this.folded = Counter.builder("tracesentinel.rings.anomalies.folded")
        .description("Anomalies folded into the ring index").register(registry);
  }

  public void start() {
    Context context = vertx.getOrCreateContext();
    context.runOnContext(v -> schedule(0));
  }

  /** Every anomaly up to this id is in the ring tables (-1 until the first fold). */
  public long position() {
    return position;
  }

  private void schedule(long delay) {
    if (!stopped) {
      timer = vertx.setTimer(Math.max(1, delay), id -> tick());
    }
  }

  private void tick() {
    // A settled id is read under a lock every anomaly-writing commit must wait for: read it once per catch-up only.
    long at = position;
    Future<Long> upTo = at >= 0 && at < settled ? Future.succeededFuture(settled)
        : store.settledMaxId().onSuccess(id -> settled = id);
    upTo.compose(id -> store.fold(BATCH, id)).onComplete(ar -> {
      if (ar.failed()) {
        LOG.debug("Ring index: folding failed, trying again in 1 s: {}", ar.cause().toString());
        schedule(1_000);
        return;
      }
      position = ar.result().position();
      folded.increment(ar.result().read());
      schedule(ar.result().read() == BATCH ? 0 : AnomalyFeed.INTERVAL_MS);
    });
  }

  public void stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }
}
