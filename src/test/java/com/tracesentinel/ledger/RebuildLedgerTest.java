package com.tracesentinel.ledger;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.config.Config;
import com.tracesentinel.TraceSentinel;
import com.tracesentinel.code.CodeKey;
import com.tracesentinel.rules.CodeState;
import com.tracesentinel.support.TestService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** rebuild-ledger: a new ledger, sized as configured, holding exactly what the history says. */
@Tag("slow")
class RebuildLedgerTest {
  @Test
  void theRebuiltLedgerEqualsTheOneIngestBuilt() throws Exception {
    try (TestService svc = TestService.start()) {
      svc.sites("RB1", "440305", "RB2", "110105");
      Instant t = Instant.now().minusSeconds(86_400);
      JsonArray scans = new JsonArray();
      for (int i = 0; i < 200; i++) {
        String code = String.format("84%018d", i);
        scans.add(new JsonObject().put("code", code).put("siteId", "RB1").put("documentNo", "A" + i)
            .put("scannedAt", t.plusSeconds(i).toString()).put("settlementId", "S" + i));
        if (i % 10 == 0) {
          scans.add(new JsonObject().put("code", code).put("siteId", "RB2").put("documentNo", "B" + i)
              .put("scannedAt", t.plusSeconds(3600 + i).toString()));
        }
      }
      assertEquals(200, svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("scans", scans)).status());
      CodeState before = svc.app().ledger().get(CodeKey.of(String.format("84%018d", 10)));
      svc.app().close();

      ByteArrayOutputStream out = new ByteArrayOutputStream();
      Map<String, String> env = Map.of(
          "TRACESENTINEL_DATA_DIR", svc.dataDir().toString(),
          "TRACESENTINEL_DB_URL", svc.dbUrl(),
          "TRACESENTINEL_LEDGER_CAPACITY", "5000");
      TraceSentinel.rebuildLedger(Config.from(env), new PrintStream(out, true));
      assertTrue(out.toString().contains("Rebuilt 200 codes from 220 scans"), out.toString());

      try (CodeLedger rebuilt = CodeLedger.open(svc.dataDir().resolve("ledger"), 5000, true)) {
        assertEquals(200, rebuilt.size());
        assertEquals(5000, rebuilt.capacity());
        assertEquals(before, rebuilt.get(CodeKey.of(String.format("84%018d", 10))));
      }
    }
  }

  @Test
  void aRebuildThatFailsLeavesALedgerTheNextStartRebuildsNotAPartOfOne() throws Exception {
    try (TestService svc = TestService.start()) {
      svc.sites("RB1", "440305", "RB2", "110105");
      for (int batch = 0; batch < 2; batch++) {
        JsonArray scans = new JsonArray();
        for (int i = batch * 600; i < (batch + 1) * 600; i++) {
          scans.add(new JsonObject().put("code", String.format("85%018d", i)).put("siteId", "RB1")
              .put("documentNo", "F" + i));
        }
        assertEquals(200, svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("scans", scans))
            .status());
      }
      svc.app().close();

      Map<String, String> tooSmall = Map.of(
          "TRACESENTINEL_DATA_DIR", svc.dataDir().toString(),
          "TRACESENTINEL_DB_URL", svc.dbUrl(),
          "TRACESENTINEL_LEDGER_CAPACITY", "1000");
      Exception failed = assertThrows(Exception.class, () -> TraceSentinel.rebuildLedger(Config.from(tooSmall),
          new PrintStream(new ByteArrayOutputStream(), true)), "1,200 codes do not fit in 1,000");
      boolean full = false;
      for (Throwable t = failed; t != null; t = t.getCause()) {
        full |= t instanceof com.tracesentinel.ingest.LedgerPort.Full;
      }
      assertTrue(full, "it failed for the capacity, after writing a part of the codes: " + failed);

      svc.restart(); // its own capacity: the unfinished rebuild is not taken for the ledger
      String sold = String.format("85%018d", 1199);
      JsonObject again = svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("code", sold)
          .put("siteId", "RB2").put("documentNo", "G1")).result(0);
      assertEquals("FLAGGED", again.getString("status"), "a box the history says was sold: " + again.encode());
      svc.assertLedgerEqualsHistory();
    }
  }
}
