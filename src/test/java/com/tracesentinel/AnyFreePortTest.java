package com.tracesentinel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.tracesentinel.support.TestService;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("slow")
class AnyFreePortTest {

  /**
   * TRACESENTINEL_PORT=0 was handed to each HTTP event-loop instance, and each bound a random port of its own (two
   * listening ports with two event loops) while the service announced http://host:0/.
   */
  @Test
  void portZeroIsOneFreePortChosenAtStartAndKnownToTheService() throws Exception {
    try (TestService svc = TestService.start(Map.of("TRACESENTINEL_PORT", "0", "TRACESENTINEL_HTTP_THREADS", "2"))) {
      int port = svc.app().services().config().port();
      assertNotEquals(0, port);
      for (int i = 0; i < 8; i++) {
        assertEquals(200, svc.get("/health/live", null).status());
      }
    }
  }
}
