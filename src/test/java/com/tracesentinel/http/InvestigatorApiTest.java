package com.tracesentinel.http;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.TraceSentinel;
import com.tracesentinel.demo.DemoData;
import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.io.StringReader;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The investigators' API on the real service and PostgreSQL, over the demo day (every anomaly pattern) plus a bulk
 * of synthetic anomalies inserted in SQL, so that exports span many chunks. Every answer is checked against the
 * database itself.
 */
@Tag("slow")
class InvestigatorApiTest {
  private static final String CLONED = "8100001" + String.format("%013d", 7_000_000L + 100_000);
  private static final String SPLIT = "8100003" + String.format("%013d", 7_000_000L + 500_000);
  private static final int BULK = 2500;
  private static TestService svc;
  private static String investigator;
  private static String scanner;

  @BeforeAll
  static void start() throws Exception {
    svc = TestService.start();
    TraceSentinel.await(DemoData.load(svc.app().services(), new PrintStream(PrintStream.nullOutputStream())));
    investigator = svc.key("investigator", null);
    scanner = svc.key("scanner", "P44030500002");
    // a repeat sale whose first document number needs CSV quoting and formula neutralising
    Instant t = Instant.now().minus(2, ChronoUnit.HOURS);
    String code = "(01)06901234567892(17)271231(10)B1(21)CSV\"1";
    post(scan(code, "P44030500002", "R,\"7\"", t));
    post(scan(code, "P11010500003", "=HYPERLINK(\"x\")", t.plusSeconds(60)));
    TestDatabase.execute(svc.db(), """
        INSERT INTO anomalies (scan_id, scanned_at, type, suspicion, level, code_key, canonical, product, site_id,
                               region, detail)
        SELECT g, now() - g * interval '1 minute', 'EXPIRED', 'QUALITY', 'ALERT', '\\x00'::bytea, 'BULK' || g,
               'BULKPRODUCT', 'ZZBULK', '650102', 'bulk row ' || g || ', with a comma'
        FROM generate_series(1, %d) g
        """.formatted(BULK));
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
  }

  private static void post(JsonObject scan) {
    Response r = svc.post("/api/v1/scans", TestService.ADMIN_KEY, scan);
    assertEquals(200, r.status(), r.body());
    assertFalse("REJECTED".equals(r.result(0).getString("status")), r.body());
  }

  private static JsonObject scan(String code, String site, String doc, Instant at) {
    return new JsonObject().put("code", code).put("siteId", site).put("documentNo", doc)
        .put("scannedAt", at.toString());
  }

  private static String q(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static long db(String where) {
    return TestDatabase.count(svc.db(), "SELECT count(*) FROM anomalies" + (where.isEmpty() ? "" : " WHERE " + where));
  }

  /** Every item of every page, following nextCursor. */
  private static List<JsonObject> all(String query, int limit) {
    List<JsonObject> items = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      String path = "/api/v1/anomalies?limit=" + limit + (query.isEmpty() ? "" : "&" + query)
          + (cursor == null ? "" : "&cursor=" + cursor);
      Response r = svc.get(path, investigator);
      assertEquals(200, r.status(), r.body());
      JsonObject page = r.json();
      JsonArray list = page.getJsonArray("items");
      assertTrue(list.size() <= limit);
      list.forEach(o -> items.add((JsonObject) o));
      cursor = page.getString("nextCursor");
      if (cursor != null) {
        assertEquals(limit, list.size(), "only the last page may be short");
      }
      assertTrue(++pages < 10_000);
    } while (cursor != null);
    return items;
  }

  @Test
  void whatAKeyReadsIsKeptInNoCache() throws Exception {
    // Without it Chromium wrote the console's answers (document numbers, case notes) to its disk cache, where they
    // outlived the sign-out that forgets the key.
    java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
    for (String path : List.of("/api/v1/anomalies?limit=1", "/api/v1/anomalies/summary?groupBy=site",
        "/api/v1/codes/" + CLONED + "/events", "/api/v1/rings")) {
      java.net.http.HttpResponse<String> r = client.send(svc.request(path, investigator).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), path + " " + r.body());
      assertEquals("no-store", r.headers().firstValue("Cache-Control").orElse(null), path);
    }
    // A request with a key that reaches no route is answered by no key check, and was cacheable.
    java.net.http.HttpResponse<String> none = client.send(svc.request("/api/v1/nothing-here", investigator).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(404, none.statusCode());
    assertEquals("no-store", none.headers().firstValue("Cache-Control").orElse(null));
  }

  @Test
  void keysAreCheckedForEveryInvestigatorRoute() {
    for (String path : List.of("/api/v1/anomalies", "/api/v1/anomalies/summary?groupBy=site",
        "/api/v1/codes/" + CLONED + "/events")) {
      assertEquals(401, svc.get(path, null).status(), path);
      assertEquals(401, svc.get(path, "not-a-key").status(), path);
      Response forbidden = svc.get(path, scanner);
      assertEquals(403, forbidden.status(), path);
      assertTrue(forbidden.contentType().startsWith("application/problem+json"));
      assertEquals(200, svc.get(path, investigator).status(), path);
      assertEquals(200, svc.get(path, TestService.ADMIN_KEY).status(), path);
    }
  }

