package com.tracesentinel.investigate;

import com.tracesentinel.history.AnomalyQueries;
import com.tracesentinel.ingest.CodeStates;
import com.tracesentinel.rules.CodeState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * One code's timeline as investigators read it: its stored scans, its ledger state beside them, and how often the
 * public looked it up.
 */
public final class Timelines {
  /**
   * @param state   the code's state; {@link CodeState#NEW} for a code whose stored scans none counts
   * @param lookups public look-ups of the code stored so far
   */
  public record Timeline(AnomalyQueries.CodeScans scans, CodeState state, long lookups) {}

  /** Where the public look-ups of a code are counted. */
  @FunctionalInterface
  public interface StoredLookups {
    /** The look-ups of one code stored so far (0 when none). */
    Future<Long> lookupsOf(byte[] codeKey);
  }

  private final Vertx vertx;
  private final AnomalyQueries queries;
  private final CodeStates states;
  private final StoredLookups lookups;

  Timelines(Vertx vertx, AnomalyQueries queries, CodeStates states, StoredLookups lookups) {
    this.vertx = vertx;
    this.queries = queries;
    this.states = states;
    this.lookups = lookups;
  }

  /**
   * The code's timeline; null when nothing of it is stored and the ledger does not know it. Fails with the states'
   * own {@code ScanService.Unavailable} while they are refused (after an internal fault, or while a start rebuilds
   * the ledger).
   */
  public Future<Timeline> of(byte[] codeKey) {
    // The scans first, then the state: a sale committed in between is then counted by the state. Read the other way
    // round, a first sale committed in between was listed ACCEPTED beside the state of a code never sold
    // (TimelineStateTest).
    return queries.codeScans(codeKey).compose(scans -> Future.fromCompletionStage(states.stateOf(codeKey),
        vertx.getOrCreateContext()).compose(state -> {
          if (state == null && scans.list().isEmpty()) {
            return Future.succeededFuture(null);
          }
          // Stored scans and no ledger entry: none of them counts (each was voided by a deletion or refused), so the
          // code stands as never sold, which is what the public look-up tells; null read as "state unknown".
          CodeState counted = state == null ? CodeState.NEW : state;
          return lookups.lookupsOf(codeKey).map(n -> new Timeline(scans, counted, n));
        }));
  }
}
