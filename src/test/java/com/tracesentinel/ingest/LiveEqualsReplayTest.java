package com.tracesentinel.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.reference.Product;
import com.tracesentinel.reference.ReferenceStore;
import com.tracesentinel.reference.Site;
import com.tracesentinel.reference.SiteKind;
import com.tracesentinel.rules.Anomaly;
import com.tracesentinel.rules.EventType;
import com.tracesentinel.rules.Ladder;
import com.tracesentinel.rules.LadderSettings;
import com.tracesentinel.rules.Verdict;
import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Seeded random histories of one box each (whole and split sales, returns, receipts, destroys at two to four sites of
 * three cities, some back-dated, some re-sent; two of 300 scans) judged live through the API, then replayed from the stored facts with
 * {@link Judging.Replay} as a rebuild does: every verdict and every code's final state must be the same. The ledger is
 * a cache of the history, so a difference is a ledger that answers otherwise after a rebuild.
 */
@Tag("slow")
class LiveEqualsReplayTest {
  private static final String PRODUCT = "8400001";
  private static final String[] SITES = {"RA", "440305", "RB", "440306", "RC", "110101", "RD", "310101"};
  private static final int CODES = 40;
  /** The last codes get this many scans: past the 255 where a RETURN no longer asks the history (Ladder). */
  private static final int LONG_CODES = 2;
  private static final int LONG_SCANS = 300;

  @Test
  void everyVerdictAndEveryStateOfARandomHistoryIsWhatItsReplayGives() throws Exception {
    try (TestService svc = TestService.start()) {
      svc.sites(SITES);
      JsonArray products = new JsonArray().add(new JsonObject().put("productKey", PRODUCT).put("genericName", "g")
          .put("packSize", 10));
      assertEquals(200, svc.put("/api/v1/products", TestService.ADMIN_KEY, "application/json", products.encode())
          .status());
      Random rnd = new Random(20261205L);
      Instant now = Instant.now();
      List<List<JsonObject>> live = new ArrayList<>();
      for (int c = 0; c < CODES; c++) {
        live.add(history(svc, rnd, String.format("%s%013d", PRODUCT, c), now,
            c < CODES - LONG_CODES ? 3 + rnd.nextInt(12) : LONG_SCANS));
      }

      assertTrue(live.subList(CODES - LONG_CODES, CODES).stream().flatMap(List::stream)
          .anyMatch(r -> r.encode().contains("returns is not looked up")), "a long code's return past 255 scans");
      ReferenceStore reference = reference(svc);
      Ladder ladder = new Ladder(LadderSettings.DEFAULTS);
      try (Connection db = DriverManager.getConnection(svc.db().jdbcUrl(), svc.db().user(), svc.db().password())) {
        for (int c = 0; c < CODES; c++) {
          String code = String.format("%s%013d", PRODUCT, c);
          List<ScanEvent> stored = stored(db, code);
          List<JsonObject> judged = live.get(c);
          assertEquals(judged.size(), stored.size(), code + ": scans stored " + judged);
          Judging.Replay replay = new Judging.Replay(ladder, reference);
          for (int i = 0; i < stored.size(); i++) {
            Verdict v = replay.step(stored.get(i));
            assertEquals(expected(v, reference), anomalies(judged.get(i)),
                code + " scan " + i + " judged live otherwise than replayed: " + judged);
          }
        }
      }
      svc.assertLedgerEqualsHistory();
    }
  }

