package com.tracesentinel.http;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.support.LogCapture;
import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A NUL or another control character (or bytes that are not UTF-8) in a filter, a path parameter or an admin's text
 * field is the client's mistake: a 400 problem naming the field, before PostgreSQL sees it (it refuses U+0000 in
 * text, which used to surface as a 500, or as a CSV export cut off mid-stream).
 */
@Tag("slow")
class ControlCharactersTest {
  private static final String ADMIN = TestService.ADMIN_KEY;
  private static TestService svc;

  @BeforeAll
  static void start() throws Exception {
    svc = TestService.start();
    svc.sites("PN", "440305");
    // one anomaly, so that a filter that reached the database would have rows to stream
    String code = ScanApiTest.newCode();
    Instant t = Instant.now().minusSeconds(3600);
    svc.post("/api/v1/scans", ADMIN, ScanApiTest.scan(code, "PN", "N1", t));
    svc.post("/api/v1/scans", ADMIN, ScanApiTest.scan(code, "PN", "N2", t.plusSeconds(30)));
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
  }

  /** The raw request, so that escapes a URI class would refuse reach the server as sent. */
  private static RawHttp.Reply get(String pathAndQuery, String accept) throws IOException {
    try (RawHttp c = new RawHttp(svc.port())) {
      c.send(RawHttp.request("GET", pathAndQuery, ADMIN, accept == null ? null : "Accept: " + accept + "\r\n"));
      return c.read();
    }
  }

  private static void assertRefused(RawHttp.Reply r, String field, String what) {
    assertEquals(400, r.status(), what + ": " + r.body());
    assertTrue(r.header("Content-Type").startsWith("application/problem+json"), what + ": " + r.headers());
    List<String> fields = fields(new JsonObject(r.body()));
    assertTrue(fields.contains(field), what + " must name " + field + ": " + r.body());
  }

  private static List<String> fields(JsonObject problem) {
    List<String> fields = new ArrayList<>();
    JsonArray errors = problem.getJsonArray("errors");
    for (int i = 0; errors != null && i < errors.size(); i++) {
      fields.add(errors.getJsonObject(i).getString("field"));
    }
    return fields;
  }

  @Test
  void everyAnomalyFilterRefusesControlCharactersAndBrokenEncodingsAsJsonAndAsCsv() throws IOException {
    assertEquals(200, get("/api/v1/anomalies?siteId=PN", "text/csv").status(), "the export itself works");
    List<String> params = List.of("siteId", "product", "region", "type", "suspicion", "level", "from", "to",
        "limit", "cursor");
    List<String> values = List.of("PN%00", "%00", "a%01b", "%1F", "%7F", "x%0Ay", "%C2%85", // C0, DEL, C1
        "%ZZ", "%E0%80", "%ED%A0%80", "%FF", "abc%"); // broken escapes, not UTF-8, an encoded lone surrogate
    for (String accept : new String[] {null, "text/csv"}) {
      for (String param : params) {
        for (String value : values) {
          String q = "/api/v1/anomalies?" + param + "=" + value;
          assertRefused(get(q, accept), param, q + (accept == null ? "" : " as CSV"));
        }
      }
    }
    // one bad parameter among good ones: still named, and only it
    RawHttp.Reply mixed = get("/api/v1/anomalies?siteId=PN&product=8%00&limit=10", "text/csv");
    assertRefused(mixed, "product", "mixed");
    assertEquals(List.of("product"), fields(new JsonObject(mixed.body())));
  }

  @Test
  void theSummaryRefusesThemToo() throws IOException {
    for (String q : List.of("groupBy=site%00", "groupBy=site&from=%002026-01-01T00:00:00Z", "groupBy=site&to=%ZZ",
        "groupBy=site&limit=1%00")) {
      String param = q.substring(q.lastIndexOf('&') + 1, q.lastIndexOf('='));
      assertRefused(get("/api/v1/anomalies/summary?" + q, null), param, q);
    }
  }

  @Test
  void aCodesTimelineRefusesAControlCharacterInTheCode() throws IOException {
    String code = "81000010000007100000";
    for (String bad : List.of(code + "%00", "%00" + code, code.substring(0, 10) + "%01" + code.substring(10),
        code + "%7F")) {
      assertRefused(get("/api/v1/codes/" + bad + "/events", null), "code", bad);
    }
    // a scanner's GS separators and CR/LF suffix are part of how codes are written: still read as the code
    assertEquals(404, get("/api/v1/codes/" + code + "%0D%0A/events", null).status());
    for (String broken : List.of(code + "%ZZ", code + "%", code + "%ED%A0%80", code + "%C0%80", "%FF" + code)) {
      RawHttp.Reply r = get("/api/v1/codes/" + broken + "/events", null);
      assertEquals(400, r.status(), broken + ": " + r.body());
      assertTrue(r.header("Content-Type").startsWith("application/problem+json"), broken);
      assertEquals(List.of("path"), fields(new JsonObject(r.body())), broken + ": " + r.body());
    }
  }

