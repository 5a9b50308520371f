package com.tracesentinel.ingest;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One client request on its way through the core: scans to judge, or the deletion of an earlier upload; and where
 * its answer goes.
 */
final class Request {
  /**
   * The deletion of an earlier NHSA upload (3507), from one site; in a cluster, of the upload's scans in {@code parts}
   * only ({@link Voiding#UNPARSED} for the scans without a code), null meaning all of them.
   */
  record VoidCommand(String siteId, String uploadBatch, java.util.Set<Integer> parts) {
    boolean covers(byte[] codeKey) {
      return parts == null || parts.contains(codeKey == null ? Voiding.UNPARSED
          : com.tracesentinel.code.CodeKey.partitionOf(codeKey));
    }
  }

  /** The answer, once committed: a result per scan, or what a deletion did. */
  sealed interface Answer permits Answer.Scans, Answer.Voided {
    record Scans(List<ScanResult> results) implements Answer {}

    record Voided(Voiding.Result result) implements Answer {}
  }

  final List<Prepared> scans;
  final VoidCommand voiding;
  final Instant admittedAt;
  /** The ledger's time at admission ({@link LedgerClock}): the request's changes are stamped at or after it. */
  final long admittedSecond;
  final CompletableFuture<Answer> answer = new CompletableFuture<>();
  /** Judged again after a duplicate-key refusal (judge thread only): a second one fails the request. */
  int rechecks;

  Request(List<Prepared> scans, Instant admittedAt, long admittedSecond) {
    this(scans, null, admittedAt, admittedSecond);
  }

  Request(List<Prepared> scans, VoidCommand voiding, Instant admittedAt, long admittedSecond) {
    this.scans = scans;
    this.voiding = voiding;
    this.admittedAt = admittedAt;
    this.admittedSecond = admittedSecond;
  }

  int weight() {
    return Math.max(1, scans.size());
  }
}
