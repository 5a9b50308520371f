package com.tracesentinel.ingest;

import java.util.List;
import java.util.function.Consumer;

/**
 * The scan history as the core needs it: blocking calls, made only from the core's own threads (the committer, the
 * judge, recovery), never from an event loop. PostgreSQL in production ({@code history.PostgresHistory}).
 */
public interface HistoryPort {

  /**
   * Stores the rows of {@code scans} (accepted, flagged and rejected scans; replays store nothing) and their
   * anomalies, and marks the scans of {@code voidings} voided with their LATE_DELETION anomalies, in one transaction
   * that also stores a marker of {@code groupId} for {@link #committed}. Reads the originals of replays whose original
   * was still in flight ({@link Judged.Replay#original()} null) in the same transaction.
   *
   * @throws CommitFailure.DataRefused PostgreSQL refused the data itself: nothing was stored
   * @throws CommitFailure.Unavailable the database could not be reached or gave up: nothing was stored
   * @throws CommitFailure.InDoubt     the connection was lost after COMMIT was sent: ask {@link #committed}
   * @throws CommitFailure.Fenced      (cluster) the database no longer names this node the owner of a partition in
   *                                   {@code holds} at that epoch: nothing was stored
   * @param gate asked right before COMMIT is sent; when it says no, the transaction rolls back (Unavailable)
   */
  CommitReceipt commit(long groupId, List<Judged> scans, List<Voiding> voidings, java.util.Map<Integer, Long> holds,
                       CommitGate gate)
      throws CommitFailure;

  /**
   * The last word before COMMIT. The committer gives a group up when the database has not answered it within the
   * stall limit and COMMIT has not been sent, answering its requests 503 at once; the gate then makes sure it can
   * never commit later, when the database answers again.
   */
  @FunctionalInterface
  interface CommitGate {
    CommitGate OPEN = () -> true;

    /** True once: COMMIT may be sent. False: the group was given up; roll back. */
    boolean mayCommit();
  }

  /**
   * True when the group with that id committed (for a commit whose answer was lost); once this answered false, the
   * group can no longer commit. Throws while the database is unreachable or the group's transaction still runs.
   */
  boolean committed(long groupId) throws Exception;

  /**
   * The highest group id any writer committed (0 when none). A group's id is taken after its scans were judged, so
   * every stored scan id is below it.
   */
  long highestCommittedGroup() throws Exception;

  /** What {@link #commit} would have returned for these scans, read back after a commit whose answer was lost. */
  CommitReceipt receiptOf(List<Judged> scans) throws Exception;

  /** The stored outcome of the first scan with each event's idempotency key, index-aligned; null where none. */
  List<ScanResult.Original> findOriginals(List<ScanEvent> events) throws Exception;

  /** Stored, judged, not voided scans of these codes: grouped by code, each code's in judging order. */
  void scansOf(List<byte[]> codeKeys, Consumer<ScanEvent> sink) throws Exception;

  /**
   * As {@link #scansOf}, leaving out the scans with these ids (those a deletion is about to void): the judge's read,
   * within the judge's limits, as {@link #uploadScans}.
   */
  void scansOfExcept(List<byte[]> codeKeys, java.util.Set<Long> excluded, Consumer<ScanEvent> sink) throws Exception;

  /**
   * Which of these codes the history holds a stored, judged, not voided SALE of at the site beside it (index-aligned
   * lists; bit i set when it does): the judge's read, within its limits, as {@link #scansOfExcept}.
   */
  java.util.BitSet soldAt(List<byte[]> codeKeys, List<Integer> siteRefs) throws Exception;

  /** The stored, not yet voided scans of one upload of one site (NHSA fixmedins_bchno); the judge's read. */
  List<Voiding.UploadedScan> uploadScans(String siteId, String uploadBatch) throws Exception;

  /**
   * As {@link #allScans}, for the codes of these partitions ({@code CodeKey.partitionOf}), in one read: a node given
   * ten partitions under load spent seconds connecting once per partition.
   */
  void partitionScans(java.util.Set<Integer> parts, Consumer<ScanEvent> sink) throws Exception;

  /** Every stored, judged, not voided scan: grouped by code, each code's in judging order. */
  void allScans(Consumer<ScanEvent> sink) throws Exception;

  long countStoredScans() throws Exception;

  /** Why a group was not stored; the classification decides between 503, a split of the group, and waiting. */
  abstract sealed class CommitFailure extends Exception
      permits CommitFailure.DataRefused, CommitFailure.Unavailable, CommitFailure.InDoubt, CommitFailure.Fenced {
    CommitFailure(String message, Throwable cause) {
      super(message, cause, false, false);
    }

    /** A constraint, encoding or size rule refused a row (SQLSTATE class 22, 23 or 54). */
    public static final class DataRefused extends CommitFailure {
      private final String sqlState;

      public DataRefused(String sqlState, Throwable cause) {
        super("the database refused the data (SQLSTATE " + sqlState + ")", cause);
        this.sqlState = sqlState;
      }

      /** A unique violation: a re-send the judge did not recognise, never a failure. */
      public boolean duplicateKey() {
        return "23505".equals(sqlState);
      }
    }

    public static final class Unavailable extends CommitFailure {
      public Unavailable(String message, Throwable cause) {
        super(message, cause);
      }
    }

    public static final class InDoubt extends CommitFailure {
      public InDoubt(String message, Throwable cause) {
        super(message, cause);
      }
    }

    /** The partitions this node no longer holds at the epoch it judged them under: another owner took them. */
    public static final class Fenced extends CommitFailure {
      private final java.util.Set<Integer> parts;

      public Fenced(java.util.Set<Integer> parts) {
        super("this node no longer owns partitions " + parts, null);
        this.parts = java.util.Set.copyOf(parts);
      }

      public java.util.Set<Integer> parts() {
        return parts;
      }
    }
  }
}
