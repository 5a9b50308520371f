package com.tracesentinel.http;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every answer that is not a success is a problem JSON with the right status: 405 (with Allow) for a known path and
 * the wrong method, 404 for an unknown path, and for failures inside PostgreSQL (forced with real SQL: a function
 * that raises, a trigger) a 500, 503 or 422 that carries none of the database's words, no exception name and no
 * stack trace.
 */
@Tag("slow")
class ProblemAnswersTest {
  /** Words that must never reach a client: what the database said and how the service failed inside. */
  private static final List<String> INTERNALS = List.of("secret-pg-text", "SQLSTATE", "53100", "XX000", "42501",
      "23514", "Exception", "io.vertx", "org.postgresql", "\tat ", "relation", "PL/pgSQL");
  private static TestService svc;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    svc = TestService.start();
    svc.sites("PE", "440305");
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
  }

  private static HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
    return HTTP.send(svc.request(path, TestService.ADMIN_KEY).method(method, HttpRequest.BodyPublishers.noBody())
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void assertProblem(int status, HttpResponse<String> r) {
    assertEquals(status, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"),
        r.headers().toString());
    assertEquals(status, new JsonObject(r.body()).getInteger("status"));
  }

  private static void assertNoInternals(Response r) {
    assertTrue(r.contentType().startsWith("application/problem+json"), r.contentType());
    for (String word : INTERNALS) {
      assertFalse(r.body().contains(word), "'" + word + "' reached the client: " + r.body());
    }
  }

  /**
   * The API's shared body handler read every body before the route's key check: with no key at all, a client could
   * make the service hold 1 MiB per open connection (keys, sites, products, an anomaly's case, or a path that does
   * not exist), thousands of connections being enough to exhaust the heap, and a head without its body was answered
   * only at the body deadline.
   */
  @Test
  void aBodyWithoutAKnownKeyIsRefusedBeforeItIsRead() throws Exception {
    String[][] routes = {{"POST", "/api/v1/keys"}, {"PUT", "/api/v1/sites"}, {"PUT", "/api/v1/products"},
        {"PATCH", "/api/v1/anomalies/1"}, {"POST", "/api/v1/no-such-route"}};
    for (String[] route : routes) {
      for (String key : new String[] {null, "not-a-key"}) {
        try (RawHttp c = new RawHttp(svc.port())) {
          long started = System.nanoTime();
          c.send(RawHttp.request(route[0], route[1], key, "Content-Type: application/json\r\n"
              + "Content-Length: 1048576\r\n"));
          RawHttp.Reply reply = c.read();
          long ms = (System.nanoTime() - started) / 1_000_000;
          assertEquals(401, reply.status(), route[1] + " " + reply.body());
          assertTrue(ms < 5_000, route[1] + " answered without waiting for the body: " + ms + " ms");
        }
      }
    }
    // A known key's body is still read, and the route's role decides.
    HttpResponse<String> sites = HTTP.send(svc.request("/api/v1/sites", TestService.ADMIN_KEY)
        .header("Content-Type", "application/json").method("PUT", HttpRequest.BodyPublishers.ofString(
            "[{\"siteId\":\"PE2\",\"name\":\"E\",\"kind\":\"PHARMACY\",\"regionCode\":\"440305\","
                + "\"regionName\":\"SZ\"}]")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, sites.statusCode(), sites.body());
    HttpResponse<String> unknown = HTTP.send(svc.request("/api/v1/no-such-route", TestService.ADMIN_KEY)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(404, unknown.statusCode(), unknown.body());
  }

  @Test
  void headsThatAreNotHttpAreAnsweredAsProblems() throws Exception {
    String longPath = "/api/v1/verify?code=" + "8".repeat(10_000);
    assertRawProblem(414, "GET " + longPath + " HTTP/1.1\r\nHost: x\r\n\r\n");
    assertRawProblem(431, "GET /api/v1/verify?code=1 HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000)
        + "\r\n\r\n");
    assertRawProblem(400, "POST /api/v1/scans HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n");
  }

  /**
   * A system sending NHSA messages reads infcode on every answer: a head the decoder refused on an NHSA path, and the
   * base path, were answered as problems it cannot read.
   */
  @Test
  void nhsaHeadsTheDecoderRefusesAndTheBasePathAreAnsweredInTheEnvelope() throws Exception {
    Map<String, Integer> sent = new LinkedHashMap<>();
    sent.put(RawHttp.request("POST", "/api/v1/nhsa/3505", TestService.ADMIN_KEY, "X-Big: " + "a".repeat(20_000)
        + "\r\n"), 431);
    sent.put("POST /api/v1/./nhsa/3507 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400);
    sent.put(RawHttp.request("POST", "/api/v1/nhsa/3505/x", TestService.ADMIN_KEY, "Content-Type: application/json\r\n"
        + "Content-Length: 2\r\n") + "{}", 404);
    sent.put(RawHttp.request("PUT", "/api/v1/nhsa", null, "Content-Length: 2\r\n") + "{}", 405);
    for (Map.Entry<String, Integer> request : sent.entrySet()) {
      try (RawHttp client = new RawHttp(svc.port())) {
        client.send(request.getKey());
        RawHttp.Reply r = client.read();
        assertEquals(request.getValue(), r.status(), r.body());
        assertTrue(r.header("Content-Type").startsWith("application/json"), r.headers() + " " + r.body());
        JsonObject envelope = new JsonObject(r.body());
        assertEquals(-1, envelope.getInteger("infcode"), r.body());
        assertTrue(envelope.getString("err_msg").contains(switch (r.status()) {
          case 404 -> "POST /api/v1/nhsa/{infno}";
          case 405 -> "只接受 POST 上传";
          case 431 -> "请求头超过 16 KiB";
          default -> "请求无法解析";
        }), r.body());
        if (r.status() == 405) {
          assertEquals("POST", r.header("Allow"));
        }
        assertTrue(envelope.getString("inf_refmsgid").endsWith(r.header("X-Request-Id")), r.body());
      }
    }
  }

  /**
   * A head the HTTP decoder refused reaches no route: it had neither an access line nor an X-Request-Id (a flood of
   * 431s was in the metrics and nowhere in the log). A look-up's code stays out of its line however it is spelt.
   */
  @Test
  void aHeadThatIsNotHttpHasItsAccessLine() throws Exception {
    String big = "X-Big: " + "a".repeat(20_000) + "\r\n";
    Map<String, String> lineOf = new LinkedHashMap<>();
    lineOf.put(RawHttp.request("GET", "/api/v1/verify/81000020000007000000", null, big),
        "GET /api/v1/verify/{code} 431");
    lineOf.put(RawHttp.request("GET", "/api/v1/./verify/81000020000007000000", null, big),
        "GET /api/v1/verify/{code} 431");
    lineOf.put(RawHttp.request("GET", "/x\u001b[2K" + "a".repeat(10_000), null, null), "GET /bad-request 414");
    try (com.tracesentinel.support.LogCapture access =
             com.tracesentinel.support.LogCapture.of("tracesentinel.access")) {
      Map<String, String> expected = new LinkedHashMap<>();
      for (Map.Entry<String, String> sent : lineOf.entrySet()) {
        try (RawHttp client = new RawHttp(svc.port())) {
          client.send(sent.getKey());
          RawHttp.Reply r = client.read();
          String id = r.header("X-Request-Id");
          assertTrue(id != null && !id.isBlank(), r.headers().toString());
          expected.put(id, sent.getValue());
        }
      }
      assertEquals(expected, accessLinesOf(access, expected.keySet()));
    }
  }

  /**
   * The access lines of these requests (method, path, status), once every one is logged. Only these requests' lines:
   * another test's request on the shared service (a photo whose client left while it was decoded) may be logged now
   * too.
   */
  private static Map<String, String> accessLinesOf(com.tracesentinel.support.LogCapture access,
                                                   java.util.Set<String> ids) throws Exception {
    List<String> lines = VerifyApiTest.eventually(() -> {
      List<String> now = access.lines();
      return ids.stream().allMatch(id -> now.stream().anyMatch(l -> l.startsWith(id + " "))) ? now : null;
    });
    Map<String, String> logged = new LinkedHashMap<>();
    for (String line : lines) {
      String id = line.substring(0, line.indexOf(' '));
      if (ids.contains(id)) {
        assertEquals(null, logged.put(id, line.substring(id.length() + 1, line.lastIndexOf(' '))), "twice: " + line);
      }
    }
    return logged;
  }

  /** An admin who pastes a key where its id belongs (DELETE /api/v1/keys/ts_…) must not leave the key in the log. */
  @Test
  void aKeyWrittenWhereAKeyIdBelongsStaysOutOfTheAccessLog() throws Exception {
    String key = "ts_" + "k".repeat(43);
    String id = java.util.UUID.randomUUID().toString();
    try (com.tracesentinel.support.LogCapture access =
             com.tracesentinel.support.LogCapture.of("tracesentinel.access")) {
      Map<String, String> expected = new LinkedHashMap<>();
      for (Map.Entry<String, String> sent : Map.of("/api/v1/keys/" + key, "DELETE /api/v1/keys/{id} 400",
          "/api/v1/./keys/" + key, "DELETE /api/v1/keys/{id} 400",
          "/api/v1/keys/" + id, "DELETE /api/v1/keys/" + id + " 404").entrySet()) {
        try (RawHttp client = new RawHttp(svc.port())) {
          client.send(RawHttp.request("DELETE", sent.getKey(), TestService.ADMIN_KEY, null));
          expected.put(client.read().header("X-Request-Id"), sent.getValue());
        }
      }
      assertEquals(expected, accessLinesOf(access, expected.keySet()));
    }
  }

  @Test
  void aCompressedBodyIs415NotReadAsJson() throws Exception {
    for (String encoding : List.of("gzip", "br", "deflate")) {
      HttpResponse<String> r = HTTP.send(svc.request("/api/v1/scans", TestService.ADMIN_KEY)
          .header("Content-Type", "application/json").header("Content-Encoding", encoding)
          .POST(HttpRequest.BodyPublishers.ofString("{\"code\":\"81000010000000000001\",\"siteId\":\"PE\","
              + "\"documentNo\":\"GZ-1\"}")).build(), HttpResponse.BodyHandlers.ofString());
      assertProblem(415, r);
    }
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE document_no = 'GZ-1'"));
    HttpResponse<String> stray = HTTP.send(svc.request("/api/v1/verify?code=81000010000000000001", null)
        .header("Content-Encoding", "gzip").GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, stray.statusCode(), "a GET has no body to refuse: " + stray.body());
  }

  /** A scan labelled XML or a form (curl -d without -H) was read as JSON and stored. */
  @Test
  void aBodyLabelledAnotherMediaTypeIs415NotReadAsJson() throws Exception {
    for (String type : List.of("application/xml", "application/x-www-form-urlencoded", "text/html",
        "application/jsonx")) {
      assertProblem(415, postScan(type, "MT-1"));
    }
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE document_no = 'MT-1'"));
    int line = 0;
    for (String type : java.util.Arrays.asList(null, "application/json", "Application/JSON ; charset=utf-8",
        "application/vnd.till+json", "text/plain; charset=utf-8")) {
      HttpResponse<String> r = postScan(type, "MT-2-" + line++);
      assertEquals(200, r.statusCode(), type + ": " + r.body());
    }
  }

  /**
   * Every route that reads a JSON body keeps to one rule: the uploads refused a body labelled XML or a form, while a
   * key request and a case change read it as JSON (a key asked for as a form, as curl -d sends it, was issued).
   */
  @Test
  void everyJsonBodyRouteRefusesABodyLabelledAnotherMediaType() throws Exception {
    String[][] routes = {{"POST", "/api/v1/scans", "{\"code\":\"81000010000000000003\",\"siteId\":\"PE\","
        + "\"documentNo\":\"MT-3\"}"}, {"PUT", "/api/v1/sites", "[]"}, {"PUT", "/api/v1/products", "[]"},
        {"POST", "/api/v1/keys", "{\"role\":\"investigator\",\"label\":\"MT-KEY\"}"},
        {"PATCH", "/api/v1/anomalies", "{\"ids\":[1],\"state\":\"DISMISSED\",\"note\":\"n\"}"},
        {"PATCH", "/api/v1/anomalies/1", "{\"state\":\"DISMISSED\",\"note\":\"n\"}"}};
    for (String[] route : routes) {
      for (String type : List.of("application/xml", "application/x-www-form-urlencoded")) {
        HttpResponse<String> r = HTTP.send(svc.request(route[1], TestService.ADMIN_KEY).header("Content-Type", type)
            .method(route[0], HttpRequest.BodyPublishers.ofString(route[2])).build(), HttpResponse.BodyHandlers
            .ofString());
        assertEquals(415, r.statusCode(), route[0] + " " + route[1] + " as " + type + ": " + r.body());
        assertProblem(415, r);
      }
      // text/plain is read as JSON, as the README says: whatever the route then answers, it is not a 415.
      HttpResponse<String> text = HTTP.send(svc.request(route[1], TestService.ADMIN_KEY).header("Content-Type",
          "text/plain").method(route[0], HttpRequest.BodyPublishers.ofString(route[2])).build(),
          HttpResponse.BodyHandlers.ofString());
      assertFalse(text.statusCode() == 415, route[1] + ": " + text.body());
    }
    // The text/plain ones alone.
    assertEquals(1, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE document_no = 'MT-3'"));
    assertEquals(1, TestDatabase.count(svc.db(), "SELECT count(*) FROM api_keys WHERE label = 'MT-KEY'"));
    // A method the path does not serve is still a 405, and a path no route serves a 404, whatever the body's label.
    HttpResponse<String> form = HTTP.send(svc.request("/api/v1/anomalies", TestService.ADMIN_KEY)
        .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString("{}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertProblem(405, form);
    HttpResponse<String> nowhere = HTTP.send(svc.request("/api/v1/no-such-route", TestService.ADMIN_KEY)
        .header("Content-Type", "application/xml").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertProblem(404, nowhere);
  }

  private static HttpResponse<String> postScan(String contentType, String documentNo) throws Exception {
    HttpRequest.Builder b = svc.request("/api/v1/scans", TestService.ADMIN_KEY).POST(HttpRequest.BodyPublishers
        .ofString("{\"code\":\"81000010000000000002\",\"siteId\":\"PE\",\"documentNo\":\"" + documentNo + "\"}"));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void assertRawProblem(int status, String request) throws IOException {
    try (RawHttp client = new RawHttp(svc.port())) {
      client.send(request);
      RawHttp.Reply r = client.read();
      assertEquals(status, r.status(), r.body());
      assertTrue(r.header("Content-Type").startsWith("application/problem+json"), r.headers().toString());
      // no route sees such a head, so the header every routed answer gets was missing
      assertEquals("nosniff", r.header("X-Content-Type-Options"), r.headers().toString());
      assertEquals(status, new JsonObject(r.body()).getInteger("status"));
    }
  }

  @Test
  void aBodyWhoseFramingBreaksIsTheClientsFailureNotA500() throws Exception {
    double before = scansAnswered(svc.get("/metrics", null).body(), "400");
    for (int i = 0; i < 3; i++) {
      try (RawHttp client = new RawHttp(svc.port())) {
        client.send(RawHttp.request("POST", "/api/v1/scans", TestService.ADMIN_KEY,
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n") + "zz\r\n{}\r\n0\r\n\r\n");
        assertTrue(client.closedWithin(5_000), "a connection whose framing broke is closed");
      }
      try (RawHttp client = new RawHttp(svc.port())) {
        client.send(RawHttp.request("POST", "/api/v1/scans", TestService.ADMIN_KEY,
            "Content-Type: application/json\r\nContent-Length: 100\r\n") + "{\"code\":");
      } // the client goes away halfway through its body
    }
    // The half-sent bodies are counted once their answers end, as the client's 400s (a broken framing is not counted
    // at all): wait for those, so that requests not counted yet cannot pass for requests counted right.
    String metrics = VerifyApiTest.eventually(() -> {
      String now = svc.get("/metrics", null).body();
      return scansAnswered(now, "400") >= before + 3 ? now : null;
    });
    for (String line : metrics.split("\n")) {
      assertFalse(line.startsWith("vertx_http_server_requests_total") && line.contains("code=\"500\"")
          && line.contains("/api/v1/scans"), "counted as the service's failure: " + line);
    }
  }

  /** POST /api/v1/scans requests answered {@code code} in a scrape of /metrics (0 before the first). */
  private static double scansAnswered(String metrics, String code) {
    String series = "vertx_http_server_requests_total{application=\"tracesentinel\",code=\"" + code
        + "\",method=\"POST\",route=\"/api/v1/scans\"} ";
    for (String line : metrics.split("\n")) {
      if (line.startsWith(series)) {
        return Double.parseDouble(line.substring(series.length()));
      }
    }
    return 0;
  }

  /** A client that aborts resets its connection: the failed read was logged as an unexpected error, a 500. */
  @Test
  void aClientThatResetsHalfwayThroughItsBodyIsNotTheServicesFailure() throws Exception {
    try (com.tracesentinel.support.LogCapture log = com.tracesentinel.support.LogCapture.of(ApiServer.class);
         com.tracesentinel.support.LogCapture access = com.tracesentinel.support.LogCapture.of("tracesentinel.access")) {
      for (String path : new String[] {"/api/v1/scans", "/api/v1/verify/image"}) {
        try (RawHttp client = new RawHttp(svc.port())) {
          client.send(RawHttp.request("POST", path, TestService.ADMIN_KEY, "Content-Type: "
              + (path.endsWith("/image") ? "image/png" : "application/json") + "\r\nContent-Length: 100000\r\n")
              + "{\"code\":");
          Thread.sleep(200);
          client.reset();
        }
      }
      // both requests' ends are logged (the access line comes after the failure's): then nothing more is coming
      long deadline = System.currentTimeMillis() + 10_000;
      while (access.lines().stream().filter(l -> l.contains(" POST /api/v1/")).count() < 2
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      List<String> ends = access.lines().stream().filter(l -> l.contains(" POST /api/v1/")).toList();
      assertEquals(2, ends.size(), access.lines().toString());
      ends.forEach(l -> assertTrue(l.contains(" 400 "), l));
      assertEquals(List.of(), log.warnings());
    }
  }

  @Test
  void aWrongMethodOnAKnownPathIs405WithTheAllowedMethods() throws Exception {
    HttpResponse<String> scans = send("GET", "/api/v1/scans");
    assertProblem(405, scans);
    assertEquals("POST", scans.headers().firstValue("Allow").orElse(null));
    HttpResponse<String> sites = send("DELETE", "/api/v1/sites");
    assertProblem(405, sites);
    assertEquals("PUT", sites.headers().firstValue("Allow").orElse(null));
    HttpResponse<String> key = send("GET", "/api/v1/keys/" + java.util.UUID.randomUUID());
    assertProblem(405, key);
    assertEquals("DELETE", key.headers().firstValue("Allow").orElse(null));
    HttpResponse<String> anomalies = send("DELETE", "/api/v1/anomalies"); // PATCH there changes a selection's cases
    assertProblem(405, anomalies);
    assertEquals("GET, HEAD, PATCH", anomalies.headers().firstValue("Allow").orElse(null));
    assertProblem(405, send("POST", "/api/v1/codes/81000010000007100000/events"));
  }

  /**
   * The stream and the summary are routes of their own, which PATCH /api/v1/anomalies/{id} matches too: their 405s
   * said Allow: GET, PATCH, and a PATCH of them was a 400 about the anomaly id "stream".
   */
  @Test
  void aPathARouteNamesIsNotAnotherRoutesParameter() throws Exception {
    for (String method : List.of("HEAD", "POST", "PATCH", "DELETE")) {
      HttpResponse<String> stream = send(method, "/api/v1/anomalies/stream");
      assertEquals(405, stream.statusCode(), method + ": " + stream.body());
      assertEquals("GET", stream.headers().firstValue("Allow").orElse(null), method);
    }
    assertProblem(405, send("PATCH", "/api/v1/anomalies/stream"));
    HttpResponse<String> summary = send("PATCH", "/api/v1/anomalies/summary");
    assertProblem(405, summary);
    assertEquals("GET, HEAD", summary.headers().firstValue("Allow").orElse(null));
    assertProblem(400, send("PATCH", "/api/v1/anomalies/streams")); // the anomaly route's: no id, no body
    HttpResponse<String> anId = send("DELETE", "/api/v1/anomalies/1");
    assertProblem(405, anId);
    assertEquals("PATCH", anId.headers().firstValue("Allow").orElse(null));
  }

  @Test
  void anUnknownPathIs404WhateverTheMethod() throws Exception {
    for (String method : List.of("GET", "POST", "DELETE")) {
      HttpResponse<String> r = send(method, "/api/v1/nothing-here");
      assertProblem(404, r);
      assertTrue(r.headers().firstValue("Allow").isEmpty());
    }
    assertProblem(404, send("GET", "/api/v2/scans"));
  }

  @Test
  void aQueryVertxCannotDecodeIsA400NotA500() throws Exception {
    // the public look-up reads its query through Vert.x: a broken escape there is a 400 problem, never a 500
    // and so is an escape that is not UTF-8 (it was read as U+FFFD and looked up), or a raw byte past ASCII
    for (String query : List.of("code=%ZZ", "code=%ff%fe", "code=%C0%AF", "code=8%", "code=\u00e4")) {
      RawHttp.Reply r = RawHttp.get(svc.port(), "/api/v1/verify?" + query, null);
      assertEquals(400, r.status(), query + ": " + r.body());
      assertTrue(r.header("Content-Type").startsWith("application/problem+json"), r.headers().toString());
      assertEquals(400, new JsonObject(r.body()).getInteger("status"));
    }
    assertEquals(200, RawHttp.get(svc.port(), "/api/v1/verify?code=%E4%B8%AD%2081000010000000000001", null).status(),
        "well-formed escapes are read as before");
    // the same in the path (it was looked up as the code U+FFFD, answered 200 INVALID_CODE)
    for (String path : List.of("%ff", "8100001000000710000%C0%B0", "%ED%A0%80")) {
      RawHttp.Reply r = RawHttp.get(svc.port(), "/api/v1/verify/" + path, null);
      assertEquals(400, r.status(), path + ": " + r.body());
      assertEquals("path", new JsonObject(r.body()).getJsonArray("errors").getJsonObject(0).getString("field"));
    }
    assertEquals(200, RawHttp.get(svc.port(), "/api/v1/verify/%E4%B8%AD81000010000000000001", null).status());
  }

  @Test
  void failuresInsidePostgresqlAre500And503WithoutTheDatabasesWords() {
    // every read of the anomalies goes through a function that raises what we choose
    TestDatabase.execute(svc.db(), "ALTER TABLE anomalies RENAME TO anomalies_real");
    try {
      raise("XX000");
      TestDatabase.execute(svc.db(), "CREATE VIEW anomalies AS SELECT * FROM boom()");
      Response internal = svc.get("/api/v1/anomalies", TestService.ADMIN_KEY);
      assertEquals(500, internal.status(), internal.body());
      assertNoInternals(internal);
      assertTrue(internal.json().getString("detail").contains("request id"), internal.body());
      Response summary = svc.get("/api/v1/anomalies/summary?groupBy=site", TestService.ADMIN_KEY);
      assertEquals(500, summary.status(), summary.body());
      assertNoInternals(summary);

      raise("53100"); // disk full: the database cannot serve now
      Response unavailable = svc.get("/api/v1/anomalies", TestService.ADMIN_KEY);
      assertEquals(503, unavailable.status(), unavailable.body());
      assertNoInternals(unavailable);
      assertTrue(unavailable.retryAfter() != null);
    } finally {
      TestDatabase.execute(svc.db(), "DROP VIEW IF EXISTS anomalies; DROP FUNCTION IF EXISTS boom(); "
          + "ALTER TABLE anomalies_real RENAME TO anomalies");
    }
    assertEquals(200, svc.get("/api/v1/anomalies", TestService.ADMIN_KEY).status());
  }

  @Test
  void aReferenceUploadThePostgresqlRefusesIsA500WithoutItsWords() {
    TestDatabase.execute(svc.db(), "ALTER TABLE products RENAME TO products_hidden");
    try {
      Response r = svc.put("/api/v1/products", TestService.ADMIN_KEY, "application/json",
          new JsonArray().add(new JsonObject().put("productKey", "8300009").put("genericName", "x")).encode());
      assertEquals(500, r.status(), r.body());
      assertNoInternals(r);
      assertFalse(r.body().contains("products_hidden"), r.body());
    } finally {
      TestDatabase.execute(svc.db(), "ALTER TABLE products_hidden RENAME TO products");
    }
  }

  @Test
  void scansTheDatabaseDoesNotStoreAre503Or422WithoutItsWords() throws Exception {
    TestDatabase.execute(svc.db(), """
        CREATE FUNCTION refuse_scan() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.document_no = 'TRIP' THEN RAISE EXCEPTION 'secret-pg-text' USING ERRCODE = '42501'; END IF;
          IF NEW.document_no = 'BAD' THEN RAISE EXCEPTION 'secret-pg-text' USING ERRCODE = '23514'; END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER refuse_scan BEFORE INSERT ON scans FOR EACH ROW EXECUTE FUNCTION refuse_scan();
        """);
    try {
      Response unavailable = svc.post("/api/v1/scans", TestService.ADMIN_KEY, scan("TRIP"));
      assertEquals(503, unavailable.status(), unavailable.body());
      assertNoInternals(unavailable);
      assertFalse(unavailable.json().getString("detail").isBlank());
      // the core now holds the database for down until its supervisor's next test commit: same words, none of PG's
      Response meanwhile = waitForStatusOtherThan(503, scan("BAD"));
      assertEquals(422, meanwhile.status(), meanwhile.body());
      assertNoInternals(meanwhile);
    } finally {
      TestDatabase.execute(svc.db(), "DROP TRIGGER refuse_scan ON scans; DROP FUNCTION refuse_scan()");
    }
    assertEquals(200, waitForStatusOtherThan(503, scan("OK")).status());
  }

  @Test
  void aDamagedImageIsA400WithoutTheImageLibrarysWords() throws Exception {
    byte[] png = new byte[200];
    byte[] signature = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
    System.arraycopy(signature, 0, png, 0, signature.length);
    java.util.Arrays.fill(png, signature.length, png.length, (byte) 0x5a); // a header that is no header
    Response r = svc.send(svc.request("/api/v1/decode", TestService.ADMIN_KEY).header("Content-Type", "image/png")
        .POST(HttpRequest.BodyPublishers.ofByteArray(png)).build());
    assertEquals(400, r.status(), r.body());
    assertNoInternals(r);
    // ImageIO's own words ("I/O error reading PNG header!") stay in the service
    assertFalse(r.body().contains("I/O error") || r.body().contains("javax"), r.body());
  }

  private static JsonObject scan(String doc) {
    return new JsonObject().put("code", ScanApiTest.newCode()).put("siteId", "PE").put("documentNo", doc)
        .put("scannedAt", Instant.now().toString());
  }

  /** Posts until the answer is not {@code status} (the database's health comes back within seconds). */
  private static Response waitForStatusOtherThan(int status, JsonObject body) throws InterruptedException {
    Response r = null;
    for (int i = 0; i < 100; i++) {
      r = svc.post("/api/v1/scans", TestService.ADMIN_KEY, body);
      if (r.status() != status) {
        return r;
      }
      assertNoInternals(r);
      Thread.sleep(100);
    }
    return r;
  }

  private static void raise(String sqlState) {
    TestDatabase.execute(svc.db(), """
        CREATE OR REPLACE FUNCTION boom() RETURNS SETOF anomalies_real LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'secret-pg-text' USING ERRCODE = '%s'; END $$
        """.formatted(sqlState));
  }

  @Test
  void aKeyRequestIgnoresAnUnknownMemberAndNamesAMisspeltOne() {
    // "Label" was an unknown member, ignored: the key was issued without the label its admin gave it
    Response misspelt = svc.post("/api/v1/keys", TestService.ADMIN_KEY, new JsonObject().put("role", "scanner")
        .put("siteId", "PE").put("Label", "till 2"));
    assertEquals(400, misspelt.status(), misspelt.body());
    assertEquals("Label: did you mean label?", misspelt.json().getString("detail"));
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM api_keys WHERE site_id = 'PE'"));
    Response extra = svc.post("/api/v1/keys", TestService.ADMIN_KEY, new JsonObject().put("role", "scanner")
        .put("siteId", "PE").put("label", "till 2").put("requestedBy", "ops"));
    assertEquals(201, extra.status(), "an unknown member is ignored: " + extra.body());
  }

  @Test
  void aKeyRequestWithALabelOrSiteThatIsNotTextIsRefused() {
    // a label sent as an object was dropped and the key issued without it
    long keys = TestDatabase.count(svc.db(), "SELECT count(*) FROM api_keys");
    for (JsonObject body : List.of(new JsonObject().put("role", "investigator").put("label",
        new JsonObject().put("name", "obj")), new JsonObject().put("role", "scanner").put("siteId", 42),
        new JsonObject().put("role", "investigator").put("label", new JsonArray().add("arr")))) {
      Response r = svc.post("/api/v1/keys", TestService.ADMIN_KEY, body);
      assertEquals(400, r.status(), body + ": " + r.body());
      JsonArray errors = r.json().getJsonArray("errors");
      assertEquals(1, errors.size(), r.body());
      assertEquals("must be text", errors.getJsonObject(0).getString("message"), r.body());
    }
    assertEquals(keys, TestDatabase.count(svc.db(), "SELECT count(*) FROM api_keys"), "no key was issued");
  }

  /** UUID.fromString read 1-1-1-1-1 as a UUID, and a malformed id was a 404 as if it were one. */
  @Test
  void aKeyIdThatIsNoCanonicalUuidIsABadRequest() {
    for (String id : List.of("1-1-1-1-1", "nope", "0000000000000000000000000000000000001", "+1-1-1-1-1",
        "00000001-0001-0001-0001-0000000000001")) {
      Response r = svc.delete("/api/v1/keys/" + id, TestService.ADMIN_KEY);
      assertEquals(400, r.status(), id + ": " + r.body());
      assertEquals("id", r.json().getJsonArray("errors").getJsonObject(0).getString("field"), r.body());
    }
    Response unknown = svc.delete("/api/v1/keys/" + java.util.UUID.randomUUID().toString().toUpperCase(),
        TestService.ADMIN_KEY);
    assertEquals(404, unknown.status(), "a well-formed id no key has: " + unknown.body());
  }

  @Test
  void aKeyRequestNamingAMemberTwiceIsRefusedNotReadAsItsLastValue() {
    // the parsed tree keeps the last value: this issued an admin key where a gateway that read the first saw an
    // investigator's
    Response twice = svc.post("/api/v1/keys", TestService.ADMIN_KEY,
        "{\"role\": \"investigator\", \"label\": \"twice\", \"role\": \"admin\"}");
    assertEquals(400, twice.status(), twice.body());
    assertEquals("role", twice.json().getJsonArray("errors").getJsonObject(0).getString("field"), twice.body());
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM api_keys WHERE label = 'twice'"));
  }
}
