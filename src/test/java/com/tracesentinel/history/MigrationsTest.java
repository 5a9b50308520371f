package com.tracesentinel.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.code.CodeKey;
import com.tracesentinel.ingest.ScanInput;
import com.tracesentinel.nhsa.NhsaPayloads;
import com.tracesentinel.rules.EventType;
import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("slow")
class MigrationsTest {
  @Test
  void aBuildWithoutItsMigrationsStopsBeforeTouchingTheDatabase() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    IllegalStateException refused = assertThrows(IllegalStateException.class,
        () -> Migrations.apply(db, "classpath:db/no-such-migrations"));
    assertTrue(refused.getMessage().startsWith("no database migrations found at classpath:db/no-such-migrations"),
        refused.getMessage());
    assertEquals(0, tablesIn(db), "the database was changed");

    Migrations.apply(db);
    assertTrue(tablesIn(db) > 0);
  }

  /**
   * An NHSA line of three boxes stored before 2026-12-03 19:24, when each code's line number was its position in its
   * line, and its second box stored again on line 1 (flagged DOUBLE_SCAN) by the same message sent after an upgrade to
   * a build of V10-V13, which keys every code by line 1. V14 keys them by line 1: the message sent once more is
   * REPLAYED whole.
   */
  @Test
  void nhsaCodesStoredAtTheirPositionInTheLineAreKeyedByLineOne() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    migrate(db, "13");
    String[] boxes = {"81000010000007200000", "81000010000007300000", "81000010000007400000"};
    Instant at = Instant.now().minus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    long again;
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
      c.createStatement().execute("INSERT INTO sites (site_id, name, kind, region_code, region_name) VALUES "
          + "('S1', 'One', 'PHARMACY', '440305', 'Shenzhen')");
      for (int i = 0; i < boxes.length; i++) {
        storeSale(c, at.plusMillis(i), boxes[i], "S1", "MD-1", i + 1, "ACCEPTED", "MB-1");
      }
      again = storeSale(c, at.plusSeconds(600), boxes[1], "S1", "MD-1", 1, "FLAGGED", "MB-1");
      c.createStatement().execute("INSERT INTO anomalies (scan_id, scanned_at, type, suspicion, level, code_key, "
          + "canonical, product, site_id, region, detail) SELECT id, scanned_at, 'DOUBLE_SCAN', 'IRREGULAR', 'WARNING', "
          + "code_key, canonical, product, site_id, '440305', 'scanned twice' FROM scans WHERE id = " + again);
    }

    try (TestService svc = TestService.start(db, Map.of())) {
      assertEquals(1, TestDatabase.count(db, "SELECT count(*) FROM scans WHERE id = " + again
          + " AND voided_at IS NOT NULL AND idem IS NULL"), "the second box's copy stored since is voided");
      assertEquals(1, TestDatabase.count(db, "SELECT count(*) FROM anomalies WHERE scan_id = " + again
          + " AND voided_at IS NOT NULL"), "with its DOUBLE_SCAN");
      JsonObject message = NhsaPayloads.sale3505("S1", NhsaPayloads.newLayoutLine("MD-1", "MB-1",
          NhsaPayloads.chinaTime(at), boxes));
      TestService.Response sent = svc.post("/api/v1/nhsa/3505", svc.key("scanner", "S1"), message);
      for (Object r : sent.json().getJsonObject("output").getJsonObject("tracesentinel").getJsonArray("results")) {
        assertEquals("REPLAYED", ((JsonObject) r).getString("status"), sent.body());
      }
      assertEquals(4, TestDatabase.count(db, "SELECT count(*) FROM scans"), "nothing stored again");
      svc.assertLedgerEqualsHistory();
    }
  }

  /** V16: REJECTED scans stored in their code's partition before it move to the default one; the others stay. */
  @Test
  void rejectedScansLeaveTheirCodesPartition() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    migrate(db, "15");
    String code = "81000010000007500000";
    Instant at = Instant.now().minus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    long sold;
    long refused;
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
      c.createStatement().execute("INSERT INTO sites (site_id, name, kind, region_code, region_name) VALUES "
          + "('S1', 'One', 'PHARMACY', '440305', 'Shenzhen')");
      sold = storeSale(c, at, code, "S1", "RJ-1", 1, "ACCEPTED", null);
      refused = storeSale(c, at.plusSeconds(1), code, "S1", "RJ-2", 1, "REJECTED", null);
      c.createStatement().execute("UPDATE scans SET idem = NULL WHERE id = " + refused);
    }
    Migrations.apply(db);
    assertEquals(CodeKey.partitionOf(CodeKey.of(code)),
        TestDatabase.count(db, "SELECT part FROM scans WHERE id = " + sold));
    assertEquals(1, TestDatabase.count(db, "SELECT count(*) FROM scans_unparsed WHERE id = " + refused
        + " AND part IS NULL AND canonical = '" + code + "'"), "the rejected scan, in the default partition");
  }

  /** A sale row as the service stored it, keyed by its line; returns its id. */
  private static long storeSale(Connection c, Instant at, String code, String site, String doc,
      int line, String status, String batch) throws Exception {
    long id = at.toEpochMilli() * 4096;
    byte[] key = CodeKey.of(code);
    try (PreparedStatement st = c.prepareStatement("INSERT INTO scans (id, scanned_at, ingested_at, code_key, idem, "
        + "canonical, product, raw_code, type, site_id, site_ref, document_no, line_no, quantity, split, status, "
        + "upload_batch, part) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'SALE', ?, "
        + "(SELECT ref FROM sites WHERE site_id = ?), ?, ?, 1, false, ?, ?, ?)")) {
      st.setLong(1, id);
      st.setTimestamp(2, Timestamp.from(at));
      st.setTimestamp(3, Timestamp.from(at));
      st.setBytes(4, key);
      st.setBytes(5, CodeKey.sha256Prefix(ScanInput.idempotencyKey(site, doc, line, code, EventType.SALE)));
      st.setString(6, code);
      st.setString(7, code.substring(0, 7));
      st.setString(8, code);
      st.setString(9, site);
      st.setString(10, site);
      st.setString(11, doc);
      st.setInt(12, line);
      st.setString(13, status);
      st.setString(14, batch);
      st.setInt(15, CodeKey.partitionOf(key));
      st.executeUpdate();
    }
    return id;
  }

  private static void migrate(DatabaseUrl db, String target) {
    Flyway.configure().dataSource(db.jdbcUrl(), db.user(), db.password()).target(target)
        .validateOnMigrate(false).load().migrate();
  }

  private static int tablesIn(DatabaseUrl db) throws Exception {
    try (var c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
         ResultSet rs = c.createStatement().executeQuery(
             "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
