package com.tracesentinel.ingest;

import java.util.List;

/**
 * A request after the judge, on its way to the committer. {@code seq} is its place in judging order (commits follow
 * it); {@code epoch} says which rewind of the judge it was judged after: the committer drops copies from an earlier
 * epoch, because the judge undid them and judges them again.
 */
record JudgedRequest(Request request, long seq, int epoch, List<Judged> scans, Voiding voiding) {
  JudgedRequest(Request request, long seq, int epoch, List<Judged> scans) {
    this(request, seq, epoch, scans, null);
  }

  int weight() {
    return Math.max(1, scans.size());
  }
}