  @Test
  void theDefaultPageIsTheNewestHundredWithACursor() {
    JsonObject page = svc.get("/api/v1/anomalies", investigator).json();
    assertEquals(100, page.getJsonArray("items").size());
    assertNotNull(page.getString("nextCursor"));
    JsonObject first = page.getJsonArray("items").getJsonObject(0);
    for (String field : List.of("id", "type", "suspicion", "level", "canonical", "product", "siteId", "region",
        "scannedAt", "detail", "state")) {
      assertTrue(first.containsKey(field), field);
    }
  }

  @Test
  void eachFilterReturnsExactlyTheMatchingRows() {
    Instant from = Instant.now().minus(20, ChronoUnit.HOURS);
    Instant to = Instant.now().minus(6, ChronoUnit.HOURS);
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("type=REPEAT_SALE", "type = 'REPEAT_SALE'");
    cases.put("type=double_scan", "type = 'DOUBLE_SCAN'");
    cases.put("suspicion=COUNTERFEIT", "suspicion = 'COUNTERFEIT'");
    cases.put("suspicion=SUBSTITUTED", "suspicion = 'SUBSTITUTED'");
    cases.put("level=WARNING", "level = 'WARNING'");
    cases.put("level=ALERT", "level = 'ALERT'");
    cases.put("siteId=P44030500005", "site_id = 'P44030500005'");
    cases.put("region=44", "region LIKE '44%'");
    cases.put("region=4401", "region LIKE '4401%'");
    cases.put("region=110105", "region = '110105'");
    cases.put("product=8100003", "product = '8100003'");
    cases.put("from=" + q(from.toString()), "scanned_at >= '" + from + "'");
    cases.put("to=" + q(to.toString()), "scanned_at < '" + to + "'");
    cases.put("from=" + q(from.atOffset(java.time.ZoneOffset.ofHours(8)).toString()) + "&to=" + q(to.toString())
        + "&region=44&type=REPEAT_SALE",
        "scanned_at >= '" + from + "' AND scanned_at < '" + to + "' AND region LIKE '44%' AND type = 'REPEAT_SALE'");
    for (var c : cases.entrySet()) {
      long expected = db(c.getValue());
      assertTrue(expected > 0, "the demo day has rows for " + c.getKey());
      List<JsonObject> items = all(c.getKey(), 1000);
      assertEquals(expected, items.size(), c.getKey());
      for (JsonObject a : items) {
        if (c.getKey().startsWith("type=REPEAT")) {
          assertEquals("REPEAT_SALE", a.getString("type"));
        }
        if (c.getKey().startsWith("region=44")) {
          assertTrue(a.getString("region").startsWith("44"));
        }
        if (c.getKey().startsWith("from=")) {
          assertFalse(Instant.parse(a.getString("scannedAt")).isBefore(from));
        }
      }
    }
    JsonObject counterfeit = all("suspicion=COUNTERFEIT&type=REPEAT_SALE&region=11", 1000).get(0);
    JsonObject conflict = counterfeit.getJsonObject("conflictsWith");
    assertNotNull(conflict.getString("siteId"));
    assertNotNull(conflict.getString("documentNo"));
    assertNotNull(conflict.getString("scannedAt"));
  }

  @Test
  void theCursorWalksEveryRowOnceNewestFirst() {
    for (String query : List.of("", "region=44", "type=REPEAT_SALE&from=" + q(Instant.now().minus(3, ChronoUnit.DAYS)
        .toString()))) {
      List<JsonObject> walked = all(query, 7);
      List<JsonObject> oneGo = all(query, 1000);
      Set<Long> ids = new HashSet<>();
      for (int i = 0; i < walked.size(); i++) {
        JsonObject a = walked.get(i);
        assertTrue(ids.add(a.getLong("id")), "no overlap: " + a);
        if (i > 0) {
          JsonObject prev = walked.get(i - 1);
          int byTime = Instant.parse(prev.getString("scannedAt")).compareTo(Instant.parse(a.getString("scannedAt")));
          assertTrue(byTime > 0 || byTime == 0 && prev.getLong("id") > a.getLong("id"), "newest first");
        }
      }
      long expected = db(switch (query) {
        case "" -> "";
        case "region=44" -> "region LIKE '44%'";
        default -> "type = 'REPEAT_SALE' AND scanned_at >= now() - interval '3 days'";
      });
      assertEquals(expected, walked.size(), "no gap: " + query);
      assertEquals(oneGo.stream().map(o -> o.getLong("id")).toList(), walked.stream().map(o -> o.getLong("id")).toList());
    }
  }

