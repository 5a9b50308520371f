package com.tracesentinel.ledger;

import com.tracesentinel.history.ScanHistorySource;
import com.tracesentinel.history.ScanHistorySource.StoredScan;
import com.tracesentinel.ingest.ScanInput;
import com.tracesentinel.reference.ReferenceData;
import com.tracesentinel.rules.CodeState;
import com.tracesentinel.rules.Ladder;
import com.tracesentinel.rules.LadderSettings;
import com.tracesentinel.rules.ScanFacts;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds code states from the history, which is the truth: after an unclean stop for the codes changed since the
 * last checkpoint ({@link #reconcile}), or for every code ({@link #rebuild}). A code's stored scans are replayed
 * through the same ladder in the order they were judged; current reference data is used, and public look-up
 * counts (not part of the history) are kept from the ledger.
 */
public final class LedgerReplay {
  private static final Logger LOG = LoggerFactory.getLogger(LedgerReplay.class);
  private static final int CHUNK = 2_000;
  private static final int PARALLEL = 2;

  private final CodeLedger ledger;
  private final ScanHistorySource history;
  private final ReferenceData reference;
  private final Ladder ladder;
  private final java.util.concurrent.atomic.AtomicLong reconcileTotal = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong reconcileDone = new java.util.concurrent.atomic.AtomicLong();

  public LedgerReplay(CodeLedger ledger, ScanHistorySource history, ReferenceData reference, LadderSettings settings) {
    this.ledger = ledger;
    this.history = history;
    this.reference = reference;
    this.ladder = new Ladder(settings);
  }

  /** Re-derives every code changed at or after the checkpoint; a code with no committed scan is removed. */
  public void reconcile() throws Exception {
    long started = System.nanoTime();
    long since = ledger.checkpoint();
    List<byte[]> suspects = new ArrayList<>();
    long[] visited = {0};
    ledger.forEach((key, value) -> {
      visited[0]++;
      if (StateCodec.changedAt(value) >= since) {
        suspects.add(key);
      }
    });
    LOG.info("Reconciling {} of {} codes changed since checkpoint {} against the history", suspects.size(),
        visited[0], since);
    reconcileTotal.set(suspects.size());
    java.util.concurrent.atomic.AtomicLong removed = new java.util.concurrent.atomic.AtomicLong();
    // Chunks are independent (each code is in exactly one): two at a time, one per core, each on its connection.
    java.util.concurrent.ExecutorService workers = java.util.concurrent.Executors.newFixedThreadPool(PARALLEL);
    try {
      List<java.util.concurrent.Future<?>> done = new ArrayList<>();
      for (int from = 0; from < suspects.size(); from += CHUNK) {
        List<byte[]> chunk = suspects.subList(from, Math.min(suspects.size(), from + CHUNK));
        done.add(workers.submit(() -> {
          removed.addAndGet(reconcileChunk(chunk));
          return reconcileDone.addAndGet(chunk.size());
        }));
      }
      for (java.util.concurrent.Future<?> f : done) {
        f.get();
      }
    } finally {
      workers.shutdownNow();
    }
    long[] fixed = {removed.get()};
    ledger.markReconciled();
    LOG.info("Reconcile done in {} ms: {} codes re-derived, {} uncommitted codes removed",
        (System.nanoTime() - started) / 1_000_000, suspects.size() - fixed[0], fixed[0]);
  }

  public long reconcileTotal() {
    return reconcileTotal.get();
  }

  public long reconcileDone() {
    return reconcileDone.get();
  }

  /** Re-derives one chunk of codes; returns how many had no committed scan and were removed. */
  private long reconcileChunk(List<byte[]> chunk) throws java.sql.SQLException {
    java.util.Set<java.nio.ByteBuffer> seen = new java.util.HashSet<>();
    Replayer r = new Replayer(true);
    history.scansOf(chunk, scan -> {
      if (r.accept(scan)) {
        seen.add(java.nio.ByteBuffer.wrap(scan.codeKey()));
      }
    });
    r.finish();
    long removed = 0;
    for (byte[] key : chunk) {
      if (!seen.contains(java.nio.ByteBuffer.wrap(key))) {
        ledger.remove(key); // changed but never committed: the ledger had a change the history never got
        removed++;
      }
    }
    return removed;
  }

  /** Empties the ledger and replays the whole history into it, printing a progress bar to {@code out}. */
  public void rebuild(PrintStream out) throws Exception {
    long total = history.countStoredScans();
    long started = System.nanoTime();
    ledger.clear();
    long[] done = {0};
    Replayer r = new Replayer(false);
    history.allScans(scan -> {
      r.accept(scan);
      if (++done[0] % 50_000 == 0 || done[0] == total) {
        progress(out, done[0], total, started);
      }
    });
    r.finish();
    progress(out, done[0], Math.max(total, done[0]), started);
    out.println();
    out.printf("Rebuilt %d codes from %d scans in %.1f s%n", ledger.size(), done[0],
        (System.nanoTime() - started) / 1e9);
  }

  private static void progress(PrintStream out, long done, long total, long started) {
    int width = 40;
    int filled = total == 0 ? width : (int) (width * done / total);
    double secs = (System.nanoTime() - started) / 1e9;
    out.printf("\r[%s%s] %d/%d scans %.0f/s", "#".repeat(filled), " ".repeat(width - filled), done, total,
        secs > 0 ? done / secs : 0.0);
    out.flush();
  }

  /** Folds one code's scans (they arrive grouped by code) into a state and stores it when the code changes. */
  private final class Replayer {
    private final boolean keepLookups;
    private byte[] key;
    private CodeState state;

    Replayer(boolean keepLookups) {
      this.keepLookups = keepLookups;
    }

    /** True when the scan starts a new code. */
    boolean accept(StoredScan s) {
      boolean fresh = key == null || !Arrays.equals(key, s.codeKey());
      if (fresh) {
        finish();
        key = s.codeKey();
        state = CodeState.NEW;
      }
      ScanFacts facts = new ScanFacts(s.type(), s.product(), s.expiry(), s.siteRef(), s.at(), s.quantity(),
          s.split(), s.billedDrug(), s.reimbursed());
      String idem = ScanInput.idempotencyKey(s.siteId(), s.documentNo(), s.lineNo(), s.canonical(), s.type());
      state = ladder.judge(state, facts, reference).next().withScanRecorded(ScanInput.fingerprint(idem));
      return fresh;
    }

    void finish() {
      if (key == null) {
        return;
      }
      byte[] previous = ledger.getRaw(key);
      CodeState result = state;
      if (keepLookups && previous != null) {
        result = withLookups(state, StateCodec.decode(previous).lookups());
      }
      ledger.put(key, result, System.currentTimeMillis() / 1000, previous == null);
      key = null;
    }
  }

  private static CodeState withLookups(CodeState s, int lookups) {
    return new CodeState(s.scanCount(), s.saleCount(), s.soldUnits(), s.distinctSaleSites(), s.lastSale(),
        s.lastSaleSplit(), s.lastSaleReimbursed(), s.prevSaleSite(), s.firstSaleAt(), s.destroyed(), lookups,
        s.recentKeys());
  }
}
