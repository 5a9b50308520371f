package com.tracesentinel.http;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A CSV export holds a pooled connection until its client has read it: a client that stops reading must not take
 * the connections that the list, the key checks and the public look-up need. With a pool of 2, one export at a time.
 */
@Tag("slow")
class ExportLimitTest {
  private static TestService svc;
  private static String investigator;

  @BeforeAll
  static void start() throws Exception {
    svc = TestService.start(Map.of("TRACESENTINEL_DB_POOL", "2"));
    investigator = svc.key("investigator", null);
    // about 40 MB of CSV: far more than the sockets' buffers hold, so an unread export stays in flight
    bulkAnomalies(svc, 40_000);
  }

  /** {@code rows} anomalies of about 1 KB of CSV each, at site ZZBULK. */
  static void bulkAnomalies(TestService svc, int rows) {
    TestDatabase.execute(svc.db(), """
        INSERT INTO anomalies (scan_id, scanned_at, type, suspicion, level, code_key, canonical, product, site_id,
                               region, detail)
        SELECT g, now() - g * interval '1 second', 'EXPIRED', 'QUALITY', 'ALERT', '\\x00'::bytea, 'BULK' || g,
               'BULKPRODUCT', 'ZZBULK', '650102', repeat('x', 1000)
        FROM generate_series(1, %d) g
        """.formatted(rows));
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
  }

  private static TestService.Response csv(String query) {
    return svc.send(svc.request("/api/v1/anomalies" + query, investigator).header("Accept", "text/csv").GET()
        .build());
  }

  @Test
  void anExportBeyondTheCapIs503AndTheListStillAnswers() throws Exception {
    awaitExportPlace();
    try (Socket slow = new Socket()) {
      slow.setReceiveBufferSize(4096);
      slow.connect(new InetSocketAddress("127.0.0.1", svc.port()));
      slow.getOutputStream().write(("GET /api/v1/anomalies HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
          + investigator + "\r\nAccept: text/csv\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      assertTrue(head(slow.getInputStream()).startsWith("HTTP/1.1 200"), "the first export starts");

      TestService.Response refused = csv("");
      assertEquals(503, refused.status(), refused.body());
      assertTrue(refused.contentType().startsWith("application/problem+json"), refused.contentType());
      assertNotNull(refused.retryAfter());
      assertTrue(refused.body().contains("too many CSV exports"), refused.body());

      long t0 = System.nanoTime();
      TestService.Response page = svc.get("/api/v1/anomalies?limit=1", investigator);
      assertEquals(200, page.status(), page.body());
      assertTrue(System.nanoTime() - t0 < 4_000_000_000L, "the list did not wait for a connection");
    }
    // the client went away: its export ends and frees its place
    TestService.Response after = null;
    for (int i = 0; i < 100; i++) {
      after = csv("?siteId=NOSUCHSITE");
      if (after.status() == 200) {
        break;
      }
      Thread.sleep(100);
    }
    assertEquals(200, after.status(), after.body());
    assertTrue(after.body().startsWith("id,scannedAt,"), after.body());
  }

  @Test
  void anExportEndsOnceItsKeyIsRevoked() throws Exception {
    awaitExportPlace();
    TestService.Response issued = svc.post("/api/v1/keys", TestService.ADMIN_KEY,
        new io.vertx.core.json.JsonObject().put("role", "investigator"));
    String key = issued.json().getString("key");
    try (Socket client = new Socket()) {
      client.setReceiveBufferSize(4096);
      client.connect(new InetSocketAddress("127.0.0.1", svc.port()));
      client.getOutputStream().write(("GET /api/v1/anomalies HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
          + key + "\r\nAccept: text/csv\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      InputStream in = client.getInputStream();
      assertTrue(head(in).startsWith("HTTP/1.1 200"));
      assertEquals(204, svc.delete("/api/v1/keys/" + issued.json().getString("id"), TestService.ADMIN_KEY).status());
      // read at about 1 MB/s: the 40 MB would take 40 s; the key check (every 5 s) must end it well before
      long read = readUntilCut(client, 15, 20);
      assertTrue(read >= 0, "the export went on after its key was revoked");
      assertTrue(read < 30_000_000, read + " bytes: the export was cut, not finished");
    }
  }

  /**
   * Reads what the connection sends, a buffer at a time with a pause between reads, until it ends (closed or reset):
   * the bytes read, or -1 when it had not ended after {@code giveUpSeconds}.
   */
  static long readUntilCut(Socket client, long pauseMillis, long giveUpSeconds) throws Exception {
    InputStream in = client.getInputStream();
    long giveUp = System.nanoTime() + giveUpSeconds * 1_000_000_000L;
    long read = 0;
    byte[] buf = new byte[16 * 1024];
    client.setSoTimeout(1_000);
    while (System.nanoTime() < giveUp) {
      try {
        int n = in.read(buf);
        if (n < 0) {
          return read;
        }
        read += n;
        Thread.sleep(pauseMillis);
      } catch (java.net.SocketTimeoutException e) {
        // nothing sent this second
      } catch (java.io.IOException e) {
        return read; // reset
      }
    }
    return -1;
  }

  private static void awaitExportPlace() throws InterruptedException {
    for (int i = 0; i < 100 && csv("?siteId=NOSUCHSITE").status() != 200; i++) {
      Thread.sleep(100);
    }
  }

  /** The response head, read byte by byte so that nothing of the body is consumed. */
  static String head(InputStream in) throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    while (!b.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        break;
      }
      b.write(c);
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }
}
