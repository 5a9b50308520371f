package com.tracesentinel.ingest;

/** A Disruptor ring entry: holds the batch between publication and the committer. */
final class RingSlot {
  IngestBatch batch;
}
