package com.tracesentinel.ingest;

import com.tracesentinel.rules.StateCodec;
import com.tracesentinel.reference.ReferenceData;
import com.tracesentinel.rules.CodeState;
import com.tracesentinel.rules.Ladder;
import com.tracesentinel.rules.Verdict;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
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
  private final Consumer<JudgedRequest> committer;
  private final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();

  /** The committer's progress: requests up to this seq are in the history. */
  private volatile long committedSeq = -1;
  private volatile long lastSeq = -1;

  private long nextSeq;
  private int epoch;
  private final ArrayDeque<Change> changes = new ArrayDeque<>();
  private final ArrayDeque<JudgedRequest> open = new ArrayDeque<>();
  private final Map<ByteBuffer, Judged.Row> inFlight = new HashMap<>();
  /** The last codes judged, for the audit's sample. */
  private final byte[][] recent = new byte[4096][];
  private int recentNext;

  private record Change(long seq, byte[] key, byte[] previous) {}

  /**
   * Undo every change judged at or after {@code fromSeq}; then each request judged from there on is failed with
   * {@code cause} when {@code failAll} or listed in {@code failed}, else judged again (checking the history for
   * re-sends when it is listed in {@code recheck}).
   */
  record Rewind(long fromSeq, int epoch, boolean failAll, Set<Request> failed, Set<Request> recheck,
                RuntimeException cause) {}

  Judge(LedgerPort ledger, Ladder ladder, ReferenceData reference, HistoryPort history, ScanIds ids,
        Consumer<JudgedRequest> committer) {
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

  /** The stored bytes of a code now (judge thread only). */
  byte[] stored(byte[] key) {
    return ledger.getRaw(key);
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
            judge(r, false);
          } else if (m instanceof Rewind w) {
            rewind(w, true);
          } else {
            ((Runnable) m).run();
          }
        } catch (RuntimeException e) {
          LOG.error("The judge failed on {}", m.getClass().getSimpleName(), e);
          if (m instanceof Request r) {
            r.answer.completeExceptionally(e);
          }
        }
      }
      batch.clear();
    }
  }

  private void judge(Request r, boolean recheck) {
    long seq = nextSeq++;
    Map<Integer, ScanResult.Original> resent = Map.of();
    Set<Integer> unchecked = Set.of();
    List<Prepared.ToJudge> candidates = new ArrayList<>();
    for (Prepared p : r.scans) {
      if (p instanceof Prepared.ToJudge t && !inFlight.containsKey(ByteBuffer.wrap(t.event().idem()))
          && (recheck || mayBeResent(t.event()))) {
        candidates.add(t);
      }
    }
    if (!candidates.isEmpty()) {
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
        unchecked = new java.util.HashSet<>();
        for (Prepared.ToJudge t : candidates) {
          unchecked.add(t.index());
        }
      }
    }
    long now = Instant.now().getEpochSecond();
    List<Judged> out = new ArrayList<>(r.scans.size());
    for (Prepared p : r.scans) {
      if (p instanceof Prepared.Refused f) {
        out.add(new Judged.Row(f.index(), f.input(), f.code(), f.site(), null, ids.next(), ScanStatus.REJECTED,
            List.of(), f.reason()));
        continue;
      }
      Prepared.ToJudge t = (Prepared.ToJudge) p;
      ByteBuffer idem = ByteBuffer.wrap(t.event().idem());
      if (inFlight.containsKey(idem)) {
        out.add(new Judged.Replay(t.index(), t.input(), t.code(), t.event(), null));
      } else if (resent.containsKey(t.index())) {
        out.add(new Judged.Replay(t.index(), t.input(), t.code(), t.event(), resent.get(t.index())));
      } else if (unchecked.contains(t.index())) {
        out.add(rejected(t, "could not check whether this scan was sent before; send it again later"));
      } else {
        out.add(apply(t, seq, now));
      }
    }
    JudgedRequest judged = new JudgedRequest(r, seq, epoch, List.copyOf(out));
    open.addLast(judged);
    lastSeq = seq;
    committer.accept(judged);
  }

  private Judged apply(Prepared.ToJudge t, long seq, long now) {
    byte[] key = t.event().codeKey();
    try {
      byte[] previous = ledger.getRaw(key);
      CodeState state = previous == null ? CodeState.NEW : StateCodec.decode(previous);
      Verdict verdict = Judging.apply(ladder, state, t.event(), reference);
      ledger.put(key, verdict.next(), now, previous == null);
      changes.addLast(new Change(seq, key, previous));
      recent[recentNext] = key;
      recentNext = (recentNext + 1) % recent.length;
      Judged.Row row = new Judged.Row(t.index(), t.input(), t.code(), t.site(), t.event(), ids.next(),
          verdict.flagged() ? ScanStatus.FLAGGED : ScanStatus.ACCEPTED, verdict.anomalies(), null);
      inFlight.put(ByteBuffer.wrap(t.event().idem()), row);
      return row;
    } catch (LedgerPort.Full full) {
      return rejected(t, full.getMessage());
    } catch (RuntimeException e) {
      // A ledger fault must cost one scan, not the judge's thread.
      LOG.error("Judging a {} scan failed; it is rejected", t.input().type(), e);
      return rejected(t, "internal error while judging this scan; send it again later");
    }
  }

  private Judged.Row rejected(Prepared p, String why) {
    Prepared.ToJudge t = (Prepared.ToJudge) p;
    return new Judged.Row(t.index(), t.input(), t.code(), t.site(), null, ids.next(), ScanStatus.REJECTED, List.of(),
        why);
  }

  private boolean mayBeResent(ScanEvent e) {
    byte[] raw = ledger.getRaw(e.codeKey());
    return raw != null && Judging.mayBeResent(StateCodec.decode(raw), e.fingerprint());
  }

  private void forgetCommitted() {
    long committed = committedSeq;
    while (!changes.isEmpty() && changes.peekFirst().seq <= committed) {
      changes.pollFirst();
    }
    while (!open.isEmpty() && open.peekFirst().seq() <= committed) {
      forgetInFlight(open.pollFirst());
    }
  }

  private void forgetInFlight(JudgedRequest judged) {
    for (Judged j : judged.scans()) {
      if (j instanceof Judged.Row row && row.judged()) {
        inFlight.remove(ByteBuffer.wrap(row.event().idem()), row);
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
      Change c = changes.pollLast();
      ledger.restore(c.key, c.previous);
      undone++;
    }
    ArrayDeque<JudgedRequest> rewound = new ArrayDeque<>();
    while (!open.isEmpty() && open.peekLast().seq() >= w.fromSeq()) {
      JudgedRequest j = open.pollLast();
      forgetInFlight(j);
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
        judge(r, w.recheck().contains(r));
      }
    }
  }
}
