package com.tracesentinel.http;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** POST /api/v1/scans end to end on the real service and PostgreSQL: the contract of the README's "HTTP API" and /openapi.yaml. */
@Tag("slow")
class ScanApiTest {
  private static final AtomicLong CODES = new AtomicLong(810_000_000_000_000_000L);
  private static TestService svc;
  private static String pharmacyA;
  private static String pharmacyB;
  private static String investigator;

  @BeforeAll
  static void start() throws Exception {
    svc = TestService.start();
    svc.sites("PA", "440305", "PB", "440306", "PC", "110105");
    pharmacyA = svc.key("scanner", "PA");
    pharmacyB = svc.key("scanner", "PB");
    investigator = svc.key("investigator", null);
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
  }

  static String newCode() {
    return Long.toString(CODES.incrementAndGet()) + "00";
  }

  static JsonObject scan(String code, String site, String doc, Instant at) {
    return new JsonObject().put("code", code).put("siteId", site).put("documentNo", doc)
        .put("scannedAt", at.toString());
  }

  /**
   * Bodies are buffered whole before they are read, up to 1 MiB each: one scanner key opening connections that each
   * announce 1 MiB and send it slowly made the service hold all of it (400 such connections exhausted a 300 MB heap,
   * and the service then answered nobody, not even /health/live). A key may have 64 MiB of bodies in hand; beyond,
   * 503 with Retry-After before the body is read, and other keys are not affected.
   */
  @Test
  void oneKeyCannotHoldMoreThanItsShareOfBodiesInHand() throws Exception {
    String greedy = svc.key("scanner", "PB");
    String head = RawHttp.request("POST", "/api/v1/scans", greedy, "Content-Type: application/json\r\n"
        + "Content-Length: 1048576\r\n");
    // The held heads are let in as their keys are checked: until the last is, a post may still fit, and a post
    // counted among them leaves the last head no room (a 503 on that connection): each such head is sent again.
    try (StalledUploads held = new StalledUploads(svc, head, "{\"code\":\"".getBytes(StandardCharsets.UTF_8), 64)) {
      String[] doc = new String[1];
      Response refused = held.awaitAnswer(() -> {
        doc[0] = "HOLD-" + System.nanoTime();
        return svc.post("/api/v1/scans", greedy, scan(newCode(), "PB", doc[0], Instant.now()));
      }, 503);
      assertNotNull(refused.retryAfter());
      assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE document_no = '" + doc[0] + "'"));
      Response other = svc.post("/api/v1/scans", pharmacyA, scan(newCode(), "PA", "HOLD-2", Instant.now()));
      assertEquals(200, other.status(), other.body());
      held.releaseOne();
      Response after = null;
      for (int i = 0; i < 100 && (after == null || after.status() != 200); i++) {
        Thread.sleep(50);
        after = svc.post("/api/v1/scans", greedy, scan(newCode(), "PB", "HOLD-3", Instant.now()));
      }
      assertEquals(200, after.status(), after.body());
    }
  }

  @Test
  void firstSaleIsAcceptedWithItsCanonicalCode() {
    String code = newCode();
    Response r = svc.post("/api/v1/scans", pharmacyA, scan("  " + code + "\r\n", "PA", "D1", Instant.now()));
    assertEquals(200, r.status(), r.body());
    JsonObject result = r.result(0);
    assertEquals("ACCEPTED", result.getString("status"));
    assertEquals(code, result.getString("canonical"));
    assertEquals(code.substring(0, 7), result.getString("product"));
    assertEquals(0, result.getJsonArray("anomalies").size());
    assertEquals(1, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE canonical = '" + code + "'"));
  }

  @Test
  void aCodeThatIsOnlyScannerNoiseIsRejectedAloneNotTheWholeBatch() {
    String good = newCode();
    JsonArray batch = new JsonArray().add(scan(good, "PA", "NOISE-1", Instant.now()));
    String[] noise = {"", "   ", "\u001d", "\r\n", "\uFEFF", "]d2"};
    for (int i = 0; i < noise.length; i++) {
      batch.add(new JsonObject().put("code", noise[i]).put("siteId", "PA").put("documentNo", "NOISE-1")
          .put("lineNo", i + 2));
    }
    Response r = svc.post("/api/v1/scans", pharmacyA, new JsonObject().put("scans", batch));
    assertEquals(200, r.status(), r.body());
    assertEquals("ACCEPTED", r.result(0).getString("status"));
    for (int i = 0; i < noise.length; i++) {
      JsonObject rejected = r.result(i + 1);
      assertEquals("REJECTED", rejected.getString("status"), rejected.encode());
      assertTrue(rejected.getString("error").contains("no code"), rejected.encode());
    }
    assertEquals(1 + noise.length, TestDatabase.count(svc.db(),
        "SELECT count(*) FROM scans WHERE document_no = 'NOISE-1'"), "every misread kept as evidence");
    assertEquals(400, svc.post("/api/v1/scans", pharmacyA, new JsonObject().put("siteId", "PA")
        .put("documentNo", "NOISE-2")).status(), "no code at all is still a malformed request");
  }

  /**
   * However long a code is, it is an invalid code (TOO_LONG), REJECTED and kept with what its till sent, not a 400
   * for its batch: a code over 1,000 characters (a scanner sending codes without a line end) refused every scan of
   * the batch with it.
   */
  @Test
  void aCodeOfAnyLengthIsRejectedAloneNotTheWholeBatch() {
    String good = newCode();
    String garbled = good.repeat(60);
    JsonArray batch = new JsonArray().add(scan(good, "PA", "LONG-1", Instant.now()))
        .add(scan(garbled, "PA", "LONG-1", Instant.now()).put("lineNo", 2));
    Response r = svc.post("/api/v1/scans", pharmacyA, new JsonObject().put("scans", batch));
    assertEquals(200, r.status(), r.body());
    assertEquals("ACCEPTED", r.result(0).getString("status"));
    JsonObject rejected = r.result(1);
    assertEquals("REJECTED", rejected.getString("status"), rejected.encode());
    assertTrue(rejected.getString("error").contains("the code has 1200 characters"), rejected.encode());
    assertEquals(1, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE document_no = 'LONG-1'"
        + " AND status = 'REJECTED' AND raw_code = '" + garbled.substring(0, 1_000) + "'"), "kept as evidence");
  }

