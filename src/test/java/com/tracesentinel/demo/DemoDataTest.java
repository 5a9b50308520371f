package com.tracesentinel.demo;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.TraceSentinel;
import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

/** The demo day goes through the real pipeline and shows every pattern it claims to inject. */
@Tag("slow")
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
      for (String[] e : expected) {
        assertEquals(Long.parseLong(e[2]), TestDatabase.count(svc.db(), "SELECT count(*) FROM anomalies WHERE type = '"
            + e[0] + "' AND suspicion = '" + e[1] + "'"), e[0] + "/" + e[1]);
      }
    }
  }
}
