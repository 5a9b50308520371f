package com.tracesentinel.http;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.support.TestService;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Connections cannot exhaust the service, seen from a client's socket: a cap on open connections, a deadline for a
 * request's head (an idle or trickling connection is closed: slowloris), one for its body (408), an idle timeout
 * for keep-alive connections, and uploads refused on their key before their body is read. Deadlines are short
 * here (1 s head, 2 s body, 6 s idle); assertions allow several seconds, for a loaded machine.
 */
@Tag("slow")
class ConnectionLimitsTest {
  private static final int MAX = 20;
  private static TestService svc;

  @BeforeAll
  static void start() throws Exception {
    svc = TestService.start(Map.of("TRACESENTINEL_HTTP_MAX_CONNECTIONS", Integer.toString(MAX),
        "TRACESENTINEL_HTTP_HEADER_SECONDS", "1", "TRACESENTINEL_HTTP_BODY_SECONDS", "2",
        "TRACESENTINEL_HTTP_IDLE_SECONDS", "6"));
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
  }

  private static String get(String path) {
    return RawHttp.request("GET", path, null, null);
  }

  @Test
  void connectionsBeyondTheCapAreAnswered503AndClosedUntilOthersClose() throws Exception {
    List<RawHttp> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < MAX + 5; i++) {
        RawHttp c = new RawHttp(svc.port());
        c.send(get("/api/v1/nothing"));
        sockets.add(c);
      }
      int served = 0;
      int refused = 0;
      for (RawHttp c : sockets) {
        RawHttp.Reply r = c.read();
        if (r.status() == 503) {
          refused++;
          assertTrue(r.header("Content-Type").startsWith("application/problem+json"), r.headers().toString());
          assertTrue(new JsonObject(r.body()).getString("detail").contains("too many open connections"), r.body());
          assertTrue(c.closedWithin(5_000), "a refused connection is closed");
        } else {
          served++;
          assertEquals(404, r.status(), r.body());
        }
      }
      // connections of an earlier test the server has not yet seen closing may still count
      assertTrue(served <= MAX && refused >= 5, served + " served, " + refused + " refused");
      // the served connections are not punished for the others: they keep working
      RawHttp first = sockets.get(0);
      if (!first.closedWithin(10)) {
        first.send(get("/api/v1/nothing"));
        assertEquals(404, first.read().status());
      }
    } finally {
      for (RawHttp c : sockets) {
        c.close();
      }
    }
    // once they are closed, a full set of new connections is served again
    List<RawHttp> again = new ArrayList<>();
    try {
      long deadline = System.currentTimeMillis() + 10_000;
      boolean allServed = false;
      while (!allServed && System.currentTimeMillis() < deadline) {
        for (RawHttp c : again) {
          c.close();
        }
        again.clear();
        allServed = true;
        for (int i = 0; i < MAX - 2; i++) {
          RawHttp c = new RawHttp(svc.port());
          again.add(c);
          c.send(get("/api/v1/nothing"));
          allServed &= c.read().status() == 404;
        }
        if (!allServed) {
          Thread.sleep(200);
        }
      }
      assertTrue(allServed, "requests succeed again after the extra connections closed");
    } finally {
      for (RawHttp c : again) {
        c.close();
      }
    }
  }

  @Test
  void aClientTricklingItsHeadIsClosed() throws Exception {
    try (RawHttp slow = new RawHttp(svc.port())) {
      slow.send("GET /api/v1/anom");
      assertClosedWhileTrickling(slow);
    }
  }

  @Test
  void aKeepAliveConnectionTricklingItsNextHeadIsClosedWhateverItsLastRequestWas() throws Exception {
    try (RawHttp slow = new RawHttp(svc.port())) {
      // a public image look-up: its route holds a decoder slot through Vert.x Web's end handler, which used to
      // replace the guard's and so exempt the connection from the head deadline for good
      byte[] notAnImage = "not an image".getBytes(StandardCharsets.US_ASCII);
      slow.send(RawHttp.request("POST", "/api/v1/verify/image", null,
          "Content-Type: image/png\r\nContent-Length: " + notAnImage.length + "\r\n"));
      slow.send(notAnImage);
      assertEquals(400, slow.read().status());
      slow.send("GET /api/v1/anom");
      assertClosedWhileTrickling(slow);
    }
  }

  /** Trickles the rest of a head a byte every 300 ms (20 s in all): the server must close it long before. */
  private static void assertClosedWhileTrickling(RawHttp slow) throws Exception {
    byte[] rest = "alies HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        .getBytes(StandardCharsets.US_ASCII);
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService trickler = Executors.newSingleThreadExecutor();
    Future<Integer> sent = trickler.submit(() -> {
      int n = 0;
      try {
        for (; n < rest.length && !stop.get(); n++) {
          Thread.sleep(300);
          slow.send(new byte[] {rest[n]});
        }
      } catch (IOException closed) {
        // the server closed it: what we wait for
      }
      return n;
    });
    // 1 s for the head; the trickle alone would last 20 s
    boolean closed = slow.closedWithin(8_000);
    stop.set(true);
    int bytes = sent.get();
    trickler.shutdown();
    assertTrue(closed, "a trickled head is closed within seconds (" + bytes + " bytes trickled)");
    assertTrue(bytes < rest.length, "closed before the trickle ended");
  }

  @Test
  void aConnectionThatNeverSendsIsClosed() throws Exception {
    try (RawHttp idle = new RawHttp(svc.port())) {
      // by the 1 s head deadline: the 6 s idle timeout would come too late
      assertTrue(idle.closedWithin(4_500), "a silent connection is closed after the head deadline");
    }
  }

  @Test
  void aKeepAliveClientIsUnaffectedAndPausesUpToTheIdleTimeout() throws Exception {
    try (RawHttp client = new RawHttp(svc.port())) {
      for (int i = 0; i < 8; i++) {
        client.send(get("/api/v1/nothing"));
        assertEquals(404, client.read().status(), "request " + i + " on the same connection");
        Thread.sleep(300);
      }
      // longer than the head deadline, shorter than the idle timeout: a keep-alive pause, not a slow head
      Thread.sleep(2_500);
      client.send(get("/api/v1/nothing"));
      assertEquals(404, client.read().status(), "after a pause longer than the head deadline");
    }
  }

  /**
   * A GET answered under /api/ leaves its keep-alive connection to the idle timeout, not the body deadline: the
   * API held every request's body until its key was known, a GET's end was then never read, and the guard closed the
   * connection at the body deadline as if its body were late (live streams cut every 30 s).
   */
  @Test
  void aKeepAliveConnectionAfterAnAnsweredGetOutlivesTheBodyDeadline() throws Exception {
    String investigator = svc.key("investigator", null);
    try (RawHttp client = new RawHttp(svc.port())) {
      client.send(RawHttp.request("GET", "/api/v1/anomalies?limit=1", investigator, null));
      assertEquals(200, client.read().status());
      Thread.sleep(3_500); // past the 2 s body deadline, within the 6 s idle timeout
      client.send(RawHttp.request("GET", "/api/v1/anomalies?limit=1", investigator, null));
      assertEquals(200, client.read().status(), "the same connection after a pause past the body deadline");
    }
  }

  @Test
  void anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() throws Exception {
    try (RawHttp client = new RawHttp(svc.port())) {
      client.send(get("/api/v1/nothing"));
      assertEquals(404, client.read().status());
      long since = System.nanoTime();
      assertTrue(client.closedWithin(20_000), "an idle keep-alive connection is closed");
      long seconds = (System.nanoTime() - since) / 1_000_000_000;
      assertTrue(seconds >= 4, "by the 6 s idle timeout, not the 1 s head deadline: closed after " + seconds + " s");
    }
  }

  @Test
  void aBodyThatDoesNotArriveInTimeIs408AndClosed() throws Exception {
    try (RawHttp client = new RawHttp(svc.port())) {
      client.send(RawHttp.request("POST", "/api/v1/scans", TestService.ADMIN_KEY,
          "Content-Type: application/json\r\nContent-Length: 1000\r\n") + "{\"code\": 1");
      RawHttp.Reply r = client.read();
      assertEquals(408, r.status(), r.body());
      assertTrue(r.header("Content-Type").startsWith("application/problem+json"), r.headers().toString());
      assertEquals(408, new JsonObject(r.body()).getInteger("status"));
      assertTrue(client.closedWithin(5_000), "closed after the 408");
    }
  }

  /**
   * An NHSA client reads infcode: the answers given outside the router (a connection beyond the cap, a body that does
   * not arrive in time) come in the NHSA envelope on its routes too, dot segments in the path included.
   */
  @Test
  void anNhsaMessageRefusedByTheConnectionGuardIsAnsweredInTheEnvelope() throws Exception {
    List<RawHttp> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < MAX + 5; i++) {
        RawHttp c = new RawHttp(svc.port());
        c.send(RawHttp.request("POST", i % 2 == 0 ? "/api/v1/nhsa/3505" : "/api/v1/./nhsa/3507",
            TestService.ADMIN_KEY, "Content-Type: application/json\r\nContent-Length: 1000\r\n") + "{\"infno\": 1");
        sockets.add(c);
      }
      Map<Integer, Integer> byStatus = new java.util.TreeMap<>();
      for (RawHttp c : sockets) {
        RawHttp.Reply r = c.read();
        byStatus.merge(r.status(), 1, Integer::sum);
        assertTrue(r.status() == 408 || r.status() == 503, r.status() + " " + r.body());
        assertTrue(r.header("Content-Type").startsWith("application/json"), r.headers().toString());
        JsonObject envelope = new JsonObject(r.body());
        assertEquals(-1, envelope.getInteger("infcode"), r.body());
        assertEquals("0", envelope.getJsonObject("output").getJsonObject("result").getString("retRslt"), r.body());
        assertTrue(envelope.getString("err_msg").contains(r.status() == 408 ? "did not arrive within 2 s"
            : "too many open connections"), r.body());
        assertTrue(envelope.getString("inf_refmsgid").endsWith(r.header("X-Request-Id")), r.body());
        assertTrue(c.closedWithin(5_000), "closed after the " + r.status());
      }
      assertTrue(byStatus.getOrDefault(408, 0) >= 1 && byStatus.getOrDefault(503, 0) >= 5, byStatus.toString());
    } finally {
      for (RawHttp c : sockets) {
        c.close();
      }
    }
  }

  @Test
  void anUploadWithoutAKeyIsRefusedBeforeItsBodyIsReadAndDrained() throws Exception {
    // path, content type, body size, the answer's content type (NHSA answers in its own envelope)
    for (String[] upload : new String[][] {{"/api/v1/decode", "image/png", "8388608", "application/problem+json"},
        {"/api/v1/scans/image", "multipart/form-data; boundary=XYZ", "8388608", "application/problem+json"},
        {"/api/v1/scans", "application/json", "1048576", "application/problem+json"},
        {"/api/v1/nhsa/3505", "application/json", "1048576", "application/json"}}) {
      int size = Integer.parseInt(upload[2]);
      try (RawHttp client = new RawHttp(svc.port())) {
        client.send(RawHttp.request("POST", upload[0], null,
            "Content-Type: " + upload[1] + "\r\nContent-Length: " + size + "\r\n"));
        byte[] chunk = new byte[64 * 1024];
        client.send(chunk);
        // the answer comes while all but 64 KiB of the body have not been sent: nothing waited for (or buffered) it
        RawHttp.Reply r = client.read();
        assertEquals(401, r.status(), upload[0] + ": " + r.body());
        assertTrue(r.header("Content-Type").startsWith(upload[3]), upload[0] + ": " + r.header("Content-Type"));
        // the rest is read and dropped, so the connection serves the next request
        for (int sent = chunk.length; sent < size; sent += chunk.length) {
          client.send(chunk);
        }
        client.send(get("/api/v1/nothing"));
        assertEquals(404, client.read().status(), upload[0] + ": the connection is usable after the drain");
      }
    }
  }

  @Test
  void theDeadlinesDoNotCutAnOrdinaryClient() {
    for (int i = 0; i < 5; i++) {
      assertEquals(401, svc.get("/api/v1/anomalies", null).status());
      assertFalse(svc.get("/api/v1/anomalies", TestService.ADMIN_KEY).body().isEmpty());
    }
  }
}
