package com.tracesentinel.http;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.qrcode.QRCodeWriter;
import com.tracesentinel.TraceSentinel;
import com.tracesentinel.code.CodeKey;
import com.tracesentinel.imaging.HostileImagesTest;
import com.tracesentinel.rules.CodeState;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The public look-up over real HTTP: outcomes, spellings, privacy, counting and the photo route. */
@Tag("slow")
class VerifyApiTest {
  private static final String GTIN = "06901234567892";
  private static final AtomicInteger SERIALS = new AtomicInteger();
  private static TestService svc;

  @BeforeAll
  static void start() throws Exception {
    // A high limit: these tests look up far more than 60 codes a minute from one address.
    svc = TestService.start(Map.of("TRACESENTINEL_LOOKUPS_PER_MINUTE", "100000"));
    svc.sites("VP1", "110105", "VP2", "440305");
    JsonArray products = new JsonArray().add(new JsonObject().put("productKey", GTIN)
        .put("drugCode", "XC10AAA057A001010100383").put("genericName", "阿托伐他汀钙片")
        .put("brandName", "立普妥").put("spec", "20mg×7片").put("manufacturer", "辉瑞制药有限公司").put("packSize", 7));
    Response r = svc.put("/api/v1/products", TestService.ADMIN_KEY, "application/json", products.encode());
    assertEquals(200, r.status(), r.body());
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
  }

  /** A new GS1 box of the catalogued product: (01)GTIN(21)serial. */
  private static String newBox() {
    return "(01)" + GTIN + "(17)271231(10)B123(21)VT" + SERIALS.incrementAndGet();
  }

  private static String canonical(String code) {
    int serial = code.indexOf("(21)");
    return "(01)" + GTIN + code.substring(serial);
  }

  private static JsonObject sell(String code, String site, String doc, String settlement, String device) {
    JsonObject scan = new JsonObject().put("code", code).put("siteId", site).put("documentNo", doc)
        .put("scannedAt", "2026-01-15T23:30:00+00:00").put("settlementId", settlement).put("deviceId", device);
    Response r = svc.post("/api/v1/scans", TestService.ADMIN_KEY, scan);
    assertEquals(200, r.status(), r.body());
    return r.result(0);
  }

  private static Response verifyPath(String code) {
    return svc.get("/api/v1/verify/" + URLEncoder.encode(code, StandardCharsets.UTF_8).replace("+", "%20"), null);
  }

  private static Response verifyQuery(String code) {
    return svc.get("/api/v1/verify?code=" + URLEncoder.encode(code, StandardCharsets.UTF_8), null);
  }

  private static JsonObject ok(Response r) {
    assertEquals(200, r.status(), r.body());
    assertTrue(r.contentType().startsWith("application/json"), r.contentType());
    return r.json();
  }

  @Test
  void anInvalidCodeIs200WithAHumanMessageInChineseAndEnglish() {
    JsonObject j = ok(verifyPath("(01)06901234567893(21)X"));
    assertEquals("INVALID_CODE", j.getString("outcome"));
    assertEquals("CHECK_DIGIT", j.getString("reason"));
    assertTrue(j.getString("message").contains("追溯码"), j.encode());
    assertTrue(j.getString("messageEn").toLowerCase().contains("not a valid"), j.encode());
    assertTrue(j.containsKey("canonical") && j.getValue("canonical") == null, j.encode());
    assertTrue(j.containsKey("product") && j.getValue("product") == null, j.encode());
    assertEquals(0, j.getInteger("saleCount"));
    assertEquals(0, j.getJsonArray("recentSales").size());
    assertEquals("INVALID_CODE", ok(verifyQuery("hello")).getString("outcome"));
  }

