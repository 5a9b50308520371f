package com.tracesentinel.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.Config;
import com.tracesentinel.TraceSentinel;
import com.tracesentinel.ledger.CodeLedger;
import com.tracesentinel.ledger.StateCodec;
import com.tracesentinel.rules.CodeState;
import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
 * Many clients while some commits fail for real (a PostgreSQL constraint refuses anomalies at one site): every 200
 * is stored in full, every 503 not at all, and the ledger afterwards is exactly what replaying the history gives,
 * so no undone change survived and no acknowledged one was lost, with two group commits overlapping.
 */
class CommitFailureStormTest {
  @Test
  void underFailingCommitsTheLedgerStaysExactlyTheHistory() throws Exception {
    try (TestService svc = TestService.start()) {
      svc.sites("SA", "440301", "SB", "440302", "SC", "110101", "PZ", "310101");
      TestDatabase.execute(svc.db(), "ALTER TABLE anomalies ADD CONSTRAINT poison CHECK (site_id <> 'PZ') NOT VALID");
      Instant t0 = Instant.now().minusSeconds(20 * 86_400);
      String[] sites = {"SA", "SB", "SC", "PZ"};
      int clients = 6;
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      List<Future<Map<String, Integer>>> futures = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        int client = c;
        futures.add(pool.submit(() -> {
          Random random = new Random(client);
          Map<String, Integer> outcome = new HashMap<>(); // documentNo -> HTTP status
          for (int request = 0; request < 40; request++) {
            JsonArray scans = new JsonArray();
            String doc = "C" + client + "-" + request;
            for (int line = 1; line <= 10; line++) {
              String code = String.format("85%018d", random.nextInt(300));
              scans.add(new JsonObject().put("code", code).put("siteId", sites[random.nextInt(4)])
                  .put("documentNo", doc).put("lineNo", line)
                  .put("scannedAt", t0.plusSeconds(random.nextInt(86_400)).toString()));
            }
            Response r = svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("scans", scans));
            assertTrue(r.status() == 200 || r.status() == 503, r.body());
            outcome.put(doc, r.status());
          }
          return outcome;
        }));
      }
      int ok = 0;
      int unavailable = 0;
      for (Future<Map<String, Integer>> f : futures) {
        for (Map.Entry<String, Integer> e : f.get().entrySet()) {
          long stored = TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE document_no = '" + e.getKey() + "'");
          if (e.getValue() == 200) {
            ok++;
            assertEquals(10, stored, e.getKey() + " was acknowledged");
          } else {
            unavailable++;
            assertEquals(0, stored, e.getKey() + " was refused");
          }
        }
      }
      pool.shutdown();
      assertTrue(ok > 0 && unavailable > 0, ok + " stored, " + unavailable + " refused: both must happen");

      svc.app().close();
      Path ledgerDir = svc.dataDir().resolve("ledger");
      Path live = Files.createTempDirectory("live-ledger");
      for (String f : new String[] {"codes.cm3"}) {
        Files.copy(ledgerDir.resolve(f), live.resolve(f), StandardCopyOption.REPLACE_EXISTING);
      }
      Map<String, String> env = Map.of("TRACESENTINEL_DATA_DIR", svc.dataDir().toString(),
          "TRACESENTINEL_DB_URL", "postgresql://postgres:postgres@127.0.0.1:" + svc.db().port() + "/"
              + svc.db().database(), "TRACESENTINEL_LEDGER_CAPACITY", "100000");
      TraceSentinel.rebuildLedger(Config.from(env), new PrintStream(new ByteArrayOutputStream()));
      Map<ByteBuffer, CodeState> replayed = states(ledgerDir);
      Map<ByteBuffer, CodeState> judged = states(live);
      assertEquals(replayed.size(), judged.size());
      assertEquals(replayed, judged);
    }
  }

  private static Map<ByteBuffer, CodeState> states(Path dir) throws Exception {
    Map<ByteBuffer, CodeState> states = new HashMap<>();
    try (CodeLedger ledger = CodeLedger.open(dir, 100_000)) {
      ledger.forEach((key, value) -> states.put(ByteBuffer.wrap(key), StateCodec.decode(value)));
    }
    return states;
  }
}
