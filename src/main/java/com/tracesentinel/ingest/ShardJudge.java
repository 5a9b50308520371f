package com.tracesentinel.ingest;

import com.lmax.disruptor.EventHandler;
import com.tracesentinel.ledger.CodeKey;
import com.tracesentinel.ledger.CodeLedger;
import com.tracesentinel.ledger.StateCodec;
import com.tracesentinel.reference.ReferenceData;
import com.tracesentinel.rules.CodeState;
import com.tracesentinel.rules.Ladder;
import com.tracesentinel.rules.Verdict;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer for one shard of codes. Judges its shard's scans of every batch in ring order against the
 * ledger, and remembers each uncommitted change (the value it replaced) so a failed commit can be undone exactly.
 */
final class ShardJudge implements EventHandler<RingSlot> {
  private static final Logger LOG = LoggerFactory.getLogger(ShardJudge.class);

  private final int shard;
  private final int shards;
  private final CodeLedger ledger;
  private final Ladder ladder;
  private final ReferenceData reference;
  private final ScanIds ids;
  private final OriginalLookup originals;
  private final LongSupplier committedSequence;
  private final IngestMetrics metrics;

  /** Uncommitted changes, oldest first. */
  private final ArrayDeque<Change> uncommitted = new ArrayDeque<>();
  /** Uncommitted scans by idempotency key: a re-send that arrives before its original is committed. */
  private final Map<String, PendingScan> inFlight = new HashMap<>();

  private record Change(long sequence, byte[] key, byte[] previous, PendingScan scan) {}

  ShardJudge(int shard, int shards, CodeLedger ledger, Ladder ladder, ReferenceData reference, ScanIds ids,
             OriginalLookup originals, LongSupplier committedSequence, IngestMetrics metrics) {
    this.shard = shard;
    this.shards = shards;
    this.ledger = ledger;
    this.ladder = ladder;
    this.reference = reference;
    this.ids = ids;
    this.originals = originals;
    this.committedSequence = committedSequence;
    this.metrics = metrics;
  }

  @Override
  public void onEvent(RingSlot slot, long sequence, boolean endOfBatch) {
    IngestBatch batch = slot.batch;
    forgetCommitted();
    if (batch == IngestBatch.UNDO) {
      undoUncommitted();
      return;
    }
    for (byte[] key : batch.lookups) {
      if (CodeKey.shardOf(key, shards) == shard) {
        countLookup(key);
      }
    }
    for (PendingScan scan : batch.scans) {
      if (scan.needsJudging(shard)) {
        judge(scan, sequence);
      }
    }
  }

  private void judge(PendingScan scan, long sequence) {
    PendingScan original = inFlight.get(scan.idempotencyKey);
    if (original != null) {
      scan.status = ScanStatus.REPLAYED;
      scan.originalInFlight = original;
      return;
    }
    byte[] previous = ledger.getRaw(scan.key);
    CodeState state = previous == null ? CodeState.NEW : StateCodec.decode(previous);
    int fingerprint = scan.keyFingerprint();
    if (mayBeResent(state, fingerprint)) {
      try {
        StoredResult stored = originals.find(scan.key, scan.input);
        if (stored != null) {
          scan.status = ScanStatus.REPLAYED;
          scan.originalStored = stored;
          return;
        }
      } catch (Exception e) {
        LOG.warn("Could not check the history for a re-send of a {} scan: {}", scan.input.type(), e.toString());
        scan.status = ScanStatus.REJECTED;
        scan.error = "could not check whether this scan was sent before; send it again later";
        return;
      }
    }
    Verdict verdict = ladder.judge(state, scan.facts(), reference);
    CodeState next = verdict.next().withScanRecorded(fingerprint);
    try {
      ledger.put(scan.key, next, System.currentTimeMillis() / 1000, previous == null);
    } catch (CodeLedger.LedgerFullException full) {
      metrics.ledgerFull();
      scan.status = ScanStatus.REJECTED;
      scan.error = full.getMessage();
      return;
    }
    scan.scanId = ids.next();
    scan.anomalies = verdict.anomalies();
    scan.status = verdict.flagged() ? ScanStatus.FLAGGED : ScanStatus.ACCEPTED;
    uncommitted.addLast(new Change(sequence, scan.key, previous, scan));
    inFlight.put(scan.idempotencyKey, scan);
  }

  /** Codes never scanned are not given an entry: a flood of invented codes must not fill the ledger. */
  private void countLookup(byte[] key) {
    byte[] raw = ledger.getRaw(key);
    if (raw != null) {
      // Keeps the stored change time: a look-up is not a change the history must confirm after a crash.
      ledger.put(key, StateCodec.decode(raw).withLookup(), StateCodec.changedAt(raw), false);
    }
  }

  /**
   * Only a code already scanned can have been sent before. Its last four keys' fingerprints rule out almost every
   * new scan; a code with more scans than that is checked against the history (such codes are anomalous anyway).
   */
  private static boolean mayBeResent(CodeState state, int fingerprint) {
    int remembered = Math.min(state.scanCount(), 4);
    long keys = state.recentKeys();
    for (int i = 0; i < remembered; i++) {
      if (((keys >>> (16 * i)) & 0xFFFF) == fingerprint) {
        return true;
      }
    }
    return state.scanCount() > 4;
  }

  private void forgetCommitted() {
    long committed = committedSequence.getAsLong();
    while (!uncommitted.isEmpty() && uncommitted.peekFirst().sequence <= committed) {
      Change c = uncommitted.pollFirst();
      inFlight.remove(c.scan.idempotencyKey, c.scan);
    }
  }

  /** Everything not committed was judged on top of a failed commit: put every touched code back, newest first. */
  private void undoUncommitted() {
    int undone = uncommitted.size();
    while (!uncommitted.isEmpty()) {
      Change c = uncommitted.pollLast();
      ledger.restore(c.key, c.previous);
    }
    inFlight.clear();
    if (undone > 0) {
      LOG.warn("Shard {} undid {} uncommitted ledger changes after a failed commit", shard, undone);
    }
  }
}
