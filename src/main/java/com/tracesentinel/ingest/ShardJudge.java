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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
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
    Map<PendingScan, StoredResult> resent = findResent(batch);
    for (PendingScan scan : batch.scans) {
      if (scan.needsJudging(shard)) {
        try {
          judge(scan, sequence, resent);
        } catch (RuntimeException e) {
          // A bug or a ledger fault must cost one scan, not stop this shard's thread for good.
          LOG.error("Judging a {} scan failed; it is rejected", scan.input.type(), e);
          scan.status = ScanStatus.REJECTED;
          scan.error = "internal error while judging this scan; send it again later";
        }
      }
    }
  }

  /**
   * Scans this shard may have stored before, confirmed in one history query per batch (a retry storm after an
   * outage re-sends whole batches). Which scans need it is decided on the ledger as it was before this batch: a
   * re-send of a scan earlier in the same batch is found in flight instead. Null in the map: the history could not
   * answer.
   */
  private Map<PendingScan, StoredResult> findResent(IngestBatch batch) {
    List<PendingScan> candidates = new ArrayList<>();
    for (PendingScan scan : batch.scans) {
      if (scan.needsJudging(shard) && !inFlight.containsKey(scan.idempotencyKey)) {
        byte[] raw = ledger.getRaw(scan.key);
        if (raw != null && mayBeResent(StateCodec.decode(raw), scan.keyFingerprint())) {
          candidates.add(scan);
        }
      }
    }
    if (candidates.isEmpty()) {
      return Map.of();
    }
    Map<PendingScan, StoredResult> found = new IdentityHashMap<>();
    try {
      List<StoredResult> stored = originals.find(candidates);
      for (int i = 0; i < candidates.size(); i++) {
        if (stored.get(i) != null) {
          found.put(candidates.get(i), stored.get(i));
        }
      }
    } catch (Exception e) {
      LOG.warn("Could not check the history for {} possible re-sends: {}", candidates.size(), e.toString());
      for (PendingScan scan : candidates) {
        scan.status = ScanStatus.REJECTED;
        scan.error = "could not check whether this scan was sent before; send it again later";
      }
    }
    return found;
  }

  private void judge(PendingScan scan, long sequence, Map<PendingScan, StoredResult> resent) {
    PendingScan original = inFlight.get(scan.idempotencyKey);
    if (original != null) {
      scan.status = ScanStatus.REPLAYED;
      scan.originalInFlight = original;
      return;
    }
    StoredResult stored = resent.get(scan);
    if (stored != null) {
      scan.status = ScanStatus.REPLAYED;
      scan.originalStored = stored;
      return;
    }
    byte[] previous = ledger.getRaw(scan.key);
    CodeState state = previous == null ? CodeState.NEW : StateCodec.decode(previous);
    int fingerprint = scan.keyFingerprint();
    Verdict verdict = ladder.judge(state, scan.facts(), reference);
    CodeState next = verdict.next().withScanRecorded(fingerprint);
    try {
      ledger.put(scan.key, next, System.currentTimeMillis() / 1000, previous == null);
    } catch (CodeLedger.LedgerFullException full) {
      metrics.ledgerFull(1);
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
