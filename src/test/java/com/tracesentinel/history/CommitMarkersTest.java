package com.tracesentinel.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.ingest.HistoryPort;
import com.tracesentinel.support.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * How a commit whose answer was lost is resolved: by the group's marker row, never by the transaction id. A group's
 * transaction is played here by a plain connection that inserts the marker the way the group commit does.
 */
@Tag("slow")
class CommitMarkersTest {
  private static final String WRITER = "w1";

  private static Connection open(DatabaseUrl db) throws SQLException {
    return DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
  }

  /** A group's transaction, left open: it has written its marker and not committed yet. */
  private static Connection groupInFlight(DatabaseUrl db, long groupId) throws SQLException {
    Connection c = open(db);
    c.setAutoCommit(false);
    try (Statement st = c.createStatement()) {
      st.execute("INSERT INTO commit_markers (writer, group_id) VALUES ('" + WRITER + "', " + groupId + ")");
    }
    return c;
  }

  @Test
  void aCommittedGroupIsKnownAndOnlyTheLastMarkerIsKept() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    Migrations.apply(db);
    try (PostgresHistory history = new PostgresHistory(db, WRITER, 10, ref -> null)) {
      history.commit(100, List.of(), List.of(), Map.of(), HistoryPort.CommitGate.OPEN);
      history.commit(200, List.of(), List.of(), Map.of(), HistoryPort.CommitGate.OPEN);
      assertEquals(1, TestDatabase.count(db, "SELECT count(*) FROM commit_markers"), "the earlier marker is dropped");
      assertTrue(history.committed(200));
    }
  }

  /**
   * Markers the last committed group did not delete: one left by an earlier run of the same writer, and one written
   * by resolving a commit in doubt (the group did not commit). The next committed group deletes both.
   */
  @Test
  void markersOfAnEarlierRunAndOfResolvedDoubtsGoWithTheNextCommittedGroup() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    Migrations.apply(db);
    try (Connection earlierRun = groupInFlight(db, 50)) {
      earlierRun.commit();
    }
    try (PostgresHistory history = new PostgresHistory(db, WRITER, 10, ref -> null)) {
      history.commit(100, List.of(), List.of(), Map.of(), HistoryPort.CommitGate.OPEN);
      assertEquals(List.of(100L), markers(db), "the earlier run's marker goes with the first group");
      assertFalse(history.committed(150), "a group in doubt that never reached the database");
      assertEquals(List.of(100L, 150L), markers(db));
      history.commit(200, List.of(), List.of(), Map.of(), HistoryPort.CommitGate.OPEN);
      assertEquals(List.of(200L), markers(db), "the resolved group's marker goes with the next committed group");
    }
  }

  private static List<Long> markers(DatabaseUrl db) throws SQLException {
    List<Long> out = new ArrayList<>();
    try (Connection c = open(db); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT group_id FROM commit_markers ORDER BY group_id")) {
      while (rs.next()) {
        out.add(rs.getLong(1));
      }
    }
    return out;
  }

  @Test
  void aGroupStillCommittingIsWaitedForAndAGroupThatRolledBackCanNeverCommitOnceAsked() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    Migrations.apply(db);
    try (PostgresHistory history = new PostgresHistory(db, WRITER, 10, ref -> null)) {
      try (Connection group = groupInFlight(db, 300)) {
        assertThrows(SQLException.class, () -> history.committed(300), "undecided while its transaction runs");
        CompletableFuture<Boolean> asked = CompletableFuture.supplyAsync(() -> {
          try {
            return history.committed(300);
          } catch (SQLException e) {
            throw new IllegalStateException(e);
          }
        });
        TestDatabase.awaitBlockedBy(db, group);
        assertFalse(asked.isDone(), "the question waits for the transaction");
        group.commit();
        assertTrue(asked.get(10, TimeUnit.SECONDS));
      }

      try (Connection group = groupInFlight(db, 400)) {
        group.rollback();
        assertFalse(history.committed(400));
      }
      SQLException refused = assertThrows(SQLException.class, () -> groupInFlight(db, 400).close(),
          "the group's transaction, were it still to come, cannot commit any more");
      assertEquals("23505", refused.getSQLState());
    }
  }

  /**
   * The fault ProcessFaultsTest once caught in CI: PostgreSQL killed while a group's transaction had written but not
   * committed. Its WAL was never flushed, so the restarted server hands its transaction id to the next transaction
   * (here: the supervisor's test commits), and that one commits. Asking pg_xact_status would read "committed" and
   * answer 200 for scans that are not stored; the marker is not there, so the group did not commit.
   */
  @Test
  void aGroupLostInACrashIsNotTakenForTheTransactionThatReusesItsId() throws Exception {
    Path dir = com.tracesentinel.support.Scratch.dir("tracesentinel-crash-pg");
    EmbeddedDatabase server = EmbeddedDatabase.start(dir.resolve("pg"));
    try {
      DatabaseUrl db = server.url("postgres");
      Migrations.apply(db);
      long lostXid;
      Connection group = groupInFlight(db, 500);
      try (Statement st = group.createStatement(); ResultSet rs = st.executeQuery(
          "SELECT pg_current_xact_id()::text::bigint")) {
        rs.next();
        lostXid = rs.getLong(1);
      }
      killEveryProcessOf(dir.resolve("pg"));
      group.close();
      server.restartIfDead();

      String statusOfTheLostId = "unknown";
      try (Connection c = open(db); Statement st = c.createStatement()) {
        for (int i = 0; i < 1_000; i++) {
          try (ResultSet rs = st.executeQuery("SELECT pg_current_xact_id()::text::bigint")) {
            rs.next();
            if (rs.getLong(1) >= lostXid) {
              break;
            }
          }
        }
        try (ResultSet rs = st.executeQuery("SELECT pg_xact_status('" + lostXid + "'::xid8)")) {
          rs.next();
          statusOfTheLostId = rs.getString(1);
        }
      }
      try (PostgresHistory history = new PostgresHistory(db, WRITER, 10, ref -> null)) {
        assertFalse(history.committed(500), "pg_xact_status of the lost transaction's id now says: "
            + statusOfTheLostId);
      }
      System.out.println("CommitMarkersTest: after the crash, pg_xact_status(" + lostXid + ") = " + statusOfTheLostId
          + " (\"committed\" when the id was reused)");
    } finally {
      server.close();
    }
  }

  /** kill -9 of the postmaster and every child at once: nothing gets to flush WAL. */
  private static void killEveryProcessOf(Path dataDir) throws Exception {
    long postmaster = Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).trim());
    ProcessHandle main = ProcessHandle.of(postmaster).orElseThrow();
    List<ProcessHandle> all = new ArrayList<>(main.descendants().toList());
    all.add(main);
    List<String> command = new ArrayList<>(List.of("kill", "-9"));
    all.forEach(p -> command.add(Long.toString(p.pid())));
    new ProcessBuilder(command).start().waitFor(10, TimeUnit.SECONDS);
    for (ProcessHandle p : all) {
      p.onExit().get(10, TimeUnit.SECONDS);
    }
  }
}
