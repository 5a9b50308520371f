package com.tracesentinel.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.TraceSentinel;
import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.Set;
import java.util.TreeSet;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** The demo day goes through the real pipeline and shows every pattern it claims to inject. */
class DemoDataTest {
  @Test
  void theSimulatedDayRaisesEachInjectedPattern() throws Exception {
    try (TestService svc = TestService.start()) {
      ByteArrayOutputStream progress = new ByteArrayOutputStream();
      int scans = TraceSentinel.await(DemoData.load(svc.app().services(), new PrintStream(progress)));
      assertEquals(DemoData.simulatedDay(java.time.Instant.now()).size(), scans);
      assertTrue(progress.toString().contains("[########################################]"));
      assertEquals(scans, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE status <> 'REJECTED'"));
      String[][] expected = {
          {"REPEAT_SALE", "COUNTERFEIT", "12"}, {"RECEIVED_AFTER_SALE", "DIVERTED", "10"},
          {"REPEAT_SALE", "DIVERTED", "10"}, {"REPEAT_SALE", "SUBSTITUTED", "8"},
          {"PRODUCT_MISMATCH", "SUBSTITUTED", "6"}, {"SPLIT_OVERSOLD", "SUBSTITUTED", "4"},
          {"DOUBLE_SCAN", "OPERATOR_ERROR", "5"}};
      String notRing = " AND canonical NOT LIKE '" + DemoData.RING_CODE_PREFIX + "%'";
      for (String[] e : expected) {
        assertEquals(Long.parseLong(e[2]), TestDatabase.count(svc.db(), "SELECT count(*) FROM anomalies WHERE type = '"
            + e[0] + "' AND suspicion = '" + e[1] + "'" + notRing), e[0] + "/" + e[1]);
      }
      // the ring: each of its codes sold at three of its pharmacies, so two repeat sales per code
      assertEquals(2L * DemoData.RING_CODES, TestDatabase.count(svc.db(), "SELECT count(*) FROM anomalies WHERE "
          + "type = 'REPEAT_SALE' AND canonical LIKE '" + DemoData.RING_CODE_PREFIX + "%'"));
      assertEquals(2L * DemoData.RING_CODES, TestDatabase.count(svc.db(), "SELECT count(*) FROM anomalies WHERE "
          + "canonical LIKE '" + DemoData.RING_CODE_PREFIX + "%'"));
      // ... and it is the top ring, whole
      svc.awaitRingIndex();
      JsonObject top = svc.get("/api/v1/rings", TestService.ADMIN_KEY).json().getJsonArray("rings").getJsonObject(0);
      Set<String> sites = new TreeSet<>();
      top.getJsonArray("sites").forEach(o -> sites.add(((JsonObject) o).getString("siteId")));
      assertEquals(new TreeSet<>(DemoData.RING_SITES), sites);
      assertEquals(DemoData.RING_CODES, top.getInteger("sharedCodes"));
      assertEquals(2, top.getInteger("cities"));
    }
  }
}