  /**
   * The rules: a CN20 needs "(when the catalog is loaded) a known 7-digit prefix"; a made-up one was NO_SALE_RECORD,
   * which tells the buyer to retry later. Once scanned (judged with UNKNOWN_PRODUCT), its sales are the answer.
   */
  @Test
  void aNeverScannedCn20WithAPrefixMissingFromTheCatalogueIsInvalid() {
    String made = "8999999" + String.format("%013d", SERIALS.incrementAndGet());
    JsonObject j = ok(verifyPath(made));
    assertEquals("INVALID_CODE", j.getString("outcome"), j.encode());
    assertEquals("UNKNOWN_PREFIX", j.getString("reason"), j.encode());
    assertTrue(j.getString("detail").contains("8999999"), j.encode());
    assertEquals(made, j.getString("canonical"), "the code itself is well formed");
    JsonObject sold = sell(made, "VP1", "UP-1", "S-UP-1", "POS-UP");
    assertEquals("UNKNOWN_PRODUCT", sold.getJsonArray("anomalies").getJsonObject(0).getString("type"), sold.encode());
    JsonObject after = ok(verifyQuery(made));
    assertEquals("ONE_SALE", after.getString("outcome"), after.encode());
    assertEquals(made, after.getString("canonical"));
  }

  @Test
  void aMissingCodeParameterIsAProblem() {
    for (String path : List.of("/api/v1/verify", "/api/v1/verify/")) {
      Response r = svc.get(path, null);
      assertEquals(400, r.status(), r.body());
      assertTrue(r.contentType().startsWith("application/problem+json"));
      // the empty path code is told both ways to give it, not only the query parameter it did not use
      assertTrue(r.json().getJsonArray("errors").getJsonObject(0).getString("message")
          .contains("/api/v1/verify/{code}"), r.body());
    }
    Response twice = svc.get("/api/v1/verify?code=" + newBox() + "&code=" + newBox(), null);
    assertEquals(400, twice.status(), "two boxes in one look-up: " + twice.body());
    assertEquals("give one value, not 2", twice.json().getJsonArray("errors").getJsonObject(0).getString("message"));
  }

  @Test
  void aCodeNeverScannedHasNoSaleRecordAndCreatesNoLedgerEntry() throws Exception {
    String box = newBox();
    JsonObject j = ok(verifyPath(box));
    assertEquals("NO_SALE_RECORD", j.getString("outcome"));
    assertEquals(canonical(box), j.getString("canonical"));
    assertEquals(0, j.getInteger("saleCount"));
    assertEquals(0, j.getJsonArray("recentSales").size());
    assertEquals("阿托伐他汀钙片", j.getJsonObject("product").getString("genericName"));
    assertTrue(j.getString("message").contains("稍后"), j.getString("message"));
    assertTrue(j.getString("messageEn").contains("later"), j.getString("messageEn"));
    assertUtc(j.getString("updatedAt"));
    // A sold box looked up alongside: its count must be stored, so a stored nothing for the new box means something.
    String sold = newBox();
    sell(sold, "VP1", "N-1", null, null);
    ok(verifyPath(sold));
    flushLookups();
    byte[] key = CodeKey.of(canonical(box));
    assertNull(svc.app().ledger().get(key));
    assertEquals(0, com.tracesentinel.support.TestDatabase.count(svc.db(),
        "SELECT count(*) FROM code_lookups WHERE code_key = '\\x" + CodeKey.hex(key) + "'"));
    assertEquals(1, com.tracesentinel.support.TestDatabase.count(svc.db(),
        "SELECT count FROM code_lookups WHERE code_key = '\\x" + CodeKey.hex(CodeKey.of(canonical(sold))) + "'"));
  }

  private void flushLookups() throws Exception {
    TraceSentinel.await(svc.app().lookupCounts().flush());
  }