  @Test
  void badParametersAreA400ListingEachField() {
    Response r = svc.get("/api/v1/anomalies?type=NOPE&suspicion=x&level=LOUD&limit=0&cursor=%25%25%25&from=yesterday"
        + "&region=44a&to=2026-13-01T00:00:00Z", investigator);
    assertEquals(400, r.status(), r.body());
    assertTrue(r.contentType().startsWith("application/problem+json"));
    Set<String> fields = new HashSet<>();
    r.json().getJsonArray("errors").forEach(e -> fields.add(((JsonObject) e).getString("field")));
    assertEquals(Set.of("type", "suspicion", "level", "limit", "cursor", "from", "region", "to"), fields);
    for (String bad : List.of("limit=1001", "limit=abc", "limit=-1", "cursor=" + q("bm90IGEgY3Vyc29y"),
        "from=2026-11-22T00:00:00Z&to=2026-11-21T00:00:00Z", "type=REPEAT_SALE&type=EXPIRED",
        "from=2026-11-22T00:00:00", "region=1234567",
        // times with no UTC date in java.time (they were 500s)
        "from=" + q("+999999999-12-31T23:59:59.999999999-18:00"), "to=" + q("-999999999-01-01T00:00:00+18:00"),
        "cursor=" + InvestigatorRoutes.encodeCursor(Instant.parse("+1000000000-12-31T23:59:59Z"), 5),
        "cursor=" + InvestigatorRoutes.encodeCursor(Instant.parse("-1000000000-01-01T00:00:00Z"), 5))) {
      Response each = svc.get("/api/v1/anomalies?" + bad, investigator);
      assertEquals(400, each.status(), bad + ": " + each.body());
      assertNotNull(each.json().getJsonArray("errors"), bad);
    }
    // java.time's last UTC second, rounded up to a whole microsecond as every bound is: a time past PostgreSQL's last
    // one, which selects what that last one does (a 400 until 2026-12-05 only because the rounding overflowed)
    Response last = svc.get("/api/v1/anomalies?from=" + q("+999999999-12-31T23:59:59.9999999Z"), investigator);
    assertEquals(200, last.status(), last.body());
    assertEquals(0, last.json().getJsonArray("items").size());
    assertEquals(200, svc.get("/api/v1/anomalies?limit=1000", investigator).status());
    assertEquals(200, svc.get("/api/v1/anomalies?limit=1", investigator).status());
    // A misspelt filter was ignored: the answer (or an export) covered everything while looking filtered.
    for (String path : List.of("/api/v1/anomalies?regoin=44", "/api/v1/anomalies/summary?groupBy=site&siteId=P1",
        "/api/v1/rings?region=44&minshared=3", "/api/v1/rings/sites/P1?form=2026-11-01T00:00:00Z",
        "/api/v1/anomalies/stream?tpye=EXPIRED", "/api/v1/codes/" + CLONED + "/events?from=2030-01-01T00:00:00Z")) {
      Response each = svc.get(path, investigator);
      assertEquals(400, each.status(), path + ": " + each.body());
      String unknown = path.replaceAll(".*[?&]([A-Za-z]+)=[^&]*$", "$1");
      assertEquals(unknown, each.json().getJsonArray("errors").getJsonObject(0).getString("field"), path);
    }
    Response csv = svc.send(svc.request("/api/v1/anomalies?limit=5&regoin=44", investigator)
        .header("Accept", "text/csv").GET().build());
    assertEquals(400, csv.status(), "an export's misspelt filter too: " + csv.body());
    assertEquals(200, svc.send(svc.request("/api/v1/anomalies?limit=5&type=EXPIRED", investigator)
        .header("Accept", "text/csv").GET().build()).status(), "limit does not apply to an export: accepted");
  }

  /** One EXPIRED anomaly row of its own site, at a time written as PostgreSQL reads it. */
  private static void insertExpired(String at, String canonical, String siteId, String detail) {
    TestDatabase.execute(svc.db(), """
        INSERT INTO anomalies (scan_id, scanned_at, type, suspicion, level, code_key, canonical, product, site_id,
                               region, detail)
        VALUES (1, '%s', 'EXPIRED', 'QUALITY', 'ALERT', '\\x00'::bytea, '%s', 'BULKPRODUCT', '%s', '650102', '%s')
        """.formatted(at, canonical, siteId, detail));
  }

  @Test
  void boundsFinerThanAMicrosecondKeepFromInclusiveAndToExclusive() {
    // PostgreSQL keeps microseconds: a bound with more digits (.NET writes seven) must not be cut to them
    insertExpired("2026-11-30 12:00:00.123456+00", "MICRO", "ZZMICRO", "at a whole microsecond");
    String site = "siteId=ZZMICRO&";
    Map<String, Integer> expected = new LinkedHashMap<>();
    expected.put("from=2026-11-30T12:00:00.123456Z", 1);
    expected.put("from=2026-11-30T12:00:00.1234561Z", 0);
    expected.put("from=2026-11-30T12:00:00.1234559Z", 1);
    expected.put("from=2026-11-30T11:00:00Z&to=2026-11-30T12:00:00.123456Z", 0);
    expected.put("from=2026-11-30T11:00:00Z&to=2026-11-30T12:00:00.1234561Z", 1);
    expected.put("from=2026-11-30T11:00:00Z&to=2026-11-30T12:00:00.1234559Z", 0);
    // ISO-8601's other offset forms and its decimal comma (java.time alone refused each)
    expected.put("from=2026-11-30T20:00:00,123456%2B0800", 1);
    expected.put("from=2026-11-30T20:00:00,1234561%2B08", 0);
    expected.put("from=2026-11-30T20:00:00.1234559+0800", 1); // the '+' left unencoded: a space when decoded
    expected.forEach((range, n) -> {
      Response r = svc.get("/api/v1/anomalies?" + site + range, investigator);
      assertEquals(200, r.status(), r.body());
      assertEquals(n, r.json().getJsonArray("items").size(), range);
      long summed = svc.get("/api/v1/anomalies/summary?groupBy=site&" + range, investigator).json()
          .getJsonArray("groups").stream().map(g -> (JsonObject) g).filter(g -> g.getString("key").equals("ZZMICRO"))
          .mapToLong(g -> g.getLong("count")).sum();
      assertEquals((long) n, summed, "summary " + range);
    });
  }