  @Test
  void aFieldNamedTwiceInOneScanIs400NamingIt() {
    String code = newCode();
    Response single = svc.send(svc.request("/api/v1/scans", pharmacyA).header("Content-Type", "application/json")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"code\":\"" + code + "\",\"siteId\":\"PB\","
            + "\"siteId\":\"PA\",\"documentNo\":\"TWICE-1\"}")).build());
    assertEquals(400, single.status(), single.body());
    assertEquals("siteId", single.json().getJsonArray("errors").getJsonObject(0).getString("field"), single.body());
    Response batch = svc.send(svc.request("/api/v1/scans", pharmacyA).header("Content-Type", "application/json")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"scans\":[{\"code\":\"" + code + "\","
            + "\"code\":\"" + newCode() + "\",\"siteId\":\"PA\",\"documentNo\":\"TWICE-2\"}]}")).build());
    assertEquals(400, batch.status(), batch.body());
    assertEquals("scans[0].code", batch.json().getJsonArray("errors").getJsonObject(0).getString("field"));
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE document_no LIKE 'TWICE-%'"));
  }

  @Test
  void anUnknownFieldIsIgnoredAndAMisspeltOneRefused() {
    Response extra = svc.post("/api/v1/scans", pharmacyA, new JsonObject().put("scans", new JsonArray()
        .add(new JsonObject().put("code", newCode()).put("siteId", "PA").put("documentNo", "EXTRA-1")
            .put("note", "till 2").put("cashier", new JsonObject().put("id", 7)).put("tags", new JsonArray().add(1)))));
    assertEquals(200, extra.status(), extra.body());
    assertEquals("ACCEPTED", extra.result(0).getString("status"), extra.body());
    // "Type" and "scanned_at" were unknown fields, ignored: a return was judged as a sale, an offline upload as of now
    Response misspelt = svc.post("/api/v1/scans", pharmacyA, new JsonObject().put("scans", new JsonArray()
        .add(new JsonObject().put("code", newCode()).put("siteId", "PA").put("documentNo", "EXTRA-2")
            .put("Type", "RETURN"))
        .add(new JsonObject().put("code", newCode()).put("siteId", "PA").put("documentNo", "EXTRA-2")
            .put("scanned_at", "2026-11-22T10:15:30+08:00").put("note", "ignored"))));
    assertEquals(400, misspelt.status(), misspelt.body());
    assertEquals(new JsonArray()
            .add(new JsonObject().put("field", "scans[0].Type").put("message", "did you mean type?"))
            .add(new JsonObject().put("field", "scans[1].scanned_at").put("message", "did you mean scannedAt?")),
        misspelt.json().getJsonArray("errors"));
    Response single = svc.post("/api/v1/scans", pharmacyA, new JsonObject().put("code", newCode()).put("siteId", "PA")
        .put("documentNo", "EXTRA-3").put("Split", true));
    assertEquals("Split: did you mean split?", single.json().getString("detail"), single.body());
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE document_no IN ('EXTRA-2', "
        + "'EXTRA-3')"));
  }

  @Test
  void aBodyInUtf16WithoutAByteOrderMarkIs400NotReadAsUtf16() {
    String code = newCode();
    String scan = "{\"code\":\"" + code + "\",\"siteId\":\"PA\",\"documentNo\":\"U16-1\"}";
    for (java.nio.charset.Charset utf16 : List.of(java.nio.charset.StandardCharsets.UTF_16LE,
        java.nio.charset.StandardCharsets.UTF_16BE)) {
      Response r = svc.send(svc.request("/api/v1/scans", pharmacyA).header("Content-Type", "application/json")
          .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(scan.getBytes(utf16))).build());
      assertEquals(400, r.status(), utf16 + ": " + r.body());
      assertTrue(r.body().contains("not well-formed UTF-8"), r.body());
    }
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE canonical = '" + code + "'"));
  }

  @Test
  void aBodyThatIsNotWellFormedUtf8Is400AndNotReadAsAnotherScan() {
    String code = newCode();
    byte[] head = ("{\"code\":\"" + code + "\",\"siteId\":\"PA\",\"documentNo\":\"U-")
        .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    byte[] tail = "\"}".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    for (byte[] bad : new byte[][] {{(byte) 0xC0, (byte) 0xAF}, {(byte) 0xE0, (byte) 0x80, (byte) 0xAF},
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}}) {
      java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
      body.writeBytes(head);
      body.writeBytes(bad);
      body.writeBytes(tail);
      Response r = svc.send(svc.request("/api/v1/scans", pharmacyA).header("Content-Type", "application/json")
          .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build());
      assertEquals(400, r.status(), r.body());
      assertTrue(r.contentType().startsWith("application/problem+json"), r.contentType());
      assertTrue(r.body().contains("not well-formed UTF-8"), r.body());
    }
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE canonical = '" + code + "'"));
    Response slash = svc.post("/api/v1/scans", pharmacyA, new JsonObject().put("code", code).put("siteId", "PA")
        .put("documentNo", "U-/"));
    assertEquals("ACCEPTED", slash.result(0).getString("status"), "a new scan, not a replay of the overlong one");
  }

  @Test
  void aResentScanIsReplayedWithTheOriginalResultAndChangesNothing() {
    String code = newCode();
    Instant t = Instant.now().minus(1, ChronoUnit.HOURS);
    svc.post("/api/v1/scans", pharmacyA, scan(code, "PA", "D1", t));
    svc.post("/api/v1/scans", pharmacyB, scan(code, "PB", "D9", t.plusSeconds(60)));
    Response again = svc.post("/api/v1/scans", pharmacyB, scan(code, "PB", "D9", t.plusSeconds(60)));
    JsonObject result = again.result(0);
    assertEquals("REPLAYED", result.getString("status"), again.body());
    JsonObject original = result.getJsonObject("original");
    assertEquals("FLAGGED", original.getString("status"));
    JsonObject anomaly = original.getJsonArray("anomalies").getJsonObject(0);
    assertEquals("REPEAT_SALE", anomaly.getString("type"));
    assertEquals("D1", anomaly.getJsonObject("conflictsWith").getString("documentNo"));
    assertEquals(2, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE canonical = '" + code + "'"));
  }

  /**
   * A re-send is known by its idempotency key alone: sent again after its till's clock jumped (a scannedAt more than
   * 10 minutes ahead, or older than the oldest accepted) it came back REJECTED instead of REPLAYED, and was stored a
   * second time as a rejected scan. A scan with no such key seen before is still rejected for its time.
   */
  @Test
  void aResentScanIsReplayedWhateverTimeItNowCarries() {
    String code = newCode();
    Instant now = Instant.now();
    Response first = svc.post("/api/v1/scans", pharmacyA, scan(code, "PA", "CLOCK-1", now));
    assertEquals("ACCEPTED", first.result(0).getString("status"), first.body());
    Instant[] jumped = {now.plus(1, ChronoUnit.DAYS), now.minus(1_000, ChronoUnit.DAYS)};
    for (Instant at : jumped) {
      Response again = svc.post("/api/v1/scans", pharmacyA, scan(code, "PA", "CLOCK-1", at));
      assertEquals("REPLAYED", again.result(0).getString("status"), again.body());
      assertEquals("ACCEPTED", again.result(0).getJsonObject("original").getString("status"), again.body());
    }
    Response controlCharacter = svc.post("/api/v1/scans", pharmacyA,
        scan(code, "PA", "CLOCK-1", now).put("deviceId", "POS\u0001"));
    assertEquals("REPLAYED", controlCharacter.result(0).getString("status"), controlCharacter.body());
    String other = newCode();
    JsonArray batch = new JsonArray().add(scan(other, "PA", "CLOCK-2", now))
        .add(scan(other, "PA", "CLOCK-2", jumped[0])).add(scan(other, "PA", "CLOCK-3", jumped[0]));
    Response inOneBatch = svc.post("/api/v1/scans", pharmacyA, new JsonObject().put("scans", batch));
    assertEquals("REPLAYED", inOneBatch.result(1).getString("status"), inOneBatch.body());
    JsonObject notResent = inOneBatch.result(2);
    assertEquals("REJECTED", notResent.getString("status"), notResent.encode());
    assertTrue(notResent.getString("error").contains("in the future"), notResent.encode());
    assertEquals(1, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE document_no = 'CLOCK-1'"));
    assertEquals(1, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE document_no = 'CLOCK-2'"));
  }

  @Test
  void aWholeBatchSentAgainIsReplayedScanByScanWithEachOriginal() {
    Instant t = Instant.now().minus(3, ChronoUnit.HOURS);
    String repeated = newCode();
    svc.post("/api/v1/scans", pharmacyB, scan(repeated, "PB", "E0", t.minusSeconds(3600)));
    JsonArray scans = new JsonArray();
    for (int i = 0; i < 50; i++) {
      scans.add(scan(i == 7 ? repeated : newCode(), "PA", "E1", t).put("lineNo", i + 1));
    }
    JsonObject body = new JsonObject().put("scans", scans);
    JsonArray first = svc.post("/api/v1/scans", pharmacyA, body).json().getJsonArray("results");
    JsonArray again = svc.post("/api/v1/scans", pharmacyA, body).json().getJsonArray("results");
    for (int i = 0; i < 50; i++) {
      JsonObject r = again.getJsonObject(i);
      assertEquals("REPLAYED", r.getString("status"), r.encode());
      assertEquals(first.getJsonObject(i).getString("status"), r.getJsonObject("original").getString("status"));
    }
    assertEquals("FLAGGED", again.getJsonObject(7).getJsonObject("original").getString("status"));
    assertEquals("E0", again.getJsonObject(7).getJsonObject("original").getJsonArray("anomalies").getJsonObject(0)
        .getJsonObject("conflictsWith").getString("documentNo"));
    assertEquals(50, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE document_no = 'E1'"));
    assertEquals(TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE status <> 'REJECTED'"),
        TestDatabase.count(svc.db(), "SELECT count(DISTINCT (code_key, idem)) FROM scans WHERE idem IS NOT NULL"),
        "one unique key per stored scan");
  }

  /**
   * A keyboard-wedge scanner with Caps Lock on types a GS1 serial in lower case: the same box, so its second sale is
   * a repeat and its re-send a replay. Until the canonical folded the serial's case, it was a new box, ACCEPTED.
   */
  @Test
  void aCapsLockSpellingOfASoldBoxIsTheSameBoxFlaggedAsARepeatSale() {
    String serial = "SN" + newCode().substring(10) + "PX";
    String box = "(01)06901234567892(21)" + serial;
    String capsLock = "(01)06901234567892(21)" + serial.toLowerCase(java.util.Locale.ROOT);
    Instant t = Instant.now().minus(2, ChronoUnit.HOURS);
    JsonObject sold = svc.post("/api/v1/scans", pharmacyB, scan(box, "PB", "CAPS-1", t)).result(0);
    assertEquals("ACCEPTED", sold.getString("status"), sold.encode());

    Response again = svc.post("/api/v1/scans", pharmacyA, scan(capsLock, "PA", "CAPS-2", t.plusSeconds(3600)));
    JsonObject result = again.result(0);
    assertEquals("FLAGGED", result.getString("status"), again.body());
    assertEquals(sold.getString("canonical"), result.getString("canonical"));
    assertEquals("REPEAT_SALE", result.getJsonArray("anomalies").getJsonObject(0).getString("type"), again.body());
    assertEquals("CAPS-1", result.getJsonArray("anomalies").getJsonObject(0).getJsonObject("conflictsWith")
        .getString("documentNo"));
    assertEquals("REPLAYED", svc.post("/api/v1/scans", pharmacyB, scan(capsLock, "PB", "CAPS-1", t)).result(0)
        .getString("status"), "the first sale sent again with Caps Lock on is a re-send");
    assertEquals(1, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE raw_code = '" + capsLock + "'"),
        "the code is stored as scanned");
  }

  /**
   * A till scanning one box twice within a second stores a sale and its DOUBLE_SCAN in the same second, and the
   * ledger keeps only that second: a later repeat sale named the double scan's document, not the sale's.
   */
  @Test
  void aRepeatSaleNamesTheSaleNotADoubleScanOfItInTheSameSecond() {
    Instant t = Instant.now().minus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    String code = newCode();
    svc.post("/api/v1/scans", pharmacyB, scan(code, "PB", "SOLD", t.plusMillis(100)));
    Response twice = svc.post("/api/v1/scans", pharmacyB, scan(code, "PB", "SOLD-AGAIN", t.plusMillis(600)));
    assertEquals("DOUBLE_SCAN", twice.result(0).getJsonArray("anomalies").getJsonObject(0).getString("type"),
        twice.body());
    Response repeat = svc.post("/api/v1/scans", pharmacyA, scan(code, "PA", "R-2", t.plusSeconds(3600)));
    assertEquals("SOLD", repeat.result(0).getJsonArray("anomalies").getJsonObject(0).getJsonObject("conflictsWith")
        .getString("documentNo"), repeat.body());

    // all three in one request: the double scan's anomaly is stored together with the repeat sale's
    String together = newCode();
    JsonArray scans = new JsonArray().add(scan(together, "PB", "SOLD", t.plusMillis(100)))
        .add(scan(together, "PB", "SOLD-AGAIN", t.plusMillis(600)))
        .add(scan(together, "PA", "R-2", t.plusSeconds(3600)));
    Response batch = svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("scans", scans));
    assertEquals("DOUBLE_SCAN", batch.result(1).getJsonArray("anomalies").getJsonObject(0).getString("type"),
        batch.body());
    assertEquals("SOLD", batch.result(2).getJsonArray("anomalies").getJsonObject(0).getJsonObject("conflictsWith")
        .getString("documentNo"), batch.body());
  }

  @Test
  void aSaleAtAnotherSiteIsARepeatSaleThatNamesTheEarlierScan() {
    String code = newCode();
    Instant t = Instant.parse("2026-11-20T02:11:00Z");
    svc.post("/api/v1/scans", pharmacyB, scan(code, "PB", "R-77", t));
    Response r = svc.post("/api/v1/scans", pharmacyA, scan(code, "PA", "R-1", t.plus(3, ChronoUnit.DAYS)));
    JsonObject result = r.result(0);
    assertEquals("FLAGGED", result.getString("status"), r.body());
    JsonObject anomaly = result.getJsonArray("anomalies").getJsonObject(0);
    assertEquals("REPEAT_SALE", anomaly.getString("type"));
    assertEquals("DIVERTED", anomaly.getString("suspicion"));
    assertEquals("ALERT", anomaly.getString("level"));
    JsonObject conflict = anomaly.getJsonObject("conflictsWith");
    assertEquals("PB", conflict.getString("siteId"));
    assertEquals("R-77", conflict.getString("documentNo"));
    assertEquals("2026-11-20T02:11:00Z", conflict.getString("scannedAt"));
    assertEquals(1, TestDatabase.count(svc.db(),
        "SELECT count(*) FROM anomalies WHERE canonical = '" + code + "' AND conflict_document_no = 'R-77'"));
  }

  /**
   * "A RETURN undoes the latest open sale of that code at the same site": a box sold at PA, then at PB, returned at
   * PA, was a RETURN_MISMATCH ("the open sale is at another site"), the state knowing PB's sale only.
   */
  @Test
  void aReturnAtTheFirstOfTwoSellingSitesUndoesItsSaleAndLeavesTheOtherSold() {
    String code = newCode();
    Instant[] days = new Instant[4];
    for (int i = 0; i < days.length; i++) {
      days[i] = Instant.parse("2026-11-20T02:11:00Z").plus(i, ChronoUnit.DAYS);
    }
    svc.post("/api/v1/scans", pharmacyA, scan(code, "PA", "S-1", days[0]));
    assertEquals("REPEAT_SALE", svc.post("/api/v1/scans", pharmacyB, scan(code, "PB", "S-2", days[1])).result(0)
        .getJsonArray("anomalies").getJsonObject(0).getString("type"));
    Response back = svc.post("/api/v1/scans", pharmacyA, scan(code, "PA", "RT-1", days[2]).put("type", "RETURN"));
    assertEquals("ACCEPTED", back.result(0).getString("status"), back.body());
    JsonObject state = svc.get("/api/v1/codes/" + code + "/events", investigator).json().getJsonObject("state");
    assertEquals(1, state.getInteger("saleCount"), state.encode());
    assertEquals("PB", state.getJsonObject("lastSale").getString("siteId"), state.encode());

    Response again = svc.post("/api/v1/scans", pharmacyA, scan(code, "PA", "RT-2", days[3]).put("type", "RETURN"));
    JsonObject mismatch = again.result(0).getJsonArray("anomalies").getJsonObject(0);
    assertEquals("RETURN_MISMATCH", mismatch.getString("type"), again.body());
    assertEquals("S-2", mismatch.getJsonObject("conflictsWith").getString("documentNo"), "PB's sale is left");
  }

  /**
   * domain.md: a RETURN "undoes the latest open sale of that code at the same site". The state holds the two latest
   * sites' latest sales only, so a box sold twice at PA and then at PB, returned twice at PA, or sold at PA, PB and PC
   * and returned at PA, was a RETURN_MISMATCH ("the open sale is at another site") while PA's sale stood; the history,
   * read for such a return, names it.
   */
  @Test
  void aReturnOfASaleTheStateNoLongerHoldsUndoesItFromTheHistory() {
    Instant day = Instant.parse("2026-11-22T02:11:00Z");
    String twiceAtA = newCode();
    svc.post("/api/v1/scans", pharmacyA, scan(twiceAtA, "PA", "U-1", day));
    svc.post("/api/v1/scans", pharmacyA, scan(twiceAtA, "PA", "U-2", day.plus(1, ChronoUnit.HOURS)));
    svc.post("/api/v1/scans", pharmacyB, scan(twiceAtA, "PB", "U-3", day.plus(2, ChronoUnit.HOURS)));
    for (String doc : List.of("U-4", "U-5")) {
      Response back = svc.post("/api/v1/scans", pharmacyA, scan(twiceAtA, "PA", doc, day.plus(3, ChronoUnit.HOURS))
          .put("type", "RETURN"));
      assertEquals("ACCEPTED", back.result(0).getString("status"), back.body());
    }
    Response none = svc.post("/api/v1/scans", pharmacyA, scan(twiceAtA, "PA", "U-6", day.plus(4, ChronoUnit.HOURS))
        .put("type", "RETURN"));
    assertEquals("RETURN_MISMATCH", none.result(0).getJsonArray("anomalies").getJsonObject(0).getString("type"),
        none.body());
    JsonObject state = svc.get("/api/v1/codes/" + twiceAtA + "/events", investigator).json().getJsonObject("state");
    assertEquals(1, state.getInteger("saleCount"), "PB's sale stands: " + state.encode());

    String threeSites = newCode();
    svc.post("/api/v1/scans", pharmacyA, scan(threeSites, "PA", "V-1", day));
    svc.post("/api/v1/scans", pharmacyB, scan(threeSites, "PB", "V-2", day.plus(1, ChronoUnit.HOURS)));
    svc.post("/api/v1/scans", TestService.ADMIN_KEY, scan(threeSites, "PC", "V-3", day.plus(2, ChronoUnit.HOURS)));
    Response back = svc.post("/api/v1/scans", pharmacyA, scan(threeSites, "PA", "V-4", day.plus(3, ChronoUnit.HOURS))
        .put("type", "RETURN"));
    assertEquals("ACCEPTED", back.result(0).getString("status"), back.body());
    state = svc.get("/api/v1/codes/" + threeSites + "/events", investigator).json().getJsonObject("state");
    assertEquals(2, state.getInteger("saleCount"), state.encode());
    assertEquals("PC", state.getJsonObject("lastSale").getString("siteId"), state.encode());
  }

  /**
   * One request of returns of a box sold three times each at PA and PB in turn: those at PC, which never sold it, are
   * RETURN_MISMATCHes without its scans being read; at PA, the first undoes the sale the state holds and the second
   * the one before it, which only the history holds.
   */
  @Test
  void returnsAtASiteThatNeverSoldTheBoxAndAtOneThatDidInOneRequest() {
    Instant day = Instant.parse("2026-11-23T02:11:00Z");
    String code = newCode();
    JsonArray sales = new JsonArray();
    for (int i = 0; i < 6; i++) {
      sales.add(scan(code, i % 2 == 0 ? "PA" : "PB", "W-" + i, day.plus(i, ChronoUnit.MINUTES)));
    }
    assertEquals(200, svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("scans", sales)).status());
    JsonArray returns = new JsonArray();
    for (String[] r : new String[][] {{"PC", "X-1"}, {"PA", "X-2"}, {"PA", "X-3"}, {"PC", "X-4"}}) {
      returns.add(scan(code, r[0], r[1], day.plus(1, ChronoUnit.HOURS)).put("type", "RETURN"));
    }
    Response back = svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("scans", returns));
    assertEquals("RETURN_MISMATCH", back.result(0).getJsonArray("anomalies").getJsonObject(0).getString("type"),
        back.body());
    assertEquals("ACCEPTED", back.result(1).getString("status"), back.body());
    assertEquals("ACCEPTED", back.result(2).getString("status"), back.body());
    assertEquals("RETURN_MISMATCH", back.result(3).getJsonArray("anomalies").getJsonObject(0).getString("type"),
        back.body());
    JsonObject state = svc.get("/api/v1/codes/" + code + "/events", investigator).json().getJsonObject("state");
    assertEquals(4, state.getInteger("saleCount"), state.encode());
  }

  /**
   * Sold at PA, then at PB, PB's sale returned: PA's sale is the one open, so PA selling the box again is a repeat
   * "at the same site, later" (SUBSTITUTED) naming that sale; it was DIVERTED, naming no sale.
   */
  @Test
  void afterTheLaterOfTwoSalesIsReturnedARepeatAtTheOtherSiteNamesItsSale() {
    String code = newCode();
    Instant first = Instant.parse("2026-11-21T02:11:00Z");
    svc.post("/api/v1/scans", pharmacyA, scan(code, "PA", "T-1", first));
    svc.post("/api/v1/scans", pharmacyB, scan(code, "PB", "T-2", first.plus(1, ChronoUnit.HOURS)));
    assertEquals("ACCEPTED", svc.post("/api/v1/scans", pharmacyB, scan(code, "PB", "T-3",
        first.plus(2, ChronoUnit.HOURS)).put("type", "RETURN")).result(0).getString("status"));
    Response again = svc.post("/api/v1/scans", pharmacyA, scan(code, "PA", "T-4", first.plus(1, ChronoUnit.DAYS)));
    JsonObject anomaly = again.result(0).getJsonArray("anomalies").getJsonObject(0);
    assertEquals("REPEAT_SALE", anomaly.getString("type"), again.body());
    assertEquals("SUBSTITUTED", anomaly.getString("suspicion"), again.body());
    assertEquals("T-1", anomaly.getJsonObject("conflictsWith").getString("documentNo"), again.body());
  }

  /**
   * The ledger knows the conflicting scan's site and second only. A box received and scanned twice at one till within
   * one second (as a till sends scans without scannedAt), then sold elsewhere: the repeat sale named the double scan or
   * the receipt, the latest scan of that second, not the sale the box's state holds.
   */
  @Test
  void aRepeatSaleNamesTheSaleNotADoubleScanOrReceiptOfTheSameSecond() {
    Instant t = Instant.parse("2026-11-20T02:11:00Z");
    String inOneGroup = newCode();
    JsonArray batch = new JsonArray().add(scan(inOneGroup, "PA", "G-1", t).put("type", "RECEIVE"))
        .add(scan(inOneGroup, "PA", "G-2", t)).add(scan(inOneGroup, "PA", "G-3", t))
        .add(scan(inOneGroup, "PA", "G-4", t).put("type", "RECEIVE"))
        .add(scan(inOneGroup, "PC", "G-5", t.plus(1, ChronoUnit.HOURS)));
    Response r = svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("scans", batch));
    assertEquals("DOUBLE_SCAN", r.result(2).getJsonArray("anomalies").getJsonObject(0).getString("type"), r.body());
    assertEquals("G-2", r.result(3).getJsonArray("anomalies").getJsonObject(0).getJsonObject("conflictsWith")
        .getString("documentNo"), r.body());
    JsonObject repeat = r.result(4).getJsonArray("anomalies").getJsonObject(0);
    assertEquals("REPEAT_SALE", repeat.getString("type"), r.body());
    assertEquals("G-2", repeat.getJsonObject("conflictsWith").getString("documentNo"), r.body());

    String acrossRequests = newCode();
    svc.post("/api/v1/scans", pharmacyA, scan(acrossRequests, "PA", "H-1", t));
    Response twice = svc.post("/api/v1/scans", pharmacyA, scan(acrossRequests, "PA", "H-2", t));
    assertEquals("DOUBLE_SCAN", twice.result(0).getJsonArray("anomalies").getJsonObject(0).getString("type"));
    Response elsewhere = svc.post("/api/v1/scans", pharmacyB, scan(acrossRequests, "PB", "H-3", t.plusSeconds(60)));
    assertEquals("H-1", elsewhere.result(0).getJsonArray("anomalies").getJsonObject(0).getJsonObject("conflictsWith")
        .getString("documentNo"), elsewhere.body());
    assertEquals(1, TestDatabase.count(svc.db(), "SELECT count(*) FROM anomalies WHERE canonical = '" + acrossRequests
        + "' AND type = 'REPEAT_SALE' AND conflict_document_no = 'H-1'"));
  }

  /** The ledger keeps the second; a client comparing times reads the conflicting scan's own, to the millisecond. */
  @Test
  void aConflictCarriesTheEarlierScansOwnTimeNotItsSecond() {
    String code = newCode();
    Instant sold = Instant.parse("2026-11-21T03:04:05.750Z");
    Response first = svc.post("/api/v1/scans", pharmacyA, scan(code, "PA", "MS-1", sold));
    assertEquals("ACCEPTED", first.result(0).getString("status"), first.body());
    Response again = svc.post("/api/v1/scans", pharmacyB, scan(code, "PB", "MS-2", sold.plusSeconds(3_600)));
    JsonObject conflict = again.result(0).getJsonArray("anomalies").getJsonObject(0).getJsonObject("conflictsWith");
    assertEquals("MS-1", conflict.getString("documentNo"), again.body());
    assertEquals(sold, Instant.parse(conflict.getString("scannedAt")), again.body());
    JsonObject replayed = svc.post("/api/v1/scans", pharmacyB, scan(code, "PB", "MS-2", sold.plusSeconds(3_600)))
        .result(0);
    assertEquals("REPLAYED", replayed.getString("status"));
    assertEquals(sold, Instant.parse(replayed.getJsonObject("original").getJsonArray("anomalies").getJsonObject(0)
        .getJsonObject("conflictsWith").getString("scannedAt")), replayed.encode());
    JsonObject timeline = svc.get("/api/v1/codes/" + code + "/events", investigator).json();
    assertEquals(sold, Instant.parse(timeline.getJsonArray("events").getJsonObject(1).getJsonArray("anomalies")
        .getJsonObject(0).getJsonObject("conflictsWith").getString("scannedAt")), timeline.encode());
  }

  @Test
  void aSecondScanAtTheSameTillWithinTenMinutesIsADoubleScanWarning() {
    String code = newCode();
    Instant t = Instant.now().minus(2, ChronoUnit.HOURS);
    svc.post("/api/v1/scans", pharmacyA, scan(code, "PA", "D1", t));
    JsonObject result = svc.post("/api/v1/scans", pharmacyA, scan(code, "PA", "D2", t.plusSeconds(30))).result(0);
    JsonObject anomaly = result.getJsonArray("anomalies").getJsonObject(0);
    assertEquals("DOUBLE_SCAN", anomaly.getString("type"));
    assertEquals("OPERATOR_ERROR", anomaly.getString("suspicion"));
    assertEquals("WARNING", anomaly.getString("level"));
  }

  /** A stock system uploading its receipts at the end of the day: the box came into stock before its sale. */
  @Test
  void aReceiptUploadedAfterTheSaleButDatedBeforeItIsAccepted() {
    String code = newCode();
    Instant sold = Instant.now().minus(2, ChronoUnit.HOURS);
    assertEquals("ACCEPTED", svc.post("/api/v1/scans", pharmacyA, scan(code, "PA", "SALE-1", sold)).result(0)
        .getString("status"));
    Response late = svc.post("/api/v1/scans", pharmacyA,
        scan(code, "PA", "IN-1", sold.minus(90, ChronoUnit.MINUTES)).put("type", "RECEIVE"));
    assertEquals("ACCEPTED", late.result(0).getString("status"), late.body());
    Response after = svc.post("/api/v1/scans", pharmacyA,
        scan(code, "PA", "IN-2", sold.plus(1, ChronoUnit.MINUTES)).put("type", "RECEIVE"));
    assertEquals("RECEIVED_AFTER_SALE", after.result(0).getJsonArray("anomalies").getJsonObject(0).getString("type"),
        after.body());
  }

  @Test
  void aBatchAnswersEveryScanInOrderIncludingRejectedOnes() {
    String code = newCode();
    Instant now = Instant.now();
    JsonArray scans = new JsonArray()
        .add(scan(code, "PA", "B1", now.minusSeconds(3600)))
        .add(scan("not-a-code", "PA", "B1", now).put("lineNo", 2))
        .add(scan(newCode(), "PA", "B1", now.plus(1, ChronoUnit.HOURS)).put("lineNo", 3))
        .add(scan(code, "PA", "B1", now.minusSeconds(3600)));
    Response r = svc.post("/api/v1/scans", pharmacyA, new JsonObject().put("scans", scans));
    assertEquals(200, r.status(), r.body());
    JsonArray results = r.json().getJsonArray("results");
    assertEquals(4, results.size());
    assertEquals("ACCEPTED", results.getJsonObject(0).getString("status"));
    assertEquals("REJECTED", results.getJsonObject(1).getString("status"));
    assertTrue(results.getJsonObject(1).getString("error").startsWith("invalid code"), r.body());
    assertEquals("REJECTED", results.getJsonObject(2).getString("status"));
    assertTrue(results.getJsonObject(2).getString("error").contains("future"), r.body());
    assertEquals("REPLAYED", results.getJsonObject(3).getString("status"), "same key twice in one batch");
    for (int i = 0; i < 4; i++) {
      assertEquals(i, results.getJsonObject(i).getInteger("index"));
    }
    assertEquals(1, TestDatabase.count(svc.db(),
        "SELECT count(*) FROM scans WHERE raw_code = 'not-a-code' AND status = 'REJECTED'"));
  }

  @Test
  void aScanForAnUnregisteredSiteIsRejectedAndKept() {
    Response r = svc.post("/api/v1/scans", TestService.ADMIN_KEY, scan(newCode(), "NOWHERE", "D1", Instant.now()));
    assertEquals("REJECTED", r.result(0).getString("status"));
    assertTrue(r.result(0).getString("error").contains("not registered"));
    assertEquals(1, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE site_id = 'NOWHERE'"));
  }

  @Test
  void defaultsApplyWhenOptionalFieldsAreMissing() {
    String code = newCode();
    Response r = svc.post("/api/v1/scans", pharmacyA,
        new JsonObject().put("code", code).put("siteId", "PA").put("documentNo", "X1"));
    assertEquals("ACCEPTED", r.result(0).getString("status"), r.body());
    assertEquals(1, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE canonical = '" + code
        + "' AND type = 'SALE' AND line_no = 1 AND quantity = 1 AND NOT split"
        + " AND scanned_at > now() - interval '1 minute'"));
  }

  @Test
  void missingOrUnknownKeysAre401AndWrongRolesAre403() {
    JsonObject body = scan(newCode(), "PA", "D1", Instant.now());
    Response none = svc.post("/api/v1/scans", null, body);
    assertEquals(401, none.status());
    assertTrue(none.contentType().startsWith("application/problem+json"));
    assertEquals(401, svc.post("/api/v1/scans", "ts_nope", body).status());
    Response wrongRole = svc.post("/api/v1/scans", investigator, body);
    assertEquals(403, wrongRole.status());
    assertEquals(403, wrongRole.json().getInteger("status"));
  }

  @Test
  void aScannerPostingForAnotherSiteIs403AndNothingIsStored() {
    String code = newCode();
    JsonArray scans = new JsonArray().add(scan(newCode(), "PA", "D1", Instant.now()))
        .add(scan(code, "PB", "D1", Instant.now()));
    Response r = svc.post("/api/v1/scans", pharmacyA, new JsonObject().put("scans", scans));
    assertEquals(403, r.status());
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE canonical = '" + code + "'"));
  }

  @Test
  void malformedJsonIsAProblemNotAStackTrace() {
    Response r = svc.send(svc.request("/api/v1/scans", pharmacyA).header("Content-Type", "application/json")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"code\": ")).build());
    assertEquals(400, r.status());
    assertTrue(r.contentType().startsWith("application/problem+json"));
    assertEquals(400, r.json().getInteger("status"));
    assertTrue(!r.body().contains("at io.vertx"), r.body());
  }

  @Test
  void structuralErrorsListEveryField() {
    JsonObject bad = new JsonObject().put("siteId", "PA").put("type", "SOLD").put("lineNo", "one")
        .put("scannedAt", "yesterday");
    Response r = svc.post("/api/v1/scans", pharmacyA, new JsonObject().put("scans", new JsonArray().add(bad)));
    assertEquals(400, r.status());
    JsonArray errors = r.json().getJsonArray("errors");
    assertEquals(5, errors.size(), r.body());
    assertEquals("scans[0].code", errors.getJsonObject(0).getString("field"));
  }

  /** Java's case mapping reads the long s as S: "ſale" was stored as a SALE; only a–z fold. */
  @Test
  void aTypeSpeltWithALetterOutsideAsciiIsRefusedAndACaseOfAsciiTaken() {
    String code = newCode();
    Response r = svc.post("/api/v1/scans", pharmacyA,
        new JsonObject().put("scans", new JsonArray().add(scan(code, "PA", "W2", Instant.now()).put("type", "\u017fale"))));
    assertEquals(400, r.status(), r.body());
    assertEquals("scans[0].type", r.json().getJsonArray("errors").getJsonObject(0).getString("field"), r.body());
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE document_no = 'W2'"));
    Response ok = svc.post("/api/v1/scans", pharmacyA, scan(code, "PA", "W2", Instant.now()).put("type", "sAlE"));
    assertEquals(200, ok.status(), ok.body());
    assertEquals("ACCEPTED", ok.result(0).getString("status"), ok.body());
  }

  /** ISO-8601 writes an offset +08:00, +0800 or +08, and a fraction with a comma: java.time alone took the first. */
  @Test
  void aScanTimeInAnyOfIsoOffsetFormsAndWithADecimalCommaIsRead() {
    Instant at = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(3600);
    String local = chinaLocalTime(at);
    String[] written = {local + "+08:00", local + "+0800", local + "+08", local + ",0+08:00"};
    JsonArray scans = new JsonArray();
    for (String w : written) {
      scans.add(scan(newCode(), "PA", "W3", Instant.now()).put("scannedAt", w));
    }
    scans.add(scan(newCode(), "PA", "W3", Instant.now()).put("scannedAt", local)); // no offset: no instant
    Response refused = svc.post("/api/v1/scans", pharmacyA, new JsonObject().put("scans", scans));
    assertEquals(400, refused.status(), refused.body());
    assertEquals(1, refused.json().getJsonArray("errors").size(), refused.body());
    assertEquals("scans[4].scannedAt", refused.json().getJsonArray("errors").getJsonObject(0).getString("field"));
    scans.remove(4);
    Response r = svc.post("/api/v1/scans", pharmacyA, new JsonObject().put("scans", scans));
    assertEquals(200, r.status(), r.body());
    assertEquals(4, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE document_no = 'W3' AND scanned_at = '"
        + at + "'"));
  }

  /**
   * The local time in China to the second, seconds always written: LocalDateTime.toString leaves out ":00", and on a
   * whole minute the tests' times lost their seconds (a ",0" fraction then followed the minutes: not a time).
   */
  private static String chinaLocalTime(Instant at) {
    return java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss")
        .format(at.atOffset(java.time.ZoneOffset.ofHours(8)));
  }

  /**
   * A time that does not exist is refused, in a scan and in an investigator's bound: the 31st of a 30-day month was
   * stored as the 30th, and 24:00 as the next day's midnight.
   */
  @Test
  void aScanTimeNamingNoSuchDayOrHourIsRefusedNotMovedToAnother() {
    java.time.YearMonth month = java.time.YearMonth.now(java.time.ZoneOffset.UTC).minusMonths(1);
    while (month.lengthOfMonth() == 31) {
      month = month.minusMonths(1);
    }
    String[] written = {month + "-31T10:00:00+08:00", month.atDay(1) + "T24:00:00Z"};
    JsonArray scans = new JsonArray();
    for (String w : written) {
      scans.add(scan(newCode(), "PA", "W4", Instant.now()).put("scannedAt", w));
    }
    Response r = svc.post("/api/v1/scans", pharmacyA, new JsonObject().put("scans", scans));
    assertEquals(400, r.status(), r.body());
    assertEquals(2, r.json().getJsonArray("errors").size(), r.body());
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE document_no = 'W4'"));
    Response bound = svc.get("/api/v1/anomalies?from=" + written[0].replace("+", "%2B"), investigator);
    assertEquals(400, bound.status(), bound.body());
  }

  /** A time in form that names no such day, hour or offset is told so: the 400 said it must have an offset. */
  @Test
  void aTimeNamingNoSuchDayOrHourIsToldWhichPartIsWrong() {
    String[][] told = {
        {"2026-11-31T10:00:00+08:00", "2026-11-31 is not a date: 2026-11 has 30 days"},
        {"2027-02-29T10:00:00,5+0800", "2027-02-29 is not a date: 2027-02 has 28 days"},
        {"2026-13-01T10:00:00Z", "2026-13-01 is not a date: a month is 01 to 12"},
        {"2026-12-01T24:00:00Z", "24:00:00 is not a time of day: 00:00 to 23:59:59"},
        {"2026-12-01T10:60:00,5Z", "10:60:00,5 is not a time of day: 00:00 to 23:59:59"},
        {"2026-12-01T10:00:00+19:00", "+19:00 is not an offset: -18:00 to +18:00"},
        // java.time's offset reader throws on these even unresolved, and they had the generic words
        {"2026-12-01T10:00:00+99:00", "+99:00 is not an offset: -18:00 to +18:00"},
        {"2026-12-01T10:00:00-2500", "-2500 is not an offset: -18:00 to +18:00"},
        {"2026-12-01T10:00:00+08:60", "+08:60 is not an offset: its minutes are 00 to 59"},
        {"2026-12-01T10:00:00+08:00:60", "+08:00:60 is not an offset: Z, +08:00, +0800 or +08"},
        {"2026-11-31T10:00:00+25:00", "2026-11-31 is not a date: 2026-11 has 30 days"},
        {"2026-12-01T10:00:00", "must be an ISO-8601 time with an offset, e.g. "}};
    JsonArray scans = new JsonArray();
    for (String[] t : told) {
      scans.add(scan(newCode(), "PA", "W6", Instant.now()).put("scannedAt", t[0]));
    }
    Response r = svc.post("/api/v1/scans", pharmacyA, new JsonObject().put("scans", scans));
    assertEquals(400, r.status(), r.body());
    JsonArray errors = r.json().getJsonArray("errors");
    assertEquals(told.length, errors.size(), r.body());
    for (int i = 0; i < told.length; i++) {
      assertEquals("scans[" + i + "].scannedAt", errors.getJsonObject(i).getString("field"), r.body());
      assertTrue(errors.getJsonObject(i).getString("message").startsWith(told[i][1]), r.body());
      Response bound = svc.get("/api/v1/anomalies?to=" + told[i][0].replace("+", "%2B"), investigator);
      assertEquals(400, bound.status(), bound.body());
      assertTrue(bound.json().getString("detail").startsWith("to: " + told[i][1]), bound.body());
    }
  }

  /**
   * An ISO-8601 offset has hours and minutes, no seconds: java.time's lenient offset reader, which reads the colons as
   * written, took +080000 and +08:00:00 as +08:00.
   */
  @Test
  void aScanTimeWhoseOffsetHasSecondsIsRefused() {
    String local = chinaLocalTime(Instant.now().minusSeconds(3600));
    String[] written = {local + "+080000", local + "+08:00:00", local + "-00:00:00"};
    JsonArray scans = new JsonArray();
    for (String w : written) {
      scans.add(scan(newCode(), "PA", "W7", Instant.now()).put("scannedAt", w));
    }
    Response r = svc.post("/api/v1/scans", pharmacyA, new JsonObject().put("scans", scans));
    assertEquals(400, r.status(), r.body());
    JsonArray errors = r.json().getJsonArray("errors");
    assertEquals(written.length, errors.size(), r.body());
    for (int i = 0; i < written.length; i++) {
      String offset = written[i].substring(local.length());
      assertEquals(offset + " is not an offset: Z, +08:00, +0800 or +08", errors.getJsonObject(i).getString("message"));
      Response bound = svc.get("/api/v1/anomalies?from=" + written[i].replace("+", "%2B"), investigator);
      assertEquals(400, bound.status(), written[i] + ": " + bound.body());
    }
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE document_no = 'W7'"));
  }

  /**
   * An offset written twice is malformed, as one that differs was: the two offset forms were each optional, so the
   * second read again what the first had, and +08:00+0800 or ZZ was stored as a time.
   */
  @Test
  void aScanTimeWithItsOffsetWrittenTwiceIsRefused() {
    String local = chinaLocalTime(Instant.now().minusSeconds(3600));
    String[] written = {local + "+08:00+0800", local + "+0800+0800", local + "+08+08", local + "ZZ", local + "Z+00"};
    JsonArray scans = new JsonArray();
    for (String w : written) {
      scans.add(scan(newCode(), "PA", "W5", Instant.now()).put("scannedAt", w));
    }
    Response r = svc.post("/api/v1/scans", pharmacyA, new JsonObject().put("scans", scans));
    assertEquals(400, r.status(), r.body());
    assertEquals(written.length, r.json().getJsonArray("errors").size(), r.body());
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE document_no = 'W5'"));
    for (String w : written) {
      Response bound = svc.get("/api/v1/anomalies?from=" + w.replace("+", "%2B"), investigator);
      assertEquals(400, bound.status(), w + ": " + bound.body());
    }
  }

  @Test
  void lineNumbersAndQuantitiesWithAFractionAreRefusedNotRounded() {
    String code = newCode();
    JsonArray scans = new JsonArray()
        .add(scan(code, "PA", "W1", Instant.now()).put("lineNo", 1.5).put("quantity", 2.5))
        .add(scan(newCode(), "PA", "W1", Instant.now()).put("lineNo", "2").put("quantity", 3.0));
    Response r = svc.post("/api/v1/scans", pharmacyA, new JsonObject().put("scans", scans));
    assertEquals(400, r.status(), r.body());
    JsonArray errors = r.json().getJsonArray("errors");
    assertEquals(3, errors.size(), r.body());
    assertEquals("scans[0].lineNo", errors.getJsonObject(0).getString("field"));
    assertEquals("scans[0].quantity", errors.getJsonObject(1).getString("field"));
    assertEquals("scans[1].lineNo", errors.getJsonObject(2).getString("field"));
    for (int i = 0; i < 3; i++) {
      assertEquals("must be a whole number", errors.getJsonObject(i).getString("message"));
    }
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE document_no = 'W1'"));
  }

  @Test
  void aBatchOfMoreThan1000ScansIsRefused() {
    JsonArray scans = new JsonArray();
    for (int i = 0; i < 1001; i++) {
      scans.add(new JsonObject().put("code", "1").put("siteId", "PA").put("documentNo", "D").put("lineNo", i + 1));
    }
    Response r = svc.post("/api/v1/scans", pharmacyA, new JsonObject().put("scans", scans));
    assertEquals(400, r.status());
    assertEquals("scans", r.json().getJsonArray("errors").getJsonObject(0).getString("field"));
  }

  @Test
  void aBodyOverOneMebibyteIs413() {
    String big = "{\"code\":\"" + "9".repeat(1_100_000) + "\"}";
    Response r = svc.send(svc.request("/api/v1/scans", pharmacyA).header("Content-Type", "application/json")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(big)).build());
    assertEquals(413, r.status());
  }

  @Test
  void revokedKeysStopWorking() {
    Response created = svc.post("/api/v1/keys", TestService.ADMIN_KEY,
        new JsonObject().put("role", "scanner").put("siteId", "PC"));
    assertEquals(201, created.status(), created.body());
    String key = created.json().getString("key");
    assertEquals(200, svc.post("/api/v1/scans", key, scan(newCode(), "PC", "K1", Instant.now())).status());
    assertEquals(204, svc.delete("/api/v1/keys/" + created.json().getString("id"), TestService.ADMIN_KEY).status());
    assertEquals(401, svc.post("/api/v1/scans", key, scan(newCode(), "PC", "K2", Instant.now())).status());
    assertEquals(1, TestDatabase.count(svc.db(), "SELECT count(*) FROM api_keys WHERE key_hash IS NOT NULL "
        + "AND revoked_at IS NOT NULL"));
    assertNull(TestDatabase.count(svc.db(), "SELECT count(*) FROM api_keys WHERE encode(key_hash, 'escape') LIKE 'ts_%'") > 0
        ? "plain key stored" : null);
  }

  @Test
  void aScannerKeyNeedsARegisteredSite() {
    Response r = svc.post("/api/v1/keys", TestService.ADMIN_KEY,
        new JsonObject().put("role", "scanner").put("siteId", "UNKNOWN"));
    assertEquals(400, r.status());
    assertNotNull(r.json().getJsonArray("errors"));
  }

  @Test
  void aBoxSoldInBeijingOnTheDayAfterItsExpiryIsExpiredAlsoBeforeEightInTheMorning() {
    // 00:30 in Beijing, still the day before in UTC: the UTC date let such a sale through unflagged until the spec
    // conformance probe; the scan's own writing of the time must not matter either
    java.time.ZoneId china = java.time.ZoneId.of("Asia/Shanghai");
    java.time.LocalDate saleDay = java.time.LocalDate.now(china).minusDays(1);
    java.time.OffsetDateTime halfPastMidnight = saleDay.atTime(0, 30).atZone(china).toOffsetDateTime();
    String expiry = saleDay.minusDays(1).format(java.time.format.DateTimeFormatter.ofPattern("yyMMdd"));
    String serial = "EXP" + CODES.incrementAndGet() % 1_000_000;
    JsonObject beijing = new JsonObject().put("code", "(01)06901234567892(17)" + expiry + "(21)" + serial)
        .put("siteId", "PA").put("documentNo", "EXP-1").put("scannedAt", halfPastMidnight.toString());
    JsonObject utc = beijing.copy().put("code", "(01)06901234567892(17)" + expiry + "(21)" + serial + "U")
        .put("scannedAt", halfPastMidnight.toInstant().toString());
    Response r = svc.post("/api/v1/scans", pharmacyA, new JsonObject().put("scans", new JsonArray().add(beijing).add(utc)));
    assertEquals(200, r.status(), r.body());
    for (int i = 0; i < 2; i++) {
      JsonObject result = r.result(i);
      assertEquals("FLAGGED", result.getString("status"), result.encode());
      JsonObject anomaly = result.getJsonArray("anomalies").getJsonObject(0);
      assertEquals("EXPIRED", anomaly.getString("type"), result.encode());
      assertEquals("QUALITY", anomaly.getString("suspicion"));
      assertEquals("ALERT", anomaly.getString("level"));
    }
    JsonObject onTheDay = beijing.copy().put("code", "(01)06901234567892(17)" + expiry + "(21)" + serial + "D")
        .put("documentNo", "EXP-2").put("scannedAt", halfPastMidnight.minusMinutes(31).toString());
    Response lastMinute = svc.post("/api/v1/scans", pharmacyA, onTheDay);
    assertEquals(200, lastMinute.status(), lastMinute.body());
    assertEquals("ACCEPTED", lastMinute.result(0).getString("status"), "23:59 on the expiry date is not expired yet");
  }
}
