package com.tracesentinel.ingest;

import com.tracesentinel.reference.ReferenceData;
import com.tracesentinel.rules.CodeState;
import com.tracesentinel.rules.EventType;
import com.tracesentinel.rules.Ladder;
import com.tracesentinel.rules.OpenSale;
import com.tracesentinel.rules.ScanFacts;
import com.tracesentinel.rules.ScanRef;
import com.tracesentinel.rules.Verdict;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/** The one way a code's state moves by one scan: live judging, crash recovery, rebuild and audit all call this. */
public final class Judging {
  private Judging() {}

  /** The ladder's verdict, with the scan counted and its idempotency fingerprint remembered in the next state. */
  public static Verdict apply(Ladder ladder, CodeState state, ScanEvent event, ReferenceData reference) {
    return apply(ladder, state, event, reference, null);
  }

  /** As above, for a scan {@link Ladder#asksHistory} sends to the history: atSite is the history's answer. */
  static Verdict apply(Ladder ladder, CodeState state, ScanEvent event, ReferenceData reference, OpenSale atSite) {
    Verdict v = ladder.judge(state, event.facts(), reference, atSite);
    return new Verdict(v.next().withScanRecorded(event.fingerprint()), v.anomalies());
  }

  /**
   * One code's history replayed scan by scan, with the open sales of each site beside its state: what a scan the state
   * cannot judge alone is judged with ({@link Ladder#asksHistory}), the same in live judging and in every replay.
   */
  static final class Replay {
    private final Ladder ladder;
    private final ReferenceData reference;
    private final Map<Integer, ArrayDeque<OpenSale>> open = new HashMap<>();
    private CodeState state = CodeState.NEW;

    Replay(Ladder ladder, ReferenceData reference) {
      this.ladder = ladder;
      this.reference = reference;
    }

    Verdict step(ScanEvent event) {
      ScanFacts f = event.facts();
      Verdict v = apply(ladder, state, event, reference, Ladder.asksHistory(state, f) ? latestAt(f.siteRef()) : null);
      CodeState next = v.next();
      // A sale the state counted is open at its site; a return the state counted undid the latest one there.
      if (next.saleCount() == 0) {
        open.clear();
      } else if (f.type() == EventType.SALE && next.saleCount() > state.saleCount()) {
        open.computeIfAbsent(f.siteRef(), site -> new ArrayDeque<>())
            .push(new OpenSale(new ScanRef(f.siteRef(), f.at()), f.split()));
      } else if (f.type() == EventType.RETURN && next.saleCount() < state.saleCount()) {
        ArrayDeque<OpenSale> here = open.get(f.siteRef());
        if (here != null) {
          here.poll();
        }
      }
      state = next;
      return v;
    }

    CodeState state() {
      return state;
    }

    /** The latest open sale at the site, or null. */
    OpenSale latestAt(int site) {
      ArrayDeque<OpenSale> here = open.get(site);
      return here == null ? null : here.peek();
    }
  }

  /** A stream of scan events grouped by code, each code's in judging order (as the history streams them). */
  interface Source {
    void stream(Consumer<ScanEvent> sink) throws Exception;
  }

  /** Folds a grouped stream into one state per code, handed to {@code done} as each code ends: a code's truth. */
  static void fold(Ladder ladder, ReferenceData reference, Source source, BiConsumer<byte[], CodeState> done)
      throws Exception {
    byte[][] key = {null};
    Replay[] code = {null};
    source.stream(event -> {
      if (key[0] == null || !Arrays.equals(key[0], event.codeKey())) {
        if (key[0] != null) {
          done.accept(key[0], code[0].state());
        }
        key[0] = event.codeKey();
        code[0] = new Replay(ladder, reference);
      }
      code[0].step(event);
    });
    if (key[0] != null) {
      done.accept(key[0], code[0].state());
    }
  }

  /**
   * Only a code already scanned can have been sent before. Its last four keys' fingerprints rule out almost every
   * new scan; a code with more scans than that is checked against the history (such codes are anomalous anyway).
   */
  static boolean mayBeResent(byte[] state, int fingerprint) {
    int scanCount = com.tracesentinel.rules.StateCodec.scanCount(state);
    int remembered = Math.min(scanCount, 4);
    long keys = com.tracesentinel.rules.StateCodec.recentKeys(state);
    for (int i = 0; i < remembered; i++) {
      if (((keys >>> (CodeState.FINGERPRINT_BITS * i)) & CodeState.FINGERPRINT_MASK) == fingerprint) {
        return true;
      }
    }
    return scanCount > 4;
  }
}
