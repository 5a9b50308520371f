package com.tracesentinel.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.ingest.HistoryPort;
import com.tracesentinel.ingest.Judged;
import com.tracesentinel.ingest.Prepared;
import com.tracesentinel.ingest.Preparation;
import com.tracesentinel.ingest.ScanInput;
import com.tracesentinel.ingest.ScanStatus;
import com.tracesentinel.reference.Product;
import com.tracesentinel.reference.ReferenceStore;
import com.tracesentinel.reference.Site;
import com.tracesentinel.reference.SiteKind;
import com.tracesentinel.rules.EventType;
import com.tracesentinel.support.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A small group is stored by one statement (then COMMIT), a large one by COPY: both must store the very same rows,
 * and a refused one-statement group must leave nothing behind, its marker included.
 */
@Tag("slow")
class GroupStatementTest {
  private static final Instant NOW = Instant.parse("2026-11-20T10:00:00.123456789Z");
  private static final ReferenceStore REFERENCE = new ReferenceStore();

  static {
    REFERENCE.putSites(List.of(new Site(1, "S1", "A", SiteKind.PHARMACY, "440301", "r")));
    REFERENCE.putProducts(List.of(new Product("8600001", "D1", "g", null, null, null, 10)));
  }

  /** Rows of every shape the history holds: judged, refused for their text, unparsed, unknown site, odd text. */
  private static List<Judged.Row> variedRows(long firstId) {
    List<ScanInput> inputs = List.of(
        new ScanInput("86000011234567890123", EventType.SALE, "S1", "D \"q\" \\ {a,b}", 1, NOW.minusSeconds(60), 1,
            false, null, null, null),
        new ScanInput("(01)06901234567892(21)SER1(17)270531(10)LOT", EventType.SALE, "S1", "NULL", 2,
            NOW.minusSeconds(3_600), 2, true, "X01", "SET-9", "POS-1", "UP-1", "LINKED"),
        new ScanInput("86000011234567890124", EventType.RETURN, "S1", "D\u00002", 1, NOW, 1, false, null, null, null),
        new ScanInput("not a code", EventType.SALE, "S1", "D-3", 1, NOW, 1, false, null, null, null),
        new ScanInput("86000011234567890125", EventType.SALE, "NOWHERE", "D-4", 1, NOW, 1, false, null, null, null),
        new ScanInput("86000011234567890126", EventType.SALE, "S1", "\u836f\u623f \ud83d\udc8a", 7, NOW, 3, false,
            "\ud800 lone", null, null));
    List<Judged.Row> rows = new ArrayList<>();
    long id = firstId;
    for (Prepared p : new Preparation(REFERENCE, Duration.ofDays(400)).prepare(inputs, NOW)) {
      if (p instanceof Prepared.ToJudge t && t.refusal() == null) {
        rows.add(new Judged.Row(t.index(), t.input(), t.code(), t.site(), t.event(), id++, ScanStatus.ACCEPTED,
            List.of(), null));
      } else if (p instanceof Prepared.ToJudge t) {
        rows.add(new Judged.Row(t.index(), t.input(), t.code(), t.site(), null, id++, ScanStatus.REJECTED, List.of(),
            t.refusal()));
      } else {
        Prepared.Refused f = (Prepared.Refused) p;
        rows.add(new Judged.Row(f.index(), f.input(), f.code(), null, null, id++, ScanStatus.REJECTED, List.of(),
            f.reason()));
      }
    }
    assertEquals(4, rows.stream().filter(r -> r.status() == ScanStatus.REJECTED).count(), "the shapes meant");
    return rows;
  }

