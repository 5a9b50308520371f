package com.tracesentinel.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Scans refused at intake, listed for investigators: api.md keeps them "so investigators can see sites that submit
 * garbage", and a code that cannot be read has no timeline to find them by. Every answer is checked against the
 * scans table itself.
 */
@Tag("slow")
class RejectedScansApiTest {
  private static final String GOOD = "P44030500002";
  private static final String NOISY = "P11010500003";
  private static TestService svc;
  private static String investigator;
  private static Instant between;

  @BeforeAll
  static void start() throws Exception {
    svc = TestService.start();
    svc.sites(GOOD, "440305", NOISY, "110105");
    investigator = svc.key("investigator", null);
    Instant now = Instant.now();
    JsonArray first = new JsonArray()
        .add(scan("8100001" + "0000000000001", GOOD, "D1", now))           // accepted: never listed
        .add(scan("81000010000000000002X", NOISY, "D2", now))             // a code that cannot be read
        .add(scan("8100001" + "0000000000003", NOISY, "D3", now.plus(1, ChronoUnit.DAYS)))  // from the future
        .add(scan("8100001" + "0000000000004", "P99999999999", "D4", now));  // a site nobody registered
    assertEquals(200, svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("scans", first)).status());
    Thread.sleep(20); // the two sends arrive at different times, for the range test
    between = Instant.now();
    Thread.sleep(20);
    JsonArray second = new JsonArray();
    for (int i = 0; i < 5; i++) {
      second.add(scan("not a code " + i, NOISY, "E" + i, now));
    }
    second.add(scan("(01)0690123456789", GOOD, "E9", now));
    assertEquals(200, svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("scans", second))
        .status());
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
  }

  @Test
  void everyRejectedScanIsListedNewestFirstWithWhatWasSentAndWhy() {
    Response r = svc.get("/api/v1/scans/rejected", investigator);
    assertEquals(200, r.status(), r.body());
    JsonArray items = r.json().getJsonArray("items");
    assertEquals(storedRejectedIds(""), ids(items));
    assertEquals(9, items.size(), r.body());
    assertNull(r.json().getString("nextCursor"));
    JsonObject unreadable = find(items, "D2");
    assertEquals("81000010000000000002X", unreadable.getString("rawCode"));
    assertEquals(NOISY, unreadable.getString("siteId"));
    assertEquals("110105", unreadable.getString("region"));
    assertTrue(unreadable.getString("error").startsWith("invalid code"), unreadable.encode());
    assertTrue(find(items, "D3").getString("error").contains("in the future"), r.body());
    JsonObject unregistered = find(items, "D4");
    assertTrue(unregistered.getString("error").contains("not registered"), unregistered.encode());
    assertNull(unregistered.getString("siteName"));
    assertFalse(items.stream().map(JsonObject.class::cast).anyMatch(i -> i.getString("documentNo").equals("D1")));
  }

  @Test
  void oneSitesRejectionsAndAnArrivalRange() {
    JsonArray noisy = svc.get("/api/v1/scans/rejected?siteId=" + NOISY, investigator).json().getJsonArray("items");
    assertEquals(storedRejectedIds("AND site_id = '" + NOISY + "'"), ids(noisy));
    assertEquals(7, noisy.size());
    JsonArray early = svc.get("/api/v1/scans/rejected?to=" + q(between.toString()), investigator).json()
        .getJsonArray("items");
    assertEquals(List.of("D4", "D3", "D2"), docs(early));
    JsonArray late = svc.get("/api/v1/scans/rejected?siteId=" + GOOD + "&from=" + q(between.toString()),
        investigator).json().getJsonArray("items");
    assertEquals(List.of("E9"), docs(late));
  }

  @Test
  void pagesFollowEachOtherWithoutGapOrRepeat() {
    List<Long> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      Response r = svc.get("/api/v1/scans/rejected?limit=2" + (cursor == null ? "" : "&cursor=" + cursor),
          investigator);
      assertEquals(200, r.status(), r.body());
      seen.addAll(ids(r.json().getJsonArray("items")));
      cursor = r.json().getString("nextCursor");
      pages++;
    } while (cursor != null && pages < 20);
    assertEquals(storedRejectedIds(""), seen);
    assertEquals(5, pages);
  }

  @Test
  void theSummaryCountsPerSiteMostFirstAndSaysWhenItIsCut() {
    Response r = svc.get("/api/v1/scans/rejected/summary", investigator);
    assertEquals(200, r.status(), r.body());
    Map<String, Long> stored = TestDatabase.countsBy(svc.db(),
        "SELECT site_id, count(*) FROM scans WHERE status = 'REJECTED' GROUP BY site_id");
    JsonArray sites = r.json().getJsonArray("sites");
    assertEquals(stored.size(), sites.size(), r.body());
    assertEquals(NOISY, sites.getJsonObject(0).getString("siteId"));
    for (Object o : sites) {
      JsonObject s = (JsonObject) o;
      assertEquals(stored.get(s.getString("siteId")), s.getLong("count"), r.body());
    }
    assertFalse(r.json().getBoolean("truncated"));
    Response one = svc.get("/api/v1/scans/rejected/summary?limit=1", investigator);
    assertEquals(1, one.json().getJsonArray("sites").size(), one.body());
    assertTrue(one.json().getBoolean("truncated"), one.body());
  }

  /** A deletion (NHSA 3507) of the upload a rejected scan came in voids it too: still listed, and marked. */
  @Test
  void aRejectedScanOfADeletedUploadIsListedMarked() {
    TestDatabase.execute(svc.db(),
        "UPDATE scans SET voided_at = now(), upload_batch = 'B-DEL' WHERE document_no = 'E3'");
    JsonArray items = svc.get("/api/v1/scans/rejected?siteId=" + NOISY, investigator).json().getJsonArray("items");
    JsonObject voided = find(items, "E3");
    assertEquals("B-DEL", voided.getString("uploadBatch"));
    assertTrue(voided.getString("voidedAt") != null, voided.encode());
    assertNull(find(items, "E2").getString("voidedAt"));
  }

  @Test
  void badParametersAreProblemsAndOnlyInvestigatorsMayLook() {
    for (String query : List.of("?cursor=bm90IG91cnM", "?limit=0", "?limit=1001", "?siteid=" + NOISY,
        "?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", "?from=yesterday")) {
      Response r = svc.get("/api/v1/scans/rejected" + query, investigator);
      assertEquals(400, r.status(), query + ": " + r.body());
      assertTrue(r.contentType().startsWith("application/problem+json"), query);
    }
    assertEquals(400, svc.get("/api/v1/scans/rejected/summary?groupBy=site", investigator).status());
    assertEquals(403, svc.get("/api/v1/scans/rejected", svc.key("scanner", NOISY)).status());
    assertEquals(401, svc.get("/api/v1/scans/rejected/summary", null).status());
  }

  private static JsonObject scan(String code, String site, String doc, Instant at) {
    return new JsonObject().put("code", code).put("siteId", site).put("documentNo", doc)
        .put("scannedAt", at.toString());
  }

  private static List<Long> storedRejectedIds(String and) {
    List<Long> ids = new ArrayList<>();
    TestDatabase.countsBy(svc.db(), "SELECT id::text, id FROM scans WHERE status = 'REJECTED' " + and)
        .values().forEach(ids::add);
    ids.sort((a, b) -> Long.compare(b, a));
    return ids;
  }

  private static List<Long> ids(JsonArray items) {
    return items.stream().map(i -> ((JsonObject) i).getLong("id")).toList();
  }

  private static List<String> docs(JsonArray items) {
    return items.stream().map(i -> ((JsonObject) i).getString("documentNo")).toList();
  }

  private static JsonObject find(JsonArray items, String documentNo) {
    return items.stream().map(JsonObject.class::cast).filter(i -> i.getString("documentNo").equals(documentNo))
        .findFirst().orElseThrow(() -> new AssertionError("no rejected scan " + documentNo + " in " + items));
  }

  private static String q(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