  /** HTTP requires HEAD wherever GET is served: the API's reads were a 405. Same status and type, no body. */
  @Test
  void everyReadAnswersHeadWithTheHeadersOfItsGet() {
    long anomaly = TestDatabase.count(svc.db(), "SELECT min(id) FROM anomalies");
    String stream = "/api/v1/anomalies/stream";
    for (String path : List.of("/api/v1/anomalies?limit=5", "/api/v1/anomalies/summary?groupBy=site",
        "/api/v1/codes/" + CLONED + "/events", "/api/v1/anomalies/" + anomaly + "/history", "/api/v1/rings",
        "/api/v1/rings/sites/P44030500002", "/api/v1/scans/rejected", "/api/v1/scans/rejected/summary",
        "/api/v1/verify/" + CLONED, "/api/v1/verify?code=" + CLONED, "/api/v1/anomalies?limit=0")) {
      for (String accept : List.of("application/json", "text/csv")) {
        Response get = svc.send(svc.request(path, investigator).header("Accept", accept).GET().build());
        Response head = svc.send(svc.request(path, investigator).header("Accept", accept)
            .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(get.status(), head.status(), "HEAD " + path + " " + accept + ": " + head.body());
        assertEquals(get.contentType(), head.contentType(), "HEAD " + path + " " + accept);
        assertEquals("", head.body(), "HEAD " + path);
      }
    }
    // an event stream has no end to take headers from
    Response streamHead = svc.send(svc.request(stream, investigator)
        .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody()).build());
    assertEquals(405, streamHead.status());
  }

  /**
   * "with the headers its GET would carry" (README): the API's HEADs had no Content-Length where their GET had one,
   * as the pages' HEADs had none until 2026-12-03. A refused request's problem too.
   */
  @Test
  void aHeadCarriesTheLengthItsGetWouldSend() throws Exception {
    long anomaly = TestDatabase.count(svc.db(), "SELECT min(id) FROM anomalies");
    var client = java.net.http.HttpClient.newHttpClient();
    for (String path : List.of("/api/v1/anomalies?limit=5", "/api/v1/anomalies/summary?groupBy=site",
        "/api/v1/codes/" + CLONED + "/events", "/api/v1/anomalies/" + anomaly + "/history", "/api/v1/rings",
        "/api/v1/scans/rejected", "/api/v1/scans/rejected/summary", "/api/v1/anomalies?limit=0")) {
      var get = client.send(svc.request(path, investigator).build(),
          java.net.http.HttpResponse.BodyHandlers.ofByteArray());
      var head = client.send(svc.request(path, investigator)
          .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
          java.net.http.HttpResponse.BodyHandlers.discarding());
      assertEquals(get.statusCode(), head.statusCode(), path);
      assertEquals(String.valueOf(get.body().length), get.headers().firstValue("Content-Length").orElse(null), path);
      assertEquals(get.headers().firstValue("Content-Length").orElse(null),
          head.headers().firstValue("Content-Length").orElse(null), "HEAD " + path);
    }
    // an export is chunked, its length unknown before its rows are read: none, not a 0 that says it has no rows
    var export = client.send(svc.request("/api/v1/anomalies", investigator).header("Accept", "text/csv")
        .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
        java.net.http.HttpResponse.BodyHandlers.discarding());
    assertEquals(200, export.statusCode());
    assertEquals(null, export.headers().firstValue("Content-Length").orElse(null), "HEAD of an export");
  }

  /** A summary cut at its limit says so: the sites past the 1,000th looked like sites without anomalies. */
  @Test
  void theSummarySaysWhenItLeftGroupsOut() {
    long sites = TestDatabase.count(svc.db(), "SELECT count(DISTINCT site_id) FROM anomalies");
    assertTrue(sites > 2, "the demo day and the bulk span several sites");
    Response all = svc.get("/api/v1/anomalies/summary?groupBy=site&limit=" + sites, investigator);
    assertEquals(sites, all.json().getJsonArray("groups").size(), all.body());
    assertFalse(all.json().getBoolean("truncated"), all.body());
    Response cut = svc.get("/api/v1/anomalies/summary?groupBy=site&limit=" + (sites - 1), investigator);
    assertEquals(sites - 1, cut.json().getJsonArray("groups").size(), cut.body());
    assertTrue(cut.json().getBoolean("truncated"), cut.body());
    // a time series keeps its latest buckets, oldest first
    long hours = TestDatabase.count(svc.db(),
        "SELECT count(DISTINCT date_trunc('hour', scanned_at, 'UTC')) FROM anomalies");
    Response latest = svc.get("/api/v1/anomalies/summary?groupBy=hour&limit=2", investigator);
    JsonArray buckets = latest.json().getJsonArray("groups");
    assertEquals(Math.min(2, hours), buckets.size(), latest.body());
    assertEquals(hours > 2, latest.json().getBoolean("truncated"), latest.body());
    String newest = TestDatabase.countsBy(svc.db(), "SELECT to_char(date_trunc('hour', max(scanned_at), 'UTC'), "
        + "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 0 FROM anomalies").keySet().iterator().next();
    assertEquals(newest, buckets.getJsonObject(buckets.size() - 1).getString("key"), latest.body());
  }

