package com.tracesentinel.history;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.tracesentinel.code.CodeKey;
import com.tracesentinel.code.ParseResult;
import com.tracesentinel.code.TraceCodes;
import com.tracesentinel.ingest.ScanInput;
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

/**
 * A history stored while a GS1 serial's letter case was part of the key (schema V10), upgraded: V11 keys it again by
 * the folded serial, and the service started on it judges Caps Lock spellings against it.
 */
@Tag("slow")
class SerialCaseMigrationTest {
  private static final String BOX = "(01)06901234567892(21)";
  private static final Instant T = Instant.now().minus(3, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
  private static final long FIRST_ID = T.toEpochMilli() * 4096;

  @Test
  void rowsKeyedByALowerCaseSerialAreKeyedAgainAndTheServiceJudgesAgainstThem() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    Flyway.configure().dataSource(db.jdbcUrl(), db.user(), db.password()).locations("classpath:db/migration")
        .target("10").load().migrate();
    String ma;
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
      c.createStatement().execute("INSERT INTO sites (site_id, name, kind, region_code, region_name) VALUES "
          + "('S1', 'One', 'PHARMACY', '440305', 'Shenzhen'), ('S2', 'Two', 'PHARMACY', '110105', 'Beijing'), "
          + "('S3', 'Three', 'PHARMACY', '310101', 'Shanghai')");
      scan(c, 1, BOX + "sn0001", "S1", "X-1", "ACCEPTED");
      // one document line stored twice, as scanned and with Caps Lock on: two boxes then
      scan(c, 2, BOX + "CL0001", "S1", "Y-1", "ACCEPTED");
      scan(c, 3, BOX + "cl0001", "S1", "Y-1", "ACCEPTED");
      // two sales of one box at two sites, each spelled its own way
      scan(c, 4, BOX + "Mx01", "S1", "Z-1", "ACCEPTED");
      scan(c, 5, BOX + "mX01", "S2", "Z-2", "ACCEPTED");
      // the same with both in lower or mixed case, and with the upper-case spelling sent second
      scan(c, 8, BOX + "ab01", "S1", "A-1", "ACCEPTED");
      scan(c, 9, BOX + "Ab01", "S1", "A-1", "ACCEPTED");
      scan(c, 10, BOX + "up01", "S1", "U-1", "ACCEPTED");
      scan(c, 11, BOX + "UP01", "S1", "U-1", "ACCEPTED");
      scan(c, 12, BOX + "vd01", "S2", "V-1", "ACCEPTED");
      c.createStatement().execute("UPDATE scans SET voided_at = '" + T + "', idem = NULL WHERE id = " + (FIRST_ID + 12));
      scan(c, 6, BOX + "rj01", "S9", "R-1", "REJECTED");
      ma = ((ParseResult.Valid) TraceCodes.parse("MA.156.M0.100001.Sab")).code().canonical();
      scan(c, 7, ma, "S1", "M-1", "ACCEPTED");
      c.createStatement().execute("INSERT INTO anomalies (scan_id, scanned_at, type, suspicion, level, code_key, "
          + "canonical, product, site_id, region, detail) VALUES (" + (FIRST_ID + 1) + ", now(), 'UNKNOWN_PRODUCT', "
          + "'IRREGULAR', 'WARNING', " + hex(BOX + "sn0001") + ", '" + BOX + "sn0001', '06901234567892', 'S1', "
          + "'440305', 'not in the catalogue')");
      c.createStatement().execute("INSERT INTO code_lookups VALUES (" + hex(BOX + "sn0001") + ", 3), ("
          + hex(BOX + "SN0001") + ", 2), (" + hex(BOX + "Mx01") + ", 1), (" + hex(BOX + "mX01") + ", 1)");
      // the box RG01 sold at S1 and S2 as rg01, at S3 and earlier at S1 as RG01; Q1 shared by S1 and S2
      c.createStatement().execute("INSERT INTO ring_code_sites VALUES "
          + "(" + hex(BOX + "rg01") + ", 'S1', '" + T.plusSeconds(10) + "', '" + BOX + "rg01'), "
          + "(" + hex(BOX + "rg01") + ", 'S2', '" + T.plusSeconds(20) + "', '" + BOX + "rg01'), "
          + "(" + hex(BOX + "RG01") + ", 'S1', '" + T + "', '" + BOX + "RG01'), "
          + "(" + hex(BOX + "RG01") + ", 'S3', '" + T.plusSeconds(30) + "', '" + BOX + "RG01'), "
          + "(" + hex(BOX + "Q1") + ", 'S1', '" + T + "', '" + BOX + "Q1'), "
          + "(" + hex(BOX + "Q1") + ", 'S2', '" + T + "', '" + BOX + "Q1')");
      c.createStatement().execute("INSERT INTO ring_codes VALUES "
          + "('S1', 'S2', " + hex(BOX + "rg01") + ", '" + BOX + "rg01', '" + T.plusSeconds(20) + "'), "
          + "('S1', 'S3', " + hex(BOX + "RG01") + ", '" + BOX + "RG01', '" + T.plusSeconds(30) + "'), "
          + "('S1', 'S2', " + hex(BOX + "Q1") + ", '" + BOX + "Q1', '" + T + "')");
      c.createStatement().execute("INSERT INTO ring_pairs VALUES ('S1', 'S2', 2), ('S1', 'S3', 1)");
    }

