package com.tracesentinel.ingest;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Many clients while PostgreSQL really refuses one client's data (a constraint refuses anomalies of site PZ): that
 * client's flagged requests fail alone (422, nothing stored), every other client gets 200 for every request, each
 * 200 is stored in full, and afterwards the ledger equals a rebuild from the history.
 */
@Tag("slow")
class CommitFailureStormTest {
  @Test
  void oneClientsRefusedDataNeverFailsAnotherClientAndTheLedgerStaysTheHistory() throws Exception {
    try (TestService svc = TestService.start()) {
      svc.sites("SA", "440301", "SB", "440302", "SC", "110101", "PZ", "310101");
      TestDatabase.execute(svc.db(), "ALTER TABLE anomalies ADD CONSTRAINT poison CHECK (site_id <> 'PZ') NOT VALID");
      Instant t0 = Instant.now().minusSeconds(20 * 86_400);
      String[] sites = {"SA", "SB", "SC"};
      int clients = 6;
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      List<Future<Map<String, Integer>>> futures = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        int client = c;
        boolean poisoned = client == clients - 1;
        futures.add(pool.submit(() -> {
          Random random = new Random(client);
          Map<String, Integer> outcome = new HashMap<>(); // documentNo -> HTTP status
          for (int request = 0; request < 40; request++) {
            JsonArray scans = new JsonArray();
            String doc = "C" + client + "-" + request;
            for (int line = 1; line <= 10; line++) {
              String code = String.format("85%018d", random.nextInt(300));
              scans.add(new JsonObject().put("code", code).put("siteId", poisoned ? "PZ" : sites[random.nextInt(3)])
                  .put("documentNo", doc).put("lineNo", line)
                  .put("scannedAt", t0.plusSeconds(random.nextInt(86_400)).toString()));
            }
            Response r = svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("scans", scans));
            if (poisoned) {
              assertTrue(r.status() == 200 || r.status() == 422, r.body());
            } else {
              assertEquals(200, r.status(), "another client's refused data must not fail this one: " + r.body());
            }
            outcome.put(doc, r.status());
          }
          return outcome;
        }));
      }
      int ok = 0;
      int refused = 0;
      List<Map<String, Integer>> outcomes = new ArrayList<>();
      for (Future<Map<String, Integer>> f : futures) {
        outcomes.add(f.get());
      }
      Map<String, Long> storedByDocument = TestDatabase.countsBy(svc.db(),
          "SELECT document_no, count(*) FROM scans GROUP BY document_no");
      for (Map<String, Integer> outcome : outcomes) {
        for (Map.Entry<String, Integer> e : outcome.entrySet()) {
          long stored = storedByDocument.getOrDefault(e.getKey(), 0L);
          if (e.getValue() == 200) {
            ok++;
            assertEquals(10, stored, e.getKey() + " was acknowledged");
          } else {
            refused++;
            assertEquals(0, stored, e.getKey() + " was refused");
          }
        }
      }
      pool.shutdown();
      assertTrue(ok > 0 && refused > 0, ok + " stored, " + refused + " refused: both must happen");
      svc.assertLedgerEqualsHistory();
    }
  }
}
