package com.tracesentinel.ingest;

import com.lmax.disruptor.EventHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * The last consumer of the ring: sees each batch after every shard has judged it, and cuts the stream into groups
 * (whatever arrived together, up to a size cap) for the {@link GroupCommitter}. Blocks, on its own thread, when too
 * many scans wait for the database: the ring then fills and new requests get 503 instead of piling up in memory.
 */
final class CommitStage implements EventHandler<RingSlot> {
  private final GroupCommitter committer;
  private final Semaphore waitingScans;
  private final int maxGroupScans;
  private List<IngestBatch> group = new ArrayList<>();
  private int groupScans;

  CommitStage(GroupCommitter committer, Semaphore waitingScans, int maxGroupScans) {
    this.committer = committer;
    this.waitingScans = waitingScans;
    this.maxGroupScans = maxGroupScans;
  }

  @Override
  public void onEvent(RingSlot slot, long sequence, boolean endOfBatch) throws InterruptedException {
    IngestBatch batch = slot.batch;
    slot.batch = null;
    if (batch == IngestBatch.UNDO) {
      flush();
      committer.undoDone();
      return;
    }
    if (batch.lookupOnly()) {
      if (endOfBatch) {
        flush();
      }
      return;
    }
    batch.sequence = sequence;
    int weight = Math.max(1, batch.scans.size());
    waitingScans.acquire(weight);
    group.add(batch);
    groupScans += weight;
    if (endOfBatch || groupScans >= maxGroupScans) {
      flush();
    }
  }

  private void flush() {
    if (!group.isEmpty()) {
      committer.submit(group);
      group = new ArrayList<>();
      groupScans = 0;
    }
  }
}
