package com.tracesentinel.ingest;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The history port in memory, failing on purpose: each commit draws a fault from a seeded plan (the database down
 * before COMMIT, the answer to COMMIT lost after it did or did not commit, a stall), and a group holding a scan whose
 * document is "POISON" is refused for its data, as PostgreSQL refuses a constraint violation. A commit is atomic:
 * all of its rows or none.
 */
final class FakeHistory implements HistoryPort {
  enum Fault { NONE, UNAVAILABLE, IN_DOUBT_COMMITTED, IN_DOUBT_LOST, STALL }

  /** A stored row, as the test needs to check it. */
  record Stored(long scanId, Judged.Row row) {}

  private final Random random;
  private final double faultRate;
  private final long stallMillis;
  final List<Stored> rows = new ArrayList<>();
  private final Map<ByteBuffer, Stored> byIdem = new HashMap<>();
  private final Set<Long> committedGroups = new HashSet<>();
  private int unanswerable;
  int commits;
  int faults;
  /** Commits refused by the gate: given up by the committer while stalled. */
  int givenUp;
  /** When set, the next commit waits for it before COMMIT, as a database that stopped answering mid-group. */
  volatile java.util.concurrent.CountDownLatch holdNextCommit;
  /** When set, the next commit throws it (a port breaking its contract), before or after storing the group. */
  volatile RuntimeException crashNextCommit;
  volatile boolean crashAfterStore;
  /** When set, the next commit throws it before storing anything: a fault no stage handles (an Error). */
  volatile Error dieNextCommit;
  /** When set, the next commit stores its group and returns a receipt that throws when read. */
  volatile boolean brokenReceiptOnce;
  /** The partitions' epochs the last commit was asked to check (a cluster node's hold). */
  volatile java.util.Map<Integer, Long> lastHolds;

  FakeHistory(long seed, double faultRate, long stallMillis) {
    this.random = new Random(seed);
    this.faultRate = faultRate;
    this.stallMillis = stallMillis;
  }

