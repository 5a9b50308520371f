package com.tracesentinel.investigate;

import com.tracesentinel.code.AsciiCase;
import java.util.List;

/**
 * An anomaly as a case: OPEN when raised, UNDER_REVIEW while someone checks it, then CONFIRMED or DISMISSED. Any
 * state may change to any other (the contract names the states, not an order: an obvious case is decided straight
 * from OPEN, and a test doing so met a 409), never to the state it is already in, so of two investigators taking the
 * same case the second learns that the first has.
 */
public enum CaseState {
  OPEN, UNDER_REVIEW, CONFIRMED, DISMISSED;

  /** The states this one may change to. */
  public List<CaseState> next() {
    return java.util.Arrays.stream(values()).filter(s -> s != this).toList();
  }

  /** Why {@code from} may not change to {@code to}, or null when it may. */
  public static String refusal(String from, String to) {
    CaseState f = parse(from);
    CaseState t = parse(to);
    if (f == null || t == null) {
      return "unknown state " + (f == null ? from : to);
    }
    return f == t ? "the state is already " + f : null;
  }

  /**
   * The state named (any ASCII letter case), or null. Only ASCII, as the list's state filter: Unicode's case mapping
   * reads ı as I, so a change to "under_revıew" was carried out while the same word in the filter was a 400.
   */
  public static CaseState parse(String s) {
    return s == null ? null : AsciiCase.constantNamed(CaseState.class, s.trim());
  }
}
