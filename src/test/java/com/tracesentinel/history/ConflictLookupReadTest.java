package com.tracesentinel.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.code.CodeKey;
import com.tracesentinel.support.TestDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A stored anomaly finds the scan it conflicts with among that site's sales of the code in that second, not among
 * all of the code's scans: a copied code sold thousands of times made each new anomaly read every earlier sale, a
 * request of 1,000 such sales outlasted the stall limit (503, every other client's scans refused with it) from about
 * 2,000 stored sales on.
 */
@Tag("slow")
class ConflictLookupReadTest {
  private static final String CODE = "86000019999900000001";
  private static final int SALES = 2000;

  @Test
  void anAnomalyReadsOnlyItsConflictingSale() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    Migrations.apply(db);
    byte[] key = CodeKey.of(CODE);
    Instant first = Instant.now().minus(60, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
      // sale g at site S(g % 4 + 1), a minute after sale g - 1, as the copies of one code sold at four pharmacies
      try (PreparedStatement st = c.prepareStatement("""
          INSERT INTO scans (id, part, scanned_at, ingested_at, code_key, idem, canonical, product, raw_code, type,
                             site_id, document_no, line_no, quantity, split, status)
          SELECT g, ?, ?::timestamptz + g * interval '1 minute', now(), ?, decode(md5(g::text), 'hex'), ?, '8600001',
                 ?, 'SALE', 'S' || (g % 4 + 1), 'D-' || g, 1, 1, false, 'FLAGGED'
          FROM generate_series(1, ?) g""")) {
        st.setInt(1, CodeKey.partitionOf(key));
        st.setTimestamp(2, Timestamp.from(first));
        st.setBytes(3, key);
        st.setString(4, CODE);
        st.setString(5, CODE);
        st.setInt(6, SALES);
        st.executeUpdate();
      }
      c.createStatement().execute("ANALYZE scans");
      c.setAutoCommit(false);
      long conflicting = SALES - 3; // the last sale at S2
      Instant conflictAt = first.plus(conflicting, ChronoUnit.MINUTES);

      JsonObject plan;
      try (PreparedStatement st = anomaly(c, "EXPLAIN (ANALYZE, FORMAT JSON) " + Sql.INSERT_ANOMALIES, key,
          conflictAt); ResultSet rs = st.executeQuery()) {
        rs.next();
        plan = new JsonArray(rs.getString(1)).getJsonObject(0).getJsonObject("Plan");
      }
      assertEquals(1, scansRowsRead(plan), "rows of the history read to find the conflicting sale: " + plan);

      try (PreparedStatement st = anomaly(c, Sql.INSERT_ANOMALIES, key, conflictAt);
           ResultSet rs = st.executeQuery()) {
        assertTrue(rs.next());
        assertEquals("D-" + conflicting, rs.getString("conflict_document_no"));
      }
      c.rollback();
    }
  }

  /** One REPEAT_SALE of the code at S1 that conflicts with the sale at S2 at conflictAt. */
  private static PreparedStatement anomaly(Connection c, String sql, byte[] key, Instant conflictAt)
      throws Exception {
    PreparedStatement st = c.prepareStatement(sql);
    Object[] columns = {new Long[] {(long) SALES + 1}, new Timestamp[] {Timestamp.from(conflictAt.plusSeconds(600))},
        new String[] {"REPEAT_SALE"}, new String[] {"COUNTERFEIT"}, new String[] {"ALERT"}, new byte[][] {key},
        new String[] {CODE}, new String[] {"8600001"}, new String[] {"S1"}, new String[] {"440305"},
        new String[] {"sold again"}, new String[] {"S2"}, new Timestamp[] {Timestamp.from(conflictAt)},
        new Short[] {(short) CodeKey.partitionOf(key)}};
    String[] types = {"int8", "timestamptz", "text", "text", "text", "bytea", "text", "text", "text", "text", "text",
        "text", "timestamptz", "int2"};
    for (int i = 0; i < columns.length; i++) {
      st.setArray(i + 1, c.createArrayOf(types[i], (Object[]) columns[i]));
    }
    return st;
  }

  /** The rows that the plan's nodes read from the scan history: those they returned and those their filters removed. */
  private static long scansRowsRead(JsonObject node) {
    long read = 0;
    if (node.getString("Relation Name", "").startsWith("scans_")) {
      long loops = node.getLong("Actual Loops");
      read += Math.round((node.getDouble("Actual Rows") + node.getDouble("Rows Removed by Filter", 0.0)) * loops);
    }
    for (Object child : node.getJsonArray("Plans", new JsonArray())) {
      read += scansRowsRead((JsonObject) child);
    }
    return read;
  }
}
