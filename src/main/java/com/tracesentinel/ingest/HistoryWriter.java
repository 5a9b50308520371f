package com.tracesentinel.ingest;

import io.vertx.core.Future;
import java.util.List;

/** Stores a group of batches in one transaction and fills in the conflicting scans' document numbers. */
public interface HistoryWriter {
  Future<Void> commit(List<IngestBatch> group);
}