  @Override
  public synchronized CommitReceipt commit(long groupId, List<Judged> scans, List<Voiding> voidings,
                                           java.util.Map<Integer, Long> holds, CommitGate gate)
      throws CommitFailure {
    if (voidings.stream().anyMatch(v -> !v.scanIds().isEmpty())) {
      throw new UnsupportedOperationException("this fake reads uploads but voids none");
    }
    calls.add("commit " + scans.size() + " scans");
    commits++;
    lastHolds = holds;
    Error die = dieNextCommit;
    dieNextCommit = null;
    if (die != null) {
      throw die;
    }
    RuntimeException crash = crashNextCommit;
    crashNextCommit = null;
    if (crash != null && !crashAfterStore) {
      throw crash;
    }
    Set<ByteBuffer> inGroup = new HashSet<>();
    for (Judged j : scans) {
      if (j instanceof Judged.Row r && r.event() != null && r.status() != ScanStatus.REJECTED
          && !inGroup.add(ByteBuffer.wrap(r.event().idem()))) {
        throw new CommitFailure.DataRefused("23505", null);
      }
      if (j instanceof Judged.Row r && "POISON".equals(r.input().documentNo())) {
        throw new CommitFailure.DataRefused("23514", null);
      }
      if (j instanceof Judged.Row r && r.event() != null && r.status() != ScanStatus.REJECTED
          && byIdem.containsKey(ByteBuffer.wrap(r.event().idem()))) {
        throw new CommitFailure.DataRefused("23505", null);
      }
    }
    Fault fault = random.nextDouble() < faultRate ? Fault.values()[1 + random.nextInt(4)] : Fault.NONE;
    if (fault != Fault.NONE) {
      faults++;
    }
    if (fault == Fault.UNAVAILABLE) {
      throw new CommitFailure.Unavailable("injected: database down", null);
    }
    if (fault == Fault.STALL) {
      sleep(stallMillis);
    }
    java.util.concurrent.CountDownLatch hold = holdNextCommit;
    if (hold != null) {
      holdNextCommit = null;
      try {
        hold.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (!gate.mayCommit()) {
      givenUp++;
      throw new CommitFailure.Unavailable("given up before COMMIT", null);
    }
    switch (fault) {
      case IN_DOUBT_LOST -> {
        unanswerable = random.nextInt(3);
        throw new CommitFailure.InDoubt("injected: answer lost, not committed", null);
      }
      case IN_DOUBT_COMMITTED -> {
        store(groupId, scans);
        unanswerable = random.nextInt(3);
        throw new CommitFailure.InDoubt("injected: answer lost, committed", null);
      }
      default -> { }
    }
    store(groupId, scans);
    if (crash != null) {
      throw crash;
    }
    if (brokenReceiptOnce) {
      brokenReceiptOnce = false;
      return new CommitReceipt(new java.util.AbstractMap<>() {
        @Override
        public Set<Entry<CommitReceipt.AnomalyRef, CommitReceipt.ConflictScan>> entrySet() {
          throw new IllegalStateException("injected: an unreadable receipt");
        }

        @Override
        public CommitReceipt.ConflictScan get(Object key) {
          throw new IllegalStateException("injected: an unreadable receipt");
        }
      }, Map.of());
    }
    return receiptOf(scans);
  }

  private void store(long groupId, List<Judged> scans) {
    for (Judged j : scans) {
      if (j instanceof Judged.Row r) {
        Stored s = new Stored(r.scanId(), r);
        rows.add(s);
        if (r.status() != ScanStatus.REJECTED) {
          byIdem.put(ByteBuffer.wrap(r.event().idem()), s);
        }
      }
    }
    committedGroups.add(groupId);
  }

  @Override
  public synchronized boolean committed(long groupId) throws Exception {
    if (unanswerable-- > 0) {
      throw new Exception("injected: still unreachable");
    }
    return committedGroups.contains(groupId);
  }

  @Override
  public synchronized CommitReceipt receiptOf(List<Judged> scans) {
    Map<ByteBuffer, ScanResult.Original> originals = new HashMap<>();
    for (Judged j : scans) {
      if (j instanceof Judged.Replay r && r.original() == null) {
        ScanResult.Original o = original(r.event());
        if (o != null) {
          originals.put(ByteBuffer.wrap(r.event().idem()), o);
        }
      }
    }
    return new CommitReceipt(Map.of(), originals);
  }

  /** When set, the next re-send check throws it: a connection ended mid-query, while commits still go through. */
  volatile RuntimeException failNextFind;
  /** When set, the next re-send check counts it down and waits for {@link #answerFind} before failing. */
  volatile java.util.concurrent.CountDownLatch findAsked;
  final java.util.concurrent.CountDownLatch answerFind = new java.util.concurrent.CountDownLatch(1);
  final java.util.concurrent.atomic.AtomicInteger finds = new java.util.concurrent.atomic.AtomicInteger();

  @Override
  public synchronized List<ScanResult.Original> findOriginals(List<ScanEvent> events) {
    finds.incrementAndGet();
    java.util.concurrent.CountDownLatch asked = findAsked;
    findAsked = null;
    if (asked != null) {
      asked.countDown();
      try {
        answerFind.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("injected: the database did not answer the check in time");
    }
    RuntimeException fail = failNextFind;
    failNextFind = null;
    if (fail != null) {
      throw fail;
    }
    List<ScanResult.Original> out = new ArrayList<>();
    for (ScanEvent e : events) {
      out.add(original(e));
    }
    return out;
  }

  private ScanResult.Original original(ScanEvent e) {
    Stored s = byIdem.get(ByteBuffer.wrap(e.idem()));
    return s == null ? null : new ScanResult.Original(s.row().status(), List.of());
  }

  synchronized Stored byIdem(byte[] idem) {
    return byIdem.get(ByteBuffer.wrap(idem));
  }

  @Override
  public void scansOf(List<byte[]> codeKeys, Consumer<ScanEvent> sink) {
    scansOfExcept(codeKeys, Set.of(), sink);
  }

  /** When set, the next read of codes' scans throws it. */
  volatile RuntimeException failNextScansOf;
  /** Reads of codes' scans so far. */
  final java.util.concurrent.atomic.AtomicInteger scansOfReads = new java.util.concurrent.atomic.AtomicInteger();

  @Override
  public void scansOfExcept(List<byte[]> codeKeys, Set<Long> excluded, Consumer<ScanEvent> sink) {
    scansOfReads.incrementAndGet();
    RuntimeException fail = failNextScansOf;
    failNextScansOf = null;
    if (fail != null) {
      throw fail;
    }
    Set<ByteBuffer> wanted = new HashSet<>();
    codeKeys.forEach(k -> wanted.add(ByteBuffer.wrap(k)));
    judgedInOrder().stream().filter(s -> wanted.contains(ByteBuffer.wrap(s.row().event().codeKey()))
        && !excluded.contains(s.scanId())).forEach(s -> sink.accept(s.row().event()));
  }

  /** Asks whether codes were sold at sites, so far. */
  final java.util.concurrent.atomic.AtomicInteger soldAtReads = new java.util.concurrent.atomic.AtomicInteger();

  @Override
  public java.util.BitSet soldAt(List<byte[]> codeKeys, List<Integer> siteRefs) {
    soldAtReads.incrementAndGet();
    RuntimeException fail = failNextScansOf;
    failNextScansOf = null;
    if (fail != null) {
      throw fail;
    }
    java.util.BitSet sold = new java.util.BitSet();
    for (int i = 0; i < codeKeys.size(); i++) {
      byte[] key = codeKeys.get(i);
      int site = siteRefs.get(i);
      sold.set(i, judgedInOrder().stream().map(s -> s.row().event()).anyMatch(e -> Arrays.equals(e.codeKey(), key)
          && e.facts().type() == com.tracesentinel.rules.EventType.SALE && e.facts().siteRef() == site));
    }
    return sold;
  }

  /** When set, the next read of an upload counts it down on entry and waits for holdUploadRead. */
  volatile java.util.concurrent.CountDownLatch uploadReadEntered;
  volatile java.util.concurrent.CountDownLatch holdUploadRead;
  /** Upload reads ("read B-1") and commits ("commit N scans"), in the order they happened. */
  final List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());

  @Override
  public List<Voiding.UploadedScan> uploadScans(String siteId, String uploadBatch) throws InterruptedException {
    calls.add("read " + uploadBatch);
    java.util.concurrent.CountDownLatch entered = uploadReadEntered;
    java.util.concurrent.CountDownLatch hold = holdUploadRead;
    uploadReadEntered = null;
    holdUploadRead = null;
    if (entered != null) {
      entered.countDown();
      hold.await();
    }
    return judgedInOrder().stream()
        .filter(s -> siteId.equals(s.row().input().siteId()) && uploadBatch.equals(s.row().input().uploadBatch()))
        .map(s -> new Voiding.UploadedScan(s.scanId(), s.row().event().codeKey(), s.row().code().canonical(),
            s.row().code().productKey(), s.row().input().type(), s.row().status(), s.row().input().scannedAt(),
            s.row().input().documentNo(), s.row().site().ref()))
        .toList();
  }

  @Override
  public void allScans(Consumer<ScanEvent> sink) {
    judgedInOrder().forEach(s -> sink.accept(s.row().event()));
  }

  @Override
  public void partitionScans(Set<Integer> parts, Consumer<ScanEvent> sink) {
    judgedInOrder().stream()
        .filter(s -> parts.contains(com.tracesentinel.code.CodeKey.partitionOf(s.row().event().codeKey())))
        .forEach(s -> sink.accept(s.row().event()));
  }

  @Override
  public synchronized long highestCommittedGroup() {
    return committedGroups.stream().mapToLong(Long::longValue).max().orElse(0);
  }

  @Override
  public synchronized long countStoredScans() {
    return judgedInOrder().size();
  }

  /** Stored, judged rows grouped by code, each code's in scan-id (judging) order: as the history streams them. */
  private synchronized List<Stored> judgedInOrder() {
    List<Stored> judged = new ArrayList<>();
    for (Stored s : rows) {
      if (s.row().status() != ScanStatus.REJECTED) {
        judged.add(s);
      }
    }
    judged.sort(Comparator.<Stored, String>comparing(s -> Arrays.toString(s.row().event().codeKey()))
        .thenComparingLong(Stored::scanId));
    return judged;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
