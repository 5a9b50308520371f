package com.tracesentinel.history;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tracesentinel.code.CodeKey;
import com.tracesentinel.support.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The ring index's fold on the real PostgreSQL, for the order NhsaApiTest cannot force: an upload deleted (3507)
 * before the ring index got to the anomaly its sale raised. The voided sale's site must not enter the index. And a
 * REPEAT_SALE that names no earlier sale, which the pipeline raises only after a return, set up here directly.
 */
@Tag("slow")
class RingFoldTest {
  private static final String FIRST = "P44030500101";
  private static final String SECOND = "P11010500102";
  private static final String THIRD = "P31011500103";

  @Test
  void aSaleVoidedBeforeItsAnomalyIsFoldedAddsNoSiteAndNoPair() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    Migrations.apply(db);
    byte[] kept = key(1);
    byte[] voided = key(2);
    long id = 1;
    for (byte[] k : new byte[][] {kept, voided}) {
      insertSale(db, id++, k, FIRST, false);
      insertSale(db, id, k, SECOND, k == voided);
      insertRepeatSale(db, id, k, SECOND, FIRST);
      id++;
    }
    assertEquals(2, fold(db));
    assertEquals(2, rows(db, "ring_code_sites", kept));
    assertEquals(1, rows(db, "ring_codes", kept));
    assertEquals(1, rows(db, "ring_code_sites", voided), "only the site whose sale stands");
    assertEquals(0, rows(db, "ring_codes", voided));
    assertEquals(1, TestDatabase.count(db, "SELECT codes FROM ring_pairs WHERE site_a = '" + SECOND + "' AND site_b = '"
        + FIRST + "'"));
  }

  @Test
  void aRepeatSaleNamingNoEarlierSaleStillPairsItsSiteWithTheCodesSites() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    Migrations.apply(db);
    byte[] k = key(3);
    insertSale(db, 1, k, FIRST, false);
    insertSale(db, 2, k, SECOND, false);
    insertSale(db, 3, k, THIRD, false);
    insertRepeatSale(db, 2, k, SECOND, FIRST);
    // sold at FIRST and SECOND, SECOND's sale returned: the ledger no longer knows the latest open sale, and THIRD's
    // REPEAT_SALE names none (LadderTest.aSecondReturnAtTheSiteOfAReturnedRepeat...)
    insertRepeatSale(db, 3, k, THIRD, null);
    assertEquals(2, fold(db));
    assertEquals(3, rows(db, "ring_code_sites", k));
    assertEquals(3, rows(db, "ring_codes", k), "THIRD pairs with FIRST and with SECOND");
    assertEquals(1, TestDatabase.count(db, "SELECT codes FROM ring_pairs WHERE site_a = '" + SECOND + "' AND site_b = '"
        + THIRD + "'"));
  }

  /**
   * A copied code's anomalies at sites the index already holds read none of the code's stored scans: whether a site's
   * sale still counts was asked for every anomaly of a batch, and each batch holding one read all of the code's scans.
   */
  @Test
  void aBatchOfACopiedCodesAnomaliesAtIndexedSitesReadsNoneOfItsScans() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    Migrations.apply(db);
    byte[] k = key(4);
    insertSale(db, 1, k, FIRST, false);
    insertSale(db, 2, k, SECOND, false);
    insertRepeatSale(db, 2, k, SECOND, FIRST);
    assertEquals(1, fold(db));
    assertEquals(2, rows(db, "ring_code_sites", k));
    TestDatabase.execute(db, "INSERT INTO scans (id, part, scanned_at, ingested_at, code_key, idem, raw_code, type, "
        + "site_id, document_no, line_no, quantity, split, status) SELECT g, " + CodeKey.partitionOf(k) + ", now(), "
        + "now(), " + bytea(k) + ", decode(md5(g::text), 'hex'), 'raw', 'SALE', '" + THIRD + "', 'D' || g, 1, 1, "
        + "false, 'FLAGGED' FROM generate_series(3, 2002) g");
    int n = 1000;
    byte[][] keys = new byte[n][];
    String[] sites = new String[n];
    java.sql.Timestamp[] times = new java.sql.Timestamp[n];
    String[] canonicals = new String[n];
    for (int i = 0; i < n; i++) {
      keys[i] = k;
      sites[i] = i % 2 == 0 ? FIRST : SECOND;
      times[i] = java.sql.Timestamp.from(java.time.Instant.now());
      canonicals[i] = "C";
    }
    String sql = Sql.RING_FOLD;
    for (int p = 1; p <= 5; p++) {
      sql = sql.replace("$" + p, "?");
    }
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
      c.setAutoCommit(false);
      io.vertx.core.json.JsonObject plan = Plans.analyzed(c, sql, st -> {
        st.setArray(1, c.createArrayOf("bytea", keys));
        st.setArray(2, c.createArrayOf("text", sites));
        st.setArray(3, c.createArrayOf("timestamptz", times));
        st.setArray(4, c.createArrayOf("text", canonicals));
        st.setLong(5, RingStore.MAX_SITES_PER_CODE);
      });
      c.rollback();
      assertEquals(0, Plans.scansRowsRead(plan), "rows of the history read: " + plan);
    }
  }

  /** A REPEAT_SALE of the scan {@code scanId} at {@code site} against a sale at {@code conflictSite} (null: none). */
  private static void insertRepeatSale(DatabaseUrl db, long scanId, byte[] key, String site, String conflictSite) {
    TestDatabase.execute(db, "INSERT INTO anomalies (scan_id, scanned_at, type, suspicion, level, code_key, "
        + "canonical, product, site_id, region, detail, conflict_site_id, conflict_at) VALUES (" + scanId + ", "
        + "now(), 'REPEAT_SALE', 'DIVERTED', 'ALERT', " + bytea(key) + ", 'C" + scanId + "', 'P', '" + site + "', "
        + "'110105', 'd', " + (conflictSite == null ? "NULL, NULL" : "'" + conflictSite + "', now() - interval '1 hour'")
        + ")");
  }

  /** One fold of the ring index over everything stored; how many anomalies it read. */
  private static int fold(DatabaseUrl db) throws Exception {
    Vertx vertx = Vertx.vertx();
    Pool pool = AnomalyIdOrderTest.pool(vertx, db);
    try {
      return new RingStore(pool).fold(100).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS)
          .read();
    } finally {
      pool.close();
      vertx.close();
    }
  }

  /** A 16-byte code key of its own for each seed. */
  private static byte[] key(int seed) {
    byte[] k = new byte[16];
    for (int i = 0; i < k.length; i++) {
      k[i] = (byte) (seed * 37 + i * 101);
    }
    return k;
  }

  private static void insertSale(DatabaseUrl db, long id, byte[] key, String site, boolean voided) {
    TestDatabase.execute(db, "INSERT INTO scans (id, part, scanned_at, ingested_at, code_key, idem, raw_code, type, "
        + "site_id, document_no, line_no, quantity, split, status, voided_at) VALUES (" + id + ", "
        + CodeKey.partitionOf(key) + ", now(), now(), " + bytea(key) + ", " + (voided ? "NULL" : bytea(key(100 + (int) id)))
        + ", 'raw', 'SALE', '" + site + "', 'D" + id + "', 1, 1, false, 'ACCEPTED', " + (voided ? "now()" : "NULL") + ")");
  }

  private static long rows(DatabaseUrl db, String table, byte[] key) {
    return TestDatabase.count(db, "SELECT count(*) FROM " + table + " WHERE code_key = " + bytea(key));
  }

  private static String bytea(byte[] b) {
    return "'\\x" + HexFormat.of().formatHex(b) + "'::bytea";
  }
}