  @Test
  void aTimeWithItsPlusOffsetWrittenAsItIsInTheUrlIsRead() {
    // api.md's times carry an offset (+08:00); put in a URL unencoded, as curl and address bars leave it, the '+'
    // arrives as a space: every such from/to was a 400 quoting that very form as its example, until the spec
    // conformance probe
    insertExpired("2026-11-30 16:30:00+00", "PLUS", "ZZPLUS", "half past midnight in Beijing");
    Map<String, Integer> expected = new LinkedHashMap<>();
    expected.put("from=2026-12-01T00:30:00+08:00", 1);
    expected.put("from=2026-12-01T00:30:00.000001+08:00", 0);
    expected.put("from=2026-12-01T00:00:00+08:00&to=2026-12-01T00:30:00+08:00", 0);
    expected.put("from=2026-12-01T00:00:00+08:00&to=2026-12-01T00:30:00.000001%2B08:00", 1);
    expected.forEach((range, n) -> {
      Response r = svc.get("/api/v1/anomalies?siteId=ZZPLUS&" + range, investigator);
      assertEquals(200, r.status(), range + ": " + r.body());
      assertEquals(n, r.json().getJsonArray("items").size(), range);
      Response summary = svc.get("/api/v1/anomalies/summary?groupBy=site&" + range, investigator);
      assertEquals(200, summary.status(), range + ": " + summary.body());
      Response rings = svc.get("/api/v1/rings?" + range, investigator);
      assertEquals(200, rings.status(), range + ": " + rings.body());
    });
    for (String bad : List.of("from=2026-12-01T00:30:00  08:00", "from=2026-12-01 00:30:00+08:00",
        "from=2026-12-01T00:30:00+8")) {
      assertEquals(400, svc.get("/api/v1/anomalies?" + bad.replace(' ', '+'), investigator).status(), bad);
    }
  }

  @Test
  void boundsBeyondPostgresLastTimestampSelectAsFarFutureBoundsDo() {
    // PostgreSQL's last timestamp is 294276-12-31T23:59:59.999999Z; the driver sends a time from about nine days
    // after it (where its "infinity" starts) as a plain number, which PostgreSQL refused: every such from/to was a
    // 500 'timestamp out of range' on the list, summary, rings and a site's neighbours (found by the investigators
    // probe; years before 294277 and from 294278 on were answered)
    long all = db("");
    for (String bound : List.of("+294277-01-01T00:00:00Z", "+294277-01-05T12:00:00Z", "+294277-01-10T04:00:54Z")) {
      Response to = svc.get("/api/v1/anomalies?limit=1&to=" + q(bound), investigator);
      assertEquals(200, to.status(), bound + ": " + to.body());
      assertEquals(1, to.json().getJsonArray("items").size(), bound);
      Response from = svc.get("/api/v1/anomalies?from=" + q(bound), investigator);
      assertEquals(200, from.status(), bound + ": " + from.body());
      assertEquals(0, from.json().getJsonArray("items").size(), bound);
      Response summary = svc.get("/api/v1/anomalies/summary?groupBy=type&to=" + q(bound), investigator);
      assertEquals(200, summary.status(), bound + ": " + summary.body());
      assertEquals(all, summary.json().getJsonArray("groups").stream()
          .mapToLong(g -> ((JsonObject) g).getLong("count")).sum(), bound);
      Response state = svc.get("/api/v1/anomalies/summary?groupBy=state&from=" + q(bound), investigator);
      assertEquals(200, state.status(), bound + ": " + state.body());
      assertEquals(200, svc.get("/api/v1/rings?to=" + q(bound), investigator).status(), bound);
      assertEquals(200, svc.get("/api/v1/rings/sites/P44030500002?to=" + q(bound), investigator).status(), bound);
    }
    // a cursor there is none this service issued: a 400 like any other forged cursor, not a 500
    Response cursor = svc.get("/api/v1/anomalies?cursor="
        + InvestigatorRoutes.encodeCursor(Instant.parse("+294277-01-02T00:00:00Z"), 5), investigator);
    assertEquals(400, cursor.status(), cursor.body());
  }

  @Test
  void aSiteIdAsLongAsASiteMayHaveCanBeFilteredOn() {
    String longSite = "L".repeat(Fields.MAX_SITE_ID);
    assertEquals(200, svc.get("/api/v1/anomalies?siteId=" + longSite, investigator).status());
    assertEquals(404, svc.get("/api/v1/rings/sites/" + longSite, investigator).status(), "not registered: not refused");
    assertEquals(400, svc.get("/api/v1/anomalies?siteId=" + longSite + "L", investigator).status());
  }

  @Test
  void acceptWeightsChooseBetweenCsvAndJson() {
    for (String[] c : new String[][] {{"text/csv;q=0, application/json", "application/json"},
        {"application/json, text/csv;q=0.5", "application/json"}, {"text/csv, application/json;q=0.9", "text/csv"},
        {"application/json, text/csv", "text/csv"}, {"*/*", "application/json"},
        // JSON is what */* and application/* accept at their weight: CSV at a lower one is not preferred
        {"text/csv;q=0.5, */*", "application/json"}, {"text/csv;q=0.5, application/*", "application/json"},
        {"text/csv, */*", "text/csv"}, {"text/csv;q=0.5, */*;q=0.1", "text/csv"},
        {"application/*;q=0.2, text/csv;q=0.5, */*", "text/csv"},
        // the smallest weights RFC 9110 allows still accept
        {"text/csv;q=0.001", "text/csv"}, {"application/json;q=0.001, text/csv;q=0.002", "text/csv"},
        {"text/csv;q=0.001, application/json;q=0.002", "application/json"}}) {
      Response r = svc.send(svc.request("/api/v1/anomalies?limit=1", investigator).header("Accept", c[0]).GET()
          .build());
      assertEquals(200, r.status(), c[0]);
      assertTrue(r.contentType().startsWith(c[1]), c[0] + " gave " + r.contentType());
    }
  }