    try (TestService svc = TestService.start(db, Map.of())) {
      assertKeyedBy(db, 1, BOX + "SN0001", "S1", "X-1");
      assertEquals(BOX + "sn0001", text(db, "SELECT raw_code FROM scans WHERE id = " + (FIRST_ID + 1)),
          "the code as scanned is kept");
      assertKeyedBy(db, 2, BOX + "CL0001", "S1", "Y-1");
      assertVoided(db, 3, BOX + "CL0001");
      assertKeyedBy(db, 4, BOX + "MX01", "S1", "Z-1");
      assertKeyedBy(db, 5, BOX + "MX01", "S2", "Z-2");
      assertEquals(1, TestDatabase.count(db, "SELECT count(*) FROM scans WHERE id = " + (FIRST_ID + 6)
          + " AND idem IS NULL AND code_key = " + hex(BOX + "RJ01")), "a REJECTED scan is keyed again, still no idem");
      assertEquals(1, TestDatabase.count(db, "SELECT count(*) FROM scans WHERE id = " + (FIRST_ID + 7)
          + " AND canonical = '" + ma + "' AND code_key = " + hex(ma)), "an MA serial keeps its case");
      assertKeyedBy(db, 8, BOX + "AB01", "S1", "A-1");
      assertVoided(db, 9, BOX + "AB01");
      assertKeyedBy(db, 10, BOX + "UP01", "S1", "U-1");
      assertVoided(db, 11, BOX + "UP01");
      assertEquals(1, TestDatabase.count(db, "SELECT count(*) FROM scans WHERE id = " + (FIRST_ID + 12)
          + " AND idem IS NULL AND voided_at = '" + T + "' AND code_key = " + hex(BOX + "VD01")),
          "a scan voided before stays voided as it was");
      assertEquals(0, TestDatabase.count(db, "SELECT count(*) FROM scans WHERE voided_at IS NOT NULL AND id - "
          + FIRST_ID + " NOT IN (3, 9, 11, 12)"));

      assertEquals(1, TestDatabase.count(db, "SELECT count(*) FROM anomalies WHERE canonical = '" + BOX
          + "SN0001' AND code_key = " + hex(BOX + "SN0001")));
      assertEquals(Map.of(BOX + "SN0001", 5L, BOX + "MX01", 2L), TestDatabase.countsBy(db,
          "SELECT s.canonical, l.count FROM code_lookups l JOIN (SELECT DISTINCT code_key, canonical FROM scans) s "
          + "ON s.code_key = l.code_key"));
      assertEquals(2, TestDatabase.count(db, "SELECT count(*) FROM code_lookups"));

      assertEquals(Map.of("S1", T.getEpochSecond(), "S2", T.getEpochSecond() + 20, "S3", T.getEpochSecond() + 30),
          TestDatabase.countsBy(db, "SELECT site_id, extract(epoch FROM first_at)::int8 FROM ring_code_sites "
              + "WHERE code_key = " + hex(BOX + "RG01") + " AND canonical = '" + BOX + "RG01'"));
      assertEquals(Map.of("S1-S2", T.getEpochSecond() + 20, "S1-S3", T.getEpochSecond() + 30,
          "S2-S3", T.getEpochSecond() + 30), TestDatabase.countsBy(db, "SELECT site_a || '-' || site_b, "
          + "extract(epoch FROM shared_at)::int8 FROM ring_codes WHERE code_key = " + hex(BOX + "RG01")));
      assertEquals(Map.of("S1-S2", 2L, "S1-S3", 1L, "S2-S3", 1L),
          TestDatabase.countsBy(db, "SELECT site_a || '-' || site_b, codes FROM ring_pairs"));
      assertEquals(0, TestDatabase.count(db, "SELECT (SELECT count(*) FROM ring_code_sites WHERE canonical ~ "
          + "'[a-z]') + (SELECT count(*) FROM ring_codes WHERE canonical ~ '[a-z]')"));

      String s1 = svc.key("scanner", "S1");
      String s2 = svc.key("scanner", "S2");
      for (String resent : new String[] {BOX + "sn0001", BOX + "SN0001"}) {
        JsonObject again = svc.post("/api/v1/scans", s1, sale(resent, "S1", "X-1")).result(0);
        assertEquals("REPLAYED", again.getString("status"), again.encode());
      }
      for (String[] twin : new String[][] {{"cl0001", "Y-1"}, {"aB01", "A-1"}, {"Up01", "U-1"}}) {
        JsonObject again = svc.post("/api/v1/scans", s1, sale(BOX + twin[0], "S1", twin[1])).result(0);
        assertEquals("REPLAYED", again.getString("status"), again.encode());
      }
      JsonObject repeat = svc.post("/api/v1/scans", s2, sale(BOX + "SN0001", "S2", "X-2")).result(0);
      assertEquals("FLAGGED", repeat.getString("status"), repeat.encode());
      assertEquals("REPEAT_SALE", repeat.getJsonArray("anomalies").getJsonObject(0).getString("type"));
      assertEquals("X-1", repeat.getJsonArray("anomalies").getJsonObject(0).getJsonObject("conflictsWith")
          .getString("documentNo"));
      assertEquals(12, TestDatabase.count(db, "SELECT count(*) FROM scans WHERE status <> 'REJECTED'"),
          "the eleven stored before and the repeat sale: no re-send stored");
      svc.assertLedgerEqualsHistory();
    }
  }

  /**
   * A Caps Lock twin sent through POST /scans could raise an anomaly of its own (its spelling was a box sold
   * elsewhere); V11 voided the twin but not its anomaly, and V12 marked only those of NHSA uploads: the anomaly stayed
   * listed without voidedAt, a sale counted once chased as a second one.
   */
  @Test
  void theAnomalyOfATwinVoidedByTheUpgradeIsMarkedVoided() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    Flyway.configure().dataSource(db.jdbcUrl(), db.user(), db.password()).locations("classpath:db/migration")
        .target("10").load().migrate();
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
      c.createStatement().execute("INSERT INTO sites (site_id, name, kind, region_code, region_name) VALUES "
          + "('S1', 'One', 'PHARMACY', '440305', 'Shenzhen'), ('S2', 'Two', 'PHARMACY', '110105', 'Beijing')");
      scan(c, 1, BOX + "tw01", "S2", "T-2", "ACCEPTED");
      scan(c, 2, BOX + "TW01", "S1", "T-1", "ACCEPTED");
      scan(c, 3, BOX + "tw01", "S1", "T-1", "FLAGGED"); // the same line with Caps Lock on: tw01's second sale
      c.createStatement().execute("INSERT INTO anomalies (scan_id, scanned_at, type, suspicion, level, code_key, "
          + "canonical, product, site_id, region, detail, conflict_site_id, conflict_at, conflict_document_no) VALUES ("
          + (FIRST_ID + 3) + ", '" + T.plusSeconds(3) + "', 'MULTIPLE_SALES', 'DIVERSION', 'ALERT', "
          + hex(BOX + "tw01") + ", '" + BOX + "tw01', '06901234567892', 'S1', '440305', 'sold at S2 before', 'S2', '"
          + T.plusSeconds(1) + "', 'T-2')");
    }

    try (TestService svc = TestService.start(db, Map.of())) {
      assertVoided(db, 3, BOX + "TW01");
      JsonObject anomaly = svc.get("/api/v1/anomalies?siteId=S1", TestService.ADMIN_KEY).json().getJsonArray("items")
          .getJsonObject(0);
      assertEquals(BOX + "TW01", anomaly.getString("canonical"), anomaly.encode());
      assertNotNull(anomaly.getString("voidedAt"), anomaly.encode());
    }
  }

  /** A SALE row as the service stored it before V11: keys from the canonical as scanned. */
  private static void scan(Connection c, int n, String canonical, String site, String doc, String status)
      throws Exception {
    boolean judged = !status.equals("REJECTED");
    byte[] key = CodeKey.of(canonical);
    try (PreparedStatement st = c.prepareStatement("INSERT INTO scans (id, part, scanned_at, ingested_at, code_key, "
        + "idem, canonical, product, raw_code, type, site_id, site_ref, document_no, line_no, quantity, split, "
        + "status, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'SALE', ?, (SELECT ref FROM sites WHERE site_id = ?), ?, "
        + "1, 1, false, ?, ?)")) {
      Timestamp at = Timestamp.from(T.plusSeconds(n));
      st.setLong(1, FIRST_ID + n);
      st.setInt(2, CodeKey.partitionOf(key));
      st.setTimestamp(3, at);
      st.setTimestamp(4, at);
      st.setBytes(5, key);
      st.setBytes(6, judged ? idem(site, doc, canonical) : null);
      st.setString(7, canonical);
      st.setString(8, ((ParseResult.Valid) TraceCodes.parse(canonical)).code().productKey());
      st.setString(9, canonical);
      st.setString(10, site);
      st.setString(11, site);
      st.setString(12, doc);
      st.setString(13, status);
      st.setString(14, judged ? null : "unknown site");
      st.executeUpdate();
    }
  }

  private static byte[] idem(String site, String doc, String canonical) {
    return CodeKey.sha256Prefix(ScanInput.idempotencyKey(site, doc, 1, canonical, EventType.SALE));
  }

  private static void assertKeyedBy(DatabaseUrl db, int n, String canonical, String site, String doc)
      throws Exception {
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
         ResultSet rs = c.createStatement().executeQuery("SELECT canonical, code_key, part, idem FROM scans WHERE id = "
             + (FIRST_ID + n))) {
      rs.next();
      byte[] key = CodeKey.of(canonical);
      assertEquals(canonical, rs.getString(1));
      assertArrayEquals(key, rs.getBytes(2));
      assertEquals(CodeKey.partitionOf(key), rs.getInt(3));
      byte[] idem = rs.getBytes(4);
      assertNotNull(idem, "scan " + n + " is not voided");
      assertArrayEquals(idem(site, doc, canonical), idem);
    }
  }

  /** The later of two rows that became one scan sent twice: voided as a 3507 voids it, keyed by the folded code. */
  private static void assertVoided(DatabaseUrl db, int n, String canonical) {
    assertEquals(1, TestDatabase.count(db, "SELECT count(*) FROM scans WHERE id = " + (FIRST_ID + n) + " AND voided_at"
        + " IS NOT NULL AND idem IS NULL AND canonical = '" + canonical + "' AND code_key = " + hex(canonical)),
        "scan " + n + " is voided");
  }

  private static String text(DatabaseUrl db, String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
         ResultSet rs = c.createStatement().executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  private static String hex(String canonical) {
    return "'\\x" + CodeKey.hex(CodeKey.of(canonical)) + "'::bytea";
  }

  private static JsonObject sale(String code, String site, String doc) {
    return new JsonObject().put("code", code).put("siteId", site).put("documentNo", doc)
        .put("scannedAt", T.plusSeconds(60).toString());
  }
}
