package com.tracesentinel.ingest;

import com.tracesentinel.code.TraceCode;
import com.tracesentinel.reference.Site;

/**
 * A scan after the checks that need no code state (see {@link Preparation}): either refused there, or ready for the
 * judge. Immutable; built on the HTTP event loop, read by the judge thread.
 */
public sealed interface Prepared permits Prepared.Refused, Prepared.ToJudge {
  int index();

  ScanInput input();

  /** The parsed code, or null when the code itself was not valid. */
  TraceCode code();

  /** REJECTED without touching any code's state; stored so investigators see what was sent. */
  record Refused(int index, ScanInput input, TraceCode code, Site site, String reason) implements Prepared {}

  /**
   * @param refusal why the scan is REJECTED unless it is a re-send (its time or a text field is refused), else null:
   *                a scan whose idempotency key was seen before gets the original result back whatever else it
   *                carries, so these are only known to be rejected once the judge has ruled a re-send out
   */
  record ToJudge(int index, ScanInput input, TraceCode code, Site site, ScanEvent event, String refusal)
      implements Prepared {}
}