  @Test
  void csvStreamsEveryMatchingRowWithAHeaderAndEscaping() throws Exception {
    Response r = svc.send(svc.request("/api/v1/anomalies?limit=5", investigator).header("Accept", "text/csv")
        .GET().build());
    assertEquals(200, r.status());
    assertEquals("text/csv; charset=utf-8", r.contentType());
    assertTrue(r.body().startsWith(InvestigatorRoutes.CSV_HEADER), r.body().substring(0, 200));
    List<CSVRecord> records = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get()
        .parse(new StringReader(r.body())).getRecords();
    assertEquals(db(""), records.size(), "all rows, not one page");
    assertTrue(records.size() > BULK);
    for (CSVRecord rec : records) {
      assertEquals(15, rec.size(), rec.toString());
      assertEquals("OPEN", rec.get("state"));
      assertEquals("", rec.get("voidedAt"), "none of these scans was voided");
    }
    Set<String> ids = new HashSet<>();
    records.forEach(rec -> ids.add(rec.get("id")));
    assertEquals(records.size(), ids.size());
    assertTrue(records.stream().anyMatch(rec -> rec.get("detail").endsWith(", with a comma")));
    CSVRecord quoted = records.stream().filter(rec -> "R,\"7\"".equals(rec.get("conflictDocumentNo"))).findFirst()
        .orElseThrow(() -> new AssertionError("the quoted document number"));
    assertEquals("(01)06901234567892(21)CSV\"1", quoted.get("canonical"));
    assertTrue(r.body().contains("\"R,\"\"7\"\"\""), "quotes doubled inside a quoted field");

    Response filtered = svc.send(svc.request("/api/v1/anomalies?siteId=ZZBULK&from="
        + q(Instant.now().minus(10, ChronoUnit.HOURS).toString()), investigator)
        .header("Accept", "text/csv").GET().build());
    long lines = filtered.body().lines().count() - 1;
    assertEquals(db("site_id = 'ZZBULK' AND scanned_at >= now() - interval '10 hours'"), lines, filtered.body());
    Response bad = svc.send(svc.request("/api/v1/anomalies?type=NOPE", investigator).header("Accept", "text/csv")
        .GET().build());
    assertEquals(400, bad.status());
  }

  @Test
  void csvNeutralisesFormulas() {
    assertEquals("'=HYPERLINK(\"\"x\"\")", unquote(InvestigatorRoutes.field(new StringBuilder(), "=HYPERLINK(\"x\")")
        .toString()));
    assertEquals("plain", InvestigatorRoutes.field(new StringBuilder(), "plain").toString());
    assertEquals("\"a\nb\"", InvestigatorRoutes.field(new StringBuilder(), "a\nb").toString());
  }

  private static String unquote(String s) {
    return s.startsWith("\"") ? s.substring(1, s.length() - 1) : s;
  }

  @Test
  void summariesMatchTheDatabaseForEachGrouping() {
    Map<String, String> columns = Map.of("site", "site_id", "region", "region", "product", "product", "type", "type",
        "suspicion", "suspicion");
    for (var c : columns.entrySet()) {
      Response r = svc.get("/api/v1/anomalies/summary?groupBy=" + c.getKey(), investigator);
      assertEquals(200, r.status(), r.body());
      JsonArray groups = r.json().getJsonArray("groups");
      assertEquals(TestDatabase.count(svc.db(), "SELECT count(DISTINCT " + c.getValue() + ") FROM anomalies"),
          groups.size(), c.getKey());
      long total = 0;
      long previous = Long.MAX_VALUE;
      for (Object o : groups) {
        JsonObject g = (JsonObject) o;
        long n = g.getLong("count");
        assertTrue(n <= previous, "largest first");
        previous = n;
        assertEquals(n, g.getLong("alerts") + g.getLong("warnings"));
        assertEquals(db(c.getValue() + " = '" + g.getString("key") + "'"), n, c.getKey() + " " + g);
        total += n;
      }
      assertEquals(db(""), total);
    }
    JsonObject site = svc.get("/api/v1/anomalies/summary?groupBy=site", investigator).json().getJsonArray("groups")
        .stream().map(o -> (JsonObject) o).filter(g -> g.getString("key").equals("P44030500005")).findFirst()
        .orElseThrow();
    assertNotNull(site.getString("name"));
    Instant from = Instant.now().minus(6, ChronoUnit.HOURS);
    JsonArray windowed = svc.get("/api/v1/anomalies/summary?groupBy=type&from=" + q(from.toString()), investigator)
        .json().getJsonArray("groups");
    long sum = windowed.stream().mapToLong(o -> ((JsonObject) o).getLong("count")).sum();
    assertEquals(db("scanned_at >= '" + from + "'"), sum);
  }

