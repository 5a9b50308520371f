package com.tracesentinel.ingest;

import java.util.Set;

/**
 * Which code partitions ({@code CodeKey.partitionOf}) this node judges. A single node judges all of them; in a cluster
 * each partition has one owner at a time, and the owner's hold is checked twice: by the judge before it judges a scan
 * of the partition, and by the history inside every commit (the epoch this node holds must still be the partition's
 * epoch in the database, or nothing of the group is stored).
 */
public interface Partitions {

  /** True while this node may judge the partition's codes: it owns it and its ledger state is complete. */
  boolean judges(int part);

  /**
   * The ownership epoch under which this node judges the partition now (as {@link #judges}), or -1 when it does not:
   * both from one read of its hold.
   */
  long judgingEpoch(int part);

  /** A commit found that this node no longer holds these partitions: stop judging them. */
  void fenced(Set<Integer> parts);

  /** True in a cluster: judged requests carry their partitions' epochs, and commits check them. */
  default boolean shared() {
    return true;
  }

  /** One node, every partition, no ownership to check. */
  Partitions SINGLE_NODE = new Partitions() {
    @Override
    public boolean judges(int part) {
      return true;
    }

    @Override
    public long judgingEpoch(int part) {
      return 0;
    }

    @Override
    public void fenced(Set<Integer> parts) {
      throw new IllegalStateException("a single node cannot be fenced");
    }

    @Override
    public boolean shared() {
      return false;
    }
  };
}
