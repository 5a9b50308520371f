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
  private final Consumer<Throwable> onDone;
  long sequence = -1;

  public IngestBatch(List<PendingScan> scans, Instant ingestedAt, Consumer<Throwable> onDone) {
    this.scans = scans;
    this.ingestedAt = ingestedAt;
    this.onDone = onDone;
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
