package com.tracesentinel.support;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The service as a real, separate process (java -cp … Main), on its own data directory and its own embedded
 * PostgreSQL: what the fault tests kill -9, stop, and start again. Output goes to {@code <dataDir>/service.log}.
 */
public final class ServiceProcess implements AutoCloseable {
  public static final String ADMIN_KEY = "process-admin-key";

  private final Path dataDir;
  private final int port;
  private final Map<String, String> env;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private Process process;

  private ServiceProcess(Path dataDir, int port, Map<String, String> env) {
    this.dataDir = dataDir;
    this.port = port;
    this.env = env;
  }

  /** Starts {@code serve} on a new data directory and waits until it is ready. */
  public static ServiceProcess start(Map<String, String> extraEnv) throws Exception {
    ServiceProcess p = unlaunched(extraEnv);
    p.launch();
    return p;
  }

  /** A service on a new data directory, for a test that watches its first start ({@link #launchUnready}). */
  public static ServiceProcess unlaunched(Map<String, String> extraEnv) throws IOException {
    return new ServiceProcess(Scratch.dir("tracesentinel-process"), freePort(), extraEnv);
  }

  public void launch() throws Exception {
    launchUnready();
    awaitReady(Duration.ofSeconds(120));
  }

  /** Starts {@code serve} again on this data directory, not waiting for it. */
  public void launchUnready() throws IOException {
    launchUnready(Map.of());
  }

  /** {@link #launchUnready()} with these settings over the service's own, for this start only. */
  public void launchUnready(Map<String, String> startEnv) throws IOException {
    process = run(startEnv, "serve");
  }

  /**
   * The command line that runs the service's main class with these arguments in a new JVM, as {@code java -jar}
   * would: this JVM's Chronicle flags, the test class path, and the service's own logging (stdout), not the tests'
   * logback-test.xml on that class path.
   */
  public static List<String> mainCommand(String... args) {
    List<String> flags = new ArrayList<>();
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-") || a.startsWith("-Dchronicle.") || a.startsWith("-Xmx")) {
        flags.add(a);
      }
    }
    flags.add("-Dlogback.configurationFile=logback.xml");
    return ChildJvm.command(flags, "com.tracesentinel.Main", List.of(args));
  }

  /** Starts a {@link #mainCommand}. */
  public static Process startMain(ProcessBuilder builder) throws IOException {
    return ChildJvm.start("service", builder);
  }

  /** Runs a sub-command of the jar on this data directory (output appended to the log); the process is returned. */
  public Process run(String... args) throws IOException {
    return run(Map.of(), args);
  }

  private Process run(Map<String, String> startEnv, String... args) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(mainCommand(args)).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("service.log").toFile()));
    Map<String, String> e = pb.environment();
    e.put("TRACESENTINEL_DATA_DIR", dataDir.toString());
    e.put("TRACESENTINEL_PORT", Integer.toString(port));
    e.put("TRACESENTINEL_HOST", "127.0.0.1");
    e.put("TRACESENTINEL_ADMIN_KEY", ADMIN_KEY);
    e.put("TRACESENTINEL_LEDGER_CAPACITY", "200000");
    e.putAll(env);
    e.putAll(startEnv);
    return startMain(pb);
  }

  /** Runs a sub-command to its end: its exit code and what it printed. */
  public Result runToEnd(String... args) throws Exception {
    int before = log().length();
    Process p = run(args);
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(String.join(" ", args) + " did not end within 180 s");
    }
    return new Result(p.exitValue(), log().substring(before));
  }

  public record Result(int exit, String log) {}

  public void awaitReady(Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the service exited with " + process.exitValue() + ":\n" + log());
      }
      try {
        if (get("/health/ready").status() == 200) {
          return;
        }
      } catch (IllegalStateException notYet) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("not ready within " + within + ":\n" + log());
  }

  public String log() throws IOException {
    Path log = dataDir.resolve("service.log");
    return Files.exists(log) ? Files.readString(log) : "";
  }

  /** kill -9: no shutdown hook runs; the embedded PostgreSQL is left behind as an orphan. */
  public void kill9() throws Exception {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM, the way an orchestrator stops it; waits for the clean stop. */
  public void stop() throws Exception {
    process.destroy();
    if (!process.waitFor(90, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }

  /** The service's process as last launched (its exit code, once it ended). */
  public Process process() {
    return process;
  }

  public boolean alive() {
    return process.isAlive();
  }

  public int port() {
    return port;
  }

  public Path dataDir() {
    return dataDir;
  }

  /** The embedded PostgreSQL's postmaster pid, from its pid file. */
  public long postgresPid() throws IOException {
    return Long.parseLong(Files.readAllLines(dataDir.resolve("pg").resolve("postmaster.pid")).get(0).trim());
  }

  /** The first column of the first row of {@code sql}, on the embedded PostgreSQL while it runs. */
  public long count(String sql) throws Exception {
    java.util.Properties p = new java.util.Properties();
    p.setProperty("user", "postgres");
    p.setProperty("password", Files.readString(dataDir.resolve("pg.password")).trim());
    String pgPort = Files.readAllLines(dataDir.resolve("pg").resolve("postmaster.pid")).get(3).trim();
    try (var c = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres", p);
         var st = c.createStatement(); var rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Every process of the embedded PostgreSQL: the postmaster and its children. */
  public List<Long> postgresProcesses() throws IOException {
    return postgresProcesses(dataDir.resolve("pg"));
  }

  /** Every process of the PostgreSQL running on {@code pgDir}: the postmaster and its children. */
  public static List<Long> postgresProcesses(Path pgDir) throws IOException {
    long postmaster = Long.parseLong(Files.readAllLines(pgDir.resolve("postmaster.pid")).get(0).trim());
    List<Long> pids = new ArrayList<>();
    pids.add(postmaster);
    ProcessHandle.of(postmaster).ifPresent(p -> p.descendants().forEach(c -> pids.add(c.pid())));
    return pids;
  }

  /** Runs this with every process of the embedded PostgreSQL frozen (SIGSTOP), thawed whatever happens. */
  public void whileFrozen(Step step) throws Exception {
    whileFrozen(postgresProcesses(), step);
  }

  /** Runs this with these processes frozen (SIGSTOP), thawed whatever happens. */
  public static void whileFrozen(List<Long> pg, Step step) throws Exception {
    for (long pid : pg) {
      signal(pid, "STOP");
    }
    try {
      step.run();
    } finally {
      for (long pid : pg) {
        signal(pid, "CONT");
      }
    }
  }

  /** What {@link #whileFrozen} runs. */
  public interface Step {
    void run() throws Exception;
  }

  public static void signal(long pid, String signal) throws Exception {
    new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
  }

  public TestService.Response get(String path) {
    return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30)).GET().build());
  }

  /** A GET with the admin key: the investigators' routes. */
  public TestService.Response adminGet(String path) {
    return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + ADMIN_KEY).GET().build());
  }

  public TestService.Response post(String path, JsonObject body) {
    return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + ADMIN_KEY)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.encode())).build());
  }

  public TestService.Response put(String path, String json) {
    return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + ADMIN_KEY)
        .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(json)).build());
  }

  private TestService.Response send(HttpRequest request) {
    try {
      HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
      return new TestService.Response(r.statusCode(), r.body(), r.headers().firstValue("Content-Type").orElse(""),
          r.headers().firstValue("Retry-After").orElse(null));
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() throws Exception {
    if (process != null && process.isAlive()) {
      stop();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

}
