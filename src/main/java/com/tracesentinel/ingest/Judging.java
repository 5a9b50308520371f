package com.tracesentinel.ingest;

import com.tracesentinel.reference.ReferenceData;
import com.tracesentinel.rules.CodeState;
import com.tracesentinel.rules.Ladder;
import com.tracesentinel.rules.Verdict;

/** The one way a code's state moves by one scan: live judging, crash recovery, rebuild and audit all call this. */
public final class Judging {
  private Judging() {}

  /** The ladder's verdict, with the scan counted and its idempotency fingerprint remembered in the next state. */
  public static Verdict apply(Ladder ladder, CodeState state, ScanEvent event, ReferenceData reference) {
    Verdict v = ladder.judge(state, event.facts(), reference);
    return new Verdict(v.next().withScanRecorded(event.fingerprint()), v.anomalies());
  }

  /**
   * Only a code already scanned can have been sent before. Its last four keys' fingerprints rule out almost every
   * new scan; a code with more scans than that is checked against the history (such codes are anomalous anyway).
   */
  static boolean mayBeResent(CodeState state, int fingerprint) {
    int remembered = Math.min(state.scanCount(), 4);
    long keys = state.recentKeys();
    for (int i = 0; i < remembered; i++) {
      if (((keys >>> (16 * i)) & 0xFFFF) == fingerprint) {
        return true;
      }
    }
    return state.scanCount() > 4;
  }
}
