package com.tracesentinel.ingest;

import java.util.List;
import java.util.Map;

/**
 * A request after the judge, on its way to the committer. {@code seq} is its place in judging order (commits follow
 * it); {@code epoch} says which rewind of the judge it was judged after: the committer drops copies from an earlier
 * epoch, because the judge undid them and judges them again. {@code holds} (cluster mode) names, for each code
 * partition the request writes, the ownership epoch it was judged under: the commit must find the same one.
 */
record JudgedRequest(Request request, long seq, int epoch, List<Judged> scans, Voiding voiding,
                     Map<Integer, Long> holds) {
  JudgedRequest(Request request, long seq, int epoch, List<Judged> scans) {
    this(request, seq, epoch, scans, null, Map.of());
  }

  int weight() {
    return Math.max(1, scans.size());
  }
}
