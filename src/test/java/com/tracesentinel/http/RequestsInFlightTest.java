package com.tracesentinel.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.tracesentinel.support.TestService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's requests in flight ({@code tracesentinel_http_requests_in_flight}) on a service of its own: the
 * requests here end after their clients have gone, and their lines and counts must not land in another test's window.
 */
@Tag("slow")
class RequestsInFlightTest {
  private static TestService svc;

  @BeforeAll
  static void start() throws Exception {
    svc = TestService.start();
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
  }

  /**
   * Vert.x's own gauge kept a request in flight until it saw the request's end, which a head the decoder refused
   * (431) and an upload refused before its announced body (401 to {@code Expect: 100-continue}) never bring: any
   * client could raise the dashboard's requests in flight by one a request, for good. Each of those, and a client
   * that goes away before its answer (halfway through its body, or while its photo is decoded), is counted out.
   */
  @Test
  void aRefusedHeadOrUploadIsNotLeftInFlight() throws Exception {
    double before = requestsInFlight();
    for (int i = 0; i < 5; i++) {
      try (RawHttp client = new RawHttp(svc.port())) {
        client.send("GET /api/v1/anomalies HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n");
        assertEquals(431, client.read().status());
      }
      try (RawHttp client = new RawHttp(svc.port())) {
        client.send(RawHttp.request("POST", "/api/v1/scans", null, "Content-Type: application/json\r\n"
            + "Content-Length: 2000000\r\nExpect: 100-continue\r\n"));
        assertEquals(401, client.read().status());
      } // and the body is never sent
      try (RawHttp client = new RawHttp(svc.port())) {
        client.send(RawHttp.request("POST", "/api/v1/scans", TestService.ADMIN_KEY,
            "Content-Type: application/json\r\nContent-Length: 100\r\n") + "{\"code\":");
      } // the client goes away halfway through its body
      byte[] photo;
      try (java.io.InputStream in = RequestsInFlightTest.class.getResourceAsStream("/imaging/dm_gs1.png")) {
        photo = in.readAllBytes();
      }
      try (RawHttp client = new RawHttp(svc.port())) {
        client.send(RawHttp.request("POST", "/api/v1/verify/image", null, "Content-Type: image/png\r\n"
            + "Content-Length: " + photo.length + "\r\n"));
        client.send(photo);
      } // the client goes away while its photo is decoded: the answer has no connection to end on
    }
    // A request is counted out just after its answer is written or its connection closes: a scrape may come first
    double after = requestsInFlight();
    for (int i = 0; i < 50 && after != before; i++) {
      Thread.sleep(100);
      after = requestsInFlight();
    }
    assertEquals(before, after, "refused requests still counted in tracesentinel_http_requests_in_flight");
    assertFalse(svc.get("/metrics", null).body().contains("vertx_http_server_active_requests"),
        "Vert.x's gauge, which such requests raise for good, is exported");
  }

  private static double requestsInFlight() {
    String series = "tracesentinel_http_requests_in_flight{application=\"tracesentinel\"} ";
    for (String line : svc.get("/metrics", null).body().split("\n")) {
      if (line.startsWith(series)) {
        return Double.parseDouble(line.substring(series.length()));
      }
    }
    throw new AssertionError("no " + series + "in /metrics");
  }
}
