package com.tracesentinel.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.tracesentinel.code.CodeKey;
import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * An anomaly's conflicting scan is read from the history in a bounded way: a code's stored scans are read once for a
 * group, and not at all past {@link Sql#CONFLICT_SCANS_READ} of them. Each new anomaly of a copied code used to read
 * every stored scan of the code, and 1,000 copies of one code in one request weighed every copy against every other.
 */
@Tag("slow")
class ConflictLookupTest {
  private static TestService svc;

  @BeforeAll
  static void start() throws Exception {
    svc = TestService.start();
    svc.sites("PA", "440305", "PB", "110105");
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
  }

  /** A sale at PB and {@code copies - 1} scans of the same box at PB within the same second: DOUBLE_SCANs. */
  private static Response soldAndScannedAgain(String code, int copies, Instant second) {
    JsonArray scans = new JsonArray();
    for (int i = 0; i < copies; i++) {
      scans.add(new JsonObject().put("code", code).put("siteId", "PB").put("documentNo", "D-" + i)
          .put("scannedAt", second.plusMillis(i % 1000).toString()));
    }
    Response r = svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("scans", scans));
    assertEquals(200, r.status(), r.body());
    return r;
  }

  private static JsonObject conflictOfASaleAtPa(String code, Instant second) {
    Response r = svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("code", code)
        .put("siteId", "PA").put("documentNo", "R-1").put("scannedAt", second.plusSeconds(3600).toString()));
    assertEquals("FLAGGED", r.result(0).getString("status"), r.body());
    return r.result(0).getJsonArray("anomalies").getJsonObject(0).getJsonObject("conflictsWith");
  }

  @Test
  void aThousandCopiesInOneRequestNameTheirSaleAndACodeWithMoreStoredScansIsNotRead() {
    Instant second = Instant.now().minus(5, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS).plusMillis(250);
    String within = "86000019999900000012";
    soldAndScannedAgain(within, Sql.CONFLICT_SCANS_READ - 1, second);
    JsonObject named = conflictOfASaleAtPa(within, second); // its own row makes the thousandth
    assertEquals("D-0", named.getString("documentNo"), named.encode());
    assertEquals(second.toString(), named.getString("scannedAt"), "the sale's own time");

    String past = "86000019999900000013";
    Response copies = soldAndScannedAgain(past, Sql.CONFLICT_SCANS_READ, second);
    for (int i = 1; i < Sql.CONFLICT_SCANS_READ; i++) { // one request, each copy weighed once, not against every other
      JsonObject anomaly = copies.result(i).getJsonArray("anomalies").getJsonObject(0);
      assertEquals("DOUBLE_SCAN", anomaly.getString("type"), copies.result(i).encode());
      assertEquals("D-0", anomaly.getJsonObject("conflictsWith").getString("documentNo"), copies.result(i).encode());
      assertEquals(second.toString(), anomaly.getJsonObject("conflictsWith").getString("scannedAt"));
    }
    JsonObject unread = conflictOfASaleAtPa(past, second);
    assertNull(unread.getString("documentNo"), unread.encode());
    assertEquals("PB", unread.getString("siteId"));
    assertEquals(second.truncatedTo(ChronoUnit.SECONDS).toString(), unread.getString("scannedAt"),
        "the second the ledger holds");
    assertEquals(1, TestDatabase.count(svc.db(), "SELECT count(*) FROM anomalies WHERE canonical = '" + past
        + "' AND type = 'REPEAT_SALE' AND conflict_document_no IS NULL AND conflict_site_id = 'PB'"));
  }

  /**
   * A client may store as many REJECTED scans of a code as it sends (dated too far back, say): they counted toward the
   * bound, so 1,000 of them hid the conflicting document of the code's next anomaly, and every read of the code's
   * judged scans stepped over them. They are kept apart from the judged ones, and its timeline still lists them.
   */
  @Test
  void rejectedScansOfACodeNeitherHideItsConflictingDocumentNorAreReadWithItsSales() {
    Instant second = Instant.now().minus(5, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    String code = "86000019999900000015";
    soldAndScannedAgain(code, 1, second);
    JsonArray stale = new JsonArray();
    for (int i = 0; i < Sql.CONFLICT_SCANS_READ; i++) {
      stale.add(new JsonObject().put("code", code).put("siteId", "PB").put("documentNo", "OLD-" + i)
          .put("scannedAt", second.minus(3_000, ChronoUnit.DAYS).toString()));
    }
    Response rejected = svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("scans", stale));
    assertEquals(200, rejected.status(), rejected.body());
    assertEquals("REJECTED", rejected.result(0).getString("status"), rejected.body());
    JsonObject named = conflictOfASaleAtPa(code, second);
    assertEquals("D-0", named.getString("documentNo"), named.encode());
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE part = "
        + CodeKey.partitionOf(CodeKey.of(code)) + " AND code_key = '\\x" + java.util.HexFormat.of()
        .formatHex(CodeKey.of(code)) + "' AND status = 'REJECTED'"), "rejected scans among the code's judged ones");
    JsonArray events = svc.get("/api/v1/codes/" + code + "/events", TestService.ADMIN_KEY).json()
        .getJsonArray("events");
    assertEquals(Sql.CONFLICT_SCANS_READ + 2, events.size(), "the timeline lists the rejected scans too");
    assertEquals(Sql.CONFLICT_SCANS_READ, events.stream().filter(e -> "REJECTED".equals(((JsonObject) e)
        .getString("status"))).count());
  }

  /** The query itself stops reading a code's stored scans at the bound, however many there are. */
  @Test
  void theCandidatesQueryReadsNoMoreThanTheBoundOfACodesScans() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    Migrations.apply(db);
    String code = "86000019999900000014";
    byte[] key = CodeKey.of(code);
    int stored = 3 * Sql.CONFLICT_SCANS_READ;
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
      try (PreparedStatement st = c.prepareStatement("""
          INSERT INTO scans (id, part, scanned_at, ingested_at, code_key, idem, canonical, product, raw_code, type,
                             site_id, document_no, line_no, quantity, split, status)
          SELECT g, ?, ?::timestamptz + g * interval '1 minute', now(), ?, decode(md5(g::text), 'hex'), ?, '8600001',
                 ?, 'SALE', 'S' || (g % 4 + 1), 'D-' || g, 1, 1, false, 'FLAGGED'
          FROM generate_series(1, ?) g""")) {
        st.setInt(1, CodeKey.partitionOf(key));
        st.setTimestamp(2, Timestamp.from(Instant.now().minus(60, ChronoUnit.DAYS)));
        st.setBytes(3, key);
        st.setString(4, code);
        st.setString(5, code);
        st.setInt(6, stored);
        st.executeUpdate();
      }
      c.createStatement().execute("ANALYZE scans");
      JsonObject plan = Plans.analyzed(c, Sql.CONFLICT_CANDIDATES, st -> {
        st.setArray(1, c.createArrayOf("int2", new Short[] {(short) CodeKey.partitionOf(key)}));
        st.setArray(2, c.createArrayOf("bytea", new byte[][] {key}));
      });
      assertEquals(Sql.CONFLICT_SCANS_READ + 1, Plans.scansRowsRead(plan), "rows of the history read: " + plan);
      try (PreparedStatement st = c.prepareStatement(Sql.CONFLICT_CANDIDATES)) {
        st.setArray(1, c.createArrayOf("int2", new Short[] {(short) CodeKey.partitionOf(key)}));
        st.setArray(2, c.createArrayOf("bytea", new byte[][] {key}));
        try (ResultSet rs = st.executeQuery()) {
          assertFalse(rs.next(), "a code past the bound has no candidates");
        }
      }
    }
  }
}
