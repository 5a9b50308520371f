package com.tracesentinel.ingest;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
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
 * Group commit on one Vert.x context: each group holds every batch that arrived while earlier groups were in flight;
 * at most two groups are in flight, and each commits only after the one before it did. Commits follow ring order, so
 * a committed batch never depends on an uncommitted one.
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

  /**
   * Two groups may be in flight: the second inserts its scans while the first waits for its commit to reach disk,
   * but commits only after the first did (see {@link HistoryWriter#commit}), so commits stay in ring order.
   */
  static final int MAX_IN_FLIGHT = 2;

  private final ArrayDeque<IngestBatch> queue = new ArrayDeque<>();
  private final ArrayDeque<Group> inFlight = new ArrayDeque<>();
  private Future<Void> lastOutcome = Future.succeededFuture();
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
      lastOutcome = Future.succeededFuture();
      undoFinished.run();
      LOG.info("Ledger changes of the failed commit are undone; accepting scans again");
    });
  }

  private void commitNext() {
    while (!undoing && inFlight.size() < MAX_IN_FLIGHT && !queue.isEmpty()) {
      List<IngestBatch> batches = new ArrayList<>();
      int scans = 0;
      while (!queue.isEmpty() && (batches.isEmpty() || scans + queue.peekFirst().scans.size() <= maxGroupScans)) {
        IngestBatch b = queue.pollFirst();
        batches.add(b);
        scans += b.scans.size();
      }
      Group group = new Group(batches, System.nanoTime());
      Future<Void> previous = lastOutcome;
      Promise<Void> outcome = Promise.promise();
      lastOutcome = outcome.future();
      inFlight.addLast(group);
      history.commit(batches, previous).onComplete(ar -> {
        outcome.handle(ar);
        finished(group, ar.cause());
      });
    }
  }

  /** On the committer's context; groups finish in the order they started, because each commits after the last. */
  private void finished(Group group, Throwable failure) {
    if (!inFlight.remove(group)) {
      return; // already failed along with an earlier group
    }
    if (failure == null) {
      committedSequence.set(group.batches.get(group.batches.size() - 1).sequence);
      metrics.groupCommitted(group.batches.stream().mapToInt(IngestBatch::storedCount).sum(),
          System.nanoTime() - group.started);
      for (IngestBatch b : group.batches) {
        release(b);
        b.finish(null);
      }
      commitNext();
      return;
    }
    LOG.error("Commit of {} scans failed: {}", group.batches.stream().mapToInt(b -> b.scans.size()).sum(),
        failure.toString());
    metrics.commitFailed();
    undoing = true;
    publishUndoMarker(); // first: the ledger checkpoint must not advance past the batches failed below
    Unavailable cause = new Unavailable("the history database did not commit: " + failure.getMessage());
    fail(group.batches, cause);
    // Later groups in flight roll back (each commits only after the one before it succeeded): fail them now.
    for (Group later : inFlight) {
      fail(later.batches, cause);
    }
    inFlight.clear();
    List<IngestBatch> rest = new ArrayList<>(queue);
    queue.clear();
    fail(rest, cause);
  }

  private record Group(List<IngestBatch> batches, long started) {}

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