  @Test
  void namedValuesIgnoreAsciiLetterCaseInEveryParameter() {
    // the filters took type=repeat_sale while groupBy=SITE was a 400
    JsonObject upper = svc.get("/api/v1/anomalies/summary?groupBy=SITE", investigator).json();
    assertEquals("site", upper.getString("groupBy"), upper.encode());
    assertEquals(svc.get("/api/v1/anomalies/summary?groupBy=site", investigator).json().getJsonArray("groups"),
        upper.getJsonArray("groups"));
    assertEquals(200, svc.get("/api/v1/anomalies/summary?groupBy=Hour", investigator).status());
    assertEquals(svc.get("/api/v1/anomalies?type=REPEAT_SALE&level=ALERT", investigator).json(),
        svc.get("/api/v1/anomalies?type=repeat_sale&level=Alert", investigator).json());
    // only ASCII letters: Unicode's case mapping reads ſ as S and ı as I
    for (String path : List.of("/api/v1/anomalies?type=" + q("repeat_\u017Fale"),
        "/api/v1/anomalies?suspicion=" + q("d\u0131verted"), "/api/v1/anomalies/summary?groupBy=" + q("\u017Fite"))) {
      Response r = svc.get(path, investigator);
      assertEquals(400, r.status(), path + ": " + r.body());
      assertEquals(path.replaceAll(".*[?&]([A-Za-z]+)=[^&]*$", "$1"),
          r.json().getJsonArray("errors").getJsonObject(0).getString("field"), path);
    }
  }

  @Test
  void numbersAreAsciiDigitsOnly() {
    // Integer.parseInt reads any Unicode digit: limit=１０ (fullwidth) was answered as limit=10
    for (String path : List.of("/api/v1/anomalies?limit=", "/api/v1/anomalies/summary?groupBy=type&limit=",
        "/api/v1/rings?limit=", "/api/v1/rings?minShared=")) {
      assertEquals(200, svc.get(path + "10", investigator).status(), path);
      for (String n : List.of("\uFF11\uFF10", "\u0661\u0660", "+10")) {
        Response r = svc.get(path + q(n), investigator);
        assertEquals(400, r.status(), path + n + ": " + r.body());
        assertTrue(r.contentType().startsWith("application/problem+json"), r.contentType());
        assertEquals(path.replaceAll(".*[?&]([A-Za-z]+)=$", "$1"),
            r.json().getJsonArray("errors").getJsonObject(0).getString("field"), path + n);
      }
    }
  }

  @Test
  void summariesOverTimeAreBucketsInTimeOrder() {
    for (String unit : List.of("hour", "day")) {
      JsonArray groups = svc.get("/api/v1/anomalies/summary?groupBy=" + unit, investigator).json()
          .getJsonArray("groups");
      assertEquals(TestDatabase.count(svc.db(), "SELECT count(DISTINCT date_trunc('" + unit
          + "', scanned_at, 'UTC')) FROM anomalies"), groups.size());
      Instant prev = Instant.MIN;
      long total = 0;
      for (Object o : groups) {
        Instant key = Instant.parse(((JsonObject) o).getString("key"));
        assertTrue(key.isAfter(prev));
        prev = key;
        total += ((JsonObject) o).getLong("count");
      }
      assertEquals(db(""), total);
    }
    Response bad = svc.get("/api/v1/anomalies/summary?groupBy=city&from=now", investigator);
    assertEquals(400, bad.status());
    assertEquals(2, bad.json().getJsonArray("errors").size());
    assertEquals(400, svc.get("/api/v1/anomalies/summary", investigator).status());
    assertEquals(400, svc.get("/api/v1/anomalies/summary?groupBy=site&limit=0", investigator).status());
  }

  @Test
  void aClonedCodesEventsShowBothSalesTheAnomalyAndTheState() {
    Response r = svc.get("/api/v1/codes/" + CLONED + "/events", investigator);
    assertEquals(200, r.status(), r.body());
    JsonObject body = r.json();
    assertEquals(CLONED, body.getString("canonical"));
    JsonArray events = body.getJsonArray("events");
    assertEquals(2, events.size());
    JsonObject first = events.getJsonObject(0);
    JsonObject second = events.getJsonObject(1);
    assertTrue(first.getLong("id") < second.getLong("id"));
    assertEquals("ACCEPTED", first.getString("status"));
    assertEquals("FLAGGED", second.getString("status"));
    assertEquals("SALE", second.getString("type"));
    assertNotNull(second.getString("siteName"));
    JsonObject anomaly = second.getJsonArray("anomalies").getJsonObject(0);
    assertEquals("REPEAT_SALE", anomaly.getString("type"));
    assertEquals("COUNTERFEIT", anomaly.getString("suspicion"));
    assertEquals(first.getString("siteId"), anomaly.getJsonObject("conflictsWith").getString("siteId"));
    assertEquals(first.getString("documentNo"), anomaly.getJsonObject("conflictsWith").getString("documentNo"));
    JsonObject state = body.getJsonObject("state");
    assertEquals(2, state.getInteger("saleCount"));
    assertEquals(2, state.getInteger("sites"));
    assertEquals(7, state.getInteger("packSize"));
    assertFalse(state.getBoolean("destroyed"));
    assertEquals(second.getString("siteId"), state.getJsonObject("lastSale").getString("siteId"));
    assertEquals(Instant.parse(second.getString("scannedAt")).getEpochSecond(),
        Instant.parse(state.getJsonObject("lastSale").getString("at")).getEpochSecond());
  }

