package com.tracesentinel.demo;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.config.Config;
import com.tracesentinel.TraceSentinel;
import com.tracesentinel.imaging.DecodeOutcome;
import com.tracesentinel.imaging.DecoderSettings;
import com.tracesentinel.imaging.ImageDecoder;
import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The demo day goes through the real pipeline and shows every pattern it claims to inject. */
@Tag("slow")
class DemoDataTest {
  @Test
  void theSimulatedDayRaisesEachInjectedPatternAndEndsWithWhatToTry() throws Exception {
    try (TestService svc = TestService.start()) {
      ByteArrayOutputStream progress = new ByteArrayOutputStream();
      String told = TraceSentinel.await(DemoData.loadAndTell(svc.app().services(), new PrintStream(progress)));
      int scans = DemoData.simulatedDay(java.time.Instant.now()).size();
      assertTrue(told.contains(", " + scans + " scans over the last 24 hours"), told);
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

      // What the demo prints works as printed: the key signs in, the codes give the outcomes it says.
      Matcher key = Pattern.compile("export INVESTIGATOR_KEY=(\\S+)").matcher(told);
      assertTrue(key.find(), told);
      assertEquals(200, svc.get("/api/v1/anomalies?limit=1", key.group(1)).status());
      // with its id, as the generated admin key's: no answer names it, so the demo's key could not be revoked
      Matcher keyId = Pattern.compile("Its id, to revoke it: DELETE /api/v1/keys/(\\S+)").matcher(told);
      assertTrue(keyId.find(), told);
      assertTrue(told.contains("export SOLD_ONCE=" + DemoData.SOLD_ONCE + " "), told);
      assertTrue(told.contains("export FLAGGED=" + DemoData.FLAGGED + " "), told);
      assertTrue(told.contains("/verify?code=" + DemoData.FLAGGED), told);
      assertTrue(told.contains("/console/"), told);
      assertEquals("ONE_SALE", outcome(svc, DemoData.SOLD_ONCE));
      assertEquals("MULTIPLE_SALES", outcome(svc, DemoData.FLAGGED));
      assertEquals(1, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE canonical = '"
          + DemoData.SOLD_ONCE + "' AND type = 'SALE'"));
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
      assertEquals(204, svc.delete("/api/v1/keys/" + keyId.group(1), TestService.ADMIN_KEY).status());
      assertEquals(401, svc.get("/api/v1/anomalies?limit=1", key.group(1)).status());
    }
  }

  private static String outcome(TestService svc, String code) {
    TestService.Response r = svc.get("/api/v1/verify/" + code, null);
    assertEquals(200, r.status(), r.body());
    return new JsonObject(r.body()).getString("outcome");
  }

  @Test
  void theSamplePhotoInTheRepositoryShowsTheFlaggedCode() throws Exception {
    byte[] photo = Files.readAllBytes(Path.of(DemoData.SAMPLE_PHOTO));
    DecodeOutcome outcome = new ImageDecoder(DecoderSettings.defaults()).decode(photo);
    assertTrue(outcome instanceof DecodeOutcome.Decoded, outcome.toString());
    var symbols = ((DecodeOutcome.Decoded) outcome).symbols();
    assertTrue(symbols.stream().anyMatch(s -> s.text().equals(DemoData.FLAGGED)), symbols.toString());
  }

  @Test
  void readinessCanBeHeldUntilReleased() throws Exception {
    try (TestService svc = TestService.start()) {
      Map<String, String> env = new HashMap<>(svc.env());
      svc.app().close();
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      env.put("TRACESENTINEL_PORT", Integer.toString(port));
      env.put("TRACESENTINEL_HOST", "127.0.0.1");
      try (TraceSentinel app = TraceSentinel.start(Config.from(env), "the demo data is still loading")) {
        HttpResponse<String> held = ready(port);
        assertEquals(503, held.statusCode());
        assertTrue(held.body().contains("the demo data is still loading"), held.body());
        app.releaseReadiness();
        assertEquals(200, ready(port).statusCode());
      }
    }
  }

  private static HttpResponse<String> ready(int port) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
        + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
  }
}