  /** Filler rows: new codes, one a row, to push a group over the one-statement limit. */
  private static List<Judged.Row> filler(int n, long firstId) {
    List<ScanInput> inputs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      inputs.add(new ScanInput(String.format("8600001%013d", 5_000_000 + i), EventType.SALE, "S1", "F-" + i, 1, NOW,
          1, false, null, null, null));
    }
    List<Judged.Row> rows = new ArrayList<>();
    long id = firstId;
    for (Prepared p : new Preparation(REFERENCE, Duration.ofDays(400)).prepare(inputs, NOW)) {
      Prepared.ToJudge t = (Prepared.ToJudge) p;
      rows.add(new Judged.Row(t.index(), t.input(), t.code(), t.site(), t.event(), id++, ScanStatus.ACCEPTED,
          List.of(), null));
    }
    return rows;
  }

  private static List<String> stored(DatabaseUrl db, long fromId, long toId) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
         Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT * FROM scans WHERE id BETWEEN " + fromId + " AND " + toId
             + " ORDER BY id")) {
      ResultSetMetaData meta = rs.getMetaData();
      while (rs.next()) {
        StringBuilder row = new StringBuilder();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          if (!meta.getColumnName(i).equals("ingested_at")) { // the commit's own clock
            row.append(meta.getColumnName(i)).append('=').append(rs.getString(i)).append(' ');
          }
        }
        out.add(row.toString());
      }
    }
    return out;
  }

  @Test
  void oneStatementAndCopyStoreTheSameRows() throws Exception {
    DatabaseUrl small = TestDatabase.fresh();
    DatabaseUrl large = TestDatabase.fresh();
    Migrations.apply(small);
    Migrations.apply(large);
    List<Judged.Row> rows = variedRows(1);
    try (PostgresHistory h = new PostgresHistory(small, "w", 10, ref -> null)) {
      h.commit(10, new ArrayList<>(rows), List.of(), Map.of(), HistoryPort.CommitGate.OPEN);
      assertTrue(h.committed(10));
    }
    List<Judged.Row> big = new ArrayList<>(rows);
    big.addAll(filler(PostgresHistory.ONE_STATEMENT_ROWS, 1_000));
    try (PostgresHistory h = new PostgresHistory(large, "w", 10, ref -> null)) {
      h.commit(10, new ArrayList<>(big), List.of(), Map.of(), HistoryPort.CommitGate.OPEN);
      assertTrue(h.committed(10));
    }
    List<String> one = stored(small, 1, 999);
    assertEquals(rows.size(), one.size());
    assertEquals(one, stored(large, 1, 999));
    assertTrue(one.get(2).contains("document_no=D\ufffd2 "), one.get(2));
    assertTrue(one.get(5).contains("billed_drug=? lone "), one.get(5));
    assertTrue(one.get(0).contains("document_no=D \"q\" \\ {a,b} "), one.get(0));
    assertTrue(one.get(1).contains("document_no=NULL "), "a text that reads NULL stays text: " + one.get(1));
  }

  @Test
  void aRefusedOneStatementGroupLeavesNothingAndTheNextGroupCommits() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    Migrations.apply(db);
    List<Judged.Row> rows = variedRows(1);
    try (PostgresHistory h = new PostgresHistory(db, "w", 10, ref -> null)) {
      h.commit(10, List.of(rows.get(0)), List.of(), Map.of(), HistoryPort.CommitGate.OPEN);
      // The same scan again under another id: the unique (code, idempotency) index refuses it.
      Judged.Row again = rows.get(0);
      Judged.Row resent = new Judged.Row(again.index(), again.input(), again.code(), again.site(), again.event(), 2,
          again.status(), again.anomalies(), again.error());
      HistoryPort.CommitFailure failure = assertThrows(HistoryPort.CommitFailure.class,
          () -> h.commit(11, List.of(rows.get(1), resent), List.of(), Map.of(), HistoryPort.CommitGate.OPEN));
      assertTrue(failure instanceof HistoryPort.CommitFailure.DataRefused refused && refused.duplicateKey(),
          failure.toString());
      assertEquals(0, TestDatabase.count(db, "SELECT count(*) FROM commit_markers WHERE group_id = 11"));
      assertEquals(1, TestDatabase.count(db, "SELECT count(*) FROM scans"), "nothing of the refused group");
      h.commit(12, List.of(rows.get(1)), List.of(), Map.of(), HistoryPort.CommitGate.OPEN);
      assertEquals(2, TestDatabase.count(db, "SELECT count(*) FROM scans"));
      assertFalse(h.committed(11), "the refused group never committed");
    }
  }

  /** A closed gate (the committer gave the group up) rolls back either kind of group: nothing and no marker stays. */
  @Test
  void aGroupGivenUpBeforeCommitLeavesNothingAndTheConnectionServesTheNext() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    Migrations.apply(db);
    List<Judged.Row> rows = variedRows(1);
    List<Judged.Row> big = new ArrayList<>(rows);
    big.addAll(filler(PostgresHistory.ONE_STATEMENT_ROWS, 1_000));
    try (PostgresHistory h = new PostgresHistory(db, "w", 10, ref -> null)) {
      for (List<Judged.Row> group : List.of(rows, big)) {
        HistoryPort.CommitFailure failure = assertThrows(HistoryPort.CommitFailure.class,
            () -> h.commit(10, new ArrayList<>(group), List.of(), Map.of(), () -> false));
        assertTrue(failure instanceof HistoryPort.CommitFailure.Unavailable, failure.toString());
        assertEquals(0, TestDatabase.count(db, "SELECT count(*) FROM scans"));
        assertEquals(0, TestDatabase.count(db, "SELECT count(*) FROM commit_markers"));
      }
      h.commit(11, new ArrayList<>(big), List.of(), Map.of(), HistoryPort.CommitGate.OPEN);
      assertEquals(big.size(), TestDatabase.count(db, "SELECT count(*) FROM scans"));
      assertFalse(h.committed(10), "the group given up never committed");
    }
  }

  @Test
  void aTimePostgresqlCannotBeGivenAsTextGoesThroughCopy() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    Migrations.apply(db);
    ScanInput far = new ScanInput("86000011234567890199", EventType.SALE, "S1", "D-9", 1,
        Instant.parse("+20000-01-01T00:00:00Z"), 1, false, null, null, null);
    Prepared.ToJudge refused = (Prepared.ToJudge) new Preparation(REFERENCE, Duration.ofDays(400))
        .prepare(List.of(far), NOW).get(0);
    Judged.Row row = new Judged.Row(0, far, refused.code(), null, null, 1, ScanStatus.REJECTED, List.of(),
        refused.refusal());
    try (PostgresHistory h = new PostgresHistory(db, "w", 10, ref -> null)) {
      h.commit(10, List.of(row), List.of(), Map.of(), HistoryPort.CommitGate.OPEN);
    }
    assertEquals(1, TestDatabase.count(db,
        "SELECT count(*) FROM scans WHERE scanned_at = '20000-01-01 00:00:00+00' AND status = 'REJECTED'"));
  }
}