  @Test
  void oneSaleShowsTheProductTheDateInChinaAndThePharmacy() {
    String box = newBox();
    assertEquals("ACCEPTED", sell(box, "VP1", "R-1", null, null).getString("status"));
    JsonObject j = ok(verifyQuery(box));
    assertEquals("ONE_SALE", j.getString("outcome"));
    assertEquals(1, j.getInteger("saleCount"));
    JsonObject product = j.getJsonObject("product");
    assertEquals("阿托伐他汀钙片", product.getString("genericName"));
    assertEquals("立普妥", product.getString("brandName"));
    assertEquals("20mg×7片", product.getString("spec"));
    assertEquals("辉瑞制药有限公司", product.getString("manufacturer"));
    assertEquals(7, product.getInteger("packSize"));
    JsonArray sales = j.getJsonArray("recentSales");
    assertEquals(1, sales.size());
    // 23:30 UTC on the 15th is the 16th in Beijing.
    assertEquals(new JsonObject().put("date", "2026-01-16").put("siteName", "Pharmacy VP1")
        .put("region", "Region 110105"), sales.getJsonObject(0));
    assertTrue(j.getString("message").contains("药店"));
    assertUtc(j.getString("updatedAt"));
  }

  @Test
  void multipleSalesTellThePublicToKeepTheBoxAndReportIt() {
    String box = newBox();
    sell(box, "VP1", "M-1", null, null);
    assertEquals("FLAGGED", sell(box, "VP2", "M-2", null, null).getString("status"));
    JsonObject j = ok(verifyPath(box));
    assertEquals("MULTIPLE_SALES", j.getString("outcome"));
    assertEquals(2, j.getInteger("saleCount"));
    assertEquals(2, j.getJsonArray("recentSales").size());
    assertTrue(j.getString("message").contains("医保局"), j.getString("message"));
    assertTrue(j.getString("messageEn").contains("insurance bureau"), j.getString("messageEn"));
  }

  @Test
  void aHistoryThatDoesNotAnswerIs503WithinTheDatabaseTimeout() throws Exception {
    String box = newBox();
    sell(box, "VP1", "LK-1", null, null);
    sell(box, "VP2", "LK-2", null, null);
    com.tracesentinel.history.DatabaseUrl db = svc.db();
    try (var c = java.sql.DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
      c.setAutoCommit(false);
      c.createStatement().execute("LOCK TABLE scans IN ACCESS EXCLUSIVE MODE"); // as a table rewrite holds it
      long start = System.nanoTime();
      Response r = verifyPath(box);
      long seconds = (System.nanoTime() - start) / 1_000_000_000L;
      c.rollback();
      assertEquals(503, r.status(), r.body());
      assertEquals("application/problem+json", r.contentType());
      assertEquals("5", r.retryAfter());
      assertTrue(seconds < 30, "answered after " + seconds + " s, the database timeout being 10 s");
    }
    assertEquals("MULTIPLE_SALES", ok(verifyPath(box)).getString("outcome"));
  }

