package com.tracesentinel.nhsa;

import java.util.List;

/**
 * Where earlier imports got to: after a deletion is applied, the file's lines up to it are settled, and a later run of
 * the same bytes starts after them. Blocking: called from the import's own thread only.
 */
public interface ImportCheckpoints {
  /** The file's first {@code lines} lines, by their SHA-256, were settled through a deletion on the last of them. */
  record Checkpoint(byte[] prefixSha256, long lines) {}

  /** Every checkpoint saved, fewest lines first. */
  List<Checkpoint> saved();

  /** Saves {@code reached} and drops {@code replaced} (this run's previous one, or null), in one transaction. */
  void save(Checkpoint reached, Checkpoint replaced);
}
