package com.tracesentinel.ingest;

import com.tracesentinel.reference.ReferenceData;
import com.tracesentinel.rules.CodeState;
import com.tracesentinel.rules.Ladder;
import com.tracesentinel.rules.Verdict;
import java.util.Arrays;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/** The one way a code's state moves by one scan: live judging, crash recovery, rebuild and audit all call this. */
public final class Judging {
  private Judging() {}

  /** The ladder's verdict, with the scan counted and its idempotency fingerprint remembered in the next state. */
  public static Verdict apply(Ladder ladder, CodeState state, ScanEvent event, ReferenceData reference) {
    Verdict v = ladder.judge(state, event.facts(), reference);
    return new Verdict(v.next().withScanRecorded(event.fingerprint()), v.anomalies());
  }

  /** A stream of scan events grouped by code, each code's in judging order (as the history streams them). */
  interface Source {
    void stream(Consumer<ScanEvent> sink) throws Exception;
  }

  /** Folds a grouped stream into one state per code, handed to {@code done} as each code ends: a code's truth. */
  static void fold(Ladder ladder, ReferenceData reference, Source source, BiConsumer<byte[], CodeState> done)
      throws Exception {
    byte[][] key = {null};
    CodeState[] state = {null};
    source.stream(event -> {
      if (key[0] == null || !Arrays.equals(key[0], event.codeKey())) {
        if (key[0] != null) {
          done.accept(key[0], state[0]);
        }
        key[0] = event.codeKey();
        state[0] = CodeState.NEW;
      }
      state[0] = apply(ladder, state[0], event, reference).next();
    });
    if (key[0] != null) {
      done.accept(key[0], state[0]);
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