  @Test
  void aCodesEventsAreInTimeOrderEachWithItsPlaceInJudgingOrder() {
    // A till uploads yesterday's sale after today's: the events were listed as judged, yesterday's after today's.
    Instant t = Instant.now().minus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    String code = "(01)06901234567892(17)271231(10)B1(21)LATEUPLOAD1";
    post(scan(code, "P44030500002", "R-TODAY", t));
    post(scan(code, "P11010500003", "R-YESTERDAY", t.minus(1, ChronoUnit.DAYS)));
    post(scan(code, "P44030500002", "R-LATER-A", t.plusSeconds(3600)));
    post(scan(code, "P11010500003", "R-LATER-B", t.plusSeconds(3600)));
    JsonArray events = svc.get("/api/v1/codes/" + q(code) + "/events", investigator).json().getJsonArray("events");
    List<String> docs = new ArrayList<>();
    List<Long> judged = new ArrayList<>();
    events.forEach(o -> {
      docs.add(((JsonObject) o).getString("documentNo"));
      judged.add(((JsonObject) o).getLong("judgedSeq"));
    });
    assertEquals(List.of("R-YESTERDAY", "R-TODAY", "R-LATER-A", "R-LATER-B"), docs, "time order, a tie as judged");
    assertEquals(List.of(2L, 1L, 3L, 4L), judged, events.encode());
    // why yesterday's sale is flagged: it was judged after today's, which it conflicts with
    assertEquals("R-TODAY", events.getJsonObject(0).getJsonArray("anomalies").getJsonObject(0)
        .getJsonObject("conflictsWith").getString("documentNo"), events.encode());
  }

  @Test
  void aDestroyedCodesStateNamesTheDestroyNotAsItsLastSale() {
    // The ledger keeps the destroy scan in the slot of the last sale (it is the anchor later scans conflict with):
    // a code's events showed it as lastSale, and the console as "Last sale: <destroying site> · <destroy time>", a
    // sale that never happened (found by the investigators probe)
    Instant t = Instant.now().minus(3, ChronoUnit.HOURS);
    String code = "(01)06901234567892(17)271231(10)B1(21)DESTROYED1";
    post(scan(code, "P44030500002", "R-D1", t));
    post(scan(code, "P11010500003", "D-D1", t.plusSeconds(600)).put("type", "DESTROY"));
    JsonObject state = svc.get("/api/v1/codes/" + q(code) + "/events", investigator).json().getJsonObject("state");
    assertTrue(state.getBoolean("destroyed"), state.encode());
    assertEquals(1, state.getInteger("saleCount"));
    // its one sale is in the events; the state's last-sale slot holds the destroy, so no last sale is named
    assertTrue(state.containsKey("lastSale") && state.getValue("lastSale") == null,
        "the destroy is not a sale: " + state.encode());
    JsonObject destroyedBy = state.getJsonObject("destroyedBy");
    assertNotNull(destroyedBy, state.encode());
    assertEquals("P11010500003", destroyedBy.getString("siteId"));
    assertEquals(t.plusSeconds(600).getEpochSecond(), Instant.parse(destroyedBy.getString("at")).getEpochSecond());
    JsonObject sold = svc.get("/api/v1/codes/" + CLONED + "/events", investigator).json().getJsonObject("state");
    assertNull(sold.getValue("destroyedBy"), "a code not destroyed has none: " + sold.encode());
  }

  @Test
  void aSplitPackCodeShowsEachPartInOrder() {
    JsonObject body = svc.get("/api/v1/codes/" + SPLIT + "/events", investigator).json();
    JsonArray events = body.getJsonArray("events");
    assertEquals(3, events.size());
    for (int i = 0; i < 3; i++) {
      assertTrue(events.getJsonObject(i).getBoolean("split"));
      assertEquals(10, events.getJsonObject(i).getInteger("quantity"));
    }
    assertEquals("SPLIT_OVERSOLD", events.getJsonObject(2).getJsonArray("anomalies").getJsonObject(0)
        .getString("type"));
    assertEquals(30, body.getJsonObject("state").getInteger("soldUnits"));
    assertEquals(24, body.getJsonObject("state").getInteger("packSize"));
  }

  @Test
  void anyWritingOfACodeFindsTheSameBox() {
    String canonical = "(01)06901234567892(21)CSV\"1";
    for (String writing : List.of("(01)06901234567892(17)271231(10)B1(21)CSV\"1",
        "]d2\u001d010690123456789221CSV\"1", " (01)06901234567892(21)CSV\"1\r\n")) {
      Response r = svc.get("/api/v1/codes/" + q(writing).replace("+", "%20") + "/events", investigator);
      assertEquals(200, r.status(), writing + ": " + r.body());
      assertEquals(canonical, r.json().getString("canonical"));
      assertEquals(2, r.json().getJsonArray("events").size());
    }
  }

  @Test
  void invalidCodesAre400AndUnknownOnes404() {
    Response invalid = svc.get("/api/v1/codes/12345/events", investigator);
    assertEquals(400, invalid.status());
    assertEquals("code", invalid.json().getJsonArray("errors").getJsonObject(0).getString("field"));
    assertFalse(invalid.json().getString("detail").isBlank());
    Response badCheck = svc.get("/api/v1/codes/" + q("(01)06901234567893(21)X") + "/events", investigator);
    assertEquals(400, badCheck.status(), badCheck.body());
    Response unknown = svc.get("/api/v1/codes/81000019999999999999/events", investigator);
    assertEquals(404, unknown.status(), unknown.body());
    assertTrue(unknown.contentType().startsWith("application/problem+json"));
    assertNull(unknown.retryAfter());
  }
}
