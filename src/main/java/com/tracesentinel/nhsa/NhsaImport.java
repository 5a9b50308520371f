package com.tracesentinel.nhsa;

import com.tracesentinel.ingest.ScanInput;
import com.tracesentinel.ingest.ScanResult;
import com.tracesentinel.ingest.ScanService;
import com.tracesentinel.ingest.ScanStatus;
import com.tracesentinel.ingest.Voiding;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code import FILE}: bulk-loads historical NHSA uploads ({@link NhsaFile}) through the same reading
 * ({@link NhsaEnvelope}) and the same judging ({@link ScanService}) as {@code POST /api/v1/nhsa/{infno}}.
 *
 * <p>Consecutive uploads are sent to the core in batches of about {@code batchScans} scans (a message is never split
 * between two), {@code inFlight} batches at a time; a deletion waits until everything before it is stored. A batch
 * the core could not store (503: nothing of it stored) is sent again, in file order, until it is stored or
 * {@link #RETRY_FOR} has passed; a batch whose data the database refused (422) is sent again message by message,
 * and the refused messages are listed. Resumable: running the same file again stores only what is missing, every
 * scan already stored comes back REPLAYED and counts as skipped; and after each deletion it applies, a checkpoint
 * ({@link ImportCheckpoints}) lets a later run of the same bytes start after it, since an upload the file deletes
 * would otherwise be stored and judged again (a deletion frees its scans' idempotency hashes for a corrected upload).
 */
public final class NhsaImport {
  public static final int BATCH_SCANS = 5_000;
  public static final int IN_FLIGHT = 4;
  /** How long a batch may keep coming back 503 before the import stops (re-running it resumes). */
  static final long RETRY_FOR = TimeUnit.SECONDS.toNanos(60);

  private final ScanService scans;
  private final ImportCheckpoints checkpoints;
  private final PrintStream out;
  private final int batchScans;
  private final int inFlight;
  private final Summary summary = new Summary();
  private final ArrayDeque<Sent> sent = new ArrayDeque<>();
  private Batch batch = new Batch();
  private volatile boolean stopping;
  private long lastProgress;
  /** Lines an earlier run of these bytes settled (through a deletion it applied): not sent again. */
  private long settledThrough;
  private ImportCheckpoints.Checkpoint lastCheckpoint;
  private LinePrefixDigest reached;

  public NhsaImport(ScanService scans, ImportCheckpoints checkpoints, PrintStream out) {
    this(scans, checkpoints, out, BATCH_SCANS, IN_FLIGHT);
  }

  NhsaImport(ScanService scans, ImportCheckpoints checkpoints, PrintStream out, int batchScans, int inFlight) {
    this.scans = scans;
    this.checkpoints = checkpoints;
    this.out = out;
    this.batchScans = batchScans;
    this.inFlight = inFlight;
  }

  /** Stops reading (Ctrl-C): what was sent is still settled and counted; running the file again resumes. */
  public void stop() {
    stopping = true;
  }

  /** Imports the file; the summary says what happened to each of its messages. */
  public Summary run(Path file) throws IOException, InterruptedException {
    long size = Math.max(1, Files.size(file));
    long started = System.nanoTime();
    long read = 0;
    try (NhsaFile messages = NhsaFile.open(file); LinePrefixDigest prefix = new LinePrefixDigest(file)) {
      reached = prefix;
      resumePoint(file);
      try {
        for (NhsaFile.Message m = messages.next(); m != null && !stopping; m = messages.next()) {
          handle(m);
          read = messages.bytesRead();
          progress(read, size, started);
        }
      } catch (NhsaError.Refused unreadable) {
        // The messages before the row that cannot be read are whole: they are stored, so that the corrected file
        // resumes after them.
        summary.stoppedBecause = unreadable.getMessage();
        summary.fileUnreadable = true;
      }
      read = stopping || summary.fileUnreadable ? read : size;
      flush();
      settleAll();
      summary.complete = !stopping && !summary.fileUnreadable;
    } catch (Stop | NhsaError.Refused e) {
      summary.stoppedBecause = e.getMessage();
      summary.fileUnreadable |= e instanceof NhsaError.Refused;
      settleWhatIsSent();
    } finally {
      summary.seconds = (System.nanoTime() - started) / 1e9;
      progress(read, size, Long.MIN_VALUE);
      out.println();
    }
    return summary;
  }

  /** The furthest checkpoint whose lines this file still starts with: the messages through it are not sent again. */
  private void resumePoint(Path file) throws IOException {
    try (LinePrefixDigest prefix = new LinePrefixDigest(file)) {
      for (ImportCheckpoints.Checkpoint c : checkpoints.saved()) {
        byte[] digest = prefix.through(c.lines());
        if (digest == null) {
          break; // the file is shorter than this checkpoint and every later one
        }
        if (Arrays.equals(digest, c.prefixSha256()) || Arrays.equals(prefix.withoutLastBreak(), c.prefixSha256())) {
          settledThrough = c.lines();
          lastCheckpoint = c;
        }
      }
    }
    summary.resumedAfterLine = settledThrough;
  }

  private void handle(NhsaFile.Message m) throws InterruptedException, IOException {
    summary.messages++;
    if (m.refused() != null) {
      summary.refuse(m.line(), m.refused().getMessage());
    } else if (m.line() <= settledThrough) {
      summary.settledEarlier(m.request());
    } else if (m.request() instanceof NhsaRequest.Deletion d) {
      summary.deletions++;
      flush();
      settleAll();
      delete(d, m.line());
    } else {
      NhsaRequest.Upload u = (NhsaRequest.Upload) m.request();
      summary.uploads++;
      if (!u.codes().isEmpty()) {
        if (!batch.messages.isEmpty() && batch.inputs.size() + u.codes().size() > batchScans) {
          flush();
        }
        batch.add(m.line(), u);
      }
    }
  }

  private void delete(NhsaRequest.Deletion d, long line) throws InterruptedException, IOException {
    if (!d.ofSales()) {
      return; // inventory, stock-change or purchase data: never stored here, nothing to void
    }
    // Dated when it was sent (its lateness, its LATE_DELETION's time), never later than now: a sender's clock ahead of
    // ours cannot date a deletion after it was carried out.
    Instant reachedAt = Instant.now();
    Instant at = d.sentAt() == null || d.sentAt().isAfter(reachedAt) ? reachedAt : d.sentAt();
    Voiding.Result r = retrying(() -> scans.voidUpload(d.siteId(), d.uploadBatch(), at));
    summary.scansVoided += r.scansVoided();
    summary.lateDeletions += r.lateDeletions().size();
    // Everything before the deletion was settled first, so the lines through it are done. A run killed between the
    // void and this save sends the deleted upload again next time, as every run did before checkpoints.
    ImportCheckpoints.Checkpoint now = new ImportCheckpoints.Checkpoint(reached.through(line), line);
    if (now.prefixSha256() != null) {
      checkpoints.save(now, lastCheckpoint);
      lastCheckpoint = now;
    }
  }

  /** Sends the current batch; settles the oldest sent batches while more than {@code inFlight} are out. */
  private void flush() throws InterruptedException {
    if (batch.messages.isEmpty()) {
      return;
    }
    sent.addLast(new Sent(batch, scans.ingest(batch.inputs, Instant.now())));
    batch = new Batch();
    while (sent.size() > inFlight) {
      settle(sent.pollFirst());
    }
  }

  private void settleAll() throws InterruptedException {
    while (!sent.isEmpty()) {
      settle(sent.pollFirst());
    }
  }

  /**
   * Counts a sent batch's results. When the core stored nothing of it (503), the batches sent after it most likely
   * failed the same way: they are settled first, then every failed one is sent again in file order, so that the
   * judging order stays the file's.
   */
  private void settle(Sent s) throws InterruptedException {
    Throwable failure = outcome(s);
    if (failure == null) {
      return;
    }
    if (failure instanceof ScanService.DataRefused) {
      byMessage(s.batch);
      return;
    }
    List<Batch> again = new ArrayList<>();
    again.add(s.batch);
    while (!sent.isEmpty()) {
      Sent later = sent.pollFirst();
      if (outcome(later) != null) {
        again.add(later.batch);
      }
    }
    for (Batch b : again) {
      try {
        summary.count(b, retrying(() -> scans.ingest(b.inputs, Instant.now())));
      } catch (ScanService.DataRefused refused) {
        byMessage(b);
      }
    }
  }

  /** Waits for a sent batch: counts its results and answers null, or answers why nothing of it was stored. */
  private Throwable outcome(Sent s) throws InterruptedException {
    try {
      summary.count(s.batch, s.answer.get());
      return null;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ScanService.Unavailable || e.getCause() instanceof ScanService.DataRefused) {
        return e.getCause();
      }
      throw new IllegalStateException("the ingest core failed", e.getCause());
    }
  }

  /** A refused batch, message by message: the database's refusal is one message's data, the others are stored. */
  private void byMessage(Batch b) throws InterruptedException {
    for (int i = 0; i < b.messages.size(); i++) {
      Batch one = new Batch();
      one.add(b.lines.get(i), b.messages.get(i));
      try {
        summary.count(one, retrying(() -> scans.ingest(one.inputs, Instant.now())));
      } catch (ScanService.DataRefused refused) {
        summary.refuse(b.lines.get(i), "数据库拒收 / the database refused it: " + refused.getMessage());
      }
    }
  }

  /** Waits for the core's answer, asking again while it stores nothing (503), for at most {@link #RETRY_FOR}. */
  private <T> T retrying(Supplier<CompletableFuture<T>> call) throws InterruptedException {
    long deadline = System.nanoTime() + RETRY_FOR;
    long pause = 100;
    while (true) {
      try {
        return call.get().get();
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof ScanService.Unavailable unavailable)) {
          if (e.getCause() instanceof RuntimeException r) {
            throw r;
          }
          throw new IllegalStateException("the ingest core failed", e.getCause());
        }
        if (stopping || System.nanoTime() > deadline) {
          throw new Stop(unavailable.getMessage());
        }
        summary.retries++;
        Thread.sleep(pause);
        pause = Math.min(pause * 2, 5_000);
      }
    }
  }

  /** After a stop: waits for what was sent and counts what was stored; the rest is for the next run. */
  private void settleWhatIsSent() throws InterruptedException {
    while (!sent.isEmpty()) {
      outcome(sent.pollFirst());
    }
  }

  private void progress(long done, long size, long started) {
    long now = System.nanoTime();
    if (started != Long.MIN_VALUE && now - lastProgress < 250_000_000L) {
      return;
    }
    lastProgress = now;
    int percent = (int) Math.min(100, done * 100 / size);
    int filled = percent * 30 / 100;
    double seconds = started == Long.MIN_VALUE ? summary.seconds : (now - started) / 1e9;
    out.printf("\r[%s%s] %3d%%  %,d codes  %,.0f codes/s  skipped %,d  refused %,d", "#".repeat(filled),
        " ".repeat(30 - filled), percent, summary.codes(), summary.codes() / Math.max(seconds, 1e-3),
        summary.skipped, summary.refused);
    out.flush();
  }

  /** Messages read from the file and not yet sent. */
  private static final class Batch {
    final List<ScanInput> inputs = new ArrayList<>();
    final List<NhsaRequest.Upload> messages = new ArrayList<>();
    final List<Long> lines = new ArrayList<>();
    /** For each scan, the file line of its message and the code it came from. */
    final List<Long> lineOf = new ArrayList<>();
    final List<NhsaRequest.Code> codes = new ArrayList<>();

    void add(long line, NhsaRequest.Upload u) {
      lines.add(line);
      messages.add(u);
      for (NhsaRequest.Code c : u.codes()) {
        inputs.add(c.input());
        lineOf.add(line);
        codes.add(c);
      }
    }
  }

  private record Sent(Batch batch, CompletableFuture<List<ScanResult>> answer) {}

  /** The core stores nothing and will not soon: the import stops; re-running it resumes. */
  private static final class Stop extends RuntimeException {
    Stop(String message) {
      super(message, null, false, false);
    }
  }

  /** What an import did, for its last lines. */
  public static final class Summary {
    private static final int EXAMPLES = 10;

    long messages;
    long uploads;
    long deletions;
    long refused;
    long accepted;
    long flagged;
    long rejected;
    long skipped;
    long scansVoided;
    long lateDeletions;
    long retries;
    /** The last line an earlier run of the same bytes settled (0: none); the messages through it were not sent. */
    long resumedAfterLine;
    long settledEarlier;
    double seconds;
    boolean complete;
    String stoppedBecause;
    boolean fileUnreadable;
    final Map<String, Long> anomalies = new TreeMap<>();
    final List<String> refusedExamples = new ArrayList<>();
    /** Why codes were rejected, by field and reason: how many, and the first line; at most 1,000 reasons. */
    final Map<String, long[]> rejectedBecause = new LinkedHashMap<>();

    void refuse(long line, String why) {
      refused++;
      if (refusedExamples.size() < EXAMPLES) {
        refusedExamples.add("line " + line + ": " + why);
      }
    }

    /** A message an earlier run settled: its codes count as skipped, as their REPLAYED answers would. */
    void settledEarlier(NhsaRequest request) {
      settledEarlier++;
      if (request instanceof NhsaRequest.Upload u) {
        uploads++;
        skipped += u.codes().size();
      } else {
        deletions++;
      }
    }

    void count(Batch b, List<ScanResult> results) {
      for (ScanResult r : results) {
        switch (r.status()) {
          case ACCEPTED -> accepted++;
          case FLAGGED -> flagged++;
          case REPLAYED -> skipped++;
          case REJECTED -> {
            rejected++;
            String why = NhsaAnswer.where(r.error(), b.codes.get(r.index())).field() + ": " + r.error();
            long[] seen = rejectedBecause.get(why);
            if (seen != null) {
              seen[0]++;
            } else if (rejectedBecause.size() < 1_000) {
              rejectedBecause.put(why, new long[] {1, b.lineOf.get(r.index())});
            }
          }
        }
        if (r.status() == ScanStatus.ACCEPTED || r.status() == ScanStatus.FLAGGED) {
          for (ScanResult.Finding f : r.anomalies()) {
            anomalies.merge(f.type(), 1L, Long::sum);
          }
        }
      }
    }

    /** Codes whose fate is known: stored (accepted, flagged, rejected) or skipped. */
    public long codes() {
      return accepted + flagged + rejected + skipped;
    }

    public long stored() {
      return accepted + flagged + rejected;
    }

    public long skipped() {
      return skipped;
    }

    public long rejected() {
      return rejected;
    }

    public long refused() {
      return refused;
    }

    public long scansVoided() {
      return scansVoided;
    }

    public Map<String, Long> anomalies() {
      return anomalies;
    }

    /** 0: every message read and settled; 1: done, but some messages were refused; 2: stopped before the end. */
    public int exitCode() {
      return !complete ? 2 : refused > 0 ? 1 : 0;
    }

    private static String counted(long n, String noun) {
      return String.format("%,d %s%s", n, noun, n == 1 ? "" : "s");
    }

    public void print(PrintStream out, Path file) {
      out.printf("%s %s in %.1f s: %s (%s, %s), %s, %,.0f codes/s%n",
          complete ? "Imported" : "Stopped importing", file, seconds, counted(messages, "message"),
          counted(uploads, "upload"), counted(deletions, "deletion"), counted(codes(), "code"),
          codes() / Math.max(seconds, 1e-3));
      out.printf("  stored    %,d  (accepted %,d, flagged %,d, rejected %,d)%n", stored(), accepted, flagged,
          rejected);
      out.printf("  skipped   %,d  already stored (REPLAYED: imported before, or sent twice in the file)%n",
          skipped);
      if (resumedAfterLine > 0) {
        out.printf("  resumed   after line %,d, where an earlier run of this file applied a deletion: the %,d messages"
            + " through it were not sent again%n", resumedAfterLine, settledEarlier);
      }
      if (deletions > 0) {
        out.printf("  deleted   %s voided by 3507 messages (%s)%n", counted(scansVoided, "scan"),
            counted(lateDeletions, "late deletion"));
      }
      if (!anomalies.isEmpty()) {
        StringBuilder b = new StringBuilder();
        anomalies.forEach((type, n) -> b.append(b.length() == 0 ? "" : ", ").append(type).append(' ')
            .append(String.format("%,d", n)));
        out.println("  anomalies " + b);
      }
      if (rejected > 0) {
        out.println("  rejected codes (stored as evidence, judged again if sent again), the commonest reasons:");
        rejectedBecause.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue()[0], x.getValue()[0]))
            .limit(EXAMPLES).forEach(e -> out.printf("    %,d× %s (first on line %d)%n", e.getValue()[0], e.getKey(),
                e.getValue()[1]));
      }
      if (refused > 0) {
        out.printf("  refused   %s (nothing of them stored), first %d:%n", counted(refused, "message"),
            refusedExamples.size());
        refusedExamples.forEach(e -> out.println("    " + e));
      }
      if (retries > 0) {
        out.printf("  %s sent again after the service stored nothing of %s (503)%n",
            retries == 1 ? "1 batch was" : String.format("%,d batches were", retries), retries == 1 ? "it" : "them");
      }
      if (!complete) {
        out.println("  " + (stoppedBecause == null ? "interrupted" : "stopped: " + stoppedBecause)
            + (fileUnreadable ? ". Correct the file there and run the same command again"
                : ". Run the same command again to resume")
            + ": what is stored comes back as skipped.");
      }
    }
  }
}
