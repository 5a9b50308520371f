package com.tracesentinel.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigTest {

  @Test
  void httpThreadsDefaultToOnePerProcessorAtMostEight() {
    int expected = Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), 8));
    assertEquals(expected, Config.from(Map.of()).http().eventLoops());
  }

  @Test
  void httpThreadsCanBeSetBelowTheProcessors() {
    assertEquals(1, Config.from(Map.of("TRACESENTINEL_HTTP_THREADS", "1")).http().eventLoops());
    assertEquals(12, Config.from(Map.of("TRACESENTINEL_HTTP_THREADS", "12")).http().eventLoops());
  }

  @Test
  void aMalformedOrOutOfRangeValueStopsTheStartNamingTheVariable() {
    IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class,
        () -> Config.from(Map.of("TRACESENTINEL_HTTP_THREADS", "65")));
    assertTrue(tooMany.getMessage().startsWith("TRACESENTINEL_HTTP_THREADS=65 is outside"), tooMany.getMessage());
    IllegalArgumentException word = assertThrows(IllegalArgumentException.class,
        () -> Config.from(Map.of("TRACESENTINEL_HTTP_THREADS", "two")));
    assertEquals("TRACESENTINEL_HTTP_THREADS=two is not a whole number", word.getMessage());
  }

  @Test
  void theSocketTransportIsOneOfThreeNames() {
    assertEquals("io_uring", Config.from(Map.of()).http().transport());
    assertEquals("nio", Config.from(Map.of("TRACESENTINEL_HTTP_TRANSPORT", "NIO")).http().transport());
    IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
        () -> Config.from(Map.of("TRACESENTINEL_HTTP_TRANSPORT", "kqueue")));
    assertEquals("TRACESENTINEL_HTTP_TRANSPORT=kqueue is not one of io_uring, epoll, nio", other.getMessage());
  }
}
