package com.tracesentinel.ingest;

import com.tracesentinel.reference.ReferenceData;
import com.tracesentinel.reference.Site;
import com.tracesentinel.rules.Anomaly;
import com.tracesentinel.rules.AnomalyType;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores judged requests in the history, in judging order, one group transaction at a time, and answers them only
 * after the commit. Whatever arrived while the last group committed forms the next group, so groups grow with load.
 *
 * <p>Its promise is exact: a request is answered with its results only when its group committed, and failed only
 * when its group certainly did not, with the judge's changes for it undone (a {@link Judge.Rewind}):
 * <ul>
 *   <li>the database unreachable, or it gave up before COMMIT: the group and everything judged after it fail (503);
 *   <li>the database refused the data of one request (SQLSTATE class 22, 23, 54): the group is split until that
 *       request is found; the others are stored, that one fails alone, and the requests judged after it are judged
 *       again on the ledger without it. A duplicate key is a re-send: that request is judged again with every scan
 *       checked against the history, so it comes back REPLAYED;
 *   <li>the connection lost after COMMIT was sent: the outcome is asked of the database until it answers, and the
 *       group is answered accordingly; meanwhile everything judged after it fails (503).
 * </ul>
 * A watchdog acts on a commit that takes longer than the stall limit, so a stalled database does not hold every
 * client: before COMMIT was sent, it gives the group up (its {@link HistoryPort.CommitGate} then never lets it
 * commit) and fails it with everything judged after it (503 within the limit); after, when the outcome is in doubt,
 * it fails the requests queued behind the group.
 */
