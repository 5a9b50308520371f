package com.tracesentinel.history;

/**
 * The edge query of {@link RingStore#edges} over all time, its parameters written in, for the EXPLAIN that
 * RingQueryBenchmark prints: kept with the tests so that production carries no accessor only a benchmark uses.
 */
public final class RingEdgesSql {
  private RingEdgesSql() {}

  public static String of(long minShared, int max) {
    return Sql.ringEdges(false, false).replace("$1", Long.toString(minShared)).replace("$2", Integer.toString(max));
  }
}
