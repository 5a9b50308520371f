package com.tracesentinel.ingest;

import com.tracesentinel.code.TraceCode;
import com.tracesentinel.reference.Site;
import com.tracesentinel.rules.Anomaly;
import java.util.List;

/** A scan after the judge: a row to store, or a re-send that stores nothing. Immutable, judge to committer. */
public sealed interface Judged permits Judged.Row, Judged.Replay {
  int index();

  ScanInput input();

  TraceCode code();

  /**
   * A scan the history stores: ACCEPTED or FLAGGED (its change is in the ledger), or REJECTED ({@code error} says
   * why; the ledger is untouched).
   *
   * @param event null when the code was invalid
   * @param site  null when the site is unknown
   */
  record Row(int index, ScanInput input, TraceCode code, Site site, ScanEvent event, long scanId, ScanStatus status,
             List<Anomaly> anomalies, String error) implements Judged {
    boolean judged() {
      return status != ScanStatus.REJECTED;
    }
  }

  /**
   * A scan whose idempotency key was seen before.
   *
   * @param original the earlier scan's stored outcome, or null when that scan was still on its way to the history:
   *                 the committer reads it back in the transaction that stores this one
   */
  record Replay(int index, ScanInput input, TraceCode code, ScanEvent event, ScanResult.Original original)
      implements Judged {}
}
