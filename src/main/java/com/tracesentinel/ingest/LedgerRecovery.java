package com.tracesentinel.ingest;

import com.tracesentinel.code.CodeKey;
import com.tracesentinel.rules.StateCodec;
import com.tracesentinel.reference.ReferenceData;
import com.tracesentinel.rules.CodeState;
import com.tracesentinel.rules.Ladder;
import com.tracesentinel.rules.LadderSettings;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger as a function of the history, which is the truth: every code's state is the fold of its stored, judged
 * scans through {@link Judging#apply}, in judging order. Used to reconcile after an unclean stop (the codes changed
 * since the last checkpoint), to rebuild a whole ledger, to verify one, and by the audit. Runs on its callers'
 * threads before the service takes requests, or from the command line; never on an event loop.
 */
public final class LedgerRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(LedgerRecovery.class);
  private static final int CHUNK = 2_000;
  private static final int PARALLEL = 2;

  private final LedgerPort ledger;
  private final HistoryPort history;
  private final ReferenceData reference;
  private final Ladder ladder;
  private final AtomicLong reconcileTotal = new AtomicLong();
  private final AtomicLong reconcileDone = new AtomicLong();

  public LedgerRecovery(LedgerPort ledger, HistoryPort history, ReferenceData reference, LadderSettings settings) {
    this.ledger = ledger;
    this.history = history;
    this.reference = reference;
    this.ladder = new Ladder(settings);
  }

  /** What the history says each of these codes' state is (absent: the code has no stored, judged scan). */
  public Map<ByteBuffer, CodeState> expected(List<byte[]> keys) throws Exception {
    Map<ByteBuffer, CodeState> out = new HashMap<>();
    fold(sink -> history.scansOf(keys, sink), (key, state) -> out.put(ByteBuffer.wrap(key), state));
    return out;
  }

  /**
   * Re-derives every code changed at or after {@code sinceEpochSecond} (ledger time), and every code a deletion removed
   * since; a code with no committed scan is removed: its change never reached the history.
   */
  public void reconcile(long sinceEpochSecond) throws Exception {
    long started = System.nanoTime();
    // Removed by a deletion that may not have committed: no entry, so no stamp to find it by.
    Set<ByteBuffer> deleted = new HashSet<>();
    for (byte[] key : ledger.removedSince(sinceEpochSecond)) {
      deleted.add(ByteBuffer.wrap(key));
    }
    List<byte[]> suspects = new ArrayList<>();
    long[] visited = {0};
    ledger.forEach((key, value) -> {
      visited[0]++;
      if (StateCodec.changedAt(value) >= sinceEpochSecond && !deleted.contains(ByteBuffer.wrap(key))) {
        suspects.add(key);
      }
    });
    deleted.forEach(key -> suspects.add(key.array()));
    LOG.info("Reconciling {} of {} codes changed since {} with the history", suspects.size(), visited[0],
        sinceEpochSecond);
    reconcileTotal.set(suspects.size());
    AtomicLong removed = new AtomicLong();
    // Chunks are independent (each code is in exactly one): two at a time, one per core, each on its connection.
    ExecutorService workers = Executors.newFixedThreadPool(PARALLEL);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int from = 0; from < suspects.size(); from += CHUNK) {
        List<byte[]> chunk = suspects.subList(from, Math.min(suspects.size(), from + CHUNK));
        done.add(workers.submit(() -> {
          Map<ByteBuffer, CodeState> states = expected(chunk);
          for (byte[] key : chunk) {
            CodeState s = states.get(ByteBuffer.wrap(key));
            if (s == null) {
              ledger.restore(key, null);
              removed.incrementAndGet();
            } else {
              ledger.restore(key, StateCodec.encode(s, System.currentTimeMillis() / 1000));
            }
          }
          return reconcileDone.addAndGet(chunk.size());
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      workers.shutdownNow();
    }
    LOG.info("Reconcile done in {} ms: {} codes re-derived, {} codes with no committed scan removed",
        (System.nanoTime() - started) / 1_000_000, suspects.size() - removed.get(), removed.get());
  }

  public long reconcileTotal() {
    return reconcileTotal.get();
  }

  public long reconcileDone() {
    return reconcileDone.get();
  }

  /** Replays the whole history into the (empty) ledger, with a progress bar on {@code out}. */
  public void rebuild(PrintStream out) throws Exception {
    if (ledger.size() != 0) {
      throw new IllegalStateException("rebuild needs an empty ledger, this one holds " + ledger.size() + " codes");
    }
    long total = history.countStoredScans();
    reconcileTotal.set(total);
    Progress progress = new Progress(out, "scans", total);
    long now = System.currentTimeMillis() / 1000;
    fold(sink -> history.allScans(event -> {
      sink.accept(event);
      progress.step(reconcileDone.incrementAndGet());
    }), (key, state) -> ledger.put(key, state, now, true));
    progress.done(reconcileDone.get());
    out.printf("Rebuilt %d codes from %d scans in %.1f s%n", ledger.size(), reconcileDone.get(), progress.seconds());
  }

  /** The outcome of {@link #verify}. */
  public record Report(long codes, long scans, long mismatched, long missing, long extra, double seconds) {
    public boolean clean() {
      return mismatched == 0 && missing == 0 && extra == 0;
    }
  }

  /**
   * Compares every ledger entry with the history: a code whose state differs from the fold of its scans
   * (mismatched), a code with scans but no entry (missing), an entry with no scan (extra). Prints each difference
   * (up to {@code maxPrinted}) and a progress bar on {@code out}.
   */
  public Report verify(PrintStream out, int maxPrinted) throws Exception {
    return verify(out, maxPrinted, history.countStoredScans(), history::allScans, key -> true);
  }

  /** As {@link #verify}, for the codes of these partitions only: what a cluster node holds. */
  public Report verifyPartitions(Set<Integer> parts, PrintStream out, int maxPrinted) throws Exception {
    return verify(out, maxPrinted, 0, sink -> history.partitionScans(parts, sink),
        key -> parts.contains(CodeKey.partitionOf(key)));
  }

  /**
   * Empties these partitions' entries, then replays their history into the ledger: what a cluster node does before it
   * judges a partition it was given. Runs beside the judge, which does not touch these partitions meanwhile.
   * {@code progress} hears the scans replayed so far. Returns the codes rebuilt.
   */
  public long rebuildPartitions(Set<Integer> parts, java.util.function.LongConsumer progress) throws Exception {
    removePartitions(parts);
    long now = System.currentTimeMillis() / 1000;
    long[] scans = {0};
    long[] codes = {0};
    fold(sink -> history.partitionScans(parts, event -> {
      sink.accept(event);
      if ((++scans[0] & 1023) == 0) {
        progress.accept(scans[0]);
      }
    }), (key, state) -> {
      ledger.put(key, state, now, true);
      codes[0]++;
    });
    progress.accept(scans[0]);
    return codes[0];
  }

  /** Removes every entry of these partitions (one pass over the ledger); returns how many. */
  public long removePartitions(Set<Integer> parts) {
    List<byte[]> doomed = new ArrayList<>();
    ledger.forEach((key, value) -> {
      if (parts.contains(CodeKey.partitionOf(key))) {
        doomed.add(key);
      }
    });
    for (byte[] key : doomed) {
      ledger.restore(key, null);
    }
    return doomed.size();
  }

  private Report verify(PrintStream out, int maxPrinted, long total, Judging.Source source,
                        java.util.function.Predicate<byte[]> covered) throws Exception {
    Progress progress = new Progress(out, "scans", total);
    long[] scans = {0};
    long[] codes = {0};
    long[] mismatched = {0};
    long[] missing = {0};
    long[] found = {0};
    List<String> printed = new ArrayList<>();
    fold(sink -> source.stream(event -> {
      sink.accept(event);
      progress.step(++scans[0]);
    }), (key, expected) -> {
      codes[0]++;
      byte[] raw = ledger.getRaw(key);
      if (raw == null) {
        missing[0]++;
        note(printed, maxPrinted, "missing  " + CodeKey.hex(key) + ": the history has " + expected.scanCount()
            + " scans of it, the ledger no entry");
        return;
      }
      found[0]++;
      CodeState actual = StateCodec.decode(raw);
      if (!StateCodec.stored(expected).equals(actual)) {
        mismatched[0]++;
        note(printed, maxPrinted, "mismatch " + CodeKey.hex(key) + ": history " + expected + " ledger " + actual);
      }
    });
    progress.done(scans[0]);
    long extra = 0;
    long[] entries = {0};
    ledger.forEach((key, value) -> {
      if (covered.test(key)) {
        entries[0]++;
      }
    });
    if (entries[0] > found[0]) {
      extra = countExtra(covered, printed, maxPrinted);
    }
    for (String line : printed) {
      out.println(line);
    }
    return new Report(codes[0], scans[0], mismatched[0], missing[0], extra, progress.seconds());
  }

  /** Ledger entries without any stored, judged scan: looked up in chunks (only when the counts say there are some). */
  private long countExtra(java.util.function.Predicate<byte[]> covered, List<String> printed, int maxPrinted)
      throws Exception {
    long[] extra = {0};
    List<byte[]> chunk = new ArrayList<>();
    Exception[] failure = {null};
    ledger.forEach((key, value) -> {
      if (!covered.test(key)) {
        return;
      }
      chunk.add(key);
      if (chunk.size() == CHUNK && failure[0] == null) {
        try {
          extra[0] += extraIn(chunk, printed, maxPrinted);
        } catch (Exception e) {
          failure[0] = e;
        }
        chunk.clear();
      }
    });
    if (failure[0] != null) {
      throw failure[0];
    }
    if (!chunk.isEmpty()) {
      extra[0] += extraIn(chunk, printed, maxPrinted);
    }
    return extra[0];
  }

  private long extraIn(List<byte[]> keys, List<String> printed, int maxPrinted) throws Exception {
    Set<ByteBuffer> known = new HashSet<>(expected(keys).keySet());
    long n = 0;
    for (byte[] key : keys) {
      if (!known.contains(ByteBuffer.wrap(key))) {
        n++;
        note(printed, maxPrinted, "extra    " + CodeKey.hex(key) + ": the ledger has an entry, the history no scan");
      }
    }
    return n;
  }

  private static void note(List<String> printed, int max, String line) {
    synchronized (printed) {
      if (printed.size() < max) {
        printed.add(line);
      }
    }
  }

  private void fold(Judging.Source source, BiConsumer<byte[], CodeState> done) throws Exception {
    Judging.fold(ladder, reference, source, done);
  }

  /** A one-line progress bar for long command-line jobs. */
  private static final class Progress {
    private final PrintStream out;
    private final String unit;
    private final long total;
    private final long started = System.nanoTime();
    private long lastPrint;

    Progress(PrintStream out, String unit, long total) {
      this.out = out;
      this.unit = unit;
      this.total = total;
    }

    void step(long done) {
      long now = System.nanoTime();
      if (now - lastPrint > 250_000_000L) {
        lastPrint = now;
        print(done);
      }
    }

    void done(long done) {
      print(done);
      out.println();
    }

    double seconds() {
      return (System.nanoTime() - started) / 1e9;
    }

    private void print(long done) {
      long all = Math.max(total, done);
      int filled = all == 0 ? 40 : (int) (40 * done / all);
      double secs = seconds();
      out.printf("\r[%s%s] %d/%d %s, %.0f/s", "#".repeat(filled), " ".repeat(40 - filled), done, all, unit,
          secs > 0 ? done / secs : 0.0);
      out.flush();
    }
  }
}
