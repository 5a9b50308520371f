package com.tracesentinel.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.support.TestService;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpRequest;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A CSV export holds a pooled connection, its transaction and an export place until its client has read it: one whose
 * client stopped reading is ended at {@code TRACESENTINEL_EXPORT_MAX_SECONDS}, and its place is free again while that
 * client is still connected (what was already queued for it still reaches it before the connection closes).
 */
@Tag("slow")
class ExportDeadlineTest {
  @Test
  void anExportReadTooSlowlyIsCutAtItsDeadline() throws Exception {
    try (TestService svc = TestService.start(Map.of("TRACESENTINEL_DB_POOL", "2",
        "TRACESENTINEL_EXPORT_MAX_SECONDS", "2"))) {
      String investigator = svc.key("investigator", null);
      ExportLimitTest.bulkAnomalies(svc, 10_000); // about 10 MB of CSV: more than the sockets' buffers hold
      try (Socket slow = new Socket();
           com.tracesentinel.support.LogCapture access =
               com.tracesentinel.support.LogCapture.of("tracesentinel.access")) {
        slow.setReceiveBufferSize(4096);
        slow.connect(new InetSocketAddress("127.0.0.1", svc.port()));
        slow.getOutputStream().write(("GET /api/v1/anomalies HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
            + investigator + "\r\nAccept: text/csv\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        assertTrue(ExportLimitTest.head(slow.getInputStream()).startsWith("HTTP/1.1 200"), "the export started");
        // The client reads nothing more. With a pool of 2 there is one export place: taken until the deadline.
        HttpRequest another = svc.request("/api/v1/anomalies?siteId=NOSUCHSITE", investigator)
            .header("Accept", "text/csv").GET().build();
        long start = System.nanoTime();
        TestService.Response next = svc.send(another);
        while (next.status() != 200 && System.nanoTime() - start < 20_000_000_000L) {
          Thread.sleep(200);
          next = svc.send(another);
        }
        assertEquals(200, next.status(), "the export place was freed while its slow client was still connected: "
            + next.body());
        assertTrue(System.nanoTime() - start >= 1_000_000_000L, "the place was held until about the deadline");
        // the cut export has its access log line too (its answer never ended), besides the one that got the place
        long deadline = System.currentTimeMillis() + 10_000;
        while (exports(access) < 2 && System.currentTimeMillis() < deadline) {
          Thread.sleep(50);
        }
        assertEquals(2, exports(access), access.lines().toString());
      }
    }
  }

  private static long exports(com.tracesentinel.support.LogCapture access) {
    return access.lines().stream().filter(l -> l.contains(" GET /api/v1/anomalies 200 ")).count();
  }
}