  /** One box's random history, sent scan by scan; the live results of the scans that were not re-sends. */
  private static List<JsonObject> history(TestService svc, Random rnd, String code, Instant now, int scans) {
    int sites = scans == LONG_SCANS ? 4 : 2 + rnd.nextInt(3);
    long clock = now.getEpochSecond() - 40L * 86_400;
    List<JsonObject> sent = new ArrayList<>();
    List<JsonObject> results = new ArrayList<>();
    for (int i = 0; i < scans; i++) {
      if (!sent.isEmpty() && rnd.nextInt(12) == 0) {
        JsonObject again = sent.get(rnd.nextInt(sent.size()));
        assertEquals("REPLAYED", post(svc, again).getString("status"), again.encode());
        continue;
      }
      int t = rnd.nextInt(100);
      // a long code sells more than it takes back: a copied one, its sales open at several sites
      String type = scans == LONG_SCANS ? (t < 70 ? "SALE" : t < 95 ? "RETURN" : "RECEIVE")
          : t < 50 ? "SALE" : t < 82 ? "RETURN" : t < 97 ? "RECEIVE" : "DESTROY";
      // a long code's 300 scans spread over the 40 days as a short one's dozen are, not piled up at the end
      long step = scans == LONG_SCANS ? rnd.nextInt(3 * 3_600) : switch (rnd.nextInt(3)) {
        case 0 -> rnd.nextInt(600);
        case 1 -> rnd.nextInt(86_400);
        default -> rnd.nextInt(4 * 86_400);
      };
      long at = rnd.nextInt(5) == 0 ? clock - rnd.nextInt(2 * 86_400) : (clock += step);
      boolean split = rnd.nextInt(3) == 0;
      JsonObject scan = new JsonObject().put("code", code).put("type", type)
          .put("siteId", SITES[2 * rnd.nextInt(sites)]).put("documentNo", "D" + i)
          .put("scannedAt", Instant.ofEpochSecond(Math.min(at, now.getEpochSecond())).toString())
          .put("quantity", 1 + rnd.nextInt(6)).put("split", split);
      sent.add(scan);
      JsonObject result = post(svc, scan);
      assertEquals(true, List.of("ACCEPTED", "FLAGGED").contains(result.getString("status")), result.encode());
      results.add(result);
    }
    return results;
  }

  private static JsonObject post(TestService svc, JsonObject scan) {
    TestService.Response r = svc.post("/api/v1/scans", TestService.ADMIN_KEY, scan);
    assertEquals(200, r.status(), r.body());
    return r.result(0);
  }

  private static ReferenceStore reference(TestService svc) {
    ReferenceStore reference = new ReferenceStore();
    List<Site> sites = new ArrayList<>();
    for (Map.Entry<String, Long> e : TestDatabase.countsBy(svc.db(), "SELECT site_id, ref FROM sites").entrySet()) {
      for (int i = 0; i < SITES.length; i += 2) {
        if (SITES[i].equals(e.getKey())) {
          sites.add(new Site(e.getValue().intValue(), SITES[i], SITES[i], SiteKind.PHARMACY, SITES[i + 1], "r"));
        }
      }
    }
    reference.putSites(sites);
    reference.putProducts(List.of(new Product(PRODUCT, null, "g", null, null, null, 10)));
    return reference;
  }

  /** The code's judged scans as every replay reads them: in judging order, voided ones left out. */
  private static List<ScanEvent> stored(Connection db, String code) throws Exception {
    try (PreparedStatement st = db.prepareStatement("SELECT code_key, idem, type, product, expiry, site_ref, "
        + "scanned_at, quantity, split, billed_drug, settlement_id IS NOT NULL, pack_size FROM scans "
        + "WHERE canonical = ? AND status IN ('ACCEPTED', 'FLAGGED') AND voided_at IS NULL ORDER BY id")) {
      st.setString(1, code);
      List<ScanEvent> out = new ArrayList<>();
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          out.add(ScanEvent.stored(rs.getBytes(1), rs.getBytes(2), EventType.valueOf(rs.getString(3)),
              rs.getString(4), null, rs.getInt(6), rs.getTimestamp(7).toInstant().getEpochSecond(), rs.getInt(8),
              rs.getBoolean(9), rs.getString(10), rs.getBoolean(11), rs.getInt(12)));
        }
      }
      return out;
    }
  }

  /** type, suspicion and the conflicting scan's site and time, as the API states them. */
  private static List<String> expected(Verdict v, ReferenceStore reference) {
    List<String> out = new ArrayList<>();
    for (Anomaly a : v.anomalies()) {
      out.add(a.type() + " " + a.suspicion() + " " + (a.conflictsWith() == null ? "-"
          : reference.site(a.conflictsWith().siteRef()).siteId() + "@"
          + Instant.ofEpochSecond(a.conflictsWith().at())));
    }
    return out;
  }

  private static List<String> anomalies(JsonObject result) {
    List<String> out = new ArrayList<>();
    JsonArray list = result.getJsonArray("anomalies", new JsonArray());
    for (int i = 0; i < list.size(); i++) {
      JsonObject a = list.getJsonObject(i);
      JsonObject w = a.getJsonObject("conflictsWith");
      out.add(a.getString("type") + " " + a.getString("suspicion") + " " + (w == null ? "-"
          : w.getString("siteId") + "@" + Instant.parse(w.getString("scannedAt")).toString()));
    }
    return out;
  }
}
