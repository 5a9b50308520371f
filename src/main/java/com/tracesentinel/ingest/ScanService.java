package com.tracesentinel.ingest;

import com.tracesentinel.reference.ReferenceStore;
import com.tracesentinel.rules.Ladder;
import com.tracesentinel.rules.LadderSettings;
import java.time.Duration;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * The ingest core's entry point: {@link #ingest} takes a request's scans and answers, per scan, what the history
 * stored. The flow, each stage on its own thread and handing immutable records to the next:
 *
 * <pre>
 *  caller ─ Preparation (code, site, time, text) ─→ Judge (ledger + ladder, single writer) ─→ Committer ─→ history
 * </pre>
 *
 * <p>A returned future completes with results only after the history committed them (200: stored), and fails with
 * {@link Unavailable} only when nothing of the request was stored (503), or {@link DataRefused} when the database
 * refused that request's own data (422); {@link StoredUnanswered} (500) and {@link OutcomeUnknown} (504) say that it
 * was stored, or that this is not known. A request is stored whole or not at all.
 */
public final class ScanService implements ScanIntake, AutoCloseable {

  /** Tuning; defaults in {@code Config}. */
  public record Settings(int maxGroupScans, int maxPendingScans, long stallMillis, Duration oldestScan) {}

  private final Preparation preparation;
  private final LedgerPort ledger;
  private final IngestMetrics metrics;
  private final DatabaseHealth health;
  /**
   * Upload deletions reach the judge one at a time. Each holds the judge's thread while the scans before it commit and
   * its upload is read (tens of milliseconds), and every scan queued behind it waits: a stream of deletions from one
   * key (even of uploads never stored) queued that many in front of every site's scans. Chained, a scan waits behind
   * one deletion at most.
   */
  private final Object deletions = new Object();
  private CompletableFuture<?> lastDeletion = CompletableFuture.completedFuture(null);
  private int deletionsWaiting;
  /**
   * Per site, its newest deletion still waiting for the one before (put under {@link #deletions}; read and removed
   * without: every scan request looks, and it is empty but while deletions queue); completes when it reaches the
   * judge. A scan of the site waits for that too: judged first, a corrected upload sent behind its deletion found the
   * scan it replaces not yet voided, was answered REPLAYED, and the deletion then voided the sale.
   */
  private final Map<String, CompletableFuture<Void>> deletionsQueued = new ConcurrentHashMap<>();
  static final int MAX_DELETIONS_WAITING = 1_000;
  private final HistoryPort history;
  private final ScanIds ids;
  private final LedgerClock ledgerClock;
  private final Judge judge;
  private final Committer committer;
  private final Thread judgeThread;
  private final Thread committerThread;
  private final ScheduledExecutorService watchdog;
  private final Semaphore pending;
  private final Set<Request> outstanding = ConcurrentHashMap.newKeySet();
  /** Tasks waiting for the judge's thread: failed if it dies, or their callers would wait for ever. */
  private final Set<CompletableFuture<?>> judgeTasks = ConcurrentHashMap.newKeySet();
  private volatile boolean judgeDied;
  private volatile String paused;
  private volatile boolean closed;
  /** Why the core stopped taking scans for good (a stage's thread died of a fault it does not handle), or null. */
  private volatile String broken;

  public ScanService(LedgerPort ledger, HistoryPort history, ReferenceStore reference, LadderSettings ladder,
                     ScanIds ids, IngestMetrics metrics, DatabaseHealth health, Settings settings) {
    this(ledger, history, reference, ladder, ids, metrics, health, settings, Partitions.SINGLE_NODE);
  }

  /** In a cluster: judges only the partitions {@code partitions} says this node holds. */
  public ScanService(LedgerPort ledger, HistoryPort history, ReferenceStore reference, LadderSettings ladder,
                     ScanIds ids, IngestMetrics metrics, DatabaseHealth health, Settings settings,
                     Partitions partitions) {
    this(ledger, history, reference, ladder, ids, metrics, health, settings, partitions, new LedgerClock());
  }

