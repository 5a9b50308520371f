package com.tracesentinel.support;

import com.tracesentinel.config.Config;
import com.tracesentinel.Main;
import com.tracesentinel.TraceSentinel;
import com.tracesentinel.history.DatabaseUrl;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The real service on a free port, its own data directory and its own database, driven over real HTTP. Tests
 * read like a client's session: {@code svc.post("/api/v1/scans", key, json)}.
 */
public final class TestService implements AutoCloseable {
  public static final String ADMIN_KEY = "test-admin-key-0001";

  static {
    Main.disableTelemetry();
  }

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Path dataDir;
  private final DatabaseUrl db;
  private final Map<String, String> extraEnv;
  private TraceSentinel app;
  private int port;

  private TestService(Path dataDir, DatabaseUrl db, Map<String, String> extraEnv) {
    this.dataDir = dataDir;
    this.db = db;
    this.extraEnv = extraEnv;
  }

  public static TestService start() throws Exception {
    return start(Map.of());
  }

  public static TestService start(Map<String, String> env) throws Exception {
    return start(TestDatabase.fresh(), env);
  }

  /** On a given database (e.g. one reached through a proxy). */
  public static TestService start(DatabaseUrl db, Map<String, String> env) throws Exception {
    TestService s = new TestService(Scratch.dir("tracesentinel-test"), db, env);
    s.boot();
    return s;
  }

  private void boot() throws Exception {
    Map<String, String> env = new HashMap<>(extraEnv);
    env.putIfAbsent("TRACESENTINEL_PORT", Integer.toString(freePort()));
    env.put("TRACESENTINEL_HOST", "127.0.0.1");
    env.put("TRACESENTINEL_DATA_DIR", dataDir.toString());
    env.put("TRACESENTINEL_DB_URL", dbUrl());
    env.putIfAbsent("TRACESENTINEL_ADMIN_KEY", ADMIN_KEY);
    env.putIfAbsent("TRACESENTINEL_LEDGER_CAPACITY", "100000");
    app = TraceSentinel.start(Config.from(env));
    port = app.services().config().port();
  }

  /** Stops cleanly and starts again on the same data directory and database. */
  public void restart() throws Exception {
    app.close();
    boot();
  }

  /** The database as TRACESENTINEL_DB_URL names it. */
  public String dbUrl() {
    return "postgresql://" + db.user() + ":" + db.password() + "@" + db.host() + ":" + db.port() + "/"
        + db.database();
  }

  /** The environment this service runs with (for the command-line sub-commands on its data). */
  public Map<String, String> env() {
    Map<String, String> env = new HashMap<>(extraEnv);
    env.put("TRACESENTINEL_DATA_DIR", dataDir.toString());
    env.put("TRACESENTINEL_DB_URL", dbUrl());
    env.putIfAbsent("TRACESENTINEL_LEDGER_CAPACITY", "100000");
    return env;
  }

  /**
   * Stops the service and runs verify-ledger on its data: the ledger must equal a rebuild from the history. Returns
   * what verify-ledger printed; fails the test when they differ.
   */
  public String assertLedgerEqualsHistory() throws Exception {
    app.close();
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    boolean clean = TraceSentinel.verifyLedger(Config.from(env()), new java.io.PrintStream(out, true));
    if (!clean) {
      throw new AssertionError("the ledger differs from the history:\n" + out);
    }
    return out.toString();
  }

  /** Waits (at most 30 s) until the ring index has folded in every committed anomaly. */
  public void awaitRingIndex() throws InterruptedException {
    awaitRingIndex(30);
  }

  public void awaitRingIndex(int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    while (TestDatabase.count(db, "SELECT (SELECT last_id FROM feed_positions WHERE name = 'rings') - "
        + "(SELECT coalesce(max(id), 0) FROM anomalies)") < 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the ring index did not catch up within " + seconds + " s");
      }
      Thread.sleep(50);
    }
  }

  public TraceSentinel app() {
    return app;
  }

  public DatabaseUrl db() {
    return db;
  }

  public Path dataDir() {
    return dataDir;
  }

  public int port() {
    return port;
  }

  public Response get(String path, String key) {
    return send(request(path, key).GET().build());
  }

  public Response post(String path, String key, Object json) {
    return send(request(path, key).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json.toString())).build());
  }

  public Response put(String path, String key, String contentType, String body) {
    return send(request(path, key).header("Content-Type", contentType)
        .PUT(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  public Response delete(String path, String key) {
    return send(request(path, key).DELETE().build());
  }

  public Response send(HttpRequest request) {
    try {
      HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.body(), r.headers().firstValue("Content-Type").orElse(""),
          r.headers().firstValue("Retry-After").orElse(null));
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  public HttpRequest.Builder request(String path, String key) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(60));
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    return b;
  }

  /** Registers sites (id, region code) through the API, as an admin would. */
  public void sites(String... idAndRegion) {
    JsonArray rows = new JsonArray();
    for (int i = 0; i < idAndRegion.length; i += 2) {
      rows.add(new JsonObject().put("siteId", idAndRegion[i]).put("name", "Pharmacy " + idAndRegion[i])
          .put("kind", "PHARMACY").put("regionCode", idAndRegion[i + 1]).put("regionName", "Region " + idAndRegion[i + 1]));
    }
    Response r = put("/api/v1/sites", ADMIN_KEY, "application/json", rows.encode());
    if (r.status() != 200) {
      throw new IllegalStateException("sites: " + r);
    }
  }

  /** A new key of that role (scanner keys bound to siteId). */
  public String key(String role, String siteId) {
    JsonObject body = new JsonObject().put("role", role);
    if (siteId != null) {
      body.put("siteId", siteId);
    }
    Response r = post("/api/v1/keys", ADMIN_KEY, body);
    if (r.status() != 201) {
      throw new IllegalStateException("key: " + r);
    }
    return r.json().getString("key");
  }

  @Override
  public void close() throws Exception {
    if (app != null) {
      app.close();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  public record Response(int status, String body, String contentType, String retryAfter) {
    public JsonObject json() {
      return new JsonObject(body);
    }

    public JsonObject result(int i) {
      return json().getJsonArray("results").getJsonObject(i);
    }
  }
}
