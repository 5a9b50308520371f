package com.tracesentinel.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
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
    IllegalArgumentException huge = assertThrows(IllegalArgumentException.class,
        () -> Config.from(Map.of("TRACESENTINEL_PORT", "9223372036854775808")));
    assertTrue(huge.getMessage().startsWith("TRACESENTINEL_PORT=9223372036854775808 is outside"), huge.getMessage());
    // Another script's digits (Arabic-Indic, fullwidth) were read as the number they spell.
    for (String digits : new String[] {"\u0661\u0668\u0660\u0669\u0661", "\uff11\uff18\uff10\uff19\uff11"}) {
      IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
          () -> Config.from(Map.of("TRACESENTINEL_PORT", digits)));
      assertEquals("TRACESENTINEL_PORT=" + digits + " is not a whole number", other.getMessage());
    }
  }

  /** Blank is unset and spaces are dropped, as for every variable and as logback's own reading of it does. */
  @Test
  void theLogFormatIsReadLikeEveryOtherVariable() {
    Config.from(Map.of("TRACESENTINEL_LOG_FORMAT", ""));
    Config.from(Map.of("TRACESENTINEL_LOG_FORMAT", " json "));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Config.from(Map.of("TRACESENTINEL_LOG_FORMAT", "xml")));
    assertEquals("TRACESENTINEL_LOG_FORMAT=xml must be text or json", e.getMessage());
  }

  @Test
  void aClusterNodeNeedsAKnownPortNotAnyFreeOne() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Config.from(Map.of(
        "TRACESENTINEL_PORT", "0", "TRACESENTINEL_KAFKA_BOOTSTRAP", "127.0.0.1:9092",
        "TRACESENTINEL_CLUSTER_SECRET", "a-test-cluster-secret",
        "TRACESENTINEL_DB_URL", "postgresql://ts@127.0.0.1/ts")));
    assertTrue(e.getMessage().startsWith("TRACESENTINEL_PORT=0 (any free port) cannot be used in cluster mode"),
        e.getMessage());
    assertEquals(0, Config.from(Map.of("TRACESENTINEL_PORT", "0")).port()); // alone it is chosen at start
  }

  /** A node bound to an IPv6 address: its default name and URL were refused, or not a URL. */
  @Test
  void aNodeOnAnIpv6AddressGetsANameAndAUrlThatWork() {
    Config c = Config.from(Map.of("TRACESENTINEL_HOST", "::1", "TRACESENTINEL_PORT", "8181",
        "TRACESENTINEL_KAFKA_BOOTSTRAP", "127.0.0.1:9092", "TRACESENTINEL_CLUSTER_SECRET", "a-test-cluster-secret",
        "TRACESENTINEL_DB_URL", "postgresql://ts@127.0.0.1/ts"));
    assertEquals("..1-8181", c.cluster().nodeId());
    assertEquals("http://[::1]:8181", c.cluster().url());
    assertEquals("[fe80::1]", Config.urlHost("fe80::1"));
    assertEquals("127.0.0.1", Config.urlHost("127.0.0.1"));
    assertEquals("[::1]", Config.urlHost("[::1]"));
  }

  @Test
  void unknownKeysAreLimitedByDefaultAndZeroTurnsTheLimitOff() {
    assertEquals(60, Config.from(Map.of()).unknownKeysPerMinute());
    assertEquals(0, Config.from(Map.of("TRACESENTINEL_UNKNOWN_KEYS_PER_MINUTE", "0")).unknownKeysPerMinute());
  }

  @Test
  void theSocketTransportIsOneOfThreeNames() {
    assertEquals("io_uring", Config.from(Map.of()).http().transport());
    assertEquals("nio", Config.from(Map.of("TRACESENTINEL_HTTP_TRANSPORT", "NIO")).http().transport());
    IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
        () -> Config.from(Map.of("TRACESENTINEL_HTTP_TRANSPORT", "kqueue")));
    assertEquals("TRACESENTINEL_HTTP_TRANSPORT=kqueue is not one of io_uring, epoll, nio", other.getMessage());
  }

  @Test
  void aLogLevelLogbackDoesNotKnowStopsTheStartInsteadOfMeaningDebug() {
    // logback read "silent" as DEBUG: the access log an operator meant to silence went on logging every request
    IllegalArgumentException silent = assertThrows(IllegalArgumentException.class,
        () -> Config.from(Map.of("TRACESENTINEL_ACCESS_LOG", "silent")));
    assertEquals("TRACESENTINEL_ACCESS_LOG=silent is not one of trace, debug, info, warn, error, off",
        silent.getMessage());
    IllegalArgumentException warning = assertThrows(IllegalArgumentException.class,
        () -> Config.from(Map.of("TRACESENTINEL_LOG_LEVEL", "warning")));
    assertTrue(warning.getMessage().startsWith("TRACESENTINEL_LOG_LEVEL=warning is not one of"), warning.getMessage());
    Config.from(Map.of("TRACESENTINEL_LOG_LEVEL", "WARN", "TRACESENTINEL_ACCESS_LOG", "off"));
    Config.from(Map.of("TRACESENTINEL_LOG_LEVEL", "", "TRACESENTINEL_ACCESS_LOG", " "));
  }

  @Test
  void logbackReadsAnUnsetBlankOrUnknownLevelAsTheDocumentedDefault() {
    com.tracesentinel.logging.LogLevel level = new com.tracesentinel.logging.LogLevel();
    level.setEnv("TRACESENTINEL_NO_SUCH_VARIABLE_IN_TESTS");
    assertEquals("INFO", level.getPropertyValue());
    assertTrue(com.tracesentinel.logging.LogLevel.known(" Debug "));
    assertTrue(!com.tracesentinel.logging.LogLevel.known(""));
  }

  @Test
  void aClusterSecretAHeaderCannotCarryStopsTheStartWithoutRepeatingIt() {
    // Two nodes with this same secret both started, and each refused the other's forwards as another secret's.
    Map<String, String> env = new HashMap<>(Map.of("TRACESENTINEL_KAFKA_BOOTSTRAP", "127.0.0.1:9092",
        "TRACESENTINEL_DB_URL", "postgresql://ts@127.0.0.1/ts", "TRACESENTINEL_PORT", "8080"));
    env.put("TRACESENTINEL_CLUSTER_SECRET", "秘密の-cluster-secret-0123456789");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Config.from(env));
    assertTrue(e.getMessage().startsWith("TRACESENTINEL_CLUSTER_SECRET must be printable ASCII"), e.getMessage());
    assertTrue(!e.getMessage().contains("秘密"), "the secret was printed");
    env.put("TRACESENTINEL_CLUSTER_SECRET", " a test cluster secret ");
    assertEquals("a test cluster secret", Config.from(env).cluster().secret());
  }

  @Test
  void anAdminKeyNoRequestCouldPresentStopsTheStartWithoutRepeatingIt() {
    // 201 characters: every bearer token past 200 is refused unread, so the service started with no usable admin
    String tooLong = "k".repeat(201);
    IllegalArgumentException longKey = assertThrows(IllegalArgumentException.class,
        () -> Config.from(Map.of("TRACESENTINEL_ADMIN_KEY", tooLong)));
    assertTrue(longKey.getMessage().startsWith("TRACESENTINEL_ADMIN_KEY must be at most 200"), longKey.getMessage());
    assertTrue(!longKey.getMessage().contains(tooLong), "the secret was printed");
    IllegalArgumentException accent = assertThrows(IllegalArgumentException.class,
        () -> Config.from(Map.of("TRACESENTINEL_ADMIN_KEY", "clé-secrète-de-longueur-suffisante")));
    assertTrue(!accent.getMessage().contains("clé"), "the secret was printed");
    assertTrue(accent.getMessage().contains("printable ASCII"), accent.getMessage());
    assertEquals("change-me now, ok", Config.from(Map.of("TRACESENTINEL_ADMIN_KEY", " change-me now, ok ")).adminKey());
    assertEquals("k".repeat(200), Config.from(Map.of("TRACESENTINEL_ADMIN_KEY", "k".repeat(200))).adminKey());
  }

  @Test
  void aShortAdminKeyStopsTheStartWithoutRepeatingIt() {
    // Each address may try 60 unknown keys a minute, many addresses many times that: "change-me" falls to a word list.
    // 16 characters, as the cluster's and the webhook's secrets.
    IllegalArgumentException shortKey = assertThrows(IllegalArgumentException.class,
        () -> Config.from(Map.of("TRACESENTINEL_ADMIN_KEY", " change-me ")));
    assertEquals("TRACESENTINEL_ADMIN_KEY must be at least 16 characters, not 9: a shorter one is guessed, one "
        + "address after another", shortKey.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Config.from(Map.of("TRACESENTINEL_ADMIN_KEY", "k".repeat(15))));
    assertEquals("k".repeat(16), Config.from(Map.of("TRACESENTINEL_ADMIN_KEY", "k".repeat(16))).adminKey());
  }
}
