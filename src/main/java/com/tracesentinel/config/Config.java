package com.tracesentinel.config;

import com.tracesentinel.code.AsciiCase;
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
    boolean ledgerVerify,
    int auditSeconds,
    int dbPoolSize,
    int dbTimeoutSeconds,
    long dbStallMillis,
    Duration livenessGrace,
    int maxGroupScans,
    int maxPendingScans,
    Duration oldestScan,
    int publicLookupsPerMinute,
    int unknownKeysPerMinute,
    boolean trustProxy,
    boolean opsOnLoopbackOnly,
    Duration decodeBudget,
    Duration exportMax,
    Http http,
    LadderSettings ladder,
    String reportPhone,
    Alerts alerts,
    com.tracesentinel.cluster.ClusterSettings cluster) {

  /**
   * Live alerts (the anomaly stream and the webhook).
   *
   * @param replayWindow  most anomalies a stream's reconnection replays; further behind, the client is told to re-sync
   * @param webhook       where ALERT-level anomalies are POSTed, or null
   * @param webhookSecret the HMAC-SHA256 key their signature is made with (required with a webhook)
   */
  public record Alerts(int replayWindow, java.net.URI webhook, String webhookSecret) {}

  /**
   * Connection limits of the HTTP server.
   *
   * @param maxConnections open connections beyond this are answered 503 and closed (0: derived from the process's
   *                       file limit)
   * @param idle           an idle keep-alive connection is closed after this
   * @param headers        a new connection must have sent its first request's headers within this
   * @param body           a request must have arrived whole within this
   * @param threads        event-loop threads serving HTTP (0: one per processor, at most 8)
   * @param transport      what Vert.x's sockets run on: epoll, io_uring (Linux) or nio (java.nio, anywhere)
   * @param photoMinRate   the least average rate of a public photo's body, in bytes a second (0: none)
   * @param photoRateGrace how long a public photo's body may take to get going before that rate is asked of it
   */
  public record Http(int maxConnections, Duration idle, Duration headers, Duration body, int threads,
                     String transport, long photoMinRate, Duration photoRateGrace) {

    /** The event loops to deploy: as many as asked, or one per processor the JVM may use (at most 8). */
    public int eventLoops() {
      return threads > 0 ? threads : Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), 8));
    }
  }

  public static Config fromEnvironment() {
    return from(System.getenv());
  }

  public static Config from(Map<String, String> env) {
    return from(new Env(env, new java.util.LinkedHashMap<>()));
  }

  /** Every whole-number variable read from this environment, with the range {@link #from} accepts (README states each). */
  static Map<String, long[]> wholeNumberRanges(Map<String, String> env) {
    Env e = new Env(env, new java.util.LinkedHashMap<>());
    from(e);
    return e.ranges();
  }

  private static Config from(Env e) {
    Map<String, String> env = e.env();
    // Read by logback.xml itself; checked here so that a typo stops the start instead of silencing every log line.
    // Blank is unset and spaces around are dropped, as for every variable and as logback's own reading (LogFormat)
    // does: " json" logged JSON while this check refused it, and an empty value stopped the start.
    String logFormat = e.string("TRACESENTINEL_LOG_FORMAT", null);
    if (logFormat != null && !logFormat.equals("text") && !logFormat.equals("json")) {
      throw new IllegalArgumentException("TRACESENTINEL_LOG_FORMAT=" + logFormat + " must be text or json");
    }
    // Also read by logback.xml, which would take a word it does not know for DEBUG (LogLevel).
    for (String level : java.util.List.of("TRACESENTINEL_LOG_LEVEL", "TRACESENTINEL_ACCESS_LOG")) {
      String v = e.string(level, null);
      if (v != null && !com.tracesentinel.logging.LogLevel.known(v)) {
        throw new IllegalArgumentException(level + "=" + v + " is not one of "
            + com.tracesentinel.logging.LogLevel.names());
      }
    }
    return new Config(
        e.integer("TRACESENTINEL_PORT", 8080, 0, 65535),
        e.string("TRACESENTINEL_HOST", "0.0.0.0"),
        Path.of(e.string("TRACESENTINEL_DATA_DIR", "./data")).toAbsolutePath().normalize(),
        e.string("TRACESENTINEL_DB_URL", null),
        adminKey(e),
        e.longValue("TRACESENTINEL_LEDGER_CAPACITY", 2_000_000L, 1_000L, 100_000_000_000L),
        e.bool("TRACESENTINEL_LEDGER_VERIFY", true),
        e.integer("TRACESENTINEL_AUDIT_SECONDS", 10, 0, 86_400),
        e.integer("TRACESENTINEL_DB_POOL", 8, 2, 256),
        e.integer("TRACESENTINEL_DB_TIMEOUT_SECONDS", 10, 1, 3600),
        e.longValue("TRACESENTINEL_DB_STALL_MS", 1_500, 100, 600_000),
        Duration.ofSeconds(e.longValue("TRACESENTINEL_LIVENESS_GRACE_SECONDS", 300, 1, 86_400)),
        e.integer("TRACESENTINEL_MAX_GROUP_SCANS", 10_000, 100, 1_000_000),
        e.integer("TRACESENTINEL_MAX_PENDING_SCANS", 50_000, 1_000, 10_000_000),
        // At most 10,000 days: every accepted time stays after 1970, which the ledger's time fields need.
        Duration.ofDays(e.longValue("TRACESENTINEL_SCAN_MAX_AGE_DAYS", 400, 1, 10_000)),
        e.integer("TRACESENTINEL_LOOKUPS_PER_MINUTE", 60, 1, 100_000_000),
        // Each key that is not a cached live one costs a database query: one client's guesses are bounded (0: not).
        e.integer("TRACESENTINEL_UNKNOWN_KEYS_PER_MINUTE", 60, 0, 100_000_000),
        // Only behind exactly one trusted reverse proxy: the public look-up's rate limit then keys on the address it
        // appends to X-Forwarded-For. Left false, that header is client-controlled and ignored.
        e.bool("TRACESENTINEL_TRUST_PROXY", false),
        e.bool("TRACESENTINEL_OPS_LOOPBACK_ONLY", true),
        Duration.ofMillis(e.longValue("TRACESENTINEL_DECODE_BUDGET_MS", 2_000, 100, 60_000)),
        Duration.ofSeconds(e.longValue("TRACESENTINEL_EXPORT_MAX_SECONDS", 900, 1, 86_400)),
        new Http(
            e.integer("TRACESENTINEL_HTTP_MAX_CONNECTIONS", 0, 0, 10_000_000),
            Duration.ofSeconds(e.longValue("TRACESENTINEL_HTTP_IDLE_SECONDS", 60, 1, 86_400)),
            Duration.ofSeconds(e.longValue("TRACESENTINEL_HTTP_HEADER_SECONDS", 10, 1, 3_600)),
            Duration.ofSeconds(e.longValue("TRACESENTINEL_HTTP_BODY_SECONDS", 30, 1, 3_600)),
            e.integer("TRACESENTINEL_HTTP_THREADS", 0, 0, 64),
            e.choice("TRACESENTINEL_HTTP_TRANSPORT", "io_uring", "io_uring", "epoll", "nio"),
            // 256 kbit/s, below a 3G phone's uplink; 0 behind a proxy that receives whole bodies before passing them on
            e.longValue("TRACESENTINEL_PHOTO_MIN_KIB_PER_SECOND", 32, 0, 1_048_576) * 1024,
            Duration.ofSeconds(e.longValue("TRACESENTINEL_PHOTO_RATE_GRACE_SECONDS", 3, 0, 3_600))),
        new LadderSettings(
            Duration.ofSeconds(e.longValue("TRACESENTINEL_DOUBLE_SCAN_SECONDS", 600, 0, 86_400)),
            Duration.ofSeconds(e.longValue("TRACESENTINEL_RETURN_WINDOW_SECONDS", 864_000, 0, 31_536_000)),
            Duration.ofSeconds(e.longValue("TRACESENTINEL_CLONE_WINDOW_SECONDS", 86_400, 0, 31_536_000)),
            e.integer("TRACESENTINEL_COUNTERFEIT_SITES", 3, 2, 3)),
        // The number the public look-up tells people to call to report a box: by default the national medical
        // insurance service hotline (医保服务热线); a region can give its own bureau's.
        e.phone("TRACESENTINEL_REPORT_PHONE", "12393"),
        alerts(e),
        cluster(e));
  }

  /** Cluster mode (README, "Running a cluster"): on only with TRACESENTINEL_KAFKA_BOOTSTRAP; null on a single node. */
  private static com.tracesentinel.cluster.ClusterSettings cluster(Env e) {
    String bootstrap = e.string("TRACESENTINEL_KAFKA_BOOTSTRAP", null);
    if (bootstrap == null) {
      return null;
    }
    if (e.string("TRACESENTINEL_DB_URL", null) == null) {
      throw new IllegalArgumentException("TRACESENTINEL_KAFKA_BOOTSTRAP needs TRACESENTINEL_DB_URL: the nodes of a "
          + "cluster share one PostgreSQL, never an embedded one each");
    }
    String name = e.string("TRACESENTINEL_CLUSTER_NAME", "tracesentinel");
    if (!name.matches("[A-Za-z0-9._-]{1,100}")) {
      throw new IllegalArgumentException("TRACESENTINEL_CLUSTER_NAME=" + name + " must be 1 to 100 letters, digits, "
          + "'.', '_' or '-' (Kafka names its group and topic after it)");
    }
    String secret = e.string("TRACESENTINEL_CLUSTER_SECRET", null);
    if (secret == null || secret.length() < 16) {
      throw new IllegalArgumentException("TRACESENTINEL_CLUSTER_SECRET must be set, at least 16 characters, in "
          + "cluster mode: nodes present it to each other when they forward scans");
    }
    // It travels in a header, which carries printable ASCII only: with another character every node refused every
    // other node's forwards, and their clients were told the secret differed between the nodes.
    if (!secret.chars().allMatch(c -> c >= 0x20 && c < 0x7F)) {
      throw new IllegalArgumentException("TRACESENTINEL_CLUSTER_SECRET must be printable ASCII characters only (a "
          + "header carries no other): nodes present it to each other when they forward scans");
    }
    int port = e.integer("TRACESENTINEL_PORT", 8080, 0, 65535);
    if (port == 0) {
      throw new IllegalArgumentException("TRACESENTINEL_PORT=0 (any free port) cannot be used in cluster mode: the "
          + "other nodes reach this node on its port, which must be known before it starts");
    }
    String bound = e.string("TRACESENTINEL_HOST", "0.0.0.0");
    String host = bound.equals("0.0.0.0") || bound.equals("::") ? hostName() : bound;
    // an IPv6 address's colons are not a node name's characters: the default was refused as if the user had given it
    String nodeId = e.string("TRACESENTINEL_NODE_ID", host.replace(':', '.').replaceAll("[^A-Za-z0-9._-]", "") + "-"
        + port);
    if (!nodeId.matches("[A-Za-z0-9._-]{1,60}")) {
      throw new IllegalArgumentException("TRACESENTINEL_NODE_ID=" + nodeId + " must be 1 to 60 letters, digits, '.', "
          + "'_' or '-'");
    }
    String url = e.string("TRACESENTINEL_NODE_URL", "http://" + urlHost(host) + ":" + port);
    if (!url.matches("https?://[^/?#\\s]+")) {
      throw new IllegalArgumentException("TRACESENTINEL_NODE_URL=" + url + " must be http(s)://host:port with no path: "
          + "where the other nodes reach this node");
    }
    return new com.tracesentinel.cluster.ClusterSettings(bootstrap, name, nodeId, url, secret,
        Duration.ofMillis(e.longValue("TRACESENTINEL_CLUSTER_SESSION_MS", 6_000, 1_000, 60_000)));
  }

  /** The host as a URL writes it: an IPv6 address in brackets (http://[::1]:8080/, not http://::1:8080/). */
  public static String urlHost(String host) {
    return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  private static String hostName() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException ex) {
      return "localhost";
    }
  }

  /**
   * A key a client can send: a bearer token longer than 200 characters is refused unread (ApiKeys), and a header
   * carries ASCII only (other characters arrive as their bytes read as Latin-1). A key outside these started a
   * service no request could administer. A short one could be guessed: each address may try
   * TRACESENTINEL_UNKNOWN_KEYS_PER_MINUTE unknown keys a minute (unlimited with 0), many addresses many times that, and
   * "change-me" is in every word list. The value is a secret, so the message does not repeat it.
   */
  private static String adminKey(Env e) {
    String key = e.string("TRACESENTINEL_ADMIN_KEY", null);
    if (key != null && key.length() < 16) {
      throw new IllegalArgumentException("TRACESENTINEL_ADMIN_KEY must be at least 16 characters, not " + key.length()
          + ": a shorter one is guessed, one address after another");
    }
    if (key != null && (key.length() > 200 || !key.chars().allMatch(c -> c >= 0x20 && c < 0x7F))) {
      throw new IllegalArgumentException("TRACESENTINEL_ADMIN_KEY must be at most 200 printable ASCII characters (an "
          + "Authorization header carries no other), not " + key.length() + " characters"
          + (key.chars().allMatch(c -> c >= 0x20 && c < 0x7F) ? "" : " with others among them"));
    }
    return key;
  }

  private static Alerts alerts(Env e) {
    String url = e.string("TRACESENTINEL_ALERT_WEBHOOK", null);
    String secret = e.string("TRACESENTINEL_ALERT_WEBHOOK_SECRET", null);
    java.net.URI webhook = null;
    if (url != null) {
      try {
        webhook = new java.net.URI(url);
      } catch (java.net.URISyntaxException ex) {
        throw new IllegalArgumentException("TRACESENTINEL_ALERT_WEBHOOK=" + url + " is not a URL");
      }
      String scheme = webhook.getScheme() == null ? "" : webhook.getScheme().toLowerCase(java.util.Locale.ROOT);
      if (!(scheme.equals("http") || scheme.equals("https")) || webhook.getHost() == null) {
        throw new IllegalArgumentException("TRACESENTINEL_ALERT_WEBHOOK=" + url + " must be an http:// or https:// URL"
            + " with a host");
      }
      if (secret == null || secret.length() < 16) {
        throw new IllegalArgumentException("TRACESENTINEL_ALERT_WEBHOOK_SECRET must be set, at least 16 characters, "
            + "when TRACESENTINEL_ALERT_WEBHOOK is: every delivery is signed with it");
      }
    }
    return new Alerts(e.integer("TRACESENTINEL_STREAM_REPLAY", 100_000, 1, 10_000_000), webhook, secret);
  }

  /** The same configuration on another HTTP port (TRACESENTINEL_PORT=0 resolved to the free port chosen). */
  public Config withPort(int newPort) {
    return new Config(newPort, host, dataDir, dbUrl, adminKey, ledgerCapacity, ledgerVerify, auditSeconds, dbPoolSize,
        dbTimeoutSeconds, dbStallMillis, livenessGrace, maxGroupScans, maxPendingScans, oldestScan,
        publicLookupsPerMinute, unknownKeysPerMinute, trustProxy, opsOnLoopbackOnly, decodeBudget, exportMax, http,
        ladder, reportPhone, alerts, cluster);
  }

  public Path ledgerDir() {
    return dataDir.resolve("ledger");
  }

  public Path embeddedDbDir() {
    return dataDir.resolve("pg");
  }

  /** Photo uploads while their request is answered; what a killed process left here is deleted at the next start. */
  public Path uploadsDir() {
    return dataDir.resolve("uploads");
  }

  /**
   * Vert.x's copies of the jar's web files (the console, the look-up page), deleted at the next start when a killed
   * process left them; in the system's temporary directory every kill -9 left one more for good.
   */
  public Path webCacheDir() {
    return dataDir.resolve("web-cache");
  }

  /** Reads typed values and fails start-up with the variable's name when one is malformed: no silent fallback. */
  private record Env(Map<String, String> env, Map<String, long[]> ranges) {
    String string(String name, String fallback) {
      String v = env.get(name);
      return v == null || v.isBlank() ? fallback : v.trim();
    }

    long longValue(String name, long fallback, long min, long max) {
      ranges.put(name, new long[] {min, max});
      String v = string(name, null);
      if (v == null) {
        return fallback;
      }
      // ASCII digits only: Long.parseLong reads any script's digits, so TRACESENTINEL_PORT=١٨٠٩١ was port 18091.
      if (!v.replace("_", "").matches("[+-]?[0-9]+")) {
        throw new IllegalArgumentException(name + "=" + v + " is not a whole number");
      }
      try {
        long parsed = Long.parseLong(v.replace("_", ""));
        if (parsed < min || parsed > max) {
          throw new IllegalArgumentException(name + "=" + v + " is outside " + min + ".." + max);
        }
        return parsed;
      } catch (NumberFormatException ex) {
        // digits past 2^63
        throw new IllegalArgumentException(name + "=" + v + " is outside " + min + ".." + max);
      }
    }

    /** Digits, spaces, + - ( ): a number a tel: link can carry, 3 to 30 characters. */
    String phone(String name, String fallback) {
      String v = string(name, fallback);
      if (!v.matches("[0-9+()\\- ]{3,30}")) {
        throw new IllegalArgumentException(name + "=" + v + " is not a phone number (digits, spaces, + - ( ); 3 to 30)");
      }
      return v;
    }

    String choice(String name, String fallback, String... allowed) {
      String v = string(name, fallback).toLowerCase(java.util.Locale.ROOT);
      if (!java.util.List.of(allowed).contains(v)) {
        throw new IllegalArgumentException(name + "=" + v + " is not one of " + String.join(", ", allowed));
      }
      return v;
    }

    int integer(String name, int fallback, int min, int max) {
      return (int) longValue(name, fallback, min, max);
    }

    boolean bool(String name, boolean fallback) {
      String v = string(name, null);
      if (v == null) {
        return fallback;
      }
      return switch (AsciiCase.lower(v)) {
        case "true", "1", "yes" -> true;
        case "false", "0", "no" -> false;
        default -> throw new IllegalArgumentException(name + "=" + v + " is not true or false");
      };
    }
  }
}
