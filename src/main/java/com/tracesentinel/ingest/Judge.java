package com.tracesentinel.ingest;

import com.tracesentinel.code.CodeKey;
import com.tracesentinel.rules.StateCodec;
import com.tracesentinel.reference.ReferenceData;
import com.tracesentinel.rules.CodeState;
import com.tracesentinel.rules.Ladder;
import com.tracesentinel.rules.OpenSale;
import com.tracesentinel.rules.Verdict;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of the ledger. Judges requests one at a time, in arrival order, against the ledger; remembers
 * every uncommitted change (the bytes it replaced) and every uncommitted request, so that a {@link Rewind} from the
 * committer puts the ledger back exactly and either fails those requests or judges them again on the restored
 * state. Its thread sleeps on its inbox when there is nothing to do.
 */
final class Judge implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(Judge.class);
  private static final Object STOP = new Object();

  private final LedgerPort ledger;
  private final Ladder ladder;
  private final ReferenceData reference;
  private final HistoryPort history;
  private final ScanIds ids;
  private final LedgerClock clock;
  private final Consumer<JudgedRequest> committer;
  private final Partitions partitions;
  private final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();

  /** The committer's progress: requests up to this seq are in the history. */
  private volatile long committedSeq = -1;
  private volatile long lastSeq = -1;

  private long nextSeq;
  private int epoch;
  private final ArrayDeque<Change> changes = new ArrayDeque<>();
  /**
   * The same uncommitted changes by code, oldest first, for readers on other threads: the ledger holds a change from
   * its judging on, while what the public and investigators are told must be stored (a group may still fail 503 and
   * be undone). Each is listed before the ledger holds it and unlisted once committed, or after it is undone.
   */
  private final ConcurrentHashMap<ByteBuffer, Change[]> uncommitted = new ConcurrentHashMap<>();
  /** Counts undone changes (judge thread writes): a reader that saw one change the ledger reads again. */
  private volatile long undos;
  private final ArrayDeque<JudgedRequest> open = new ArrayDeque<>();
  private final Map<Idem, Judged.Row> inFlight = new HashMap<>();
  /** The last codes judged, for the audit's sample. */
  private final byte[][] recent = new byte[4096][];
  private int recentNext;

  private record Change(long seq, byte[] key, byte[] previous) {}

  /**
   * An idempotency key (16 bytes) as two longs: the in-flight map is asked up to three times a scan, and hashing a
   * wrapped array walked its bytes one call at a time each time (2 % of the service's CPU under batched load).
   */
  private record Idem(long high, long low) {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    static Idem of(byte[] idem) {
      return new Idem((long) LONGS.get(idem, 0), (long) LONGS.get(idem, 8));
    }

    // Written out: a record's generated equals showed in the profile (ObjectMethods) where two comparisons do.
    @Override
    public boolean equals(Object o) {
      return o instanceof Idem i && i.high == high && i.low == low;
    }

    @Override
    public int hashCode() {
      return Long.hashCode(high ^ (low * 31));
    }
  }

  /**
   * Undo every change judged at or after {@code fromSeq}; then each request judged from there on is failed with
   * {@code cause} when {@code failAll} or listed in {@code failed}, else judged again (checking the history for
   * re-sends when it is listed in {@code recheck}).
   */
  record Rewind(long fromSeq, int epoch, boolean failAll, Set<Request> failed, Set<Request> recheck,
                RuntimeException cause) {}

  /** Whether the committer, the supervisor or a re-send check last found the database down. */
  private final DatabaseHealth health;

  Judge(LedgerPort ledger, Ladder ladder, ReferenceData reference, HistoryPort history, ScanIds ids,
        LedgerClock clock, Partitions partitions, Consumer<JudgedRequest> committer,
        DatabaseHealth health) {
    this.health = health;
    this.clock = clock;
    this.partitions = partitions;
    this.ledger = ledger;
    this.ladder = ladder;
    this.reference = reference;
    this.history = history;
    this.ids = ids;
    this.committer = committer;
  }

  void submit(Request r) {
    inbox.add(r);
  }

  void rewind(Rewind w) {
    inbox.add(w);
  }

  /** Runs {@code task} on the judge's thread, between two requests: it sees no half-judged request. */
  void execute(Runnable task) {
    inbox.add(task);
  }

  void stop() {
    inbox.add(STOP);
  }

  void committedUpTo(long seq) {
    committedSeq = seq;
  }

  long lastSeq() {
    return lastSeq;
  }

  /**
   * Up to {@code max} codes judged lately whose every change is committed, with their stored bytes (judge thread only:
   * for tasks run through {@link #execute}). What the audit compares with the history.
   */
  Map<ByteBuffer, byte[]> settledRecentCodes(int max) {
    forgetCommitted();
    java.util.Set<ByteBuffer> unsettled = new java.util.HashSet<>();
    for (Change c : changes) {
      unsettled.add(ByteBuffer.wrap(c.key));
    }
    Map<ByteBuffer, byte[]> out = new java.util.LinkedHashMap<>();
    for (int i = 0; i < recent.length && out.size() < max; i++) {
      byte[] key = recent[(recentNext + i) % recent.length];
      if (key != null && !unsettled.contains(ByteBuffer.wrap(key))) {
        byte[] raw = ledger.getRaw(key);
        if (raw != null) {
          out.put(ByteBuffer.wrap(key), raw);
        }
      }
    }
    return out;
  }

  /**
   * Forgets the undo of every uncommitted change to these partitions' codes (judge thread only). Called once this
   * node stopped judging them: their entries are about to be emptied and rebuilt, and a later rewind must not put
   * stale bytes back into them. Those changes' commits cannot pass the ownership check any more.
   */
  void dropPartitions(Set<Integer> parts) {
    for (var it = changes.iterator(); it.hasNext(); ) {
      Change c = it.next();
      if (parts.contains(CodeKey.partitionOf(c.key))) {
        it.remove();
        unlist(c);
      }
    }
  }

  /** The stored bytes of a code now (judge thread only). */
  byte[] stored(byte[] key) {
    return ledger.getRaw(key);
  }

  /**
   * A code's bytes as committed (any thread): a change not yet committed is read as the bytes it replaced. The ledger
   * is read first: a change it shows was listed before, so it is found listed unless committed since, or undone, which
   * {@link #undos} tells (the bytes are then read again).
   */
  byte[] committed(byte[] key) {
    while (true) {
      long undone = undos;
      byte[] raw = ledger.getRaw(key);
      long committed = committedSeq;
      Change[] listed = uncommitted.get(ByteBuffer.wrap(key));
      if (undos != undone) {
        continue;
      }
      if (listed != null) {
        for (Change c : listed) {
          if (c.seq > committed) {
            return c.previous;
          }
        }
      }
      return raw;
    }
  }

  @Override
  public void run() {
    List<Object> batch = new ArrayList<>();
    while (true) {
      try {
        batch.add(inbox.take());
      } catch (InterruptedException e) {
        return;
      }
      inbox.drainTo(batch, 255);
      for (Object m : batch) {
        if (m == STOP) {
          return;
        }
        forgetCommitted();
        try {
          if (m instanceof Request r) {
            if (r.answer.isDone()) {
              // Failed before its turn (the core stopped after a fault): judging it would only change the ledger.
              continue;
            }
            handle(r, false);
          } else if (m instanceof Rewind w) {
            rewind(w, true);
          } else {
            ((Runnable) m).run();
          }
        } catch (RuntimeException e) {
          LOG.error("The judge failed on {}", m.getClass().getSimpleName(), e);
          if (m instanceof Request r) {
            r.answer.completeExceptionally(new ScanService.Unavailable("the request could not be judged; nothing "
                + "of it was stored"));
          }
        }
      }
      batch.clear();
    }
  }

  private void handle(Request r, boolean recheck) {
    if (r.voiding != null) {
      voidUpload(r);
    } else {
      judge(r, recheck);
    }
  }

  private void judge(Request r, boolean recheck) {
    if (health.downBecause() != null) {
      // Admitted before the database was found down, and queued since (behind a re-send check that went unanswered,
      // say): judged, its group would wait out the committer's stall limit as well before its 503, 3.6 s in all
      // (load-tests/faults/run.sh pg-stop-resend). It cannot be stored while the database is down.
      r.answer.completeExceptionally(new ScanService.Unavailable(ScanService.DATABASE_DOWN));
      return;
    }
    Map<Integer, Long> holds = Map.of();
    if (partitions.shared()) {
      holds = new HashMap<>();
      for (Prepared p : r.scans) {
        if (p instanceof Prepared.ToJudge t) {
          int part = CodeKey.partitionOf(t.event().codeKey());
          if (!hold(holds, part)) {
            r.answer.completeExceptionally(notJudged(part));
            return;
          }
        }
      }
    }
    long seq = nextSeq++;
    long now = clock.seconds();
    List<Judged> out = new ArrayList<>(r.scans.size());
    int checkedFrom = recheck ? 0 : judgeUntilMaybeResent(r.scans, seq, now, out);
    List<Prepared> rest = r.scans.subList(checkedFrom, r.scans.size());
    Map<Integer, ScanResult.Original> resent = Map.of();
    List<Prepared.ToJudge> candidates = new ArrayList<>();
    for (Prepared p : rest) {
      if (p instanceof Prepared.ToJudge t && !inFlight.containsKey(Idem.of(t.event().idem()))
          && (recheck || mayBeResent(t.event()))) {
        candidates.add(t);
      }
    }
    if (!candidates.isEmpty() && health.downBecause() != null) {
      // Each question would wait out its timeout, and the rewind that answers 503 to what is stalled waits behind
      // them in this thread: not asked, they cannot be stored anyway while the database is down.
      refuseUnchecked(r, seq, out, "the history database is not answering");
      return;
    } else if (!candidates.isEmpty()) {
      if (!deletionsCommitted()) {
        refuseUnchecked(r, seq, out, "an upload deletion sent before it is still being stored");
        return;
      }
      try {
        List<ScanResult.Original> found = history.findOriginals(candidates.stream().map(Prepared.ToJudge::event).toList());
        resent = new HashMap<>();
        for (int i = 0; i < candidates.size(); i++) {
          if (found.get(i) != null) {
            resent.put(candidates.get(i).index(), found.get(i));
          }
        }
      } catch (Exception e) {
        LOG.warn("Could not check the history for {} possible re-sends: {}", candidates.size(), e.toString());
        // Reported, so that the requests queued behind this one are refused at once rather than each waiting out
        // its own check: when nothing was being committed (every request waiting on this check), nobody else saw
        // the database stop, and a request queued behind one check then waited for two (4 s against the 2 s limit,
        // load-tests/faults/run.sh pg-stop-resend). The supervisor probes at once and reopens within milliseconds
        // if the database answers.
        health.down("a re-send check was not answered (" + e.getClass().getSimpleName() + ")");
        refuseUnchecked(r, seq, out, "the history could not be read");
        return;
      }
    }
    Returns returns = new Returns();
    for (Prepared p : rest) {
      if (p instanceof Prepared.Refused f) {
        out.add(refused(f));
        continue;
      }
      Prepared.ToJudge t = (Prepared.ToJudge) p;
      if (inFlight.containsKey(Idem.of(t.event().idem()))) {
        out.add(inFlightReplay(t));
      } else if (resent.containsKey(t.index())) {
        out.add(new Judged.Replay(t.index(), t.input(), t.code(), t.event(), resent.get(t.index())));
      } else if (t.refusal() != null) {
        out.add(rejected(t, t.refusal()));
      } else {
        Judged j = apply(t, seq, now, false);
        if (j == null) {
          if (!deletionsCommitted()) {
            refuseUnmatchedReturn(r, seq, out, "an upload deletion sent before it is still being stored");
            return;
          }
          OpenSale atSite;
          try {
            atSite = openSaleInHistory(t.event(), rest, out, returns);
          } catch (Exception e) {
            LOG.warn("Could not read a code's history to judge a return: {}", e.toString());
            // As for an unanswered re-send check: what queued behind this read is refused at once, not each after
            // its own wait (a second such return waited 4 s against the 2 s limit, every other client's scans too).
            health.down("a return's read of the history was not answered (" + e.getClass().getSimpleName() + ")");
            refuseUnmatchedReturn(r, seq, out, "the history could not be read");
            return;
          }
          j = apply(t, seq, now, false, true, atSite);
        }
        out.add(j);
      }
    }
    JudgedRequest judged = new JudgedRequest(r, seq, epoch, List.copyOf(out), null, holds);
    open.addLast(judged);
    lastSeq = seq;
    committer.accept(judged);
  }

  /**
   * A request with a scan that may be a re-send, when the history cannot say whether it is: refused whole (503), its
   * scans judged so far undone. Each such scan was stored REJECTED with a 200 until 2026-12-03, so when the database
   * answered the commit but not the question (a connection ended mid-query), a till's re-send of a stored batch came
   * back REJECTED instead of REPLAYED and its rows were stored a second time (load-tests/faults/run.sh pg-terminate).
   */
  private void refuseUnchecked(Request r, long seq, List<Judged> judgedSoFar, String why) {
    refuse(r, seq, judgedSoFar, "could not check whether scans of this request were sent before (" + why + ")");
  }

  /** A return the state cannot match whose history was not read: it is no re-send check, and says so. */
  private void refuseUnmatchedReturn(Request r, long seq, List<Judged> judgedSoFar, String why) {
    refuse(r, seq, judgedSoFar, "could not find in the history the sale a return undoes (" + why + ")");
  }

  private void refuse(Request r, long seq, List<Judged> judgedSoFar, String what) {
    while (!changes.isEmpty() && changes.peekLast().seq == seq) {
      undo(changes.pollLast());
    }
    forgetInFlight(judgedSoFar);
    r.answer.completeExceptionally(new ScanService.Unavailable(what + "; nothing of it was stored, send it again"));
  }

  /**
   * Waits, briefly, for the upload deletions judged before to commit. Until then the history still holds the scans
   * they void under their idempotency keys: a corrected upload sent right behind its deletion was found there, answered
   * REPLAYED and not stored, and the deletion then voided the sale it was taken for (VoidUploadTest).
   */
  private boolean deletionsCommitted() {
    long lastDeletion = -1;
    for (var newestFirst = open.descendingIterator(); newestFirst.hasNext(); ) {
      JudgedRequest j = newestFirst.next();
      if (j.seq() <= committedSeq) {
        break; // what is older is committed: the deque can be long under load, and this runs for every re-send check
      }
      if (j.voiding() != null) {
        lastDeletion = j.seq();
        break;
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (committedSeq < lastDeletion && health.downBecause() == null && System.nanoTime() < deadline) {
      sleep(1);
    }
    return committedSeq >= lastDeletion;
  }

  /**
   * Notes the epoch under which this node judges the partition, false when it does not judge it now. One read: asked
   * apart, "judged here?" and "which epoch?" could straddle a hand-over and back, and carry the epoch of a ledger part
   * still being rebuilt into the commit's check.
   */
  private boolean hold(Map<Integer, Long> holds, int part) {
    long epoch = partitions.judgingEpoch(part);
    if (epoch < 0) {
      return false;
    }
    holds.put(part, epoch);
    return true;
  }

  private static ScanService.Unavailable notJudged(int part) {
    return new ScanService.Unavailable("partition " + part + " of the codes is being handed over between nodes; "
        + "nothing of this request was stored: send it again shortly");
  }

  /**
   * An NHSA 3507 deletion: every earlier request must be committed first (the codes are re-derived from the history,
   * which must hold all of them), so the judge waits for that, briefly (deletions are rare). Then the upload's stored
   * scans are read, each code they touched is re-derived from its other scans, and the new states go into the ledger
   * with the old bytes kept for undo, as any judged change; voided sales older than the return window become
   * LATE_DELETION anomalies. The committer marks the scans voided in the same kind of group transaction.
   */
  private void voidUpload(Request r) {
    Request.VoidCommand v = r.voiding;
    if (partitions.shared() && v.parts() == null) {
      // A cluster node voids only the partitions it names (the router sends each owner its own): never all of them.
      r.answer.completeExceptionally(new IllegalStateException("a cluster node voids only the partitions it names"));
      return;
    }
    Map<Integer, Long> holds = new HashMap<>();
    if (v.parts() != null) {
      for (int part : v.parts()) {
        if (part == Voiding.UNPARSED) {
          continue;
        }
        if (!hold(holds, part)) {
          r.answer.completeExceptionally(notJudged(part));
          return;
        }
      }
    }
    long before = lastSeq;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (committedSeq < before && System.nanoTime() < deadline) {
      sleep(5);
    }
    if (committedSeq < before) {
      r.answer.completeExceptionally(new ScanService.Unavailable(
          "scans sent before the deletion are still being stored; send the deletion again shortly"));
      return;
    }
    forgetCommitted();
    long seq = nextSeq++;
    List<Voiding.UploadedScan> stored;
    java.util.Map<ByteBuffer, CodeState> states = new HashMap<>();
    java.util.Set<Long> ids = new java.util.HashSet<>();
    List<byte[]> codes = new ArrayList<>();
    try {
      stored = new ArrayList<>();
      for (Voiding.UploadedScan s : history.uploadScans(v.siteId(), v.uploadBatch())) {
        if (v.covers(s.codeKey())) {
          stored.add(s);
        }
      }
      java.util.Set<ByteBuffer> seen = new java.util.HashSet<>();
      for (Voiding.UploadedScan s : stored) {
        ids.add(s.scanId());
        if (s.codeKey() != null && s.status() != ScanStatus.REJECTED && seen.add(ByteBuffer.wrap(s.codeKey()))) {
          codes.add(s.codeKey());
        }
      }
      if (!codes.isEmpty()) {
        Judging.fold(ladder, reference, sink -> history.scansOfExcept(codes, ids, sink),
            (key, state) -> states.put(ByteBuffer.wrap(key), state));
      }
    } catch (Exception e) {
      LOG.warn("Could not read upload {} of site {} to delete it: {}", v.uploadBatch(), v.siteId(), e.toString());
      // As for an unanswered re-send check: what queued behind this read is refused at once, not each after its own
      // wait, until the supervisor finds the database answering.
      health.down("a deletion's read of the history was not answered (" + e.getClass().getSimpleName() + ")");
      r.answer.completeExceptionally(new ScanService.Unavailable("the history could not be read to delete the upload;"
          + " send the deletion again shortly"));
      return;
    }
    long now = clock.seconds();
    try {
      ledger.noteRemovals(codes.stream().filter(key -> !states.containsKey(ByteBuffer.wrap(key))).toList(), now);
      for (byte[] key : codes) {
        changes.addLast(listed(new Change(seq, key, ledger.getRaw(key)))); // kept before the write, to undo it too
        CodeState state = states.get(ByteBuffer.wrap(key));
        ledger.restore(key, state == null ? null : com.tracesentinel.rules.StateCodec.encode(state, now));
      }
    } catch (RuntimeException e) {
      // Answered 503, so the codes changed before the failure go back: left changed, they made the ledger differ
      // from the history, which never voided them.
      while (!changes.isEmpty() && changes.peekLast().seq == seq) {
        undo(changes.pollLast());
      }
      LOG.error("Deleting upload {} of site {} failed in the ledger", v.uploadBatch(), v.siteId(), e);
      r.answer.completeExceptionally(new ScanService.Unavailable("the deletion could not be applied to the ledger; "
          + "nothing of it was stored: send it again shortly"));
      return;
    }
    Instant at = r.admittedAt;
    Instant oldestReturnable = at.minus(ladder.settings().returnWindow());
    List<Voiding.LateDeletion> late = new ArrayList<>();
    for (Voiding.UploadedScan s : stored) {
      if (s.type() == com.tracesentinel.rules.EventType.SALE && s.status() != ScanStatus.REJECTED
          && s.scannedAt().isBefore(oldestReturnable)) {
        com.tracesentinel.reference.Site site = reference.site(s.siteRef());
        late.add(new Voiding.LateDeletion(s.scanId(), s.codeKey(), s.canonical(), s.product(), v.siteId(),
            site == null ? "" : site.regionCode(),
            s.documentNo(), s.scannedAt(), Voiding.lateDeletionDetail(s.scannedAt(), at,
            ladder.settings().returnWindow())));
      }
    }
    Voiding voiding = new Voiding(v.siteId(), v.uploadBatch(), at, List.copyOf(ids), codes.size(), List.copyOf(late));
    if (!partitions.shared()) {
      holds = Map.of();
    }
    JudgedRequest judged = new JudgedRequest(r, seq, epoch, List.of(), voiding, holds);
    open.addLast(judged);
    lastSeq = seq;
    committer.accept(judged);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Judges scans in order, each in one ledger look-up, until one may be a re-send (its code's state remembers its
   * fingerprint): that one and the rest need the history asked first, all together. Almost every scan is not one, and
   * this spares it the separate read that deciding so took (8 % of the service's CPU under batched load, in
   * BATCH=100 CONNECTIONS=16 load-tests/profile-native.sh). Returns the index of the first scan left unjudged.
   */
  private int judgeUntilMaybeResent(List<Prepared> scans, long seq, long now, List<Judged> out) {
    for (int i = 0; i < scans.size(); i++) {
      Prepared p = scans.get(i);
      if (p instanceof Prepared.Refused f) {
        out.add(refused(f));
        continue;
      }
      Prepared.ToJudge t = (Prepared.ToJudge) p;
      Judged j = inFlight.containsKey(Idem.of(t.event().idem())) ? inFlightReplay(t)
          : t.refusal() == null ? apply(t, seq, now, true)
          : mayBeResent(t.event()) ? null : rejected(t, t.refusal());
      if (j == null) {
        return i;
      }
      out.add(j);
    }
    return scans.size();
  }

  private Judged.Row refused(Prepared.Refused f) {
    return new Judged.Row(f.index(), f.input(), f.code(), f.site(), null, ids.next(), ScanStatus.REJECTED, List.of(),
        f.reason());
  }

  private static Judged.Replay inFlightReplay(Prepared.ToJudge t) {
    return new Judged.Replay(t.index(), t.input(), t.code(), t.event(), null);
  }

  /**
   * Moves the scan's code by one step. With {@code unlessMaybeResent}, a code whose state remembers the scan's
   * fingerprint is left as it was and null returned: the history must be asked first. So is a scan the state cannot
   * judge alone ({@link Ladder#asksHistory}): see {@link #openSaleInHistory}.
   */
  private Judged apply(Prepared.ToJudge t, long seq, long now, boolean unlessMaybeResent) {
    return apply(t, seq, now, unlessMaybeResent, false, null);
  }

  /** With {@code historyRead}, atSite is the history's answer for a scan the state cannot judge alone. */
  private Judged apply(Prepared.ToJudge t, long seq, long now, boolean unlessMaybeResent, boolean historyRead,
                       OpenSale atSite) {
    byte[] key = t.event().codeKey();
    Change[] change = new Change[1];
    try {
      Verdict[] verdict = new Verdict[1];
      ledger.update(key, now, stored -> {
        if (unlessMaybeResent && stored != null && Judging.mayBeResent(stored, t.event().fingerprint())) {
          return null;
        }
        CodeState state = stored == null ? CodeState.NEW : StateCodec.decode(stored);
        if (!historyRead && Ladder.asksHistory(state, t.event().facts())) {
          return null;
        }
        verdict[0] = Judging.apply(ladder, state, t.event(), reference, atSite);
        change[0] = listed(new Change(seq, key, stored));
        return verdict[0].next();
      });
      if (verdict[0] == null) {
        return null;
      }
      changes.addLast(change[0]);
      recent[recentNext] = key;
      recentNext = (recentNext + 1) % recent.length;
      Judged.Row row = new Judged.Row(t.index(), t.input(), t.code(), t.site(), t.event(), ids.next(),
          verdict[0].flagged() ? ScanStatus.FLAGGED : ScanStatus.ACCEPTED, verdict[0].anomalies(), null);
      inFlight.put(Idem.of(t.event().idem()), row);
      return row;
    } catch (LedgerPort.Full full) {
      return rejected(t, full.getMessage());
    } catch (RuntimeException e) {
      if (change[0] != null && changes.peekLast() != change[0]) {
        unlist(change[0]); // the ledger failed to store it
      }
      // A ledger fault must cost one scan, not the judge's thread.
      LOG.error("Judging a {} scan failed; it is rejected", t.input().type(), e);
      return rejected(t, "internal error while judging this scan; send it again later");
    }
  }

  /**
   * The latest open sale at the scan's site that the code's history holds, for a RETURN the state cannot match
   * ({@link Ladder#asksHistory}: rare). The code's stored scans are replayed as a rebuild replays them, then its scans
   * judged since and not known to be stored (read from memory, their stored rows left out whether committed yet or
   * not), then this request's so far: what the rebuild will find at this point, without waiting for a commit. The
   * caller first waits for a deletion still being stored, as for a re-send check: the history holds what it voids.
   * <p>
   * A request reads the history once: the first such return reads the codes of every RETURN in {@code rest}, and
   * {@code histories} keeps each code's replay for the next, stepped on by the scans judged in between. A read per
   * return held the judge's thread for each, every other client's scans waiting behind: requests of 1,000 such returns
   * of one code took 1.3, 3.5, 5.3 and 8.2 s, each read longer than the last (now 0.7-1.6 s). Reading once gives what
   * reading at each return would: while a request is judged, the only rows of these codes the history gains are those
   * of requests still open, which the read leaves out and replays from memory.
   * <p>
   * A site that never sold the code has no open sale of it, whatever else its history holds (the replay opens sales
   * only at the site of a SALE), so the history is first asked only which of the request's returns are at a site with
   * a sale of their code ({@link #soldAt}), and the scans of those codes alone are read and replayed. Replaying every
   * scan of the code for each return at a site that never sold it held the judge's thread 0.024 s a return at 1,000
   * stored scans of the code and 0.056 s at 10,000, each such return stored and making the next one longer.
   */
  private OpenSale openSaleInHistory(ScanEvent event, List<Prepared> rest, List<Judged> judgedSoFar, Returns returns)
      throws Exception {
    ByteBuffer key = ByteBuffer.wrap(event.codeKey());
    if (!returns.histories.containsKey(key)) {
      if (!soldAt(new CodeSite(key, event.facts().siteRef()), rest, judgedSoFar, returns)) {
        return null;
      }
      readHistories(event.codeKey(), rest, returns);
    }
    CodeHistory code = returns.histories.get(key);
    for (; code.stepped < judgedSoFar.size(); code.stepped++) {
      if (ofCode(judgedSoFar.get(code.stepped), event.codeKey())) {
        code.replay.step(((Judged.Row) judgedSoFar.get(code.stepped)).event());
      }
    }
    return code.replay.latestAt(event.facts().siteRef());
  }

  /**
   * Whether a SALE of the code at the site is stored, judged in a request not yet stored, or judged earlier in this
   * one. The first asking return asks the history for every return of the request at once.
   */
  private boolean soldAt(CodeSite asked, List<Prepared> rest, List<Judged> judgedSoFar, Returns returns)
      throws Exception {
    if (returns.sold == null) {
      List<CodeSite> pairs = new ArrayList<>(new java.util.LinkedHashSet<>(returnsIn(rest)));
      java.util.BitSet stored = history.soldAt(pairs.stream().map(p -> p.code().array()).toList(),
          pairs.stream().map(CodeSite::site).toList());
      Set<CodeSite> sold = new java.util.HashSet<>();
      for (int i = stored.nextSetBit(0); i >= 0; i = stored.nextSetBit(i + 1)) {
        sold.add(pairs.get(i));
      }
      for (JudgedRequest j : open) {
        j.scans().forEach(scan -> addSale(scan, sold));
      }
      returns.sold = sold;
    }
    for (; returns.seen < judgedSoFar.size(); returns.seen++) {
      addSale(judgedSoFar.get(returns.seen), returns.sold);
    }
    return returns.sold.contains(asked);
  }

  private static List<CodeSite> returnsIn(List<Prepared> rest) {
    List<CodeSite> out = new ArrayList<>();
    for (Prepared p : rest) {
      if (p instanceof Prepared.ToJudge t && t.event().facts().type() == com.tracesentinel.rules.EventType.RETURN) {
        out.add(new CodeSite(ByteBuffer.wrap(t.event().codeKey()), t.event().facts().siteRef()));
      }
    }
    return out;
  }

  private static void addSale(Judged scan, Set<CodeSite> sold) {
    if (scan instanceof Judged.Row row && row.judged()
        && row.event().facts().type() == com.tracesentinel.rules.EventType.SALE) {
      sold.add(new CodeSite(ByteBuffer.wrap(row.event().codeKey()), row.event().facts().siteRef()));
    }
  }

  /**
   * Replays, into the request's histories, the stored and open scans of {@code key} and of the codes returned in rest
   * at a site that sold them.
   */
  private void readHistories(byte[] key, List<Prepared> rest, Returns returns) throws Exception {
    Map<ByteBuffer, CodeHistory> histories = returns.histories;
    Map<ByteBuffer, CodeHistory> read = new java.util.LinkedHashMap<>();
    read.put(ByteBuffer.wrap(key), new CodeHistory(new Judging.Replay(ladder, reference)));
    for (CodeSite r : returnsIn(rest)) {
      if (returns.sold.contains(r) && !histories.containsKey(r.code()) && !read.containsKey(r.code())) {
        read.put(r.code(), new CodeHistory(new Judging.Replay(ladder, reference)));
      }
    }
    Set<Long> unsettledIds = new java.util.HashSet<>();
    List<ScanEvent> unsettled = new ArrayList<>();
    for (JudgedRequest j : open) {
      for (Judged scan : j.scans()) {
        if (scan instanceof Judged.Row row && row.judged()
            && read.containsKey(ByteBuffer.wrap(row.event().codeKey()))) {
          unsettledIds.add(row.scanId());
          unsettled.add(row.event());
        }
      }
    }
    history.scansOfExcept(read.keySet().stream().map(ByteBuffer::array).toList(), unsettledIds,
        e -> read.get(ByteBuffer.wrap(e.codeKey())).replay.step(e));
    unsettled.forEach(e -> read.get(ByteBuffer.wrap(e.codeKey())).replay.step(e));
    histories.putAll(read);
  }

  /** What a request's returns the state cannot match have learnt of the history, asked once a request. */
  private static final class Returns {
    final Map<ByteBuffer, CodeHistory> histories = new HashMap<>();
    /**
     * (code, site) pairs known to have a sale: of the request's returns, those the history holds one for, and those of
     * every sale judged and not known to be stored; null until the first asking return.
     */
    Set<CodeSite> sold;
    /** How many of the request's judged scans {@code sold} has taken in. */
    int seen;
  }

  private record CodeSite(ByteBuffer code, int site) {}

  /** A code's history replayed for a request, and how many of the request's judged scans it has been stepped on by. */
  private static final class CodeHistory {
    final Judging.Replay replay;
    int stepped;

    CodeHistory(Judging.Replay replay) {
      this.replay = replay;
    }
  }

  private static boolean ofCode(Judged scan, byte[] key) {
    return scan instanceof Judged.Row row && row.judged() && java.util.Arrays.equals(row.event().codeKey(), key);
  }

  private Judged.Row rejected(Prepared p, String why) {
    Prepared.ToJudge t = (Prepared.ToJudge) p;
    return new Judged.Row(t.index(), t.input(), t.code(), t.site(), null, ids.next(), ScanStatus.REJECTED, List.of(),
        why);
  }

  private boolean mayBeResent(ScanEvent e) {
    byte[] raw = ledger.getRaw(e.codeKey());
    return raw != null && Judging.mayBeResent(raw, e.fingerprint());
  }

  private void forgetCommitted() {
    long committed = committedSeq;
    while (!changes.isEmpty() && changes.peekFirst().seq <= committed) {
      unlist(changes.pollFirst());
    }
    while (!open.isEmpty() && open.peekFirst().seq() <= committed) {
      forgetInFlight(open.pollFirst().scans());
    }
  }

  /** Lists a change before the ledger holds it (see {@link #committed}). */
  private Change listed(Change c) {
    uncommitted.merge(ByteBuffer.wrap(c.key), new Change[] {c}, (older, one) -> {
      Change[] all = java.util.Arrays.copyOf(older, older.length + 1);
      all[older.length] = c;
      return all;
    });
    return c;
  }

  private void unlist(Change c) {
    uncommitted.computeIfPresent(ByteBuffer.wrap(c.key), (k, listed) -> {
      for (int i = 0; i < listed.length; i++) {
        if (listed[i] == c) {
          if (listed.length == 1) {
            return null;
          }
          Change[] rest = new Change[listed.length - 1];
          System.arraycopy(listed, 0, rest, 0, i);
          System.arraycopy(listed, i + 1, rest, i, rest.length - i);
          return rest;
        }
      }
      return listed;
    });
  }

  /** Puts back the bytes a change replaced; counted before it is unlisted, for a reader in between. */
  private void undo(Change c) {
    ledger.restore(c.key, c.previous);
    undos++;
    unlist(c);
  }

  private void forgetInFlight(List<Judged> judged) {
    for (Judged j : judged) {
      if (j instanceof Judged.Row row && row.judged()) {
        inFlight.remove(Idem.of(row.event().idem()), row);
      }
    }
  }

  /**
   * Puts back every change from {@code fromSeq} on, newest first, then settles the requests judged from there: each
   * is failed or judged again, in its original order, on the restored ledger.
   */
  private void rewind(Rewind w, boolean log) {
    epoch = w.epoch();
    int undone = 0;
    while (!changes.isEmpty() && changes.peekLast().seq >= w.fromSeq()) {
      undo(changes.pollLast());
      undone++;
    }
    ArrayDeque<JudgedRequest> rewound = new ArrayDeque<>();
    while (!open.isEmpty() && open.peekLast().seq() >= w.fromSeq()) {
      JudgedRequest j = open.pollLast();
      forgetInFlight(j.scans());
      rewound.addFirst(j);
    }
    if (log && undone > 0) {
      LOG.warn("Undid {} uncommitted ledger changes of {} requests: {}", undone, rewound.size(),
          w.cause() == null ? "re-judging" : w.cause().getMessage());
    }
    for (JudgedRequest j : rewound) {
      Request r = j.request();
      if (w.failAll() || w.failed().contains(r)) {
        r.answer.completeExceptionally(w.cause());
      } else if (w.recheck().contains(r) && r.rechecks++ > 0) {
        r.answer.completeExceptionally(new ScanService.Unavailable(
            "the history refused a scan of this request as a duplicate twice; send it again later"));
      } else {
        handle(r, w.recheck().contains(r));
      }
    }
  }
}
