package com.tracesentinel.ingest;

import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/**
 * One request's scans, travelling through the ring as a unit: a request is committed whole or not at all, so a
 * 503 means nothing of it was stored.
 */
public final class IngestBatch {
  /** Marks the ring position where every shard undoes its uncommitted changes after a failed commit. */
  static final IngestBatch UNDO = new IngestBatch(List.of(), Instant.EPOCH, r -> {});

  final List<PendingScan> scans;
  final Instant ingestedAt;
  /** Ledger keys whose public look-up count goes up by one (a look-up-only batch has no scans). */
  final List<byte[]> lookups;
  private final Consumer<Throwable> onDone;
  long sequence = -1;

  public IngestBatch(List<PendingScan> scans, Instant ingestedAt, Consumer<Throwable> onDone) {
    this(scans, List.of(), ingestedAt, onDone);
  }

  private IngestBatch(List<PendingScan> scans, List<byte[]> lookups, Instant ingestedAt, Consumer<Throwable> onDone) {
    this.scans = scans;
    this.lookups = lookups;
    this.ingestedAt = ingestedAt;
    this.onDone = onDone;
  }

  /**
   * Look-ups are counted by the code's own shard, so the ledger keeps one writer per code; they are not part of the
   * history, need no commit, and are not undone by a failed one.
   */
  static IngestBatch lookups(List<byte[]> keys) {
    return new IngestBatch(List.of(), keys, Instant.now(), failure -> {});
  }

  boolean lookupOnly() {
    return !lookups.isEmpty();
  }

  public List<PendingScan> scans() {
    return scans;
  }

  int storedCount() {
    int n = 0;
    for (PendingScan p : scans) {
      if (p.stored()) {
        n++;
      }
    }
    return n;
  }

  /** Called once: null when the batch is durably stored, otherwise why it was not. */
  void finish(Throwable failure) {
    onDone.accept(failure);
  }
}
