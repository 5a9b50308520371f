package com.tracesentinel;

import com.tracesentinel.rules.LadderSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Everything the service reads from its environment, with the defaults the README documents. Nothing else is
 * configurable and nothing is read from anywhere else.
 */
public record Config(
    int port,
    String host,
    Path dataDir,
    String dbUrl,
    String adminKey,
    long ledgerCapacity,
    int shards,
    int dbPoolSize,
    int maxGroupScans,
    int publicLookupsPerMinute,
    boolean trustProxy,
    boolean opsOnLoopbackOnly,
    Duration decodeBudget,
    LadderSettings ladder) {

  public static Config fromEnvironment() {
    return from(System.getenv());
  }

  public static Config from(Map<String, String> env) {
    Env e = new Env(env);
    // Read by logback.xml itself; checked here so that a typo stops the start instead of silencing every log line.
    String logFormat = env.get("TRACESENTINEL_LOG_FORMAT");
    if (logFormat != null && !logFormat.equals("text") && !logFormat.equals("json")) {
      throw new IllegalArgumentException("TRACESENTINEL_LOG_FORMAT=" + logFormat + " must be text or json");
    }
    return new Config(
        e.integer("TRACESENTINEL_PORT", 8080, 0, 65535),
        e.string("TRACESENTINEL_HOST", "0.0.0.0"),
        Path.of(e.string("TRACESENTINEL_DATA_DIR", "./data")).toAbsolutePath().normalize(),
        e.string("TRACESENTINEL_DB_URL", null),
        e.string("TRACESENTINEL_ADMIN_KEY", null),
        e.longValue("TRACESENTINEL_LEDGER_CAPACITY", 2_000_000L, 1_000L, 100_000_000_000L),
        e.integer("TRACESENTINEL_SHARDS", 2, 1, 64),
        e.integer("TRACESENTINEL_DB_POOL", 8, 2, 256),
        e.integer("TRACESENTINEL_MAX_GROUP_SCANS", 10_000, 100, 1_000_000),
        e.integer("TRACESENTINEL_LOOKUPS_PER_MINUTE", 60, 1, 1_000_000),
        // Only behind exactly one trusted reverse proxy: the public look-up's rate limit then keys on the address it
        // appends to X-Forwarded-For. Left false, that header is client-controlled and ignored.
        e.bool("TRACESENTINEL_TRUST_PROXY", false),
        e.bool("TRACESENTINEL_OPS_LOOPBACK_ONLY", true),
        Duration.ofMillis(e.longValue("TRACESENTINEL_DECODE_BUDGET_MS", 2_000, 100, 60_000)),
        new LadderSettings(
            Duration.ofSeconds(e.longValue("TRACESENTINEL_DOUBLE_SCAN_SECONDS", 600, 0, 86_400)),
            Duration.ofSeconds(e.longValue("TRACESENTINEL_RETURN_WINDOW_SECONDS", 864_000, 0, 31_536_000)),
            Duration.ofSeconds(e.longValue("TRACESENTINEL_CLONE_WINDOW_SECONDS", 86_400, 0, 31_536_000)),
            e.integer("TRACESENTINEL_COUNTERFEIT_SITES", 3, 2, 3)));
  }

  public Path ledgerDir() {
    return dataDir.resolve("ledger");
  }

  public Path embeddedDbDir() {
    return dataDir.resolve("pg");
  }

  /** Reads typed values and fails start-up with the variable's name when one is malformed: no silent fallback. */
  private record Env(Map<String, String> env) {
    String string(String name, String fallback) {
      String v = env.get(name);
      return v == null || v.isBlank() ? fallback : v.trim();
    }

    long longValue(String name, long fallback, long min, long max) {
      String v = string(name, null);
      if (v == null) {
        return fallback;
      }
      try {
        long parsed = Long.parseLong(v.replace("_", ""));
        if (parsed < min || parsed > max) {
          throw new IllegalArgumentException(name + "=" + v + " is outside " + min + ".." + max);
        }
        return parsed;
      } catch (NumberFormatException ex) {
        throw new IllegalArgumentException(name + "=" + v + " is not a whole number");
      }
    }

    int integer(String name, int fallback, int min, int max) {
      return (int) longValue(name, fallback, min, max);
    }

    boolean bool(String name, boolean fallback) {
      String v = string(name, null);
      if (v == null) {
        return fallback;
      }
      return switch (v.toLowerCase()) {
        case "true", "1", "yes" -> true;
        case "false", "0", "no" -> false;
        default -> throw new IllegalArgumentException(name + "=" + v + " is not true or false");
      };
    }
  }
}