  @Test
  void aLookupWhoseDatabaseIsGoneIs503NotAFault() throws Exception {
    com.tracesentinel.history.DatabaseUrl db = com.tracesentinel.support.TestDatabase.fresh();
    try (com.tracesentinel.support.CuttingProxy proxy = new com.tracesentinel.support.CuttingProxy(db.host(),
             db.port(), "none");
         TestService other = TestService.start(new com.tracesentinel.history.DatabaseUrl("127.0.0.1", proxy.port(),
             db.database(), db.user(), db.password()), Map.of())) {
      other.sites("VG1", "110105", "VG2", "440305");
      String box = "(01)" + GTIN + "(21)VG-GONE";
      for (String site : List.of("VG1", "VG2")) {
        Response sold = other.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("code", box)
            .put("siteId", site).put("documentNo", "G-" + site).put("scannedAt", "2026-01-15T23:30:00+00:00"));
        assertEquals(200, sold.status(), sold.body());
      }
      // The database goes away: no new connection, and the pooled ones ended by the server.
      proxy.close();
      com.tracesentinel.support.TestDatabase.execute(db, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
          + "WHERE datname = '" + db.database() + "' AND pid <> pg_backend_pid()");
      Response r = other.get("/api/v1/verify/" + URLEncoder.encode(box, StandardCharsets.UTF_8), null);
      assertEquals(503, r.status(), r.body());
      assertEquals("application/problem+json", r.contentType());
      assertEquals("5", r.retryAfter());
      assertTrue(r.json().getString("detail").contains("sales history"), r.body());
    }
  }

  @Test
  void aDoubleScanIsNotShownAsASecondSale() {
    String box = newBox();
    sell(box, "VP1", "D-1", null, null);
    JsonObject second = sell(box, "VP1", "D-2", null, null);
    assertEquals("DOUBLE_SCAN", second.getJsonArray("anomalies").getJsonObject(0).getString("type"));
    JsonObject j = ok(verifyPath(box));
    assertEquals("ONE_SALE", j.getString("outcome"));
    assertEquals(1, j.getJsonArray("recentSales").size());
  }

  @Test
  void aReturnedSaleIsNotShown() {
    String box = newBox();
    sell(box, "VP1", "RT-1", null, null);
    JsonObject ret = new JsonObject().put("code", box).put("siteId", "VP1").put("documentNo", "RT-2")
        .put("type", "RETURN").put("scannedAt", "2026-01-16T01:00:00+00:00");
    assertEquals("ACCEPTED", svc.post("/api/v1/scans", TestService.ADMIN_KEY, ret).result(0).getString("status"));
    JsonObject j = ok(verifyPath(box));
    assertEquals("NO_SALE_RECORD", j.getString("outcome"));
    assertEquals(0, j.getJsonArray("recentSales").size());
  }

  @Test
  void theSaleLeftAfterAReturnIsTheOneShownNotTheOneReturned() {
    String box = newBox();
    JsonObject first = new JsonObject().put("code", box).put("siteId", "VP2").put("documentNo", "RL-1")
        .put("scannedAt", "2026-01-14T02:00:00+00:00");
    assertEquals("ACCEPTED", svc.post("/api/v1/scans", TestService.ADMIN_KEY, first).result(0).getString("status"));
    sell(box, "VP1", "RL-2", null, null);
    JsonObject ret = new JsonObject().put("code", box).put("siteId", "VP1").put("documentNo", "RL-3")
        .put("type", "RETURN").put("linkedDocumentNo", "RL-2").put("scannedAt", "2026-01-16T01:00:00+00:00");
    assertEquals("ACCEPTED", svc.post("/api/v1/scans", TestService.ADMIN_KEY, ret).result(0).getString("status"));
    JsonObject j = ok(verifyPath(box));
    assertEquals("ONE_SALE", j.getString("outcome"), j.encode());
    assertEquals(new JsonArray().add(new JsonObject().put("date", "2026-01-14").put("siteName", "Pharmacy VP2")
        .put("region", "Region 440305")), j.getJsonArray("recentSales"), "the Shenzhen sale, still open: " + j.encode());
  }

  /**
   * A return undoes the latest open sale at its own site: returned in Beijing, the Beijing sale is gone though the
   * Shenzhen one came after it (the pairing took the latest sale, and showed the returned Beijing sale as open).
   */
  @Test
  void aReturnAtTheFirstSellingSiteLeavesTheLaterSaleElsewhereShown() {
    String box = newBox();
    assertEquals("ACCEPTED", scanned(box, "VP1", "RF-1", "SALE", "2026-01-14T02:00:00+00:00"));
    assertEquals("FLAGGED", scanned(box, "VP2", "RF-2", "SALE", "2026-01-15T02:00:00+00:00"));
    assertEquals("ACCEPTED", scanned(box, "VP1", "RF-3", "RETURN", "2026-01-16T01:00:00+00:00"));
    JsonObject j = ok(verifyPath(box));
    assertEquals("ONE_SALE", j.getString("outcome"), j.encode());
    assertEquals(new JsonArray().add(new JsonObject().put("date", "2026-01-15").put("siteName", "Pharmacy VP2")
        .put("region", "Region 440305")), j.getJsonArray("recentSales"), "the Shenzhen sale, still open: " + j.encode());
  }

  /**
   * 2 of 7 tablets sold, then the whole box at the same pharmacy minutes later: it was a DOUBLE_SCAN warning, not
   * counted, and the look-up said ONE_SALE; a double scan is of a fully sold code.
   */
  @Test
  void aWholeBoxSoldRightAfterPartOfItWasSplitSoldIsASecondSale() {
    String box = newBox();
    JsonObject part = new JsonObject().put("code", box).put("siteId", "VP1").put("documentNo", "PW-1")
        .put("split", true).put("quantity", 2).put("scannedAt", "2026-01-14T02:00:00+00:00");
    assertEquals("ACCEPTED", svc.post("/api/v1/scans", TestService.ADMIN_KEY, part).result(0).getString("status"));
    Response whole = svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("code", box)
        .put("siteId", "VP1").put("documentNo", "PW-2").put("scannedAt", "2026-01-14T02:03:00+00:00"));
    assertEquals("REPEAT_SALE", whole.result(0).getJsonArray("anomalies").getJsonObject(0).getString("type"),
        whole.body());
    JsonObject j = ok(verifyPath(box));
    assertEquals("MULTIPLE_SALES", j.getString("outcome"), j.encode());
    assertEquals(2, j.getInteger("saleCount"), j.encode());
  }

  /** Posts one scan of {@code box}; returns its status. */
  private static String scanned(String box, String site, String doc, String type, String scannedAt) {
    JsonObject scan = new JsonObject().put("code", box).put("siteId", site).put("documentNo", doc).put("type", type)
        .put("scannedAt", scannedAt);
    return svc.post("/api/v1/scans", TestService.ADMIN_KEY, scan).result(0).getString("status");
  }

  /** The latest sales by date: an offline till's back-dated upload, arriving last, was listed first. */
  @Test
  void aBackDatedSaleTakesItsPlaceByDateAmongTheLatestSales() {
    String box = newBox();
    String[][] sales = {{"VP1", "2026-01-12"}, {"VP2", "2026-01-13"}, {"VP1", "2026-01-14"}, {"VP2", "2026-01-10"}};
    for (int i = 0; i < sales.length; i++) {
      JsonObject scan = new JsonObject().put("code", box).put("siteId", sales[i][0]).put("documentNo", "BD-" + i)
          .put("scannedAt", sales[i][1] + "T10:00:00+08:00");
      Response r = svc.post("/api/v1/scans", TestService.ADMIN_KEY, scan);
      assertEquals(i == 0 ? "ACCEPTED" : "FLAGGED", r.result(0).getString("status"), r.body());
    }
    JsonObject j = ok(verifyPath(box));
    assertEquals(4, j.getInteger("saleCount"), j.encode());
    JsonArray shown = j.getJsonArray("recentSales");
    assertEquals(List.of("2026-01-14", "2026-01-13", "2026-01-12"),
        shown.stream().map(s -> ((JsonObject) s).getString("date")).toList(), j.encode());
  }

  @Test
  void splitPackSalesOfOneBoxAtOnePharmacyAreOneSale() {
    String box = newBox();
    for (int i = 1; i <= 3; i++) {
      JsonObject scan = new JsonObject().put("code", box).put("siteId", "VP1").put("documentNo", "SPLIT-" + i)
          .put("split", true).put("quantity", 2).put("scannedAt", "2026-01-1" + i + "T02:00:00+00:00");
      assertEquals("ACCEPTED", svc.post("/api/v1/scans", TestService.ADMIN_KEY, scan).result(0).getString("status"));
    }
    JsonObject j = ok(verifyPath(box));
    assertEquals("ONE_SALE", j.getString("outcome"), j.encode());
    assertTrue(j.getBoolean("splitSale"));
    assertEquals(3, j.getJsonArray("recentSales").size());
    assertEquals("2026-01-13", j.getJsonArray("recentSales").getJsonObject(0).getString("date"));
    // Past the pack size (7 units) it is no longer one box.
    JsonObject more = new JsonObject().put("code", box).put("siteId", "VP1").put("documentNo", "SPLIT-4")
        .put("split", true).put("quantity", 2).put("scannedAt", "2026-01-14T02:00:00+00:00");
    assertEquals("FLAGGED", svc.post("/api/v1/scans", TestService.ADMIN_KEY, more).result(0).getString("status"));
    assertEquals("MULTIPLE_SALES", ok(verifyPath(box)).getString("outcome"));
  }

  @Test
  void everySpellingOfOneBoxGivesOneCanonical() {
    String serial = "SP" + SERIALS.incrementAndGet();
    String canonical = "(01)" + GTIN + "(21)" + serial;
    sell("(01)" + GTIN + "(17)271231(10)B123(21)" + serial, "VP1", "S-1", null, null);
    List<String> spellings = List.of(
        "(01)" + GTIN + "(17)271231(10)B123(21)" + serial,
        "(01)" + GTIN + "(21)" + serial,
        "]d2\u001d01" + GTIN + "21" + serial + "\u001d17271231",
        "01" + GTIN + "17271231" + "10B123\u001d21" + serial,
        "01" + GTIN + "1727123110B123<GS>21" + serial,
        "]Q301" + GTIN + "1727123110B123^]21" + serial,
        "  (01)" + GTIN + "(21)" + serial + "\r\n",
        "(01) " + GTIN + " (17) 271231 (10) B123 (21) " + serial,
        "\uFEFF(01)" + GTIN + "(21)" + serial,
        "https://id.example.com/01/" + GTIN + "/10/B123/21/" + serial + "?17=271231");
    Set<String> seen = new LinkedHashSet<>();
    for (String s : spellings) {
      for (Response r : List.of(verifyPath(s), verifyQuery(s))) {
        JsonObject j = ok(r);
        assertEquals("ONE_SALE", j.getString("outcome"), s + " -> " + j.encode());
        seen.add(j.getString("canonical"));
      }
    }
    assertEquals(Set.of(canonical), seen);
  }

  @Test
  void thePathFormAnswersForTheSerialAsWrittenNotANormalizedOne() {
    // "//", "." and ".." are GS1 serial characters: the normalized path made "(21)A//B" the box "(21)A/B".
    for (String serial : List.of("A//B", "A/./B", "A/../B", "A/B/", "A+B")) {
      JsonObject j = ok(svc.get("/api/v1/verify/(01)" + GTIN + "(21)" + serial, null));
      assertEquals("(01)" + GTIN + "(21)" + serial, j.getString("canonical"), serial + " -> " + j.encode());
    }
    // an unencoded Digital Link keeps its "//" too
    JsonObject link = ok(svc.get("/api/v1/verify/https://id.gs1.org/01/" + GTIN + "/21/DL1", null));
    assertEquals("(01)" + GTIN + "(21)DL1", link.getString("canonical"), link.encode());
  }

  @Test
  void theQueryFormReadsAnUnencodedPlusInASerialAsAPlus() {
    String serial = "P+" + SERIALS.incrementAndGet();
    String canonical = "(01)" + GTIN + "(21)" + serial;
    sell(canonical, "VP1", "PLUS-1", null, null);
    // as pasted into a browser's address bar or built by string concatenation: the '+' not percent-encoded
    JsonObject raw = ok(svc.get("/api/v1/verify?code=(01)" + GTIN + "(21)" + serial, null));
    assertEquals(canonical, raw.getString("canonical"), raw.encode());
    assertEquals("ONE_SALE", raw.getString("outcome"), raw.encode());
    assertEquals("ONE_SALE", ok(verifyQuery(canonical)).getString("outcome"));
  }

  @Test
  void theAnswerNeverCarriesPatientSettlementDocumentOrDevice() {
    String box = newBox();
    sell(box, "VP1", "DOC-SECRET-4711", "SETTLE-SECRET-0815", "DEVICE-SECRET-42");
    sell(box, "VP2", "DOC-SECRET-4712", "SETTLE-SECRET-0816", "DEVICE-SECRET-43");
    for (Response r : List.of(verifyPath(box), verifyQuery(box))) {
      String body = ok(r).encode();
      for (String secret : List.of("DOC-SECRET", "SETTLE-SECRET", "DEVICE-SECRET", "documentNo", "settlement",
          "device", "patient")) {
        assertFalse(body.contains(secret), secret + " in " + body);
      }
      assertFalse(body.contains("XC10AAA057A001010100383"), "billed drug code in " + body);
    }
  }

  @Test
  void theAccessLogNeverNamesALookedUpCodeHoweverThePathIsSpelt() throws Exception {
    try (com.tracesentinel.support.LogCapture log = com.tracesentinel.support.LogCapture.of("tracesentinel.access")) {
      // The first four are answered as the look-up or the timeline they normalize to (the code was never scanned:
      // the timeline's own 404); the last normalizes to no route, and its raw path is still a look-up's.
      Map<String, Integer> paths = Map.of("/api/v1/./verify/81000020000007000000", 200,
          "//api/v1/verify/81000020000007000000", 200, "/api/v1/%76erify/81000020000007000000", 200,
          "/api/v1/x/../codes/81000020000007000000/events", 404,
          "/api/v1/verify/A/../../../../x/81000020000007000000", 404);
      List<String> ids = new ArrayList<>();
      for (Map.Entry<String, Integer> p : paths.entrySet()) {
        RawHttp.Reply r = RawHttp.get(svc.port(), p.getKey(), TestService.ADMIN_KEY);
        assertEquals(p.getValue(), r.status(), p.getKey() + ": " + r.body());
        assertTrue(r.body().contains("81000020000007000000"), p.getKey() + ": " + r.body());
        ids.add(r.header("X-Request-Id"));
      }
      // The line is written once the answer has ended, which may be after the client has read it: wait for each
      // request's own line (found by its request id), so that a request left unlogged fails rather than passes.
      List<String> lines = eventually(() -> {
        List<String> now = log.lines();
        return ids.stream().allMatch(id -> now.stream().filter(l -> l.startsWith(id + " ")).count() == 1) ? now : null;
      });
      for (String line : lines) {
        assertFalse(line.contains("81000020000007000000"), line);
      }
    }
  }

  @Test
  void aLookUpIncrementsTheCodesLookUpCountButNeverItsSales() throws Exception {
    String box = newBox();
    sell(box, "VP1", "L-1", null, null);
    byte[] key = CodeKey.of(canonical(box));
    for (int i = 0; i < 3; i++) {
      assertEquals("ONE_SALE", ok(verifyPath(box)).getString("outcome"));
    }
    flushLookups();
    JsonObject state = svc.get("/api/v1/codes/" + java.net.URLEncoder.encode(box, java.nio.charset.StandardCharsets.UTF_8)
        + "/events", TestService.ADMIN_KEY).json().getJsonObject("state");
    assertEquals(3, state.getLong("lookups"), state.encode());
    assertEquals(1, state.getInteger("saleCount"));
    assertEquals(1, svc.app().ledger().get(key).scanCount(), "a look-up is not a scan");
    assertEquals(1, ok(verifyPath(box)).getInteger("saleCount"));
  }

  @Test
  void lookUpsAreCountedByDayAndOutcomeAndInMetrics() throws Exception {
    var counts = svc.app().lookupCounts();
    LocalDate today = LocalDate.now(ZoneId.of("Asia/Shanghai"));
    TraceSentinel.await(counts.flush());
    long before = TraceSentinel.await(counts.stored(today, "INVALID_CODE"));
    double metricBefore = metric("INVALID_CODE");
    for (int i = 0; i < 4; i++) {
      ok(verifyQuery("not a code " + i));
    }
    TraceSentinel.await(counts.flush());
    long after = TraceSentinel.await(counts.stored(today, "INVALID_CODE"));
    // Other tests may run look-ups concurrently in this JVM, never fewer.
    assertTrue(after - before >= 4, before + " -> " + after);
    assertTrue(metric("INVALID_CODE") - metricBefore >= 4);
  }

  @Test
  void aPhotoOfTheGs1BoxAnswersForThatBox() throws Exception {
    String canonical = "(01)" + GTIN + "(21)SN0001";
    sell("(01)" + GTIN + "(17)271231(10)B123(21)SN0001", "VP1", "IMG-1", null, null);
    Response r = svc.send(svc.request("/api/v1/verify/image", null).header("Content-Type", "image/png")
        .POST(HttpRequest.BodyPublishers.ofByteArray(ImageApiTest.fixture("dm_gs1.png"))).build());
    JsonObject j = ok(r);
    assertEquals(canonical, j.getString("canonical"));
    assertEquals("ONE_SALE", j.getString("outcome"));
    assertEquals("Pharmacy VP1", j.getJsonArray("recentSales").getJsonObject(0).getString("siteName"));
  }

  @Test
  void aPhotoWithoutACodeIs422() throws Exception {
    Response r = svc.send(svc.request("/api/v1/verify/image", null).header("Content-Type", "image/jpeg")
        .POST(HttpRequest.BodyPublishers.ofByteArray(ImageApiTest.fixture("photo_nocode.jpg"))).build());
    assertEquals(422, r.status(), r.body());
    assertTrue(r.contentType().startsWith("application/problem+json"));
    Response notImage = svc.send(svc.request("/api/v1/verify/image", null).header("Content-Type", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString("x")).build());
    assertEquals(415, notImage.status(), notImage.body());
  }

  private static Response verifyImage(String type, byte[] body) {
    return svc.send(svc.request("/api/v1/verify/image", null).header("Content-Type", type)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
  }

  @Test
  void hostilePhotosAreRefusedAsTheApiSays() throws Exception {
    // 40 megapixels in 64 bytes, one pixel wide: was a 500 (its views with a quiet zone overflowed an int).
    Response tall = verifyImage("image/bmp", HostileImagesTest.rleBmp(1, 40_000_000));
    assertEquals(413, tall.status(), tall.body());
    assertTrue(tall.json().getString("detail").contains("at most 16384 pixels a side"), tall.body());

    // More scans than a photo has (each costs the decoder a pass over the whole image): was decoded.
    Response scans = verifyImage("image/jpeg", HostileImagesTest.jpegWithScans(65));
    assertEquals(400, scans.status(), scans.body());
    assertEquals("the image is damaged or truncated and cannot be decoded", scans.json().getString("detail"));

    // A lossless WebP cut short: was decoded on past its end and answered 422, no code found.
    String box = newBox();
    byte[] webp = HostileImagesTest.losslessWebP(new QRCodeWriter().encode(box, BarcodeFormat.QR_CODE, 0, 0), 4);
    assertEquals(canonical(box), ok(verifyImage("image/webp", webp)).getString("canonical"), "the whole file is read");
    Response cut = verifyImage("image/webp", Arrays.copyOf(webp, webp.length / 2));
    assertEquals(400, cut.status(), cut.body());
    assertEquals("the image is damaged or truncated and cannot be decoded", cut.json().getString("detail"));
  }

  @Test
  void thePageIsServedWithoutAKey() {
    // The contract's GET /verify is the page itself, also with the code a shared link carries: it was a 301 to /verify/,
    // no page for a client that does not follow redirects. The assets are referenced absolutely.
    for (String path : List.of("/verify", "/verify?code=81000010000007100000&lang=en", "/verify/",
        "/verify/index.html")) {
      Response r = svc.get(path, null);
      assertEquals(200, r.status(), path);
      assertTrue(r.contentType().startsWith("text/html"), path + " " + r.contentType());
      assertTrue(r.body().contains("药品追溯码"), path);
    }
    assertEquals(200, svc.get("/verify/verify.js", null).status());
    assertEquals(200, svc.get("/verify/verify.css", null).status());
    Response head = svc.send(svc.request("/verify/", null).method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
    assertEquals(200, head.status(), "a link preview's HEAD");
  }

  private static double metric(String outcome) {
    var counter = svc.app().services().prometheus().find("tracesentinel.lookups").tag("outcome", outcome).counter();
    assertNotNull(counter);
    return counter.count();
  }

  private static void assertUtc(String time) {
    assertNotNull(time);
    assertTrue(time.endsWith("Z"), time);
    Instant.parse(time);
  }

  static <T> T eventually(Supplier<T> probe) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    T value;
    while ((value = probe.get()) == null) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not reached within 5 s");
      }
      Thread.sleep(20);
    }
    return value;
  }
}
