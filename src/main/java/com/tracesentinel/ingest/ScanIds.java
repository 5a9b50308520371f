package com.tracesentinel.ingest;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Scan ids: time-ordered (epoch milliseconds × 4096 + a counter), unique without asking the database for each, as
 * long as the service never sustains more than 4 million scans/s. Ids are handed out in judging order, so a code's
 * scans sort by id in the order they were judged: the order the ledger rebuild replays them in. The clock alone
 * cannot promise that across a restart (a clock stepped back, a machine that booted with a wrong clock) or across
 * nodes (a partition taken over from a node whose clock ran ahead): {@link #atLeast} is told the highest id stored
 * before this process judges anything, and each id is above it.
 */
public final class ScanIds {
  private final AtomicLong last = new AtomicLong();
  private final LongSupplier clockMillis;

  public ScanIds() {
    this(System::currentTimeMillis);
  }

  ScanIds(LongSupplier clockMillis) {
    this.clockMillis = clockMillis;
  }

  public long next() {
    long floor = clockMillis.getAsLong() << 12;
    return last.updateAndGet(prev -> Math.max(prev + 1, floor));
  }

  /** Every id handed out from now on is above {@code id}. */
  public void atLeast(long id) {
    last.accumulateAndGet(id, Math::max);
  }
}
