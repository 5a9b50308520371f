package com.tracesentinel.http;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.StringReader;
import java.net.http.HttpRequest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Anomalies as cases on the real service: the transitions, who and what each change records, 409 for a stale
 * expectedState and for the loser of two concurrent changes, selections, and the state in the list, its filter,
 * the summary and the CSV.
 */
@Tag("slow")
class CasesApiTest {
  private static TestService svc;
  private static String investigator;
  private static String investigatorId;
  private static final List<Long> IDS = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    svc = TestService.start();
    svc.sites("P44030500001", "440305", "P11010500001", "110105");
    Response key = svc.post("/api/v1/keys", TestService.ADMIN_KEY,
        new JsonObject().put("role", "investigator").put("label", "Inspector Wang 王"));
    investigator = key.json().getString("key");
    investigatorId = key.json().getString("id");
    Instant t = Instant.now().minus(3, ChronoUnit.HOURS);
    JsonArray scans = new JsonArray();
    for (int i = 0; i < 40; i++) {
      String code = "8100001" + String.format("%013d", 5_000_000L + i);
      scans.add(scan(code, "P44030500001", "A" + i, t.plusSeconds(i)));
      scans.add(scan(code, "P11010500001", "B" + i, t.plusSeconds(3600 + i)));
    }
    assertEquals(200, svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("scans", scans)).status());
    String sql = "SELECT id FROM anomalies ORDER BY id";
    try (var c = java.sql.DriverManager.getConnection(svc.db().jdbcUrl(), svc.db().user(), svc.db().password());
         var st = c.createStatement(); var rs = st.executeQuery(sql)) {
      while (rs.next()) {
        IDS.add(rs.getLong(1));
      }
    }
    assertTrue(IDS.size() >= 40, IDS.toString());
  }

  private static JsonObject scan(String code, String site, String doc, Instant at) {
    return new JsonObject().put("code", code).put("siteId", site).put("documentNo", doc).put("scannedAt", at.toString());
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
  }

  private static Response patch(String path, String key, Object body) {
    return svc.send(svc.request(path, key).header("Content-Type", "application/json")
        .method("PATCH", HttpRequest.BodyPublishers.ofString(body.toString())).build());
  }

  private static JsonObject change(String state, String note) {
    return new JsonObject().put("state", state).put("note", note);
  }

  @Test
  void aCaseGoesFromOpenThroughReviewToADecisionAndEveryChangeIsKept() {
    long id = IDS.get(0);
    JsonObject item = svc.get("/api/v1/anomalies?limit=1000", investigator).json().getJsonArray("items").stream()
        .map(o -> (JsonObject) o).filter(a -> a.getLong("id") == id).findFirst().orElseThrow();
    assertEquals("OPEN", item.getString("state"));

    Response review = patch("/api/v1/anomalies/" + id, investigator, change("UNDER_REVIEW", "calling both pharmacies")
        .put("expectedState", "OPEN"));
    assertEquals(200, review.status(), review.body());
    assertEquals("UNDER_REVIEW", review.json().getString("state"));
    assertEquals(id, review.json().getLong("id"));
    assertEquals("REPEAT_SALE", review.json().getString("type"));

    Response confirmed = patch("/api/v1/anomalies/" + id, TestService.ADMIN_KEY,
        change("confirmed", "  receipts show the same box sold twice\nreported to the bureau  "));
    assertEquals(200, confirmed.status(), confirmed.body());
    assertEquals("CONFIRMED", confirmed.json().getString("state"));

    Response reopened = patch("/api/v1/anomalies/" + id, investigator, change("UNDER_REVIEW", "new evidence"));
    assertEquals(200, reopened.status());

    JsonObject history = svc.get("/api/v1/anomalies/" + id + "/history", investigator).json();
    assertEquals(id, history.getLong("id"));
    assertEquals("UNDER_REVIEW", history.getString("state"));
    JsonArray changes = history.getJsonArray("changes");
    assertEquals(3, changes.size());
    JsonObject first = changes.getJsonObject(0);
    assertEquals("OPEN", first.getString("from"));
    assertEquals("UNDER_REVIEW", first.getString("to"));
    assertEquals("calling both pharmacies", first.getString("note"));
    assertEquals(investigatorId, first.getString("keyId"));
    assertEquals("Inspector Wang 王", first.getString("keyLabel"));
    assertTrue(Instant.parse(first.getString("at")).isAfter(Instant.now().minusSeconds(120)));
    JsonObject second = changes.getJsonObject(1);
    assertEquals("bootstrap", second.getString("keyId"));
    assertEquals(CaseRoutes.BOOTSTRAP_LABEL, second.getString("keyLabel"));
    assertEquals("receipts show the same box sold twice\nreported to the bureau", second.getString("note"));
    assertEquals("CONFIRMED", changes.getJsonObject(2).getString("from"));
    assertEquals(3, TestDatabase.count(svc.db(), "SELECT count(*) FROM anomaly_changes WHERE anomaly_id = " + id));
  }

  @Test
  void beyondTheLimitTheHistoryListsTheLatestChangesAndSaysItIsCut() {
    long id = IDS.get(38);
    // as many hand-backs as the history lists (made in SQL: through the API they take a minute and a half)
    TestDatabase.execute(svc.db(), """
        INSERT INTO anomaly_changes (anomaly_id, key_id, from_state, to_state, note)
        SELECT %d, 'k', CASE WHEN g %% 2 = 1 THEN 'OPEN' ELSE 'UNDER_REVIEW' END,
               CASE WHEN g %% 2 = 1 THEN 'UNDER_REVIEW' ELSE 'OPEN' END, 'flip ' || g
        FROM generate_series(1, %d) g
        """.formatted(id, com.tracesentinel.history.CaseStore.MAX_CHANGES));
    assertEquals(200, patch("/api/v1/anomalies/" + id, investigator, change("UNDER_REVIEW", "taking it")).status());
    assertEquals(200, patch("/api/v1/anomalies/" + id, investigator, change("DISMISSED", "the decision")).status());

    JsonObject history = svc.get("/api/v1/anomalies/" + id + "/history", investigator).json();
    assertEquals("DISMISSED", history.getString("state"));
    assertTrue(history.getBoolean("truncated"), "older changes were left out");
    JsonArray changes = history.getJsonArray("changes");
    assertEquals(com.tracesentinel.history.CaseStore.MAX_CHANGES, changes.size());
    assertEquals("the decision", changes.getJsonObject(changes.size() - 1).getString("note"));
    assertEquals("DISMISSED", changes.getJsonObject(changes.size() - 1).getString("to"));
    assertEquals("taking it", changes.getJsonObject(changes.size() - 2).getString("note"));
    assertEquals("flip 3", changes.getJsonObject(0).getString("note"), "oldest first, the two oldest left out");
    assertFalse(svc.get("/api/v1/anomalies/" + IDS.get(39) + "/history", investigator).json().getBoolean("truncated"));
  }

  @Test
  void aStaleExpectedStateOrTheStateItIsAlreadyInIsA409WithTheCurrentState() {
    long id = IDS.get(1);
    Response stale = patch("/api/v1/anomalies/" + id, investigator, change("UNDER_REVIEW", "x")
        .put("expectedState", "UNDER_REVIEW"));
    assertEquals(409, stale.status(), stale.body());
    assertTrue(stale.contentType().startsWith("application/problem+json"));
    assertEquals("OPEN", stale.json().getString("state"));
    assertEquals(new JsonArray().add("UNDER_REVIEW").add("CONFIRMED").add("DISMISSED"),
        stale.json().getJsonArray("allowed"));
    assertEquals(200, patch("/api/v1/anomalies/" + id, investigator, change("UNDER_REVIEW", "mine")).status());
    Response again = patch("/api/v1/anomalies/" + id, investigator, change("UNDER_REVIEW", "mine too"));
    assertEquals(409, again.status());
    assertEquals("UNDER_REVIEW", again.json().getString("state"));
    assertEquals(1, TestDatabase.count(svc.db(), "SELECT count(*) FROM anomaly_changes WHERE anomaly_id = " + id),
        "refused changes leave no trace");
  }

  /** The contract names the states, not an order: the first investigator decides an obvious case at once. */
  @Test
  void anOpenCaseIsDecidedStraightAwayAndASecondDecisionOnOpenIsA409() {
    long id = IDS.get(4);
    Response first = patch("/api/v1/anomalies/" + id, investigator, change("CONFIRMED", "same box in two cities")
        .put("expectedState", "OPEN"));
    assertEquals(200, first.status(), first.body());
    assertEquals("CONFIRMED", first.json().getString("state"));
    Response second = patch("/api/v1/anomalies/" + id, investigator, change("DISMISSED", "looks fine to me")
        .put("expectedState", "OPEN"));
    assertEquals(409, second.status(), second.body());
    assertEquals("CONFIRMED", second.json().getString("state"));
    assertEquals(200, patch("/api/v1/anomalies/" + id, investigator, change("OPEN", "reopened for a second look"))
        .status(), "a decision may be reopened");
  }

  @Test
  void ofTwoConcurrentChangesTheSecondGets409() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      for (int round = 0; round < 5; round++) {
        long id = IDS.get(10 + round);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Response>> answers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          String note = "investigator " + i;
          answers.add(pool.submit(() -> {
            go.await();
            return patch("/api/v1/anomalies/" + id, investigator, change("UNDER_REVIEW", note)
                .put("expectedState", "OPEN"));
          }));
        }
        go.countDown();
        int ok = 0;
        int conflicts = 0;
        for (Future<Response> f : answers) {
          Response r = f.get();
          if (r.status() == 200) {
            ok++;
          } else {
            assertEquals(409, r.status(), r.body());
            assertEquals("UNDER_REVIEW", r.json().getString("state"));
            conflicts++;
          }
        }
        assertEquals(1, ok);
        assertEquals(7, conflicts);
        assertEquals(1, TestDatabase.count(svc.db(), "SELECT count(*) FROM anomaly_changes WHERE anomaly_id = " + id));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aSelectionChangesTogetherAndReportsEachRefusal() {
    List<Long> selection = IDS.subList(20, 30);
    assertEquals(200, patch("/api/v1/anomalies/" + selection.get(0), investigator, change("UNDER_REVIEW", "early"))
        .status());
    JsonArray ids = new JsonArray();
    selection.forEach(ids::add);
    ids.add(999_999_999L);
    Response r = patch("/api/v1/anomalies", investigator, new JsonObject().put("ids", ids).put("state", "UNDER_REVIEW")
        .put("note", "bulk triage").put("expectedState", "OPEN"));
    assertEquals(200, r.status(), r.body());
    JsonObject body = r.json();
    assertEquals(9, body.getJsonArray("updated").size());
    body.getJsonArray("updated").forEach(a -> assertEquals("UNDER_REVIEW", ((JsonObject) a).getString("state")));
    assertEquals(1, body.getJsonArray("conflicts").size());
    JsonObject conflict = body.getJsonArray("conflicts").getJsonObject(0);
    assertEquals(selection.get(0), conflict.getLong("id"));
    assertEquals("UNDER_REVIEW", conflict.getString("state"));
    assertEquals(new JsonArray().add(999_999_999L), body.getJsonArray("notFound"));
    Response dismiss = patch("/api/v1/anomalies", investigator, new JsonObject().put("ids", ids).put("state",
        "DISMISSED").put("note", "same box, till error"));
    assertEquals(10, dismiss.json().getJsonArray("updated").size(), dismiss.body());
    assertEquals(10, TestDatabase.count(svc.db(), "SELECT count(*) FROM anomaly_changes WHERE to_state = 'DISMISSED'"
        + " AND note = 'same box, till error'"));
  }

  @Test
  void theListFiltersByStateAndTheSummaryAndCsvCarryIt() throws Exception {
    long id = IDS.get(35);
    assertEquals(200, patch("/api/v1/anomalies/" + id, investigator, change("UNDER_REVIEW", "filter me")).status());
    for (String state : List.of("OPEN", "UNDER_REVIEW", "DISMISSED", "CONFIRMED")) {
      long expected = TestDatabase.count(svc.db(), "SELECT count(*) FROM anomalies WHERE state = '" + state + "'");
      JsonArray items = svc.get("/api/v1/anomalies?limit=1000&state=" + state.toLowerCase(), investigator).json()
          .getJsonArray("items");
      assertEquals(expected, items.size(), state);
      items.forEach(a -> assertEquals(state, ((JsonObject) a).getString("state")));
    }
    JsonObject summary = svc.get("/api/v1/anomalies/summary?groupBy=state", investigator).json();
    Map<String, Long> counts = new HashMap<>();
    long total = 0;
    for (Object o : summary.getJsonArray("groups")) {
      JsonObject g = (JsonObject) o;
      counts.put(g.getString("key"), g.getLong("count"));
      assertEquals(g.getLong("count"), g.getLong("alerts") + g.getLong("warnings"));
      total += g.getLong("count");
    }
    assertEquals(TestDatabase.count(svc.db(), "SELECT count(*) FROM anomalies"), total);
    for (var e : counts.entrySet()) {
      assertEquals(TestDatabase.count(svc.db(), "SELECT count(*) FROM anomalies WHERE state = '" + e.getKey() + "'"),
          e.getValue(), e.getKey());
    }
    assertTrue(counts.get("OPEN") > 0);
    assertNull(counts.get("CONFIRMED_NOT_A_STATE"));
    Instant from = Instant.now().minus(150, ChronoUnit.MINUTES);
    JsonArray windowed = svc.get("/api/v1/anomalies/summary?groupBy=state&from="
        + java.net.URLEncoder.encode(from.toString(), "UTF-8"), investigator).json().getJsonArray("groups");
    assertEquals(TestDatabase.count(svc.db(), "SELECT count(*) FROM anomalies WHERE scanned_at >= '" + from + "'"),
        windowed.stream().mapToLong(o -> ((JsonObject) o).getLong("count")).sum());

    Response csv = svc.send(svc.request("/api/v1/anomalies?state=UNDER_REVIEW", investigator)
        .header("Accept", "text/csv").GET().build());
    List<CSVRecord> records = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get()
        .parse(new StringReader(csv.body())).getRecords();
    assertEquals(TestDatabase.count(svc.db(), "SELECT count(*) FROM anomalies WHERE state = 'UNDER_REVIEW'"),
        records.size());
    records.forEach(rec -> assertEquals("UNDER_REVIEW", rec.get("state")));
    assertEquals(400, svc.get("/api/v1/anomalies?state=CLOSED", investigator).status());
  }

  @Test
  void aCodesEventsCarryEachAnomalysIdAndState() {
    long id = IDS.get(3);
    assertEquals(200, patch("/api/v1/anomalies/" + id, investigator, change("UNDER_REVIEW", "timeline")).status());
    String canonical = svc.get("/api/v1/anomalies?limit=1000", investigator).json().getJsonArray("items").stream()
        .map(o -> (JsonObject) o).filter(a -> a.getLong("id") == id).findFirst().orElseThrow().getString("canonical");
    // the timeline listed a case's anomaly without its id or state: it could be neither seen nor worked from there
    JsonObject flagged = svc.get("/api/v1/codes/" + canonical + "/events", investigator).json().getJsonArray("events")
        .stream().map(o -> (JsonObject) o).filter(e -> !e.getJsonArray("anomalies").isEmpty()).findFirst()
        .orElseThrow().getJsonArray("anomalies").getJsonObject(0);
    assertEquals(id, flagged.getLong("id"), flagged.encode());
    assertEquals("UNDER_REVIEW", flagged.getString("state"), flagged.encode());
  }

  @Test
  void aQueryParameterTheseRoutesDoNotHaveIsRefusedNotIgnored() {
    long id = IDS.get(37);
    // expectedState in the query instead of the body: the change went through unguarded, though the state was OPEN
    Response guarded = patch("/api/v1/anomalies/" + id + "?expectedState=UNDER_REVIEW", investigator,
        change("UNDER_REVIEW", "only if someone has it"));
    assertEquals(400, guarded.status(), guarded.body());
    assertEquals("expectedState", guarded.json().getJsonArray("errors").getJsonObject(0).getString("field"));
    JsonArray ids = new JsonArray().add(id);
    Response bulk = patch("/api/v1/anomalies?expectedState=UNDER_REVIEW", investigator,
        new JsonObject().put("ids", ids).put("state", "UNDER_REVIEW").put("note", "only if someone has it"));
    assertEquals(400, bulk.status(), bulk.body());
    assertEquals("expectedState", bulk.json().getJsonArray("errors").getJsonObject(0).getString("field"));
    Response history = svc.get("/api/v1/anomalies/" + id + "/history?limit=1", investigator);
    assertEquals(400, history.status(), history.body());
    assertEquals("limit", history.json().getJsonArray("errors").getJsonObject(0).getString("field"));
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM anomaly_changes WHERE anomaly_id = " + id));
    assertEquals("OPEN", svc.get("/api/v1/anomalies/" + id + "/history", investigator).json().getString("state"));
  }

  @Test
  void aNoteIsCountedInCharactersNotUtf16Units() {
    long id = IDS.get(34);
    // 𠮷 (U+20BB7) is one character of a Chinese name, two UTF-16 units: 1,500 of them were refused as over 2,000
    String name = "\uD842\uDFB7";
    String note = name.repeat(CaseRoutes.MAX_NOTE);
    Response r = patch("/api/v1/anomalies/" + id, investigator, change("UNDER_REVIEW", note));
    assertEquals(200, r.status(), r.body().substring(0, Math.min(300, r.body().length())));
    assertEquals(note, svc.get("/api/v1/anomalies/" + id + "/history", investigator).json().getJsonArray("changes")
        .getJsonObject(0).getString("note"));
    Response tooLong = patch("/api/v1/anomalies/" + id, investigator, change("OPEN", note + name));
    assertEquals(400, tooLong.status(), "2,001 characters");
    assertEquals("note", tooLong.json().getJsonArray("errors").getJsonObject(0).getString("field"));
  }

  @Test
  void aFieldGivenTwiceIsRefusedNotReadAsItsLastValue() {
    long id = IDS.get(33);
    assertEquals(200, patch("/api/v1/anomalies/" + id, investigator, change("UNDER_REVIEW", "checking")).status());
    // JSON leaves a repeated name to the reader: a gateway or audit log reading the first saw CONFIRMED, and the
    // service stored DISMISSED
    Response twice = patch("/api/v1/anomalies/" + id, investigator,
        "{\"state\": \"CONFIRMED\", \"note\": \"decided\", \"state\": \"DISMISSED\"}");
    assertEquals(400, twice.status(), twice.body());
    assertEquals("state", twice.json().getJsonArray("errors").getJsonObject(0).getString("field"));
    Response bulk = patch("/api/v1/anomalies", investigator, "{\"ids\": [" + id + "], \"state\": \"CONFIRMED\", "
        + "\"note\": \"decided\", \"ids\": [" + IDS.get(32) + "]}");
    assertEquals(400, bulk.status(), bulk.body());
    assertEquals("ids", bulk.json().getJsonArray("errors").getJsonObject(0).getString("field"));
    assertEquals("UNDER_REVIEW", svc.get("/api/v1/anomalies/" + id + "/history", investigator).json()
        .getString("state"));
    assertEquals("OPEN", svc.get("/api/v1/anomalies/" + IDS.get(32) + "/history", investigator).json()
        .getString("state"));
    Response nested = patch("/api/v1/anomalies/" + id, investigator,
        "{\"state\": \"CONFIRMED\", \"note\": \"decided\", \"extra\": {\"a\": 1}, \"other\": {\"a\": 2}}");
    assertEquals(200, nested.status(), "the same name in two nested objects is not a repeat: " + nested.body());
  }

  @Test
  void aGuardSpeltLooselyIsRefusedNotIgnored() {
    long id = IDS.get(30);
    // "expectedstate" was an unknown member, ignored: the change went through on a case another investigator had
    // moved on, the client believing it was guarded
    assertEquals(200, patch("/api/v1/anomalies/" + id, investigator, change("UNDER_REVIEW", "mine")).status());
    for (String misspelt : List.of("expectedstate", "expected_state", "ExpectedState")) {
      Response r = patch("/api/v1/anomalies/" + id, investigator,
          "{\"state\": \"CONFIRMED\", \"note\": \"decided\", \"" + misspelt + "\": \"OPEN\"}");
      assertEquals(400, r.status(), r.body());
      assertEquals(misspelt, r.json().getJsonArray("errors").getJsonObject(0).getString("field"), r.body());
      assertTrue(r.body().contains("did you mean expectedState?"), r.body());
    }
    assertEquals("UNDER_REVIEW", svc.get("/api/v1/anomalies/" + id + "/history", investigator).json()
        .getString("state"));
    Response other = patch("/api/v1/anomalies/" + id, investigator,
        "{\"state\": \"CONFIRMED\", \"note\": \"decided\", \"ticket\": \"T-1\"}");
    assertEquals(200, other.status(), "another unknown member is still ignored: " + other.body());
  }

  @Test
  void aLockedTableIs503WithinTheDatabaseTimeoutAndAChangeGivenUpOnIsNotStored() throws Exception {
    long id = IDS.get(2);
    com.tracesentinel.history.DatabaseUrl db = svc.db();
    try (var c = java.sql.DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
      c.setAutoCommit(false);
      c.createStatement().execute("LOCK TABLE anomalies IN ACCESS EXCLUSIVE MODE"); // as a table rewrite holds it
      long start = System.nanoTime();
      Response list = svc.get("/api/v1/anomalies?limit=10", investigator);
      Response change = patch("/api/v1/anomalies/" + id, investigator, change("UNDER_REVIEW", "calling the pharmacy"));
      long seconds = (System.nanoTime() - start) / 1_000_000_000L;
      c.rollback();
      for (Response r : List.of(list, change)) {
        assertEquals(503, r.status(), r.body());
        assertEquals("application/problem+json", r.contentType());
        assertEquals("5", r.retryAfter());
      }
      assertTrue(seconds < 40, "answered after " + seconds + " s, the database timeout being 10 s for each");
    }
    // PostgreSQL itself gave the change up and rolled it back: sent again, it is stored once
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM anomaly_changes WHERE anomaly_id = " + id));
    assertEquals(200, patch("/api/v1/anomalies/" + id, investigator, change("UNDER_REVIEW", "calling the pharmacy"))
        .status());
    assertEquals(1, TestDatabase.count(svc.db(), "SELECT count(*) FROM anomaly_changes WHERE anomaly_id = " + id));
  }

  @Test
  void aHistoryReadWhileTheCaseChangesAgreesWithItsState() throws Exception {
    long id = IDS.get(31);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    try {
      for (int t = 0; t < 2; t++) {
        pool.submit(() -> {
          for (int i = 0; !stop.get(); i++) {
            patch("/api/v1/anomalies/" + id, investigator, change(i % 2 == 0 ? "UNDER_REVIEW" : "OPEN", "flip"));
          }
          return null;
        });
      }
      // the state and the changes were read in two statements: a change between them gave a state that the last
      // listed change contradicts (about one read in fifteen here)
      int contradicted = 0;
      for (int i = 0; i < 300; i++) {
        JsonObject h = svc.get("/api/v1/anomalies/" + id + "/history", investigator).json();
        JsonArray changes = h.getJsonArray("changes");
        if (!changes.isEmpty() && !changes.getJsonObject(changes.size() - 1).getString("to")
            .equals(h.getString("state"))) {
          contradicted++;
        }
      }
      assertEquals(0, contradicted, "history answers whose state is not the last change's");
    } finally {
      stop.set(true);
      pool.shutdown();
      assertTrue(pool.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS));
    }
  }

  @Test
  void everyInputIsChecked() {
    long id = IDS.get(36);
    Map<String, Object> bad = new HashMap<>();
    bad.put("no state", new JsonObject().put("note", "n"));
    bad.put("unknown state", change("CLOSED", "n"));
    // a dotless ı, which Unicode's case mapping reads as I: refused, as the list's state filter refuses it
    bad.put("state folded beyond ASCII", change("under_rev\u0131ew", "n"));
    bad.put("no note", new JsonObject().put("state", "UNDER_REVIEW"));
    bad.put("blank note", change("UNDER_REVIEW", "  "));
    bad.put("long note", change("UNDER_REVIEW", "x".repeat(CaseRoutes.MAX_NOTE + 1)));
    bad.put("NUL in note", change("UNDER_REVIEW", "a\u0000b"));
    bad.put("bad expected", change("UNDER_REVIEW", "n").put("expectedState", 3));
    bad.put("note not text", new JsonObject().put("state", "UNDER_REVIEW").put("note", 5));
    bad.put("not json", "{");
    bad.put("an array", "[]");
    for (var e : bad.entrySet()) {
      Response r = patch("/api/v1/anomalies/" + id, investigator, e.getValue());
      assertEquals(400, r.status(), e.getKey() + ": " + r.body());
      assertTrue(r.contentType().startsWith("application/problem+json"), e.getKey());
    }
    assertEquals(400, patch("/api/v1/anomalies/abc", investigator, change("UNDER_REVIEW", "n")).status());
    assertEquals(400, patch("/api/v1/anomalies/-1", investigator, change("UNDER_REVIEW", "n")).status());
    assertEquals(400, patch("/api/v1/anomalies/99999999999999999999", investigator, change("UNDER_REVIEW", "n"))
        .status());
    assertEquals(404, patch("/api/v1/anomalies/999999999", investigator, change("UNDER_REVIEW", "n")).status());
    assertEquals(404, svc.get("/api/v1/anomalies/999999999/history", investigator).status());
    assertEquals(400, svc.get("/api/v1/anomalies/x1/history", investigator).status());
    for (Object ids : List.of(new JsonArray(), new JsonArray().add(1).add(1), new JsonArray().add("1"),
        new JsonArray().add(1.5), new JsonArray().add(0), "nope")) {
      Response r = patch("/api/v1/anomalies", investigator, new JsonObject().put("ids", ids).put("state",
          "UNDER_REVIEW").put("note", "n"));
      assertEquals(400, r.status(), ids + ": " + r.body());
    }
    JsonArray tooMany = new JsonArray();
    for (int i = 1; i <= CaseRoutes.MAX_IDS + 1; i++) {
      tooMany.add(i);
    }
    assertEquals(400, patch("/api/v1/anomalies", investigator, new JsonObject().put("ids", tooMany)
        .put("state", "UNDER_REVIEW").put("note", "n")).status());
    String scanner = svc.key("scanner", "P44030500001");
    assertEquals(403, patch("/api/v1/anomalies/" + id, scanner, change("UNDER_REVIEW", "n")).status());
    assertEquals(401, patch("/api/v1/anomalies/" + id, null, change("UNDER_REVIEW", "n")).status());
    assertEquals(403, svc.get("/api/v1/anomalies/" + id + "/history", scanner).status());
    JsonObject untouched = svc.get("/api/v1/anomalies/" + id + "/history", investigator).json();
    assertEquals("OPEN", untouched.getString("state"));
    assertEquals(0, untouched.getJsonArray("changes").size());
    assertFalse(untouched.containsKey("errors"));
  }
}