  ScanService(LedgerPort ledger, HistoryPort history, ReferenceStore reference, LadderSettings ladder, ScanIds ids,
              IngestMetrics metrics, DatabaseHealth health, Settings settings, Partitions partitions,
              LedgerClock ledgerClock) {
    this.preparation = new Preparation(reference, settings.oldestScan());
    this.ledger = ledger;
    this.metrics = metrics;
    this.health = health;
    this.history = history;
    this.ids = ids;
    this.ledgerClock = ledgerClock;
    this.pending = new Semaphore(settings.maxPendingScans());
    this.committer = new Committer(history, reference, ids, settings.maxGroupScans(), settings.stallMillis(), metrics,
        health, partitions);
    this.judge = new Judge(ledger, new Ladder(ladder), reference, history, ids, ledgerClock, partitions,
        committer::offer, health);
    committer.attach(judge);
    this.judgeThread = new Thread(guarded(judge, "judge"), "ingest-judge");
    this.committerThread = new Thread(guarded(committer, "committer"), "ingest-committer");
    judgeThread.setDaemon(true);
    committerThread.setDaemon(true);
    this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "ingest-watchdog");
      t.setDaemon(true);
      return t;
    });
    judgeThread.start();
    committerThread.start();
    watchdog.scheduleWithFixedDelay(() -> {
      try {
        committer.watch();
      } catch (RuntimeException e) {
        // A periodic task that throws is never run again: the stall limit would be gone for good.
        LoggerFactory.getLogger(ScanService.class).error("The commit watchdog's tick failed", e);
      }
    }, 100, 100, TimeUnit.MILLISECONDS);
  }

  /**
   * A fault a stage does not handle (a bug, an Error) ends its thread. Rather than leave requests waiting for ever,
   * the core then stops taking scans until the service is restarted (liveness fails, the ledger is left unclean so
   * the next start reconciles it with the history) and answers every request in hand: a request whose group was being
   * committed when the committer died is {@link OutcomeUnknown}, every other one {@link Unavailable}, which is certain
   * because nothing but the committer stores scans. When the judge died, the committer first finishes what it was
   * given, so a request it may still store is never answered 503.
   */
  private Runnable guarded(Runnable stage, String name) {
    return () -> {
      try {
        stage.run();
        if (!closed && broken == null) {
          // A stage returns only when stopped, or the committer after the judge died. An interrupt nobody sent to
          // stop it ended it silently: liveness then said only "the ingest threads stopped" while scans were still
          // admitted, to wait for a committer that was gone.
          died(stage, name, new IllegalStateException("the ingest " + name + "'s thread ended unasked"));
        }
      } catch (RuntimeException | Error e) {
        died(stage, name, e);
      }
    };
  }

  private void died(Runnable stage, String name, Throwable e) {
    LoggerFactory.getLogger(ScanService.class).error("The ingest {} died: the service stops taking scans", name, e);
    // Clients read this (503 detail, readiness): the fault itself stays in the log.
    broken = "the service stopped taking scans after an internal fault in its " + name + " (see its log); it "
        + "must be restarted";
    if (stage == committer) {
      failOutstanding();
    } else {
      judgeDied = true; // before the sweep: a task added after it sees the flag
      for (CompletableFuture<?> task : judgeTasks) {
        task.completeExceptionally(new Unavailable(broken));
      }
      committer.breakOff(this::failOutstanding);
    }
  }

  private void failOutstanding() {
    for (Request r : outstanding) {
      refuseBroken(r);
    }
  }

  private void refuseBroken(Request r) {
    r.answer.completeExceptionally(new Unavailable(broken + "; nothing of this request was stored"));
  }

  /** What a request is told while the database is down, whether refused on arrival or queued when it went down. */
  static final String DATABASE_DOWN = "the history database is unavailable; nothing was stored";

  /**
   * Judges and stores one request. Refused at once (a failed future, nothing judged) while paused, while the database
   * is down, when the ledger is full and the request brings a new code, or when too many scans wait already.
   */
  @Override
  public CompletableFuture<List<ScanResult>> ingest(List<ScanInput> inputs, Instant now) {
    return ingest(inputs, now, true);
  }

  /**
   * As {@link #ingest(List, Instant)}; in a cluster {@code wholeRequest} is false for a part of a client's request
   * split by partition, whose size is not a request's: the router records the whole request's ({@link #requestSize}).
   */
  public CompletableFuture<List<ScanResult>> ingest(List<ScanInput> inputs, Instant now, boolean wholeRequest) {
    String refusal = admission();
    if (refusal != null) {
      return CompletableFuture.failedFuture(new Unavailable(refusal));
    }
    List<Prepared> prepared = preparation.prepare(inputs, now);
    if (ledger.size() >= ledger.capacity() && bringsNewCode(prepared)) {
      metrics.ledgerFull(prepared.size());
      return CompletableFuture.failedFuture(new Unavailable(new LedgerPort.Full(ledger.capacity())
          .getMessage()));
    }
    return submit(new Request(prepared, now, ledgerClock.seconds()), deletionQueuedFor(inputs)).thenApply(answer -> {
      List<ScanResult> results = ((Request.Answer.Scans) answer).results();
      metrics.requestAnswered(inputs, results, wholeRequest);
      return results;
    });
  }

  /** A client's request answered whole from parts judged on this node and others (cluster): its size, once. */
  public void requestSize(int scans) {
    metrics.requestSize(scans);
  }

  /**
   * Voids an earlier upload of one site (NHSA 3507: its {@code fixmedins_bchno}): its scans stay in the history marked
   * voided, the codes they touched are re-derived without them, and voided sales older than the return window raise
   * LATE_DELETION. Answered after the commit, like {@link #ingest}; an upload with no stored scan voids nothing.
   */
  @Override
  public CompletableFuture<Voiding.Result> voidUpload(String siteId, String uploadBatch, Instant now) {
    return voidUpload(siteId, uploadBatch, null, now);
  }

  /**
   * In a cluster: voids the upload's scans in {@code parts} only ({@link Voiding#UNPARSED} for those without a code);
   * each partition's owner voids its own.
   */
  public CompletableFuture<Voiding.Result> voidUpload(String siteId, String uploadBatch, Set<Integer> parts,
                                                      Instant now) {
    String refusal = admission();
    if (refusal != null) {
      return CompletableFuture.failedFuture(new Unavailable(refusal));
    }
    Request.VoidCommand command = new Request.VoidCommand(siteId, uploadBatch, parts == null ? null : Set.copyOf(parts));
    synchronized (deletions) {
      if (deletionsWaiting >= MAX_DELETIONS_WAITING) {
        return CompletableFuture.failedFuture(new Unavailable("too many upload deletions are waiting; nothing was "
            + "deleted: send it again shortly"));
      }
      deletionsWaiting++;
      CompletableFuture<Void> reachedJudge = new CompletableFuture<>();
      deletionsQueued.put(siteId, reachedJudge);
      // only if no later deletion of the site took its place
      reachedJudge.whenComplete((r, e) -> deletionsQueued.remove(siteId, reachedJudge));
      CompletableFuture<Voiding.Result> result = lastDeletion.handle((r, e) -> null).thenCompose(v -> {
        try {
          String nowRefused = admission();
          return nowRefused != null ? CompletableFuture.failedFuture(new Unavailable(nowRefused))
              : submit(new Request(List.of(), command, now, ledgerClock.seconds()), null).thenApply(answer -> {
                Voiding.Result voided = ((Request.Answer.Voided) answer).result();
                // stored with the deletion: counted as every other anomaly is, or the dashboard never showed one
                metrics.anomaliesRaised(voided.lateDeletions());
                return voided;
              });
        } finally {
          reachedJudge.complete(null);
        }
      });
      lastDeletion = result;
      result.whenComplete((r, e) -> {
        synchronized (deletions) {
          deletionsWaiting--;
        }
      });
      return result;
    }
  }

  /**
   * The deletions of these scans' sites still waiting to reach the judge, or null. All of them: they reach it in turn,
   * and a batch of two sites (an admin key's) that waited for the first site's only was judged before the second's,
   * its corrected upload of that site answered REPLAYED and then voided with the scan it was taken for.
   */
  private CompletableFuture<Void> deletionQueuedFor(List<ScanInput> inputs) {
    if (deletionsQueued.isEmpty()) {
      return null;
    }
    Set<CompletableFuture<Void>> queued = new java.util.LinkedHashSet<>();
    for (ScanInput in : inputs) {
      CompletableFuture<Void> q = in.siteId() == null ? null : deletionsQueued.get(in.siteId());
      if (q != null) {
        queued.add(q);
      }
    }
    return queued.isEmpty() ? null : CompletableFuture.allOf(queued.toArray(CompletableFuture[]::new));
  }

  /** {@code after}: handed to the judge once that completes (null: at once), counted as waiting meanwhile. */
  private CompletableFuture<Request.Answer> submit(Request request, CompletableFuture<Void> after) {
    if (!pending.tryAcquire(request.weight())) {
      return CompletableFuture.failedFuture(new Unavailable("too many scans are waiting to be stored"));
    }
    outstanding.add(request);
    CompletableFuture<Request.Answer> answer = request.answer.whenComplete((results, failure) -> {
      outstanding.remove(request);
      pending.release(request.weight());
    });
    if (broken != null) {
      // The core broke after admission let this request in; failOutstanding may have missed it.
      refuseBroken(request);
      return answer;
    }
    if (after == null) {
      judge.submit(request);
    } else {
      after.whenComplete((v, e) -> {
        if (broken != null) {
          refuseBroken(request);
        } else {
          judge.submit(request);
        }
      });
    }
    return answer;
  }

  /** Why requests are refused right now, or null. */
  public String admission() {
    if (closed) {
      return "the service is stopping";
    }
    String b = broken;
    if (b != null) {
      return b;
    }
    String p = paused;
    if (p != null) {
      return p;
    }
    // The reason stays in the log and on /health/ready; a client learns only that it must come back.
    return health.downBecause() == null ? null : DATABASE_DOWN;
  }

  /** At capacity only new codes are refused: returns, repeats and receipts of known boxes still go through. */
  private boolean bringsNewCode(List<Prepared> prepared) {
    for (Prepared p : prepared) {
      if (p instanceof Prepared.ToJudge t && t.refusal() == null && ledger.getRaw(t.event().codeKey()) == null) {
        return true;
      }
    }
    return false;
  }

  /** Refuses requests (503) until {@link #resume()}: while the ledger is reconciled with the history. */
  public void pause(String reason) {
    paused = reason;
  }

  public void resume() {
    paused = null;
  }

  /**
   * Raises the scan ids handed out from now on above every group any writer committed so far: a code's scans replay
   * in id order, so a scan judged here must sort after those an earlier run or another node stored, whatever this
   * machine's clock says. Called before the first scan is judged, and in a cluster after each partition rebuild.
   */
  public void idsAboveCommitted() throws Exception {
    ids.atLeast(history.highestCommittedGroup());
  }

  /** Ledger time goes on from the last checkpoint ({@link LedgerClock}): called before the first scan is judged. */
  public void ledgerTimeFrom(long checkpoint) {
    ledgerClock.atLeast(checkpoint);
  }

  /** Runs a task on the judge's thread between two requests: it sees no half-judged request. */
  private <T> CompletableFuture<T> onJudgeThread(java.util.function.Supplier<T> task) {
    CompletableFuture<T> done = new CompletableFuture<>();
    judgeTasks.add(done);
    done.whenComplete((r, e) -> judgeTasks.remove(done));
    if (judgeDied) {
      done.completeExceptionally(new Unavailable(broken)); // nothing would ever run it
      return done;
    }
    judge.execute(() -> {
      try {
        done.complete(task.get());
      } catch (RuntimeException e) {
        done.completeExceptionally(e);
      }
    });
    return done;
  }

  /** Codes judged lately whose changes are all committed, with their stored bytes, read on the judge's thread. */
  public CompletableFuture<Map<ByteBuffer, byte[]>> settledRecentCodes(int max) {
    return onJudgeThread(() -> judge.settledRecentCodes(max));
  }

  /**
   * Cluster mode, once these partitions are no longer judged here: the judge forgets how to undo its changes to them,
   * so their ledger entries can be emptied and rebuilt beside it. Completes when done.
   */
  public CompletableFuture<Void> dropPartitions(Set<Integer> parts) {
    return onJudgeThread(() -> {
      judge.dropPartitions(Set.copyOf(parts));
      return null;
    });
  }

  /** The codes' stored bytes now, read on the judge's thread (absent: no entry). */
  public CompletableFuture<Map<ByteBuffer, byte[]>> storedNow(java.util.Collection<ByteBuffer> keys) {
    return onJudgeThread(() -> {
      Map<ByteBuffer, byte[]> out = new java.util.HashMap<>();
      for (ByteBuffer k : keys) {
        byte[] raw = judge.stored(k.array());
        if (raw != null) {
          out.put(k, raw);
        }
      }
      return out;
    });
  }

  /** Why the service cannot take scans any more (a stage's thread died), or null while it can. */
  public String stoppedBecause() {
    // Liveness first: a thread seen ended has published its reason, while a reason read first could be missing yet
    // (the dying thread still logging), and the thread then seen ended gave health checks the reason-less words.
    boolean alive = judgeThread.isAlive() && committerThread.isAlive();
    String b = broken;
    if (b != null) {
      return b;
    }
    return alive ? null : "the ingest threads stopped";
  }

  /**
   * A code's ledger bytes as committed, or null for a code with nothing committed (any thread): a change judged and not
   * yet committed is read as the bytes it replaced, since its group may still fail 503 and be undone.
   */
  public byte[] committedState(byte[] codeKey) {
    return judge.committed(codeKey);
  }

  /**
   * A ledger time ({@link LedgerClock}) before which every ledger change is either committed or undone: the oldest
   * unanswered request's admission (or now when idle). After an unclean stop only codes changed since then need
   * re-checking. Null while paused.
   */
  public Instant settledBefore() {
    if (paused != null || broken != null) {
      return null;
    }
    long oldest = ledgerClock.seconds();
    for (Request r : outstanding) {
      oldest = Math.min(oldest, r.admittedSecond);
    }
    return Instant.ofEpochSecond(oldest);
  }

  /**
   * Stops admitting, waits up to 30 s for every admitted request to be answered, then stops the threads. True when
   * everything judged was settled (committed or undone): only then may the ledger be closed as clean.
   */
  public boolean stop() throws InterruptedException {
    closed = true;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!outstanding.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    watchdog.shutdownNow();
    judge.stop();
    judgeThread.join(5_000);
    committer.stop();
    committerThread.join(5_000);
    return outstanding.isEmpty() && !judgeThread.isAlive() && !committerThread.isAlive() && broken == null;
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }

  /**
   * Nothing of the request was stored, or in a cluster ({@link #partlyStored}) nothing of this part while other nodes
   * stored theirs; the client should send it again later (503 with Retry-After).
   */
  public static final class Unavailable extends RuntimeException {
    private final boolean partlyStored;

    public Unavailable(String message) {
      this(message, false);
    }

    public Unavailable(String message, boolean partlyStored) {
      super(message, null, false, false);
      this.partlyStored = partlyStored;
    }

    /** Other parts of a request split over a cluster's nodes were stored (a deletion's: voided). */
    public boolean partlyStored() {
      return partlyStored;
    }
  }

  /**
   * The request was stored, but its answer could not be built (a fault of the service's own): a re-send is answered
   * REPLAYED with each scan's original, so the client loses nothing by sending it again.
   */
  public static final class StoredUnanswered extends RuntimeException {
    public StoredUnanswered(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Whether the request (or a part of it another node was judging) was stored is not known: that node stopped
   * answering after the part was sent, or failed in a way that does not say. Never a 503, which promises nothing was
   * stored; a re-send finds out (a stored scan is answered REPLAYED).
   */
  public static final class OutcomeUnknown extends RuntimeException {
    public OutcomeUnknown(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * The database refused this request's own data; nothing of it was stored (in a cluster, {@link #partlyStored}: other
   * nodes stored their parts), and a re-send will fail again.
   */
  public static final class DataRefused extends RuntimeException {
    private final boolean partlyStored;

    public DataRefused(String message) {
      this(message, false);
    }

    public DataRefused(String message, boolean partlyStored) {
      super(message, null, false, false);
      this.partlyStored = partlyStored;
    }

    public boolean partlyStored() {
      return partlyStored;
    }
  }
}
