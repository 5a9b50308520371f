package com.tracesentinel.ingest;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.code.CodeKey;
import com.tracesentinel.ledger.CodeLedger;
import com.tracesentinel.rules.CodeState;
import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Concurrency, restarts, failed commits and unclean stops, on the real service and PostgreSQL. */
@Tag("slow")
class IngestDurabilityTest {

  private static JsonObject sale(String code, String site, String doc, Instant at) {
    return new JsonObject().put("code", code).put("siteId", site).put("documentNo", doc).put("scannedAt", at.toString());
  }

  private static String code(long n) {
    return String.format("82%018d", n);
  }

  @Test
  void manyClientsSellingTheSameCodesAtOnceYieldExactlyOneAcceptedFirstSalePerCode() throws Exception {
    try (TestService svc = TestService.start()) {
      int clients = 8;
      int codes = 300;
      List<String> sites = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        sites.add("S" + c);
        sites.add("44030" + c);
      }
      svc.sites(sites.toArray(String[]::new));
      Instant t = Instant.now().minusSeconds(3600);
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      List<Future<List<JsonObject>>> futures = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        int client = c;
        futures.add(pool.submit(() -> {
          List<JsonObject> results = new ArrayList<>();
          for (int from = 0; from < codes; from += 50) {
            JsonArray scans = new JsonArray();
            for (int i = from; i < from + 50; i++) {
              scans.add(sale(code(i), "S" + client, "C" + client + "-" + i, t.plusSeconds(client)));
            }
            Response r = svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("scans", scans));
            assertEquals(200, r.status(), r.body());
            r.json().getJsonArray("results").forEach(o -> results.add((JsonObject) o));
          }
          return results;
        }));
      }
      Map<String, Integer> accepted = new HashMap<>();
      int total = 0;
      for (Future<List<JsonObject>> f : futures) {
        for (JsonObject r : f.get()) {
          total++;
          if (r.getString("status").equals("ACCEPTED")) {
            accepted.merge(r.getString("canonical"), 1, Integer::sum);
          } else {
            assertEquals("FLAGGED", r.getString("status"), r.encode());
            assertEquals("REPEAT_SALE", r.getJsonArray("anomalies").getJsonObject(0).getString("type"));
          }
        }
      }
      pool.shutdown();
      assertEquals(clients * codes, total);
      assertEquals(codes, accepted.size());
      accepted.values().forEach(n -> assertEquals(1, n));
      assertEquals(clients * codes, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans"));
    }
  }

  @Test
  void aCleanRestartKeepsTheLedgerAndReSendsAreStillRecognised() throws Exception {
    try (TestService svc = TestService.start()) {
      svc.sites("RA", "440301", "RB", "110101");
      Instant t = Instant.now().minusSeconds(7200);
      assertEquals("ACCEPTED", svc.post("/api/v1/scans", TestService.ADMIN_KEY, sale(code(1), "RA", "D1", t))
          .result(0).getString("status"));
      svc.restart();
      Response resent = svc.post("/api/v1/scans", TestService.ADMIN_KEY, sale(code(1), "RA", "D1", t));
      assertEquals("REPLAYED", resent.result(0).getString("status"), resent.body());
      assertEquals("ACCEPTED", resent.result(0).getJsonObject("original").getString("status"));
      Response elsewhere = svc.post("/api/v1/scans", TestService.ADMIN_KEY,
          sale(code(1), "RB", "D2", t.plusSeconds(600)));
      JsonObject anomaly = elsewhere.result(0).getJsonArray("anomalies").getJsonObject(0);
      assertEquals("REPEAT_SALE", anomaly.getString("type"));
      assertEquals("COUNTERFEIT", anomaly.getString("suspicion"), "two cities ten minutes apart");
    }
  }

  @Test
  void aFailedCommitAnswers503StoresNothingAndLeavesTheLedgerAsIfTheScanNeverCame() throws Exception {
    try (TestService svc = TestService.start()) {
      svc.sites("FA", "440301", "FB", "440302");
      Instant t = Instant.now().minusSeconds(3 * 86_400);
      svc.post("/api/v1/scans", TestService.ADMIN_KEY, sale(code(7), "FA", "D1", t));
      // A real PostgreSQL failure that is not about the data (SQLSTATE 57014, as a cancelled statement): the group
      // commit fails and nothing of it may stay.
      TestDatabase.execute(svc.db(), "CREATE FUNCTION fail_for_test() RETURNS trigger LANGUAGE plpgsql AS "
          + "$$ BEGIN RAISE EXCEPTION 'injected' USING ERRCODE = '57014'; END $$");
      TestDatabase.execute(svc.db(), "CREATE TRIGGER block_for_test BEFORE INSERT ON anomalies "
          + "FOR EACH ROW EXECUTE FUNCTION fail_for_test()");
      JsonObject repeat = sale(code(7), "FB", "D2", t.plusSeconds(86_400));
      Response failed = svc.post("/api/v1/scans", TestService.ADMIN_KEY, repeat);
      assertEquals(503, failed.status(), failed.body());
      assertNotNull(failed.retryAfter());
      assertTrue(failed.contentType().startsWith("application/problem+json"));
      assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE document_no = 'D2'"));
      TestDatabase.execute(svc.db(), "DROP TRIGGER block_for_test ON anomalies");

      Response retried = retryWhileUnavailable(svc, repeat);
      assertEquals("FLAGGED", retried.result(0).getString("status"), "not REPLAYED: the failed scan was undone");
      assertEquals(1, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE document_no = 'D2'"));
      assertEquals("REPLAYED", svc.post("/api/v1/scans", TestService.ADMIN_KEY, repeat).result(0).getString("status"));
    }
  }

  @Test
  void afterAnUncleanStopTheLedgerIsReconciledWithTheHistoryBeforeServing() throws Exception {
    try (TestService svc = TestService.start()) {
      svc.sites("UA", "440301", "UB", "440302");
      Instant t = Instant.now().minusSeconds(3 * 86_400);
      svc.post("/api/v1/scans", TestService.ADMIN_KEY, sale(code(21), "UA", "D1", t));
      svc.app().close();

      // What a kill -9 between judging and committing leaves: ledger changes the history never got, and the
      // dirty marker of a ledger that was not closed.
      var ledgerDir = svc.dataDir().resolve("ledger");
      try (CodeLedger ledger = CodeLedger.open(ledgerDir, 100_000, false)) {
        ledger.put(CodeKey.of(code(22)), CodeState.NEW.withScanRecorded(1), Instant.now().getEpochSecond(), true);
        ledger.put(CodeKey.of(code(21)), CodeState.NEW, Instant.now().getEpochSecond(), false);
      }
      Files.writeString(ledgerDir.resolve("codes.dirty"), "simulated crash");

      svc.restart();
      CodeLedger ledger = svc.app().ledger();
      assertNull(ledger.get(CodeKey.of(code(22))), "a code whose scan never committed is removed");
      assertEquals(1, ledger.get(CodeKey.of(code(21))).saleCount(), "a committed sale is present again");
      Response again = svc.post("/api/v1/scans", TestService.ADMIN_KEY, sale(code(21), "UB", "D9", t.plusSeconds(86_400)));
      assertEquals("FLAGGED", again.result(0).getString("status"), again.body());
    }
  }

  @Test
  void aFullLedgerRefusesNewCodesWith503ButStillJudgesKnownOnes() throws Exception {
    try (TestService svc = TestService.start(java.util.Map.of("TRACESENTINEL_LEDGER_CAPACITY", "1000"))) {
      svc.sites("LA", "440301", "LB", "110101");
      Instant t = Instant.now().minusSeconds(86_400);
      for (int from = 0; from < 1000; from += 500) {
        JsonArray scans = new JsonArray();
        for (int i = from; i < from + 500; i++) {
          scans.add(sale(code(40_000 + i), "LA", "F" + i, t));
        }
        assertEquals(200, svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("scans", scans)).status());
      }
      Response refused = svc.post("/api/v1/scans", TestService.ADMIN_KEY, sale(code(99_999), "LA", "G1", t));
      assertEquals(503, refused.status(), refused.body());
      assertNotNull(refused.retryAfter());
      assertTrue(refused.json().getString("detail").contains("ledger is full"), refused.body());
      Response known = svc.post("/api/v1/scans", TestService.ADMIN_KEY, sale(code(40_001), "LB", "G2", t.plusSeconds(60)));
      assertEquals("FLAGGED", known.result(0).getString("status"), known.body());
      assertTrue(svc.get("/metrics", null).body().contains("tracesentinel_ledger_refused_total{application=\"tracesentinel\"} 1.0"));
    }
  }

  @Test
  void aDuplicateKeyInPostgresqlIsAReSendNeverAFailure() throws Exception {
    try (TestService svc = TestService.start()) {
      svc.sites("DK", "440301");
      Instant t = Instant.now().minusSeconds(3600);
      JsonObject first = sale(code(31), "DK", "D1", t);
      assertEquals("ACCEPTED", svc.post("/api/v1/scans", TestService.ADMIN_KEY, first).result(0).getString("status"));
      // The ledger forgets the code (as a lost ledger would): the judge takes the re-send for new, and only
      // PostgreSQL's unique index on the idempotency key knows better.
      svc.app().ledger().restore(CodeKey.of(code(31)), null);
      Response resent = svc.post("/api/v1/scans", TestService.ADMIN_KEY, first);
      assertEquals(200, resent.status(), resent.body());
      assertEquals("REPLAYED", resent.result(0).getString("status"), resent.body());
      assertEquals("ACCEPTED", resent.result(0).getJsonObject("original").getString("status"));
      assertEquals(1, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE document_no = 'D1'"));
    }
  }

  private static Response retryWhileUnavailable(TestService svc, JsonObject body) throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      Response r = svc.post("/api/v1/scans", TestService.ADMIN_KEY, body);
      if (r.status() != 503) {
        return r;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("still 503 after 5 s");
  }
}
