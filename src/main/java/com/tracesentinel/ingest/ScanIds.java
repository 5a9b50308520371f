package com.tracesentinel.ingest;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Scan ids: time-ordered (epoch milliseconds × 4096 + a counter), unique across restarts without asking the
 * database, as long as the service never sustains more than 4 million scans/s and the clock does not step back
 * across a restart. Ids are handed out in judging order, so a code's scans sort by id in the order they were
 * judged: the order the ledger rebuild replays them in.
 */
public final class ScanIds {
  private final AtomicLong last = new AtomicLong();

  public long next() {
    long floor = System.currentTimeMillis() << 12;
    return last.updateAndGet(prev -> Math.max(prev + 1, floor));
  }
}
