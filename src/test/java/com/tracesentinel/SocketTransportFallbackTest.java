package com.tracesentinel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.support.ServiceProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A machine that cannot load Netty's native transports (another OS or CPU, a container whose seccomp profile forbids
 * io_uring) still gets a working service, on java.nio. Netty's own switch turns both native transports off in a real
 * second JVM: the switch is read once per JVM, so it cannot be flipped inside this one.
 */
@Tag("slow")
class SocketTransportFallbackTest {

  @Test
  void withoutNativeTransportsTheServiceFallsBackToJavaNioAndServes() throws Exception {
    try (ServiceProcess svc = ServiceProcess.start(Map.of("JAVA_TOOL_OPTIONS", "-Dio.netty.transport.noNative=true"))) {
      assertEquals(200, svc.put("/api/v1/sites", "[{\"siteId\":\"PN\",\"name\":\"N\",\"kind\":\"PHARMACY\","
          + "\"regionCode\":\"440301\",\"regionName\":\"N\"}]").status());
      JsonObject scan = new JsonObject().put("code", "88000000000000000001").put("siteId", "PN")
          .put("documentNo", "NIO1").put("lineNo", 1).put("scannedAt", "2026-01-05T10:00:00Z");
      assertEquals(200, svc.post("/api/v1/scans", new JsonObject().put("scans", new JsonArray().add(scan))).status());
      String log = svc.log();
      assertTrue(log.contains("Sockets: io_uring is unavailable here"), log);
      assertTrue(log.contains("Sockets: epoll is unavailable here"), log);
      assertTrue(log.contains("Sockets on nio"), log);
    }
  }
}
