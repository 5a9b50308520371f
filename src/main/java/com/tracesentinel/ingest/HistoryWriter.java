package com.tracesentinel.ingest;

import io.vertx.core.Future;
import java.util.List;

/** Stores a group of batches in one transaction and fills in the conflicting scans' document numbers. */
public interface HistoryWriter {
  /**
   * Stores the group, but commits only once {@code after} (the previous group's commit) has succeeded, and rolls
   * back if it failed: the work of two groups overlaps, their commits never reorder.
   */
  Future<Void> commit(List<IngestBatch> group, Future<Void> after);
}
