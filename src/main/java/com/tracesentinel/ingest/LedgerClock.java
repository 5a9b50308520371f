package com.tracesentinel.ingest;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The ledger's time in epoch seconds: the wall clock, except that it never goes back. Each ledger change is stamped
 * with it, and the checkpoint written every second says "every change stamped before this second is settled"; after a
 * crash the codes stamped at or after the checkpoint are re-derived from the history. Stamped by a wall clock that an
 * NTP correction stepped back, a change could fall below a checkpoint written before the step, and a crash then would
 * leave it in the ledger unchecked. Started at the last checkpoint, so that holds across a restart as well.
 */
public final class LedgerClock {
  private final AtomicLong last;
  private final LongSupplier wallSeconds;

  public LedgerClock() {
    this(0, () -> System.currentTimeMillis() / 1000);
  }

  LedgerClock(long startAt, LongSupplier wallSeconds) {
    this.last = new AtomicLong(startAt);
    this.wallSeconds = wallSeconds;
  }

  public long seconds() {
    return last.accumulateAndGet(wallSeconds.getAsLong(), Math::max);
  }

  /** From now on, never before {@code second}. */
  public void atLeast(long second) {
    last.accumulateAndGet(second, Math::max);
  }
}
