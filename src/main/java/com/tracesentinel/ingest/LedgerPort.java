package com.tracesentinel.ingest;

import com.tracesentinel.rules.CodeState;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The code states the core judges against: the Chronicle Map ledger in production, a map in the pipeline's unit
 * tests. Only the judge thread writes; anyone may read. Values are {@code ledger.StateCodec} bytes, so an undo puts
 * back exactly what was there.
 */
public interface LedgerPort {
  /** The stored bytes of a code's state, or null for a code never judged. */
  byte[] getRaw(byte[] key);

  /** Stores a state; throws {@link Full} for a new code when the ledger is at its capacity. */
  void put(byte[] key, CodeState state, long changedAt, boolean isNew);

  /**
   * Moves a code by one step in a single look-up: {@code step} gets the stored bytes (null for a code never judged)
   * and returns the next state, which is stored, or null to leave the code as it was. Returns the bytes replaced (or
   * left). A new code at capacity throws {@link Full} before {@code step} runs; a step that throws leaves the code as
   * it was.
   */
  byte[] update(byte[] key, long changedAt, Function<byte[], CodeState> step);

  /** Puts back earlier bytes (null: remove the code). */
  void restore(byte[] key, byte[] previous);

  /**
   * Notes, before they are removed, codes whose removal is not yet stored (an NHSA deletion voiding every scan of a
   * code): a removed entry carries no change stamp, so the reconcile after a crash would not find it, and a deletion
   * that never committed would leave the history's sales missing from the ledger.
   */
  default void noteRemovals(List<byte[]> keys, long changedAt) {}

  /** The codes noted by {@link #noteRemovals} at or after this ledger time, for the reconcile after a crash. */
  default List<byte[]> removedSince(long epochSecond) {
    return List.of();
  }

  /** Visits every entry with its own copies of key and value. */
  void forEach(BiConsumer<byte[], byte[]> visitor);

  long size();

  long capacity();

  /** A new code arrived and the ledger is at its configured capacity. */
  final class Full extends RuntimeException {
    public Full(long capacity) {
      super("the code ledger is full (" + capacity + " codes): raise TRACESENTINEL_LEDGER_CAPACITY and rebuild",
          null, false, false);
    }
  }
}
