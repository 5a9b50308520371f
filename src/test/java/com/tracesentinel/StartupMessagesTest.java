package com.tracesentinel;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.support.ServiceProcess;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * What a new user sees when a start goes wrong, from a real process: one clear line naming the variable to change,
 * printed before anything slow (the database) has started; and every sub-command answers --help.
 */
@Tag("slow")
class StartupMessagesTest {

  @Test
  void everySubCommandAnswersHelp() {
    for (String sub : List.of("serve", "demo", "rebuild-ledger", "verify-ledger", "import")) {
      StringWriter out = new StringWriter();
      int exit = new CommandLine(new Main()).setOut(new PrintWriter(out)).execute(sub, "--help");
      assertEquals(0, exit, sub);
      assertTrue(out.toString().contains("Usage: tracesentinel " + sub), out.toString());
      assertTrue(out.toString().contains("--help"), out.toString());
    }
    // `help` as a word, as git and docker take it: it was "Unmatched argument at index 0: 'help'", exit 2.
    StringWriter out = new StringWriter();
    assertEquals(0, new CommandLine(new Main()).setOut(new PrintWriter(out)).execute("help", "import"));
    assertTrue(out.toString().contains("Usage: tracesentinel import"), out.toString());
    StringWriter all = new StringWriter();
    assertEquals(0, new CommandLine(new Main()).setOut(new PrintWriter(all)).execute("help"));
    assertTrue(all.toString().contains("rebuild-ledger"), all.toString());
  }

