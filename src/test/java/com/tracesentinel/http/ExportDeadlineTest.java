package com.tracesentinel.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A CSV export holds a pooled connection, its transaction and an export place until its client has read it: one that
 * reads a trickle at a time is cut at {@code TRACESENTINEL_EXPORT_MAX_SECONDS}, and its place is free again.
 */
@Tag("slow")
class ExportDeadlineTest {
  @Test
  void anExportReadTooSlowlyIsCutAtItsDeadline() throws Exception {
    try (TestService svc = TestService.start(Map.of("TRACESENTINEL_DB_POOL", "2",
        "TRACESENTINEL_EXPORT_MAX_SECONDS", "2"))) {
      String investigator = svc.key("investigator", null);
      // about 40 MB of CSV: far more than the sockets' buffers hold
      TestDatabase.execute(svc.db(), """
          INSERT INTO anomalies (scan_id, scanned_at, type, suspicion, level, code_key, canonical, product, site_id,
                                 region, detail)
          SELECT g, now() - g * interval '1 second', 'EXPIRED', 'QUALITY', 'ALERT', '\\x00'::bytea, 'BULK' || g,
                 'BULKPRODUCT', 'ZZBULK', '650102', repeat('x', 1000)
          FROM generate_series(1, 40000) g
          """);
      try (Socket slow = new Socket()) {
        slow.setReceiveBufferSize(4096);
        slow.connect(new InetSocketAddress("127.0.0.1", svc.port()));
        slow.getOutputStream().write(("GET /api/v1/anomalies HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
            + investigator + "\r\nAccept: text/csv\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        // about 80 KB/s at most: the whole export would take eight minutes
        long read = ExportLimitTest.readUntilCut(slow, 200, 30);
        assertTrue(read >= 0, "the export was not cut");
        assertTrue(read < 30_000_000, read + " bytes: the export was cut, not finished");
      }
      TestService.Response next = svc.send(svc.request("/api/v1/anomalies?siteId=NOSUCHSITE", investigator)
          .header("Accept", "text/csv").GET().build());
      assertEquals(200, next.status(), "its export place is free again: " + next.body());
    }
  }
}
