package com.tracesentinel.ingest;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** One client request on its way through the core: its prepared scans and where its answer goes. */
final class Request {
  final List<Prepared> scans;
  final Instant admittedAt;
  final CompletableFuture<List<ScanResult>> answer = new CompletableFuture<>();
  /** Judged again after a duplicate-key refusal (judge thread only): a second one fails the request. */
  int rechecks;

  Request(List<Prepared> scans, Instant admittedAt) {
    this.scans = scans;
    this.admittedAt = admittedAt;
  }

  int weight() {
    return Math.max(1, scans.size());
  }
}
