package com.tracesentinel.ingest;

import com.tracesentinel.rules.CodeState;
import com.tracesentinel.rules.StateCodec;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A code's state for readers (the public look-up, an investigator's timeline): this node's ledger, or in a cluster,
 * for a partition another node owns, the fold of the code's stored scans (what that node's ledger holds for every
 * committed scan).
 */
public interface CodeStates {
  /** Completes with null for a code never judged. */
  CompletableFuture<CodeState> stateOf(byte[] codeKey);

  /**
   * This node's ledger, which holds every code, as committed: the ledger itself holds a sale from its judging on, and a
   * look-up then told the public of a sale whose request was answered 503 and never stored.
   */
  static CodeStates of(ScanService scans) {
    return key -> {
      byte[] raw = scans.committedState(key);
      return CompletableFuture.completedFuture(raw == null ? null : StateCodec.decode(raw));
    };
  }

  /**
   * Refuses every read ({@link ScanService.Unavailable}) while {@code unable} says why (else null): once the
   * ingest core stopped after a fault, the ledger may hold changes that were judged and never stored, and while it is
   * rebuilt or reconciled at a start it lacks codes or holds such changes still; a "sold" read from a sale that was
   * never stored, or a "never sold" one of a box the history holds sold, would be worse than no answer, for the public
   * and for an investigator alike.
   */
  static CodeStates unless(CodeStates states, Supplier<String> unable) {
    return key -> {
      String why = unable.get();
      return why == null ? states.stateOf(key)
          : CompletableFuture.failedFuture(new ScanService.Unavailable(why + "; try again in a minute"));
    };
  }
}