  @Test
  void sitesWithControlCharactersAreRefusedFieldByFieldAsJsonAndCsv() {
    JsonArray rows = new JsonArray()
        .add(new JsonObject().put("siteId", "SN1\u0000").put("name", "Nul\u0000Pharmacy").put("kind", "PHARMACY")
            .put("regionCode", "440305").put("regionName", "\u0007Shenzhen"))
        .add(new JsonObject().put("siteId", "SN2").put("name", "Fine").put("kind", "PHARMACY")
            .put("regionCode", "440305").put("regionName", "Shenzhen"));
    Response json = svc.put("/api/v1/sites", ADMIN, "application/json", rows.encode());
    assertEquals(400, json.status(), json.body());
    assertEquals(List.of("[0].siteId", "[0].name", "[0].regionName"), fields(json.json()));

    // a control character at a cell's edge must not vanish with the spaces around it
    String csv = "siteId,name,kind,regionCode,regionName\n"
        + "SN3,Fine,PHARMACY,440305,Shenzhen\n"
        + "SN4\u0000,\"Tab\tinside\",PHARMACY,440305,\"\u0001\"\n";
    Response fromCsv = svc.put("/api/v1/sites", ADMIN, "text/csv", csv);
    assertEquals(400, fromCsv.status(), fromCsv.body());
    assertEquals(List.of("line 3: siteId", "line 3: name", "line 3: regionName"), fields(fromCsv.json()));
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM sites WHERE site_id LIKE 'SN%'"));
  }

  @Test
  void productsWithControlCharactersAreRefusedFieldByFieldAsJsonAndCsv() {
    JsonArray rows = new JsonArray().add(new JsonObject().put("productKey", "8300011").put("drugCode", "X\u0000")
        .put("genericName", "Amoxicillin").put("brandName", "\u001b[31m").put("manufacturer", "LONE"));
    // a lone surrogate can only travel as a JSON escape
    Response json = svc.put("/api/v1/products", ADMIN, "application/json", rows.encode().replace("LONE", "\\uD800"));
    assertEquals(400, json.status(), json.body());
    assertEquals(List.of("[0].drugCode", "[0].brandName", "[0].manufacturer"), fields(json.json()));

    Response fromCsv = svc.put("/api/v1/products", ADMIN, "text/csv",
        "productKey,genericName,spec\n8300012,\"Para\u0000cetamol\",10\u0000\n");
    assertEquals(400, fromCsv.status(), fromCsv.body());
    assertEquals(List.of("line 2: genericName", "line 2: spec"), fields(fromCsv.json()));
    assertEquals(0, TestDatabase.count(svc.db(),
        "SELECT count(*) FROM products WHERE product_key IN ('8300011', '8300012')"));
  }

  @Test
  void bidirectionalOverridesAreRefusedLikeControlCharacters() {
    // U+202E displayed "Pharmacy" reversed after it in the console; U+2066..U+2069 isolate, U+202A..U+202D embed
    JsonArray rows = new JsonArray()
        .add(new JsonObject().put("siteId", "SB1").put("name", "Good ‮ycamrahp").put("kind", "PHARMACY")
            .put("regionCode", "440305").put("regionName", "⁧Shenzhen⁩"))
        .add(new JsonObject().put("siteId", "SB2‪").put("name", "Fine").put("kind", "PHARMACY")
            .put("regionCode", "440305").put("regionName", "Shenzhen ‏"));
    Response json = svc.put("/api/v1/sites", ADMIN, "application/json", rows.encode());
    assertEquals(400, json.status(), json.body());
    // a right-to-left mark (U+200F) only marks a direction and stays allowed
    assertEquals(List.of("[0].name", "[0].regionName", "[1].siteId"), fields(json.json()));
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM sites WHERE site_id LIKE 'SB%'"));
    Response scan = svc.post("/api/v1/scans", ADMIN, ScanApiTest.scan(ScanApiTest.newCode(), "PN", "DOC‮1",
        Instant.now().minusSeconds(60)));
    assertEquals("REJECTED", new JsonObject(scan.body()).getJsonArray("results").getJsonObject(0).getString("status"),
        scan.body());
  }

  @Test
  void aBrokenCsvIsA400ThatSaysWhereNotHowTheParserFailed() {
    Response r = svc.put("/api/v1/sites", ADMIN, "text/csv",
        "siteId,name,kind,regionCode,regionName\nSQ,\"open quote,PHARMACY,440305,X\n");
    assertEquals(400, r.status(), r.body());
    assertTrue(!r.body().contains("Exception") && !r.body().contains("java."), r.body());
  }

