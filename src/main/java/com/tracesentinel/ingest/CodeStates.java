package com.tracesentinel.ingest;

import com.tracesentinel.rules.CodeState;
import com.tracesentinel.rules.StateCodec;
import java.util.concurrent.CompletableFuture;

/**
 * A code's state for readers (the public look-up, an investigator's timeline): this node's ledger, or in a cluster,
 * for a partition another node owns, the fold of the code's stored scans (what that node's ledger holds for every
 * committed scan).
 */
public interface CodeStates {
  /** Completes with null for a code never judged. */
  CompletableFuture<CodeState> stateOf(byte[] codeKey);

  /** This node's ledger, which holds every code. */
  static CodeStates of(LedgerPort ledger) {
    return key -> {
      byte[] raw = ledger.getRaw(key);
      return CompletableFuture.completedFuture(raw == null ? null : StateCodec.decode(raw));
    };
  }
}
