package com.tracesentinel.ingest;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where the HTTP routes hand scans and deletions: this node's {@link ScanService} on a single node; in a cluster, a
 * router that splits each request by code partition among the partitions' owners and puts the answers back in order.
 * The failures are {@link ScanService}'s ({@link ScanService.Unavailable}, {@link ScanService.DataRefused}).
 */
public interface ScanIntake {
  CompletableFuture<List<ScanResult>> ingest(List<ScanInput> inputs, Instant now);

  CompletableFuture<Voiding.Result> voidUpload(String siteId, String uploadBatch, Instant now);
}
