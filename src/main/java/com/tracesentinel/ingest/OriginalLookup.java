package com.tracesentinel.ingest;

import java.util.List;

/** Finds committed scans with the same idempotency keys in the history. Blocking: called from shard threads only. */
public interface OriginalLookup {
  /**
   * One answer per scan, index-aligned: the stored outcome of the earlier scan with that scan's idempotency key, or
   * null when there is none. One round trip for all of them. Throws when the history cannot answer.
   */
  List<StoredResult> find(List<PendingScan> scans) throws Exception;
}
