package com.tracesentinel.ingest;

/** Finds a committed scan with the same idempotency key in the history. Blocking: called from shard threads only. */
public interface OriginalLookup {
  /** The stored outcome, or null when no such scan was ever stored. Throws when the history cannot answer. */
  StoredResult find(byte[] codeKey, ScanInput input) throws Exception;
}
