package com.tracesentinel.ingest;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit on one Vert.x context: one transaction at a time, holding every batch that arrived while the previous
 * one was in flight. Commits follow ring order, so a committed batch never depends on an uncommitted one.
 *
 * <p>When a commit fails, that group and everything judged after it is failed (503) and an UNDO marker goes into the
 * ring; until the marker has passed every shard, arriving batches are failed too, because they were judged against
 * state that is being undone.
 */
public final class GroupCommitter {
  private static final Logger LOG = LoggerFactory.getLogger(GroupCommitter.class);

  private final Vertx vertx;
  private final Context context;
  private final HistoryWriter history;
  private final Semaphore waitingScans;
  private final int maxGroupScans;
  private final AtomicLong committedSequence;
  private final IngestMetrics metrics;
  private BooleanSupplier publishUndo;
  private Runnable undoFinished;

  private final ArrayDeque<IngestBatch> queue = new ArrayDeque<>();
  private boolean committing;
  private boolean undoing;

  GroupCommitter(Vertx vertx, HistoryWriter history, Semaphore waitingScans, int maxGroupScans,
                 AtomicLong committedSequence, IngestMetrics metrics) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.history = history;
    this.waitingScans = waitingScans;
    this.maxGroupScans = maxGroupScans;
    this.committedSequence = committedSequence;
    this.metrics = metrics;
  }

  void onUndo(BooleanSupplier publishUndo, Runnable undoFinished) {
    this.publishUndo = publishUndo;
    this.undoFinished = undoFinished;
  }

  /** From the commit stage's thread. */
  void submit(List<IngestBatch> group) {
    context.runOnContext(v -> {
      if (undoing) {
        fail(group, new Unavailable("an earlier commit failed; this batch was judged on state being undone"));
        return;
      }
      queue.addAll(group);
      commitNext();
    });
  }

  /** From the commit stage's thread, once the UNDO marker has passed every shard. */
  void undoDone() {
    context.runOnContext(v -> {
      undoing = false;
      undoFinished.run();
      LOG.info("Ledger changes of the failed commit are undone; accepting scans again");
    });
  }

  private void commitNext() {
    if (committing || queue.isEmpty()) {
      return;
    }
    List<IngestBatch> group = new ArrayList<>();
    int scans = 0;
    while (!queue.isEmpty() && (group.isEmpty() || scans + queue.peekFirst().scans.size() <= maxGroupScans)) {
      IngestBatch b = queue.pollFirst();
      group.add(b);
      scans += b.scans.size();
    }
    committing = true;
    long started = System.nanoTime();
    int groupScans = scans;
    history.commit(group).onComplete(ar -> {
      committing = false;
      if (ar.succeeded()) {
        committedSequence.set(group.get(group.size() - 1).sequence);
        metrics.groupCommitted(group.stream().mapToInt(IngestBatch::storedCount).sum(), System.nanoTime() - started);
        for (IngestBatch b : group) {
          release(b);
          b.finish(null);
        }
        commitNext();
      } else {
        LOG.error("Commit of {} scans failed: {}", groupScans, ar.cause().toString());
        metrics.commitFailed();
        undoing = true;
        publishUndoMarker(); // first: the ledger checkpoint must not advance past the batches failed below
        Unavailable cause = new Unavailable("the history database did not commit: " + ar.cause().getMessage());
        fail(group, cause);
        List<IngestBatch> rest = new ArrayList<>(queue);
        queue.clear();
        fail(rest, cause);
      }
    });
  }

  private void publishUndoMarker() {
    if (!publishUndo.getAsBoolean()) {
      vertx.setTimer(5, id -> publishUndoMarker());
    }
  }

  private void fail(List<IngestBatch> batches, Throwable cause) {
    for (IngestBatch b : batches) {
      release(b);
      b.finish(cause);
    }
  }

  private void release(IngestBatch b) {
    waitingScans.release(Math.max(1, b.scans.size()));
  }

  /** The request cannot be stored now; the client should retry (503 with Retry-After). */
  public static final class Unavailable extends RuntimeException {
    public Unavailable(String message) {
      super(message, null, false, false);
    }
  }
}