final class Committer implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(Committer.class);
  private static final JudgedRequest STOP = new JudgedRequest(null, Long.MAX_VALUE, Integer.MAX_VALUE, List.of());
  /** Unequal to STOP (a record's equals compares its fields; the markers are found with List.remove). */
  private static final JudgedRequest BREAK = new JudgedRequest(null, Long.MAX_VALUE, Integer.MIN_VALUE, List.of());

  private final HistoryPort history;
  private final ReferenceData reference;
  private final ScanIds ids;
  private final int maxGroupScans;
  private final long stallNanos;
  private final IngestMetrics metrics;
  private final DatabaseHealth health;
  private final Partitions partitions;
  private final BlockingQueue<JudgedRequest> inbox = new LinkedBlockingQueue<>();
  private Judge judge;

  private final Object lock = new Object();
  /** Guarded by lock: the judge's epoch after the last rewind; older copies are stale. */
  private int epoch;
  /** Guarded by lock: the group being committed, and since when. */
  private List<JudgedRequest> committing;
  private long committingSince;
  /** Guarded by lock: the gate of the part of the group now being committed. */
  private Gate gate;
  private long stallRewoundUpTo = -1;
  /** Set when the service stops: a commit still in doubt is left unanswered (the ledger stays marked unclean). */
  private volatile boolean stopping;
  /** What to run once everything before {@link #BREAK} is dealt with; nothing is committed after it. */
  private volatile Runnable afterBreak;

  Committer(HistoryPort history, ReferenceData reference, ScanIds ids, int maxGroupScans, long stallMillis,
            IngestMetrics metrics, DatabaseHealth health, Partitions partitions) {
    this.partitions = partitions;
    this.history = history;
    this.reference = reference;
    this.ids = ids;
    this.maxGroupScans = maxGroupScans;
    this.stallNanos = TimeUnit.MILLISECONDS.toNanos(stallMillis);
    this.metrics = metrics;
    this.health = health;
  }

  void attach(Judge judge) {
    this.judge = judge;
  }

  void offer(JudgedRequest judged) {
    inbox.add(judged);
  }

  void stop() {
    stopping = true;
    inbox.add(STOP);
  }

  /**
   * The judge died: what it passed on before is committed and answered as usual (a failed group's requests stay
   * unanswered until {@code then}: no rewind can be judged any more); then {@code then} runs on this thread, between
   * two groups, with nothing in doubt, and this thread ends without committing anything more.
   */
  void breakOff(Runnable then) {
    afterBreak = then;
    inbox.add(BREAK);
  }

  @Override
  public void run() {
    List<JudgedRequest> drained = new ArrayList<>();
    try {
      while (true) {
        try {
          drained.add(inbox.take());
        } catch (InterruptedException e) {
          return;
        }
        int scans = drained.get(0).weight();
        JudgedRequest next;
        while (scans < maxGroupScans && (next = inbox.poll()) != null) {
          drained.add(next);
          scans += next.weight();
        }
        boolean stop = drained.remove(STOP);
        boolean broken = drained.remove(BREAK);
        commitCurrent(drained);
        drained.clear();
        if (broken) {
          afterBreak.run();
          return;
        }
        if (stop) {
          return;
        }
      }
    } catch (RuntimeException | Error e) {
      // A fault nothing here handles (a bug, an Error) in the middle of a group: whether that group committed is not
      // known, so its requests must not be answered as either. The service stops taking scans (ScanService's guard).
      for (JudgedRequest j : drained) {
        if (j.request() != null) {
          j.request().answer.completeExceptionally(new ScanService.OutcomeUnknown("the service failed while storing "
              + "this request (an internal fault): whether it was stored is not known; send it again once the "
              + "service is back (a stored scan is answered REPLAYED)"));
        }
      }
      throw e;
    }
  }

  private void commitCurrent(List<JudgedRequest> drained) {
    List<JudgedRequest> group = new ArrayList<>(drained.size());
    synchronized (lock) {
      for (JudgedRequest j : drained) {
        if (j.epoch() == epoch) {
          group.add(j);
        }
      }
      if (group.isEmpty()) {
        return;
      }
      committing = group;
      committingSince = System.nanoTime();
    }
    try {
      commit(group, group.get(group.size() - 1).seq());
    } finally {
      synchronized (lock) {
        committing = null;
      }
    }
  }

  /**
   * Commits a group or, on a data refusal, its halves; false when a rewind made the rest of the group stale.
   * {@code drainedUpTo} is the last seq of the whole group taken from the inbox: requests after it may be failed
   * while this part's outcome is unknown, the rest of the group must not.
   */
  private boolean commit(List<JudgedRequest> group, long drainedUpTo) {
    long groupId = ids.next();
    List<Judged> scans = new ArrayList<>();
    List<Voiding> voidings = new ArrayList<>();
    java.util.Map<Integer, Long> holds = new java.util.HashMap<>();
    for (JudgedRequest j : group) {
      // Two requests judged under different epochs of one partition: the older cannot pass, so neither may.
      j.holds().forEach((part, held) -> holds.merge(part, held, (a, b) -> a.equals(b) ? a : -2L));
      scans.addAll(j.scans());
      if (j.voiding() != null) {
        voidings.add(j.voiding());
      }
    }
    Gate gate = new Gate(group.get(0).seq());
    synchronized (lock) {
      this.gate = gate;
    }
    long started = System.nanoTime();
    CommitReceipt receipt;
    try {
      receipt = history.commit(groupId, scans, voidings, holds, gate);
    } catch (HistoryPort.CommitFailure failure) {
      return failedOrGivenUp(failure, gate, group, groupId, scans, started, drainedUpTo);
    } catch (RuntimeException e) {
      // The port broke its contract: whether the group committed is not known, so the database is asked, as for a
      // lost answer. This thread must not die of it: every request after it would wait for ever.
      LOG.error("The history failed unexpectedly during a commit of {} scans", scans.size(), e);
      return failedOrGivenUp(new HistoryPort.CommitFailure.InDoubt("unexpected failure: " + e, e), gate, group,
          groupId, scans, started, drainedUpTo);
    }
    committed(group, receipt, started);
    return true;
  }

  private boolean failedOrGivenUp(HistoryPort.CommitFailure failure, Gate gate, List<JudgedRequest> group,
                                  long groupId, List<Judged> scans, long started, long drainedUpTo) {
    if (!gate.takeBack()) {
      // The watchdog failed this part and everything after it already; the ledger is rewound past it.
      LOG.warn("Commit of {} scans given up after the stall limit, nothing stored: {}", scans.size(),
          failure.getMessage());
      metrics.commitFailed();
      return false;
    }
    return failed(failure, group, groupId, scans, started, drainedUpTo);
  }

  private boolean failed(HistoryPort.CommitFailure failure, List<JudgedRequest> group, long groupId,
                         List<Judged> scans, long started, long drainedUpTo) {
    if (failure instanceof HistoryPort.CommitFailure.DataRefused refused) {
      if (group.size() == 1) {
        isolate(group.get(0), refused);
        return false;
      }
      int half = group.size() / 2;
      return commit(group.subList(0, half), drainedUpTo) && commit(group.subList(half, group.size()), drainedUpTo);
    }
    if (failure instanceof HistoryPort.CommitFailure.InDoubt) {
      LOG.warn("The answer to the commit of {} scans was lost; asking the database whether it committed: {}",
          scans.size(), failure.getMessage());
      health.down("the database stopped answering during a commit");
      return resolve(group, groupId, scans, started, drainedUpTo);
    }
    if (failure instanceof HistoryPort.CommitFailure.Fenced fenced) {
      // Another node took these partitions: whatever this node judged for them since is void. Everything judged after
      // this group is failed too (it may rest on the same stale state); a re-send goes to the new owner.
      LOG.warn("Commit of {} scans fenced, nothing stored: {}", scans.size(), fenced.getMessage());
      metrics.commitFailed();
      partitions.fenced(fenced.parts());
      rewind(group.get(0).seq(), true, Set.of(), Set.of(), new ScanService.Unavailable("this node no longer owns "
          + "some of these codes (they moved to another node); nothing of this request was stored: send it again"));
      return false;
    }
    LOG.warn("Commit of {} scans failed, nothing stored: {}", scans.size(), failure.getMessage());
    metrics.commitFailed();
    health.down(failure.getMessage());
    rewind(group.get(0).seq(), true, Set.of(), Set.of(),
        new ScanService.Unavailable("the history database did not store this request; nothing of it was stored"));
    return false;
  }

  private void isolate(JudgedRequest culprit, HistoryPort.CommitFailure.DataRefused refused) {
    if (refused.duplicateKey()) {
      LOG.warn("The history already holds a scan of request {} the judge took for new: judging it again", culprit.seq());
      rewind(culprit.seq(), false, Set.of(), Set.of(culprit.request()), null);
      return;
    }
    LOG.warn("The database refused the data of one request ({}); it alone fails", refused.getMessage());
    metrics.commitFailed();
    rewind(culprit.seq(), false, Set.of(culprit.request()), Set.of(),
        new ScanService.DataRefused("the database refused this request's data; nothing of it was stored, and it "
            + "will be refused again as it is"));
  }

  /**
   * Asks until the database answers whether the group committed, and answers the group accordingly; fails what was
   * judged after it meanwhile. True when it had committed.
   */
  private boolean resolve(List<JudgedRequest> group, long groupId, List<Judged> scans, long started,
                          long drainedUpTo) {
    long failedUpTo = drainedUpTo;
    long delay = 50;
    while (true) {
      long judged = judge.lastSeq();
      if (judged > failedUpTo) {
        failedUpTo = judged;
        rewind(drainedUpTo + 1, true, Set.of(), Set.of(),
            new ScanService.Unavailable("the history database is not answering; nothing of this request was stored"));
      }
      try {
        if (history.committed(groupId)) {
          LOG.info("The group whose answer was lost did commit: answering its {} scans", scans.size());
          committed(group, history.receiptOf(scans), started);
          return true;
        } else {
          LOG.info("The group whose answer was lost did not commit: its {} scans fail", scans.size());
          metrics.commitFailed();
          rewind(group.get(0).seq(), true, Set.of(), Set.of(),
              new ScanService.Unavailable("the history database lost the commit; nothing was stored"));
          return false;
        }
      } catch (Exception e) {
        LOG.debug("The database cannot say yet whether group {} committed: {}", groupId, e.toString());
      }
      if (stopping) {
        LOG.warn("Stopping with {} scans whose commit is in doubt: the next start reconciles the ledger", scans.size());
        return false;
      }
      sleep(delay);
      delay = Math.min(2_000, delay * 2);
    }
  }

  /**
   * The watchdog's tick, for a commit in flight longer than the stall limit: before COMMIT, the part being committed
   * is given up and fails with everything judged after it; after COMMIT, everything queued behind the group fails.
   */
  void watch() {
    synchronized (lock) {
      if (committing == null || System.nanoTime() - committingSince < stallNanos) {
        return;
      }
      long last = committing.get(committing.size() - 1).seq();
      health.down("the history database has not answered a commit for "
          + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - committingSince) + " ms");
      long judged = judge.lastSeq();
      if (gate != null && gate.giveUp()) {
        stallRewoundUpTo = Math.max(stallRewoundUpTo, judged);
        rewind(gate.fromSeq, true, Set.of(), Set.of(),
            new ScanService.Unavailable("the history database is not answering; nothing of this request was stored"));
        return;
      }
      if (judged > last && judged > stallRewoundUpTo) {
        stallRewoundUpTo = judged;
        rewind(last + 1, true, Set.of(), Set.of(),
            new ScanService.Unavailable("the history database is not answering; nothing of this request was stored"));
      }
    }
  }

  /** One part's way to COMMIT: the committer thread passes it or the watchdog gives the part up, never both. */
  private static final class Gate implements HistoryPort.CommitGate {
    private static final int WRITING = 0;
    private static final int COMMITTING = 1;
    private static final int GIVEN_UP = 2;
    private static final int FAILED = 3;
    private final AtomicInteger state = new AtomicInteger();
    final long fromSeq;

    Gate(long fromSeq) {
      this.fromSeq = fromSeq;
    }

    @Override
    public boolean mayCommit() {
      return state.compareAndSet(WRITING, COMMITTING);
    }

    boolean giveUp() {
      return state.compareAndSet(WRITING, GIVEN_UP);
    }

    /**
     * After a failure: true when the committer deals with it (the part can no longer be given up); false when the
     * watchdog gave the part up first and has failed it already. Deciding here, not merely looking, matters: a part
     * the watchdog failed must not then be split and stored.
     */
    boolean takeBack() {
      return state.compareAndSet(WRITING, FAILED) || state.get() == COMMITTING;
    }
  }

  private void rewind(long fromSeq, boolean failAll, Set<Request> failed, Set<Request> recheck,
                      RuntimeException cause) {
    synchronized (lock) {
      epoch++;
      judge.rewind(new Judge.Rewind(fromSeq, epoch, failAll, failed, recheck, cause));
    }
  }

  private void committed(List<JudgedRequest> group, CommitReceipt receipt, long started) {
    judge.committedUpTo(group.get(group.size() - 1).seq());
    health.up();
    int stored = 0;
    for (JudgedRequest j : group) {
      for (Judged s : j.scans()) {
        if (s instanceof Judged.Row) {
          stored++;
        }
      }
    }
    metrics.groupCommitted(stored, System.nanoTime() - started);
    for (JudgedRequest j : group) {
      try {
        j.request().answer.complete(answer(j, receipt));
      } catch (RuntimeException e) {
        // The group is stored; a fault in building one answer must neither kill this thread (every request after it
        // would wait for ever) nor pass for a 503, which promises nothing was stored.
        LOG.error("Request {} was stored but its answer could not be built", j.seq(), e);
        j.request().answer.completeExceptionally(new ScanService.StoredUnanswered("this request was stored, but its "
            + "answer could not be built; send it again to get each scan's result (a stored scan is answered REPLAYED)"));
      }
    }
  }

  private Request.Answer answer(JudgedRequest j, CommitReceipt receipt) {
    if (j.voiding() != null) {
      return new Request.Answer.Voided(voided(j.voiding()));
    }
    List<ScanResult> results = new ArrayList<>(j.scans().size());
    for (Judged s : j.scans()) {
      results.add(result(s, receipt));
    }
    return new Request.Answer.Scans(results);
  }

  private static Voiding.Result voided(Voiding v) {
    List<ScanResult.Finding> findings = new ArrayList<>();
    for (Voiding.LateDeletion d : v.lateDeletions()) {
      AnomalyType t = AnomalyType.LATE_DELETION;
      findings.add(new ScanResult.Finding(t.name(), t.suspicions().get(0).name(), t.level().name(), d.detail(),
          new ScanResult.Conflict(d.siteId(), d.saleDocumentNo(), d.saleAt())));
    }
    return new Voiding.Result(v.uploadBatch(), v.scanIds().size(), v.codesRederived(), List.copyOf(findings));
  }

  private ScanResult result(Judged judged, CommitReceipt receipt) {
    String canonical = judged.code() == null ? null : judged.code().canonical();
    String product = judged.code() == null ? null : judged.code().productKey();
    if (judged instanceof Judged.Replay replay) {
      ScanResult.Original original = replay.original() != null ? replay.original()
          : receipt.originals().get(ByteBuffer.wrap(replay.event().idem()));
      return new ScanResult(replay.index(), ScanStatus.REPLAYED, canonical, product, List.of(), null, original);
    }
    Judged.Row row = (Judged.Row) judged;
    List<ScanResult.Finding> findings = new ArrayList<>(row.anomalies().size());
    for (Anomaly a : row.anomalies()) {
      ScanResult.Conflict conflict = null;
      if (a.conflictsWith() != null) {
        Site site = reference.site(a.conflictsWith().siteRef());
        CommitReceipt.ConflictScan found = receipt.conflicts().get(new CommitReceipt.AnomalyRef(row.scanId(),
            a.type().name()));
        // The ledger keeps the second; the stored scan's own time is what the client sent for it.
        conflict = new ScanResult.Conflict(site == null ? null : site.siteId(),
            found == null ? null : found.documentNo(),
            found == null || found.scannedAt() == null ? Instant.ofEpochSecond(a.conflictsWith().at())
                : found.scannedAt());
      }
      findings.add(new ScanResult.Finding(a.type().name(), a.suspicion().name(), a.level().name(), a.detail(),
          conflict));
    }
    return new ScanResult(row.index(), row.status(), canonical, product, List.copyOf(findings), row.error(), null);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
