package com.tracesentinel.http;

import static com.tracesentinel.nhsa.NhsaPayloads.chinaTime;
import static com.tracesentinel.nhsa.NhsaPayloads.delete3507;
import static com.tracesentinel.nhsa.NhsaPayloads.newLayoutLine;
import static com.tracesentinel.nhsa.NhsaPayloads.return3506;
import static com.tracesentinel.nhsa.NhsaPayloads.sale3505;
import static com.tracesentinel.nhsa.NhsaPayloads.sale3505A;
import static com.tracesentinel.nhsa.NhsaPayloads.saleLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * POST /api/v1/nhsa/{infno} end to end, over HTTP on the real service and PostgreSQL, with messages written from the
 * NHSA field lists: both layouts, multi-code lines, split packs, a self-paid sale, a return, a deletion, a retry.
 */
@Tag("slow")
class NhsaApiTest {
  private static final String SHENZHEN = "P44030500101";
  private static final String BEIJING = "P11010500102";
  private static final AtomicLong CODES = new AtomicLong(8_100_001_000_050_000_000L);
  private static TestService svc;
  private static String shenzhenKey;

  @BeforeAll
  static void start() throws Exception {
    svc = TestService.start();
    svc.sites(SHENZHEN, "440305", BEIJING, "110105");
    shenzhenKey = svc.key("scanner", SHENZHEN);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      svc.assertLedgerEqualsHistory();
    } finally {
      svc.close();
    }
  }

  private static String newCode() {
    return Long.toString(CODES.incrementAndGet()) + "0";
  }

  /**
   * Times are set back from one instant, not from each call's clock: ago(60) and ago(50) taken a second apart were
   * 601 s apart, past the 600 s double-scan window, and the test expecting a DOUBLE_SCAN saw a REPEAT_SALE.
   */
  private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);

  private static String ago(long minutes) {
    return chinaTime(NOW.minus(minutes, ChronoUnit.MINUTES));
  }

  private static Response post(String infno, String key, JsonObject message) {
    return svc.post("/api/v1/nhsa/" + infno, key, message);
  }

  private static long count(String where) {
    return TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE " + where);
  }

  private static JsonArray results(Response r) {
    return r.json().getJsonObject("output").getJsonObject("tracesentinel").getJsonArray("results");
  }

  private static void assertStored(Response r) {
    assertEquals(200, r.status(), r.body());
    assertEquals(0, r.json().getInteger("infcode"), r.body());
    assertNull(r.json().getValue("err_msg"));
  }

  private static JsonObject businessResult(Response r) {
    return r.json().getJsonObject("output").getJsonObject("result");
  }

  @Test
  void anOldLayoutSaleIsStoredAndAnsweredInTheNhsaEnvelope() {
    String code = newCode();
    Instant at = Instant.now().minus(30, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS);
    Response r = post("3505", shenzhenKey, sale3505(SHENZHEN, saleLine(code, "R-OLD-1", "B-OLD-1", chinaTime(at))));
    assertStored(r);
    JsonObject envelope = r.json();
    assertTrue(envelope.getString("refmsg_time").matches("\\d{17}"), envelope.encode());
    assertTrue(envelope.getString("respond_time").matches("\\d{17}"), envelope.encode());
    assertTrue(envelope.getString("inf_refmsgid").startsWith(envelope.getString("refmsg_time").substring(0, 14)));
    assertEquals("1", businessResult(r).getString("retRslt"), r.body());
    assertTrue(businessResult(r).getString("msgRslt").startsWith("成功"), r.body());
    JsonObject result = results(r).getJsonObject(0);
    assertEquals("ACCEPTED", result.getString("status"));
    assertEquals(code, result.getString("canonical"));
    assertEquals("input.selinfo.drug_trac_codg", result.getString("field"));
    assertEquals(1, count("canonical = '" + code + "' AND site_id = '" + SHENZHEN + "' AND document_no = 'R-OLD-1'"
        + " AND line_no = 1 AND upload_batch = 'B-OLD-1' AND billed_drug = 'XC10AAA057A001010100383'"
        + " AND settlement_id = 'S4403R-OLD-1' AND device_id = 'POS-03' AND NOT split"
        + " AND scanned_at = '" + at + "'"), "every field as mapped, the time read as China time");
  }

  @Test
  void newLayoutLinesWithSeveralCodesASplitPackAndASelfPaidSale() {
    String a = newCode();
    String b = newCode();
    String split = "8100003" + newCode().substring(7);
    JsonObject selfPaidSplit = newLayoutLine("R-NEW-1", "B-NEW-1b", ago(20), split).put("trdn_flag", "1")
        .put("sel_retn_cnt", "6.0000").put("mdtrt_setl_type", "2").put("setl_id", "");
    JsonObject noCode = newLayoutLine("R-NEW-1", "B-NEW-1c", ago(20));
    // The flag as a JSON number written with a fraction, as a serialiser of doubles writes it: read as the 0 it is.
    Response r = post("3505A", shenzhenKey, sale3505A(SHENZHEN,
        newLayoutLine("R-NEW-1", "B-NEW-1a", ago(20), a, b).put("trdn_flag", 0.0), selfPaidSplit, noCode));
    assertStored(r);
    JsonArray results = results(r);
    assertEquals(3, results.size());
    for (int i = 0; i < 3; i++) {
      assertEquals("ACCEPTED", results.getJsonObject(i).getString("status"), r.body());
    }
    assertEquals(new JsonArray().add(2), r.json().getJsonObject("output").getJsonObject("tracesentinel")
        .getJsonArray("linesWithoutCode"));
    assertTrue(businessResult(r).getString("msgRslt").contains("input.selinfoDetail[2]"), r.body());
    assertEquals(1, count("canonical = '" + a + "' AND line_no = 1 AND settlement_id = 'S4403R-NEW-1'"));
    assertEquals(1, count("canonical = '" + b + "' AND line_no = 1 AND upload_batch = 'B-NEW-1a'"));
    assertEquals(1, count("canonical = '" + split + "' AND split AND quantity = 6 AND settlement_id IS NULL"
        + " AND upload_batch = 'B-NEW-1b'"), "a self-paid split sale of 6 units");
  }

  @Test
  void theSameUploadSentTwiceIsReplayedNeverARepeatSale() {
    String a = newCode();
    String b = newCode();
    JsonObject line = newLayoutLine("R-DUP-1", "B-DUP-1", ago(15), a, b);
    JsonObject message = sale3505A(SHENZHEN, saleLine(newCode(), "R-DUP-0", "B-DUP-0", ago(15)), line);
    assertStored(post("3505A", shenzhenKey, message));
    Response again = post("3505A", shenzhenKey, message);
    assertStored(again);
    assertEquals("1", businessResult(again).getString("retRslt"), "a double upload is not the sender's failure");
    assertTrue(businessResult(again).getString("msgRslt").contains("0 codes stored now (accepted 0, flagged 0, "
        + "rejected 0), 3 stored before (replayed)"), "the retry stored nothing itself: " + again.body());
    for (Object o : results(again)) {
      JsonObject result = (JsonObject) o;
      assertEquals("REPLAYED", result.getString("status"), again.body());
      assertEquals("ACCEPTED", result.getJsonObject("original").getString("status"));
    }
    // The retry of another vendor: the same line alone, as a 3505.
    Response alone = post("3505", shenzhenKey, sale3505(SHENZHEN, line.copy()).put("msgid", "another-msgid"));
    assertEquals("REPLAYED", results(alone).getJsonObject(1).getString("status"), alone.body());
    // Built from a query without an order: the codes in the other order, and each box as an old-layout 3505.
    Response reordered = post("3505", shenzhenKey, sale3505(SHENZHEN, newLayoutLine("R-DUP-1", "B-DUP-1", ago(15),
        b, a)));
    Response oldLayout = post("3505", shenzhenKey, sale3505(SHENZHEN, saleLine(b, "R-DUP-1", "B-DUP-1", ago(15))));
    for (Response r : new Response[] {reordered, oldLayout}) {
      assertStored(r);
      for (Object o : results(r)) {
        assertEquals("REPLAYED", ((JsonObject) o).getString("status"), r.body());
      }
    }
    assertEquals(1, count("canonical = '" + b + "'"));
    assertEquals(1, count("canonical = '" + a + "'"));
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM anomalies WHERE canonical IN ('" + a + "', '"
        + b + "')"));
  }

  /**
   * The same box twice on one receipt, in a message never sent before: stored once (the second is REPLAYED, README
   * "A re-sent upload is REPLAYED"), and the answer must not tell the sender that an earlier message had stored it.
   */
  @Test
  void aBoxListedTwiceInANewMessageIsNotCountedAsStoredBefore() {
    String a = newCode();
    String b = newCode();
    JsonObject message = sale3505A(SHENZHEN, newLayoutLine("R-TWICE-1", "B-TWICE-1", ago(12), a, b, a),
        saleLine(b, "R-TWICE-1", "B-TWICE-1", ago(12)));
    Response first = post("3505A", shenzhenKey, message);
    assertStored(first);
    assertEquals(1, count("canonical = '" + a + "'"));
    assertEquals(1, count("canonical = '" + b + "'"));
    String msg = businessResult(first).getString("msgRslt");
    assertTrue(msg.contains("2 codes stored now (accepted 2, flagged 0, rejected 0), 0 stored before (replayed), 2 "
        + "repeated within this message"), msg);
    assertTrue(msg.contains("此前已保存 0 个，本报文内重复 2 个"), msg);
    Response again = post("3505A", shenzhenKey, message);
    String msgAgain = businessResult(again).getString("msgRslt");
    assertTrue(msgAgain.contains("0 codes stored now (accepted 0, flagged 0, rejected 0), 2 stored before (replayed), "
        + "2 repeated within this message"), "the first stored each box once, not each copy: " + msgAgain);
    assertTrue(msgAgain.contains("此前已保存 2 个，本报文内重复 2 个"), msgAgain);
  }

  @Test
  void aSaleOfTheSameBoxInAnotherCityIsFlaggedNamingTheFirstDocument() {
    String code = newCode();
    assertStored(post("3505", shenzhenKey, sale3505(SHENZHEN, saleLine(code, "R-SZ-9", "B-SZ-9", ago(120)))));
    Response r = post("3505", TestService.ADMIN_KEY, sale3505(BEIJING, saleLine(code, "R-BJ-9", "B-BJ-9", ago(60))));
    assertStored(r);
    JsonObject result = results(r).getJsonObject(0);
    assertEquals("FLAGGED", result.getString("status"), r.body());
    JsonObject anomaly = result.getJsonArray("anomalies").getJsonObject(0);
    assertEquals("REPEAT_SALE", anomaly.getString("type"));
    assertEquals("COUNTERFEIT", anomaly.getString("suspicion"));
    assertEquals("R-SZ-9", anomaly.getJsonObject("conflictsWith").getString("documentNo"));
    assertEquals("1", businessResult(r).getString("retRslt"), "flagged is stored: the upload itself succeeded");
  }

  /**
   * The anomaly of a sale that its site then deleted (3507) stays listed, marked with when it was voided: it was
   * listed like any other, and investigators chased a sale the site had deleted.
   */
  @Test
  void aDeletedSalesAnomalyIsMarkedVoidedInTheListAndTheExport() {
    String code = newCode();
    assertStored(post("3505", shenzhenKey, sale3505(SHENZHEN, saleLine(code, "R-VD-1", "B-VD-1", ago(120)))));
    Response flagged = post("3505", TestService.ADMIN_KEY, sale3505(BEIJING, saleLine(code, "R-VD-2", "B-VD-2",
        ago(60))));
    assertEquals("FLAGGED", results(flagged).getJsonObject(0).getString("status"), flagged.body());
    JsonObject before = beijingAnomalyOf(code);
    assertTrue(before.containsKey("voidedAt"), before.encode());
    assertNull(before.getString("voidedAt"), "not voided yet");

    assertStored(post("3507", TestService.ADMIN_KEY, delete3507(BEIJING, "B-VD-2", "4")));
    JsonObject after = beijingAnomalyOf(code);
    assertEquals(before.getLong("id"), after.getLong("id"), "still listed");
    assertNotNull(after.getString("voidedAt"), after.encode());
    String csv = svc.send(svc.request("/api/v1/anomalies?siteId=" + BEIJING, TestService.ADMIN_KEY)
        .header("Accept", "text/csv").GET().build()).body();
    String line = csv.lines().filter(l -> l.contains(code)).findFirst().orElseThrow();
    assertTrue(line.endsWith("," + after.getString("voidedAt")), line);

    // voided=true lists only such anomalies, voided=false hides them
    assertTrue(listed("voided=true", code), "listed with voided=true");
    assertFalse(listed("voided=false", code), "hidden with voided=false");
    assertTrue(svc.get("/api/v1/anomalies?siteId=" + BEIJING + "&voided=false&limit=1000", TestService.ADMIN_KEY)
        .json().getJsonArray("items").stream().map(JsonObject.class::cast)
        .allMatch(a -> a.getString("voidedAt") == null), "voided=false lists none voided");
    Response bad = svc.get("/api/v1/anomalies?voided=maybe", TestService.ADMIN_KEY);
    assertEquals(400, bad.status(), bad.body());
  }

  private static boolean listed(String filter, String code) {
    return svc.get("/api/v1/anomalies?siteId=" + BEIJING + "&" + filter + "&limit=1000", TestService.ADMIN_KEY).json()
        .getJsonArray("items").stream().map(JsonObject.class::cast).anyMatch(a -> code.equals(a.getString("canonical")));
  }

  private static JsonObject beijingAnomalyOf(String code) {
    JsonArray items = svc.get("/api/v1/anomalies?siteId=" + BEIJING + "&limit=1000", TestService.ADMIN_KEY).json()
        .getJsonArray("items");
    for (int i = 0; i < items.size(); i++) {
      if (code.equals(items.getJsonObject(i).getString("canonical"))) {
        return items.getJsonObject(i);
      }
    }
    throw new AssertionError("no anomaly of " + code + " in " + items.encode());
  }

  @Test
  void aReturnUndoesTheSaleSoTheBoxMaySellAgain() {
    String code = newCode();
    assertStored(post("3505", shenzhenKey, sale3505(SHENZHEN, saleLine(code, "R-RT-1", "B-RT-1", ago(180)))));
    Response ret = post("3506", shenzhenKey, return3506(SHENZHEN, saleLine(code, "RT-RT-1", "B-RT-2", ago(170)),
        "R-RT-1"));
    assertStored(ret);
    assertEquals("ACCEPTED", results(ret).getJsonObject(0).getString("status"), ret.body());
    assertEquals(1, count("canonical = '" + code + "' AND type = 'RETURN' AND linked_document_no = 'R-RT-1'"));
    // Kept for investigators: the timeline names the sale the return says it undoes (it was stored and never shown).
    JsonArray events = svc.get("/api/v1/codes/" + code + "/events", TestService.ADMIN_KEY).json().getJsonArray("events");
    assertEquals("R-RT-1", events.getJsonObject(1).getString("linkedDocumentNo"), events.encode());
    assertTrue(events.getJsonObject(0).containsKey("linkedDocumentNo"), "a sale's is null, not absent");
    assertNull(events.getJsonObject(0).getString("linkedDocumentNo"));
    Response resale = post("3505", TestService.ADMIN_KEY, sale3505(BEIJING, saleLine(code, "R-RT-3", "B-RT-3",
        ago(100))));
    assertEquals("ACCEPTED", results(resale).getJsonObject(0).getString("status"), resale.body());
  }

  /**
   * A box sold in Shenzhen and then in Beijing pairs the two sites in the ring index; Beijing's upload deleted (3507),
   * the pair no longer shares that code, and Shenzhen still sold it. The corrected upload that usually follows pairs
   * them again.
   */
  @Test
  void aDeletedSaleLeavesTheRingIndexAndItsCorrectionComesBack() throws Exception {
    String code = newCode();
    assertStored(post("3505", shenzhenKey, sale3505(SHENZHEN, saleLine(code, "R-RING-1", "B-RING-1", ago(120)))));
    assertStored(post("3505", TestService.ADMIN_KEY, sale3505(BEIJING, saleLine(code, "R-RING-2", "B-RING-2",
        ago(60)))));
    svc.awaitRingIndex();
    assertEquals(2, ringRows("ring_code_sites", code));
    assertEquals(1, ringRows("ring_codes", code));
    long pairBefore = pairCodes();

    assertStored(post("3507", TestService.ADMIN_KEY, delete3507(BEIJING, "B-RING-2", "4")));
    assertEquals(1, ringRows("ring_code_sites", code), "Shenzhen's sale still stands");
    assertEquals(0, ringRows("ring_codes", code));
    assertEquals(pairBefore - 1, pairCodes());
    assertEquals(TestDatabase.count(svc.db(), "SELECT count(*) FROM ring_codes WHERE site_a = '" + BEIJING
        + "' AND site_b = '" + SHENZHEN + "'"), pairCodes(), "the pair's total is its codes");

    assertStored(post("3505", TestService.ADMIN_KEY, sale3505(BEIJING, saleLine(code, "R-RING-3", "B-RING-3",
        ago(59)))));
    svc.awaitRingIndex();
    assertEquals(1, ringRows("ring_codes", code));
    assertEquals(pairBefore, pairCodes());
  }

  private static long ringRows(String table, String code) {
    return TestDatabase.count(svc.db(), "SELECT count(*) FROM " + table + " WHERE code_key = (SELECT code_key FROM "
        + "scans WHERE canonical = '" + code + "' LIMIT 1)");
  }

  /** Beijing's and Shenzhen's shared codes in all (other tests here pair them too). */
  private static long pairCodes() {
    return TestDatabase.count(svc.db(), "SELECT coalesce(sum(codes), 0) FROM ring_pairs WHERE site_a = '" + BEIJING
        + "' AND site_b = '" + SHENZHEN + "'");
  }

  @Test
  void afterADeletionTheLookUpListsEverySaleItCounts() {
    String code = newCode();
    assertStored(post("3505", shenzhenKey, sale3505(SHENZHEN, saleLine(code, "R-DS-1", "B-DS-1", ago(60)))));
    Response twice = post("3505", shenzhenKey, sale3505(SHENZHEN, saleLine(code, "R-DS-2", "B-DS-2", ago(50))));
    assertEquals("DOUBLE_SCAN", results(twice).getJsonObject(0).getJsonArray("anomalies").getJsonObject(0)
        .getString("type"), twice.body());
    assertStored(post("3505", TestService.ADMIN_KEY, sale3505(BEIJING, saleLine(code, "R-DS-3", "B-DS-3", ago(40)))));
    // The sale the double scan repeated is deleted: the double scan is now Shenzhen's one sale, and counted.
    assertStored(post("3507", shenzhenKey, delete3507(SHENZHEN, "B-DS-1", "4")));
    JsonObject lookUp = svc.get("/api/v1/verify/" + code, null).json();
    assertEquals(2, lookUp.getInteger("saleCount"), lookUp.encode());
    assertEquals(2, lookUp.getJsonArray("recentSales").size(), "the sales saleCount counts: " + lookUp.encode());
  }

  /**
   * The NHSA gateway takes every interface at one address, the envelope's infno saying which: a system configured
   * with that one address got a 404 for each message.
   */
  @Test
  void everyInterfaceIsTakenAtOneUrlByTheEnvelopesInfno() {
    String code = newCode();
    JsonObject sale = sale3505(SHENZHEN, saleLine(code, "R-ONE-1", "B-ONE-1", ago(45)));
    Response sold = svc.post("/api/v1/nhsa", shenzhenKey, sale);
    assertStored(sold);
    assertEquals("ACCEPTED", results(sold).getJsonObject(0).getString("status"), sold.body());
    assertEquals("3505", sold.json().getJsonObject("output").getJsonObject("tracesentinel").getString("infno"));
    Response again = post("3505", shenzhenKey, sale);
    assertEquals("REPLAYED", results(again).getJsonObject(0).getString("status"), "one scan, whichever URL: "
        + again.body());
    Response withSlash = svc.post("/api/v1/nhsa/", shenzhenKey, sale);
    assertEquals("REPLAYED", results(withSlash).getJsonObject(0).getString("status"), withSlash.body());
    Response deleted = svc.post("/api/v1/nhsa", shenzhenKey, delete3507(SHENZHEN, "B-ONE-1", "4"));
    assertStored(deleted);
    assertEquals(1, deleted.json().getJsonObject("output").getJsonObject("tracesentinel").getInteger("scansVoided"),
        deleted.body());
    assertEquals(1, count("canonical = '" + code + "' AND voided_at IS NOT NULL"));

    JsonObject unnamed = sale3505(SHENZHEN, saleLine(newCode(), "R-ONE-2", "B-ONE-2", ago(44)));
    unnamed.remove("infno");
    Response refused = svc.post("/api/v1/nhsa", shenzhenKey, unnamed);
    assertEquals(200, refused.status(), refused.body());
    assertEquals(-1, refused.json().getInteger("infcode"), refused.body());
    assertTrue(refused.json().getString("err_msg").contains("infno"), refused.body());
    assertEquals(0, count("document_no = 'R-ONE-2'"));

    Response get = svc.get("/api/v1/nhsa", shenzhenKey);
    assertEquals(405, get.status(), get.body());
    assertEquals(-1, get.json().getInteger("infcode"), get.body());
  }

  @Test
  void aDeletionVoidsTheUploadAndIsAnsweredTheSameWhenSentAgain() {
    String code = newCode();
    assertStored(post("3505", shenzhenKey, sale3505(SHENZHEN, saleLine(code, "R-DEL-1", "B-DEL-1", ago(50)))));
    Response deleted = post("3507", shenzhenKey, delete3507(SHENZHEN, "B-DEL-1", "4"));
    assertStored(deleted);
    JsonObject ours = deleted.json().getJsonObject("output").getJsonObject("tracesentinel");
    assertEquals(1, ours.getInteger("scansVoided"), deleted.body());
    assertEquals(1, ours.getInteger("codesRederived"));
    assertEquals(0, ours.getJsonArray("lateDeletions").size());
    assertEquals(1, count("canonical = '" + code + "' AND voided_at IS NOT NULL"));
    Response again = post("3507", shenzhenKey, delete3507(SHENZHEN, "B-DEL-1", "4"));
    assertStored(again);
    assertEquals("1", businessResult(again).getString("retRslt"), again.body());
    assertEquals(0, again.json().getJsonObject("output").getJsonObject("tracesentinel").getInteger("scansVoided"));
    Response inventory = post("3507", shenzhenKey, delete3507(SHENZHEN, "B-DEL-1", "1"));
    assertTrue(businessResult(inventory).getString("msgRslt").contains("inv_data_type 4"), inventory.body());
    // The box was never sold, as far as anyone can tell now: another pharmacy's sale raises nothing.
    Response other = post("3505", TestService.ADMIN_KEY, sale3505(BEIJING, saleLine(code, "R-DEL-2", "B-DEL-2",
        ago(40))));
    assertEquals("ACCEPTED", results(other).getJsonObject(0).getString("status"), other.body());
    // The timeline keeps both sales and says which one the deletion voided.
    Response timeline = svc.get("/api/v1/codes/" + code + "/events", TestService.ADMIN_KEY);
    JsonArray events = timeline.json().getJsonArray("events");
    assertEquals(2, events.size(), timeline.body());
    assertEquals("B-DEL-1", events.getJsonObject(0).getString("uploadBatch"));
    assertNotNull(events.getJsonObject(0).getString("voidedAt"), "the deleted sale is marked voided");
    assertNull(events.getJsonObject(1).getString("voidedAt"), "the later sale counts");
  }

  @Test
  void aCodeWhoseEverySaleIsDeletedStandsAsNeverSold() {
    // the deletion leaves the ledger no entry for it, and its events answered state null, as if nothing were known
    String code = newCode();
    assertStored(post("3505", shenzhenKey, sale3505(SHENZHEN, saleLine(code, "R-ALL-1", "B-ALL-1", ago(30)))));
    assertStored(post("3507", shenzhenKey, delete3507(SHENZHEN, "B-ALL-1", "4")));
    TestDatabase.execute(svc.db(), "INSERT INTO code_lookups SELECT code_key, 3 FROM scans WHERE canonical = '"
        + code + "'");
    Response timeline = svc.get("/api/v1/codes/" + code + "/events", TestService.ADMIN_KEY);
    assertEquals(200, timeline.status(), timeline.body());
    assertNotNull(timeline.json().getJsonArray("events").getJsonObject(0).getString("voidedAt"), timeline.body());
    JsonObject state = timeline.json().getJsonObject("state");
    assertNotNull(state, timeline.body());
    assertEquals(0, state.getInteger("soldUnits"));
    assertEquals(0, state.getInteger("saleCount"));
    assertEquals(0, state.getInteger("sites"));
    assertFalse(state.getBoolean("destroyed"));
    assertTrue(state.containsKey("lastSale") && state.getValue("lastSale") == null, state.encode());
    assertEquals(3, state.getLong("lookups"), "its look-ups are still counted");
  }

  @Test
  void aMalformedMessageIsInfcodeMinusOneNamingEachFieldAndStoresNothing() {
    String code = newCode();
    JsonObject line = saleLine(code, "R-BAD-1", "B-BAD-1", "2026-11-28T10:15:30").put("trdn_flag", "Y");
    Response r = post("3505", shenzhenKey, sale3505(SHENZHEN, line));
    assertEquals(200, r.status(), "an NHSA client reads infcode, not the HTTP status");
    assertEquals(-1, r.json().getInteger("infcode"), r.body());
    String err = r.json().getString("err_msg");
    assertTrue(err.contains("input.selinfo.sel_retn_time: 销售/退货时间须为 yyyy-MM-dd HH:mm:ss"), err);
    assertTrue(err.contains("must be yyyy-MM-dd HH:mm:ss in China time"), err);
    assertTrue(err.contains("input.selinfo.trdn_flag"), err);
    assertEquals("0", businessResult(r).getString("retRslt"));
    assertEquals(2, r.json().getJsonObject("output").getJsonObject("tracesentinel").getJsonArray("errors").size());
    assertEquals(0, count("canonical = '" + code + "'"));

    Response notJson = svc.send(svc.request("/api/v1/nhsa/3505", shenzhenKey)
        .POST(HttpRequest.BodyPublishers.ofString("{\"infno\": \"3505\", ")).build());
    assertEquals(200, notJson.status());
    assertEquals(-1, notJson.json().getInteger("infcode"), notJson.body());
    Response unsupported = post("3501", shenzhenKey, sale3505(SHENZHEN, saleLine(code, "R", "B", ago(1))));
    assertTrue(unsupported.json().getString("err_msg").startsWith("infno: 不支持的交易编号 3501"), unsupported.body());
  }

  @Test
  void aMessageThatIsNotWellFormedUtf8IsRefusedNotRewritten() {
    String code = newCode();
    String json = sale3505(SHENZHEN, saleLine(code, "R-UTF-X", "B-UTF-1", ago(1))).encode();
    byte[] bytes = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    int x = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("R-UTF-X"); // a byte offset
    // "R-UTF-" then an overlong "/" (C0 AF), which a lenient decoder reads as "/"
    byte[] overlong = new byte[bytes.length + 1];
    System.arraycopy(bytes, 0, overlong, 0, x + 6);
    overlong[x + 6] = (byte) 0xC0;
    overlong[x + 7] = (byte) 0xAF;
    System.arraycopy(bytes, x + 7, overlong, x + 8, bytes.length - x - 7);
    Response r = svc.send(svc.request("/api/v1/nhsa/3505", shenzhenKey).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(overlong)).build());
    assertEquals(-1, r.json().getInteger("infcode"), r.body());
    assertTrue(r.json().getString("err_msg").contains("not JSON in UTF-8"), r.body());
    assertEquals(0, count("canonical = '" + code + "'"));
    Response plain = post("3505", shenzhenKey, sale3505(SHENZHEN, saleLine(code, "R-UTF-/", "B-UTF-1", ago(1))));
    assertEquals("ACCEPTED", results(plain).getJsonObject(0).getString("status"), plain.body());
  }

  @Test
  void aRejectedCodeIsNamedByItsFieldAndTheRestOfTheMessageIsStored() {
    String good = newCode();
    Response r = post("3505A", shenzhenKey, sale3505A(SHENZHEN,
        newLayoutLine("R-REJ-1", "B-REJ-1", ago(10), good, "81000010000000000X1", "8".repeat(1_001)),
        saleLine(newCode(), "R-REJ\u00002", "B-REJ-2", ago(10))));
    assertStored(r);
    JsonArray results = results(r);
    assertEquals("ACCEPTED", results.getJsonObject(0).getString("status"));
    assertEquals("REJECTED", results.getJsonObject(1).getString("status"));
    assertEquals("input.selinfoDetail[0].drugtracinfo[1].drug_trac_codg", results.getJsonObject(1).getString("field"));
    // A code of any length is a REJECTED code, not a malformed message: one garbled code refused the whole upload.
    assertEquals("REJECTED", results.getJsonObject(2).getString("status"));
    assertEquals("input.selinfoDetail[0].drugtracinfo[2].drug_trac_codg", results.getJsonObject(2).getString("field"));
    assertTrue(results.getJsonObject(2).getString("error").contains("1001 characters"), r.body());
    assertEquals("REJECTED", results.getJsonObject(3).getString("status"));
    assertTrue(results.getJsonObject(3).getString("error").startsWith("documentNo holds U+0000"), r.body());
    assertEquals("input.selinfoDetail[1].rtal_docno", results.getJsonObject(3).getString("errorField"));
    JsonObject business = businessResult(r);
    assertEquals("0", business.getString("retRslt"));
    assertTrue(business.getString("msgRslt").contains("首个拒收 input.selinfoDetail[0].drugtracinfo[1]"
        + ".drug_trac_codg：药品追溯码无效"), business.encode());
    assertEquals(1, count("canonical = '" + good + "'"));
  }

  /** A path the router answers after removing its dot segments is this route's: its refusals are envelopes too. */
  @Test
  void aPathWithDotSegmentsIsRefusedInTheEnvelope() throws Exception {
    String body = sale3505(SHENZHEN, saleLine(newCode(), "R-DOT-1", "B-DOT-1", ago(5))).encode();
    for (String path : java.util.List.of("/api/v1/./nhsa/3505", "/api/v1/x/../nhsa/3505", "/api/./v1/nhsa/3507")) {
      try (RawHttp c = new RawHttp(svc.port())) {
        c.send(RawHttp.request("POST", path, null, "Content-Type: application/json\r\nContent-Length: "
            + body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + "\r\n") + body);
        RawHttp.Reply r = c.read();
        assertEquals(401, r.status(), path + ": " + r.body());
        assertEquals(-1, new JsonObject(r.body()).getInteger("infcode"), path + ": " + r.body());
      }
    }
    assertEquals(0, count("document_no = 'R-DOT-1'"));
  }

  @Test
  void keysAndRefusalsAreAnsweredInTheEnvelopeWithTheirHttpStatus() {
    JsonObject message = sale3505(SHENZHEN, saleLine(newCode(), "R-AUTH-1", "B-AUTH-1", ago(5)));
    Response noKey = post("3505", null, message);
    assertEquals(401, noKey.status());
    assertEquals(-1, noKey.json().getInteger("infcode"), noKey.body());
    assertTrue(noKey.json().getString("err_msg").startsWith("缺少或无效的 API 密钥 / "), noKey.body());
    Response otherSite = post("3505", shenzhenKey, sale3505(BEIJING, saleLine(newCode(), "R", "B", ago(5))));
    assertEquals(403, otherSite.status());
    assertEquals(-1, otherSite.json().getInteger("infcode"), otherSite.body());
    // malformed too: whose message it is still decides first, and its errors are not this key's to read
    Response malformedOther = post("3505", shenzhenKey, sale3505(BEIJING, saleLine(newCode(), "R", "B", ago(5)))
        .put("input", "not an object"));
    assertEquals(403, malformedOther.status(), malformedOther.body());
    assertEquals(-1, malformedOther.json().getInteger("infcode"), malformedOther.body());
    Response malformedOwn = post("3505", shenzhenKey, sale3505(SHENZHEN, saleLine(newCode(), "R", "B", ago(5)))
        .put("input", "not an object"));
    assertEquals(200, malformedOwn.status(), malformedOwn.body());
    assertTrue(malformedOwn.json().getString("err_msg").contains("input"), malformedOwn.body());
    Response deleteOther = post("3507", shenzhenKey, delete3507(BEIJING, "B-BJ-9", "4"));
    assertEquals(403, deleteOther.status(), "a scanner deletes only its own site's uploads");
    assertTrue(otherSite.json().getString("err_msg").startsWith("该密钥无权为此定点医药机构上传 / "), otherSite.body());
    Response investigator = post("3505", svc.key("investigator", null), message);
    assertEquals(403, investigator.status());
    // Both halves say the same: the key's role is refused, not its site (an investigator's key has none).
    assertTrue(investigator.json().getString("err_msg").startsWith("该密钥的角色无权上传（须为本机构的扫码密钥或管理员密钥） / "
        + "this key's role may not do that"), investigator.body());

    Response tooLarge = svc.send(svc.request("/api/v1/nhsa/3505", shenzhenKey).header("Content-Type",
        "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"memo\": \"" + "x".repeat(1_100_000)
        + "\"}")).build());
    assertEquals(413, tooLarge.status());
    assertEquals(-1, tooLarge.json().getInteger("infcode"), tooLarge.body());

    // A till whose HTTP library compresses: the Chinese half says what to change, as the English half does.
    Response gzip = svc.send(svc.request("/api/v1/nhsa/3505", shenzhenKey).header("Content-Type", "application/json")
        .header("Content-Encoding", "gzip").POST(HttpRequest.BodyPublishers.ofString(message.encode())).build());
    assertEquals(415, gzip.status(), gzip.body());
    assertEquals(-1, gzip.json().getInteger("infcode"), gzip.body());
    assertTrue(gzip.json().getString("err_msg").startsWith("不接受压缩的报文（Content-Encoding），请以未压缩的 JSON 发送 / "),
        gzip.body());
    // A message labelled XML was read as JSON and stored; the envelope says what to send instead.
    Response xml = svc.send(svc.request("/api/v1/nhsa/3505", shenzhenKey).header("Content-Type", "application/xml")
        .POST(HttpRequest.BodyPublishers.ofString(message.encode())).build());
    assertEquals(415, xml.status(), xml.body());
    assertEquals(-1, xml.json().getInteger("infcode"), xml.body());
    assertTrue(xml.json().getString("err_msg").startsWith("只接受 JSON 报文（Content-Type: application/json） / "),
        xml.body());
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE document_no = 'R-AUTH-1'"));

    // Another method, a path below an infno: a client reading infcode met a problem document.
    Response get = svc.get("/api/v1/nhsa/3505", shenzhenKey);
    assertEquals(405, get.status(), get.body());
    assertEquals(-1, get.json().getInteger("infcode"), get.body());
    assertTrue(get.json().getString("err_msg").startsWith("只接受 POST 上传 / "), get.body());
    Response none = svc.post("/api/v1/nhsa/3505/x", shenzhenKey, message);
    assertEquals(404, none.status(), none.body());
    assertEquals(-1, none.json().getInteger("infcode"), none.body());
    assertTrue(none.json().getString("err_msg").startsWith("没有这个接口，请用 POST /api/v1/nhsa（交易编号见报文 infno）或 "
        + "POST /api/v1/nhsa/{infno} / "), none.body());
  }

  @Test
  void whenTheCoreStoresNothingTheAnswerIs503WithRetryAfter() {
    String code = newCode();
    svc.app().services().scans().pause("paused by the test");
    try {
      Response r = post("3505", shenzhenKey, sale3505(SHENZHEN, saleLine(code, "R-503-1", "B-503-1", ago(5))));
      assertEquals(503, r.status(), r.body());
      assertNotNull(r.retryAfter());
      assertEquals(-1, r.json().getInteger("infcode"));
      assertTrue(r.json().getString("err_msg").startsWith("服务暂时不可用，未保存任何内容，请稍后重发"), r.body());
      // A deletion stores nothing either way: what it did not do is void the upload's scans
      Response deletion = post("3507", shenzhenKey, delete3507(SHENZHEN, "B-503-1", "4"));
      assertEquals(503, deletion.status(), deletion.body());
      assertTrue(deletion.json().getString("err_msg").startsWith("服务暂时不可用，未作废任何扫码，请稍后重发删除 / "),
          deletion.body());
      // at the one URL, only the message says it is a deletion
      Response atOneUrl = svc.post("/api/v1/nhsa", shenzhenKey, delete3507(SHENZHEN, "B-503-1", "4"));
      assertEquals(503, atOneUrl.status(), atOneUrl.body());
      assertTrue(atOneUrl.json().getString("err_msg").startsWith("服务暂时不可用，未作废任何扫码，请稍后重发删除 / "),
          atOneUrl.body());
    } finally {
      svc.app().services().scans().resume();
    }
    assertEquals(0, count("canonical = '" + code + "'"));
  }
}