  @Test
  void aPortInUseIsNamedWithItsVariableBeforeTheDatabaseStarts() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Path dataDir = com.tracesentinel.support.Scratch.dir("tracesentinel-port");
      long started = System.nanoTime();
      Run run = main(Map.of("TRACESENTINEL_PORT", Integer.toString(taken.getLocalPort()),
          "TRACESENTINEL_HOST", "127.0.0.1", "TRACESENTINEL_DATA_DIR", dataDir.toString()), "serve");
      assertEquals(1, run.exit(), run.output());
      assertEquals(1, run.lines().size(), run.output());
      assertTrue(run.output().contains("port " + taken.getLocalPort()), run.output());
      assertTrue(run.output().contains("TRACESENTINEL_PORT"), run.output());
      assertFalse(Files.exists(dataDir.resolve("pg")), "the embedded database was created before the port check");
      assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started) < 30);
    }
  }

  @Test
  void anUnknownLogFormatIsOneLineNotLogbackInternals() throws Exception {
    Run run = main(Map.of("TRACESENTINEL_LOG_FORMAT", "xml"), "serve");
    assertEquals(1, run.exit(), run.output());
    assertEquals(List.of("tracesentinel: TRACESENTINEL_LOG_FORMAT=xml must be text or json"), run.lines());
  }

  @Test
  void verifyLedgerThatCannotCompareExits2NotTheExitThatSaysTheyDiffer() throws Exception {
    Path dataDir = com.tracesentinel.support.Scratch.dir("tracesentinel-verify-in-use");
    try (var channel = java.nio.channels.FileChannel.open(dataDir.resolve("tracesentinel.lock"),
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
         var held = channel.lock()) {
      Run run = main(Map.of("TRACESENTINEL_DATA_DIR", dataDir.toString()), "verify-ledger");
      assertEquals(2, run.exit(), run.output());
      assertTrue(run.output().contains("is in use by another TraceSentinel"), run.output());
    }
    Run badConfig = main(Map.of("TRACESENTINEL_LOG_FORMAT", "xml"), "verify-ledger");
    assertEquals(2, badConfig.exit(), badConfig.output());
  }

  @Test
  void verifyLedgerWithoutALedgerFileSaysSoAndCreatesNothing() throws Exception {
    Path dataDir = com.tracesentinel.support.Scratch.dir("tracesentinel-verify-no-ledger");
    Files.createDirectories(dataDir.resolve("ledger"));
    Run run = main(Map.of("TRACESENTINEL_DATA_DIR", dataDir.toString()), "verify-ledger");
    assertEquals(1, run.exit(), run.output());
    assertTrue(run.output().contains("There is no ledger file in"), run.output());
    try (var files = Files.list(dataDir.resolve("ledger"))) {
      assertEquals(List.of(), files.toList(), "was: an empty codes.cm3 and a codes.rebuilding marker");
    }
  }

  /**
   * An upgrade that changes the ledger's layout (V14's) leaves an older-layout ledger until the next start: checking
   * it set the file aside (deleting an older file kept aside), then left an empty codes.cm3 and a rebuild marker.
   */
  @Test
  void verifyLedgerOfAnOlderLayoutOrLeftMidRebuildSaysSoAndChangesNothing() throws Exception {
    Path dataDir = withLedger("tracesentinel-verify-unusable");
    Path ledgerDir = dataDir.resolve("ledger");
    String format = Files.readString(ledgerDir.resolve("codes.format"));
    Files.writeString(ledgerDir.resolve("codes.format"), "tracesentinel-ledger 4: an older layout\n");
    Files.writeString(ledgerDir.resolve("codes.cm3.old-format-1000"), "set aside at an earlier start");
    Files.writeString(ledgerDir.resolve("codes.cm3.old-format-2000"), "set aside at a later start");
    Map<String, String> env = Map.of("TRACESENTINEL_DATA_DIR", dataDir.toString());
    Map<String, String> before = contents(ledgerDir);
    Run older = main(env, "verify-ledger");
    assertEquals(1, older.exit(), older.output());
    assertTrue(older.output().contains("cannot be verified: the ledger file has an older layout; nothing was changed"),
        older.output());
    assertEquals(before, contents(ledgerDir));
    assertFalse(Files.exists(dataDir.resolve("pg")), "the database was started for nothing: " + older.output());

    Files.writeString(ledgerDir.resolve("codes.format"), format);
    Files.writeString(ledgerDir.resolve("codes.rebuilding"), "created by a rebuild that was killed\n");
    before = contents(ledgerDir);
    Run midRebuild = main(env, "verify-ledger");
    assertEquals(1, midRebuild.exit(), midRebuild.output());
    assertTrue(midRebuild.output().contains("cannot be verified: a rebuild from the history did not finish"),
        midRebuild.output());
    assertEquals(before, contents(ledgerDir), "was: codes.cm3 deleted, an empty one created");

    Path noDataDir = dataDir.resolve("never-created");
    Run missing = main(Map.of("TRACESENTINEL_DATA_DIR", noDataDir.toString()), "verify-ledger");
    assertEquals(1, missing.exit(), missing.output());
    assertTrue(missing.output().contains("There is no ledger file in"), missing.output());
    assertFalse(Files.exists(noDataDir), "was: the data directory and its lock file created");
  }

  /**
   * A ledger without its database (TRACESENTINEL_DB_URL forgotten, or only the ledger directory restored): the check
   * created an embedded PostgreSQL, found no history in it and read every ledger code as "without history", exit 1.
   */
  @Test
  void verifyLedgerWithoutItsDatabaseCreatesNoneAndCannotCompare() throws Exception {
    Path dataDir = withLedger("tracesentinel-verify-no-db");
    Run run = main(Map.of("TRACESENTINEL_DATA_DIR", dataDir.toString()), "verify-ledger");
    assertEquals(2, run.exit(), run.output());
    assertTrue(run.output().contains("there is no database to compare the ledger with: TRACESENTINEL_DB_URL is "
        + "unset"), run.output());
    assertFalse(Files.exists(dataDir.resolve("pg")), "an embedded database was created: " + run.output());
  }

  /**
   * A check run with a newer build on a database an older one wrote: it applied the newer migrations (logged "1
   * migrations applied now"), upgrading the database before anyone had decided to. Refused; the same check on the
   * current schema runs.
   */
  @Test
  void verifyLedgerDoesNotUpgradeTheDatabase() throws Exception {
    com.tracesentinel.history.DatabaseUrl db = com.tracesentinel.support.TestDatabase.fresh();
    org.flywaydb.core.Flyway flyway = org.flywaydb.core.Flyway.configure()
        .dataSource(db.jdbcUrl(), db.user(), db.password()).locations("classpath:db/migration").target("14").load();
    flyway.migrate();
    Map<String, String> env = Map.of("TRACESENTINEL_DATA_DIR", withLedger("tracesentinel-verify-old-db").toString(),
        "TRACESENTINEL_DB_URL", "postgresql://" + db.user() + ":" + db.password() + "@" + db.host() + ":" + db.port()
            + "/" + db.database());
    Run run = main(env, "verify-ledger");
    assertEquals(2, run.exit(), run.output());
    assertTrue(run.output().contains("is at schema version 14 and this build's is "), run.output());
    assertEquals("14", flyway.info().current().getVersion().getVersion(), "the check upgraded the database");
    com.tracesentinel.history.Migrations.apply(db);
    Run current = main(env, "verify-ledger");
    assertEquals(0, current.exit(), current.output());
  }

  /** A new data directory whose ledger holds the (empty) history, as a first start leaves it. */
  private static Path withLedger(String prefix) throws Exception {
    Path dataDir = com.tracesentinel.support.Scratch.dir(prefix);
    try (var ledger = com.tracesentinel.ledger.CodeLedger.open(dataDir.resolve("ledger"), 1_000, false)) {
      ledger.rebuilt();
    }
    return dataDir;
  }

  /** Each file's name, size and digest. */
  private static Map<String, String> contents(Path dir) throws Exception {
    Map<String, String> contents = new java.util.TreeMap<>();
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        byte[] bytes = Files.readAllBytes(f);
        contents.put(f.getFileName().toString(), bytes.length + " bytes, sha-256 " + java.util.HexFormat.of()
            .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes)));
      }
    }
    return contents;
  }

  @Test
  void anImportThatCannotStartExits2NotTheExitThatSaysItIsDone() throws Exception {
    Path dataDir = com.tracesentinel.support.Scratch.dir("tracesentinel-import-in-use");
    Path file = Files.writeString(dataDir.resolve("uploads.jsonl"), "{}\n");
    try (var channel = java.nio.channels.FileChannel.open(dataDir.resolve("tracesentinel.lock"),
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
         var held = channel.lock()) {
      Run run = main(Map.of("TRACESENTINEL_DATA_DIR", dataDir.toString()), "import", file.toString());
      assertEquals(2, run.exit(), run.output()); // 1 is "done, some messages refused"
      assertTrue(run.output().contains("is in use by another TraceSentinel"), run.output());
    }
    Run missing = main(Map.of("TRACESENTINEL_DATA_DIR", dataDir.toString()), "import",
        dataDir.resolve("no-such-file").toString());
    assertEquals(2, missing.exit(), missing.output());
    assertTrue(missing.output().contains("cannot read"), missing.output());
  }

  @Test
  void anImportOfADirectoryIsRefusedNamingItBeforeTheDatabaseStarts() throws Exception {
    Path dataDir = com.tracesentinel.support.Scratch.dir("tracesentinel-import-directory");
    Path uploads = Files.createDirectories(dataDir.resolve("uploads"));
    Run run = main(Map.of("TRACESENTINEL_DATA_DIR", dataDir.toString()), "import", uploads.toString());
    assertEquals(2, run.exit(), run.output());
    // was "tracesentinel: Is a directory", after the embedded database had been created and started
    assertEquals(List.of("tracesentinel: cannot import " + uploads + ": not a regular file (a directory, a pipe); "
        + "give the path of the file itself"), run.lines());
    assertFalse(Files.exists(dataDir.resolve("pg")), "the embedded database was created");
  }

  @Test
  void anUnreachableDatabaseIsOneLineNamingItsVariableNotFlywaysPage() throws Exception {
    Path dataDir = com.tracesentinel.support.Scratch.dir("tracesentinel-db-refused");
    Run run = main(Map.of("TRACESENTINEL_DATA_DIR", dataDir.toString(), "TRACESENTINEL_HOST", "127.0.0.1",
        "TRACESENTINEL_PORT", "0", "TRACESENTINEL_DB_URL", "postgresql://ts:secret@127.0.0.1:1/ts"), "serve");
    assertEquals(1, run.exit(), run.output());
    List<String> said = run.lines().stream().filter(l -> !l.contains(" INFO ")).toList();
    // was Flyway's page: a line of dashes, "SQL State : 08001", "Error Code : 0", the message twice
    assertEquals(1, said.size(), run.output());
    assertTrue(said.get(0).startsWith("tracesentinel: TRACESENTINEL_DB_URL=postgresql://ts@127.0.0.1:1/ts cannot be "
        + "used: Connection to 127.0.0.1:1 refused"), run.output());
    assertFalse(run.output().contains("secret"), run.output());
  }

  /**
   * An external server that takes the connection and never answers the login (frozen, or a wrong port that accepts):
   * the check had a connect limit only, so the start waited silently as long as the server stayed so.
   */
  @Test
  @org.junit.jupiter.api.Timeout(value = 90, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
  void aDatabaseThatNeverAnswersTheLoginIsOneLineNamingItsVariable() throws Exception {
    Path dataDir = com.tracesentinel.support.Scratch.dir("tracesentinel-db-silent");
    try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      Thread taker = new Thread(() -> {
        List<java.net.Socket> held = new java.util.ArrayList<>();
        try {
          while (true) {
            held.add(silent.accept()); // kept open, never answered
          }
        } catch (java.io.IOException closed) {
          held.forEach(socket -> {
            try {
              socket.close();
            } catch (java.io.IOException ignored) {
              // closing anyway
            }
          });
        }
      });
      taker.setDaemon(true);
      taker.start();
      String url = "postgresql://ts:secret@127.0.0.1:" + silent.getLocalPort() + "/ts";
      Run run = main(Map.of("TRACESENTINEL_DATA_DIR", dataDir.toString(), "TRACESENTINEL_HOST", "127.0.0.1",
          "TRACESENTINEL_PORT", "0", "TRACESENTINEL_DB_URL", url), "serve");
      assertEquals(1, run.exit(), run.output());
      assertTrue(run.output().contains("tracesentinel: TRACESENTINEL_DB_URL=postgresql://ts@127.0.0.1:"
          + silent.getLocalPort() + "/ts cannot be used: "), run.output());
      assertFalse(run.output().contains("secret"), run.output());
    }
  }

  @Test
  void aStopWhileStartingStopsTheEmbeddedDatabaseToo() throws Exception {
    Path dataDir = com.tracesentinel.support.Scratch.dir("tracesentinel-stop-while-starting");
    ProcessBuilder pb = new ProcessBuilder(ServiceProcess.mainCommand("serve")).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("TRACESENTINEL_"));
    pb.environment().putAll(Map.of("TRACESENTINEL_DATA_DIR", dataDir.toString(), "TRACESENTINEL_HOST", "127.0.0.1",
        "TRACESENTINEL_PORT", "0", "TRACESENTINEL_ADMIN_KEY", "stop-while-starting"));
    Process p = ServiceProcess.startMain(pb);
    long postgres = -1;
    var lines = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    for (String line = lines.readLine(); line != null && postgres < 0; line = lines.readLine()) {
      var m = java.util.regex.Pattern.compile("Embedded PostgreSQL \\(pid (\\d+)\\)").matcher(line);
      if (m.find()) {
        postgres = Long.parseLong(m.group(1));
      }
    }
    assertTrue(postgres > 0, "no PostgreSQL started");
    p.destroy(); // SIGTERM while the migrations and the ledger are still being set up, before the service's hook
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    var server = ProcessHandle.of(postgres);
    try {
      // it was left running until the next start on the directory found it
      assertFalse(server.isPresent() && server.get().isAlive(), "PostgreSQL pid " + postgres + " outlived the service");
    } finally {
      server.ifPresent(ProcessHandle::destroy);
    }
  }

  @Test
  void aFirstStartKilledWhileItCreatesTheDatabaseLeavesNothingTheNextStartMisreads() throws Exception {
    Path dataDir = com.tracesentinel.support.Scratch.dir("tracesentinel-killed-initdb");
    ProcessBuilder pb = new ProcessBuilder(ServiceProcess.mainCommand("serve")).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().keySet().removeIf(k -> k.startsWith("TRACESENTINEL_"));
    pb.environment().putAll(Map.of("TRACESENTINEL_DATA_DIR", dataDir.toString(), "TRACESENTINEL_HOST", "127.0.0.1",
        "TRACESENTINEL_PORT", "0"));
    Process p = ServiceProcess.startMain(pb);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!initdbBegun(dataDir) && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertTrue(initdbBegun(dataDir), "initdb never wrote PG_VERSION");
    // As a container stopped during a first start stops it: every process at once, with -9, initdb too.
    p.descendants().toList().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    Run next = main(Map.of("TRACESENTINEL_DATA_DIR", dataDir.toString(), "TRACESENTINEL_LEDGER_CAPACITY", "1000"),
        "rebuild-ledger");
    // was 1: "embedded PostgreSQL exited with 2 while starting", at this and every later start
    assertEquals(0, next.exit(), next.output());
  }

  private static boolean initdbBegun(Path dataDir) throws java.io.IOException {
    try (var files = Files.list(dataDir)) {
      return files.anyMatch(d -> Files.exists(d.resolve("PG_VERSION")));
    }
  }

  @Test
  void theLedgerCommandsRefuseClusterModeBeforeTouchingAnything() throws Exception {
    Path dataDir = com.tracesentinel.support.Scratch.dir("tracesentinel-ledger-cluster");
    Map<String, String> env = Map.of("TRACESENTINEL_DATA_DIR", dataDir.toString(),
        "TRACESENTINEL_DB_URL", "postgresql://ts:secret@127.0.0.1:1/ts", "TRACESENTINEL_KAFKA_BOOTSTRAP", "127.0.0.1:1",
        "TRACESENTINEL_CLUSTER_SECRET", "a-test-cluster-secret");
    Run verify = main(env, "verify-ledger");
    assertEquals(2, verify.exit(), verify.output()); // could not compare, not "they differ"
    assertTrue(verify.output().contains("cannot run in cluster mode"), verify.output());
    assertTrue(verify.output().contains("/health/cluster/verify"), verify.output());
    Run rebuild = main(env, "rebuild-ledger");
    assertEquals(1, rebuild.exit(), rebuild.output());
    assertTrue(rebuild.output().contains("cannot run in cluster mode"), rebuild.output());
    assertFalse(Files.exists(dataDir.resolve("ledger")), "a ledger was created");
    Run demo = main(env, "demo");
    assertEquals(1, demo.exit(), demo.output());
    assertTrue(demo.output().contains("demo loads its day into one node and cannot run in cluster mode"),
        demo.output());
    assertFalse(Files.exists(dataDir.resolve("ledger")), "a ledger was created");
  }

  /**
   * A database a cluster writes (its nodes took partitions in partition_owners) was written by serve or import started
   * without Kafka settings, with no ownership check: beside the cluster's fenced commits, judged against a ledger
   * without theirs. Refused in one line, before anything is written.
   */
  @Test
  void aStartWithoutKafkaOnAClusterDatabaseIsRefusedInOneLine() throws Exception {
    com.tracesentinel.history.DatabaseUrl db = com.tracesentinel.support.TestDatabase.fresh();
    com.tracesentinel.history.Migrations.apply(db);
    new com.tracesentinel.history.OwnerTable(db, "node-1").takeOver(java.util.Set.of(0, 1), "http://127.0.0.1:1",
        2_000);
    Path dataDir = com.tracesentinel.support.Scratch.dir("tracesentinel-cluster-db");
    Path file = Files.writeString(dataDir.resolve("uploads.jsonl"), "{}\n");
    Map<String, String> env = Map.of("TRACESENTINEL_DATA_DIR", dataDir.toString(), "TRACESENTINEL_HOST", "127.0.0.1",
        "TRACESENTINEL_PORT", "0", "TRACESENTINEL_DB_URL", "postgresql://" + db.user() + ":" + db.password() + "@"
            + db.host() + ":" + db.port() + "/" + db.database());
    String refused = "TRACESENTINEL_DB_URL=" + db.redacted() + " holds a cluster's history";
    Run run = main(env, "import", file.toString());
    assertEquals(2, run.exit(), run.output());
    List<String> said = run.lines().stream().filter(l -> !l.contains(" INFO ")).toList();
    assertEquals(1, said.size(), run.output());
    assertTrue(said.get(0).startsWith("tracesentinel: " + refused), run.output());
    // serve in this JVM: started unrefused, it would run until stopped
    Exception e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> com.tracesentinel.support.TestService.start(db, Map.of("TRACESENTINEL_ADMIN_KEY", "")).close());
    assertTrue(e.getMessage().startsWith(refused), e.getMessage());
    assertEquals(0, com.tracesentinel.support.TestDatabase.count(db, "SELECT count(*) FROM api_keys"),
        "serve stored an admin key");
    // A cluster stopped for good and its owners cleared is a single node's database again.
    com.tracesentinel.support.TestDatabase.execute(db, "UPDATE partition_owners SET owner = NULL, owner_url = NULL, "
        + "epoch = 0");
    Run imported = main(env, "import", file.toString());
    assertTrue(imported.exit() != 2, imported.output());
    // The ledger commands too: a rebuild filled one node's ledger with every node's codes, and a check read the
    // cluster's codes as missing from it. The ledger import left is not touched.
    new com.tracesentinel.history.OwnerTable(db, "node-1").takeOver(java.util.Set.of(0), "http://127.0.0.1:1", 2_000);
    Path ledger = dataDir.resolve("ledger");
    Map<Path, Long> files = new java.util.HashMap<>();
    try (var list = Files.list(ledger)) {
      list.forEach(f -> files.put(f, f.toFile().lastModified()));
    }
    assertFalse(files.isEmpty(), "import left no ledger");
    for (Map.Entry<String, Integer> command : Map.of("rebuild-ledger", 1, "verify-ledger", 2).entrySet()) {
      Run ledgerRun = main(env, command.getKey());
      assertEquals((int) command.getValue(), ledgerRun.exit(), ledgerRun.output());
      List<String> ledgerSaid = ledgerRun.lines().stream().filter(l -> !l.contains(" INFO ")).toList();
      assertEquals(1, ledgerSaid.size(), ledgerRun.output());
      assertTrue(ledgerSaid.get(0).startsWith("tracesentinel: " + refused), ledgerRun.output());
      for (Map.Entry<Path, Long> f : files.entrySet()) {
        assertEquals(f.getValue(), f.getKey().toFile().lastModified(), command.getKey() + " touched " + f.getKey());
      }
    }
  }

  @Test
  void withoutChronicleFlagsEveryCommandStopsAndTheLedgerIsUntouched() throws Exception {
    Path dataDir = withLedger("tracesentinel-no-flags");
    Path ledgerDir = dataDir.resolve("ledger");
    List<String> before;
    try (var files = Files.list(ledgerDir)) {
      before = files.map(f -> f.getFileName().toString()).sorted().toList();
    }
    assertTrue(before.contains("codes.cm3"), before.toString());
    for (String command : List.of("serve", "rebuild-ledger", "verify-ledger")) {
      List<String> flags = List.of("-Dlogback.configurationFile=logback.xml", "-Dchronicle.analytics.disable=true");
      ProcessBuilder pb = new ProcessBuilder(com.tracesentinel.support.ChildJvm.command(flags,
          "com.tracesentinel.Main", List.of(command))).redirectErrorStream(true);
      pb.environment().keySet().removeIf(k -> k.startsWith("TRACESENTINEL_"));
      pb.environment().putAll(Map.of("TRACESENTINEL_DATA_DIR", dataDir.toString(), "TRACESENTINEL_HOST", "127.0.0.1",
          "TRACESENTINEL_PORT", "0"));
      Process p = pb.start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(60, TimeUnit.SECONDS));
      assertTrue(p.exitValue() != 0, command + ": " + output);
      assertTrue(output.contains("tracesentinel: Chronicle Map, which holds the ledger, cannot run in this JVM"),
          command + ": " + output);
      // was: the healthy file set aside as codes.cm3.corrupt-<time> (rebuild-ledger: deleted) and a rebuild marker
      try (var files = Files.list(ledgerDir)) {
        assertEquals(before, files.map(f -> f.getFileName().toString()).sorted().toList(), command + ": " + output);
      }
      assertFalse(Files.exists(dataDir.resolve("pg")), command + " started the database: " + output);
    }
  }

  record Run(int exit, String output) {
    List<String> lines() {
      List<String> lines = new ArrayList<>();
      for (String l : output.split("\n")) {
        if (!l.isBlank()) {
          lines.add(l.strip());
        }
      }
      return lines;
    }
  }

  /** The real main class in a new JVM with the service's own logback.xml, as java -jar runs it. */
  static Run main(Map<String, String> env, String... args) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(ServiceProcess.mainCommand(args)).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("TRACESENTINEL_"));
    pb.environment().putAll(env);
    Process p = ServiceProcess.startMain(pb);
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return new Run(p.exitValue(), output);
  }
}