  @Test
  void keysWithAControlCharacterInTheLabelOrSiteAreRefused() {
    Response label = svc.post("/api/v1/keys", ADMIN, new JsonObject().put("role", "investigator")
        .put("label", "night\u0000shift"));
    assertEquals(400, label.status(), label.body());
    assertEquals(List.of("label"), fields(label.json()));
    Response site = svc.post("/api/v1/keys", ADMIN, new JsonObject().put("role", "scanner").put("siteId", "PN\u0000"));
    assertEquals(400, site.status(), site.body());
    assertEquals(List.of("siteId"), fields(site.json()));
    Response trimmedAway = svc.post("/api/v1/keys", ADMIN, new JsonObject().put("role", "scanner")
        .put("siteId", "\u0000PN"));
    assertEquals(400, trimmedAway.status(), trimmedAway.body());
    // a long label is cut at 200 characters, never inside a surrogate pair
    Response longLabel = svc.post("/api/v1/keys", ADMIN, new JsonObject().put("role", "investigator")
        .put("label", "x".repeat(199) + "\uD83D\uDC8A" + "tail"));
    assertEquals(201, longLabel.status(), longLabel.body());
    assertEquals(1, TestDatabase.count(svc.db(), "SELECT count(*) FROM api_keys WHERE label = '" + "x".repeat(199)
        + "'"));
  }

  /**
   * A path's control characters are logged escaped: after a NUL grep took the whole log for binary and hid every
   * later line, an ESC sequence moved a terminal's cursor over the lines shown before it, and NEL (U+0085, here
   * the bytes C2 85 Vert.x reads as two Latin-1 characters) breaks the line for Unicode-aware readers.
   */
  @Test
  void theAccessLogNamesAPathsControlCharactersAsEscapes() throws Exception {
    try (LogCapture log = LogCapture.of("tracesentinel.access")) {
      List<String> ids = new ArrayList<>();
      for (String path : List.of("/nope\u0000x", "/nope\u001b[1A\u001b[2Kx", "/nope\u0085x")) {
        try (RawHttp c = new RawHttp(svc.port())) {
          c.send(RawHttp.request("GET", path, null, null));
          ids.add(c.read().header("X-Request-Id"));
        }
      }
      List<String> lines = VerifyApiTest.eventually(() -> {
        List<String> now = log.lines();
        return ids.stream().allMatch(id -> now.stream().anyMatch(l -> l.startsWith(id + " "))) ? now : null;
      });
      List<String> logged = new ArrayList<>();
      for (String id : ids) {
        String line = lines.stream().filter(l -> l.startsWith(id + " ")).findFirst().orElseThrow();
        logged.add(line.substring(id.length() + 1, line.lastIndexOf(' ')));
      }
      assertEquals(List.of("GET /nope%00x 404", "GET /nope%1B[1A%1B[2Kx 404", "GET /nope%C2%85x 400"), logged);
    }
  }

  /** A path whose escape is broken is the client's 400, logged as one access line and no error. */
  @Test
  void aPathWithABrokenEscapeHasItsAccessLineAndNoError() throws Exception {
    try (LogCapture log = LogCapture.of("tracesentinel.access");
         LogCapture router = LogCapture.of("io.vertx.ext.web.RoutingContext")) {
      List<String> ids = new ArrayList<>();
      // The last two hold a look-up's code that only normalization would find: no such path is named at all.
      for (String path : List.of("/nope%zz", "/nope%", "/api/v1/./verify/81000020000007000000%zz",
          "//api/v1/codes/81000020000007000000/events%")) {
        RawHttp.Reply r = RawHttp.get(svc.port(), path, null);
        assertEquals(400, r.status(), path + ": " + r.body());
        assertTrue(r.header("Content-Type").startsWith("application/problem+json"), path + ": " + r.headers());
        ids.add(r.header("X-Request-Id"));
      }
      List<String> lines = VerifyApiTest.eventually(() -> {
        List<String> now = log.lines();
        return ids.stream().allMatch(id -> now.stream().anyMatch(l -> l.startsWith(id + " "))) ? now : null;
      });
      for (String id : ids) {
        assertEquals(1, lines.stream().filter(l -> l.startsWith(id + " GET " + RequestLog.UNDECODABLE_PATH + " 400 "))
            .count(), id + " in " + lines);
      }
      assertTrue(lines.stream().noneMatch(l -> l.contains("81000020000007000000")), lines.toString());
      assertEquals(List.of(), router.errors());
    }
  }
}
