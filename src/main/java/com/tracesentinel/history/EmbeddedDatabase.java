package com.tracesentinel.history;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tukaani.xz.XZInputStream;

/**
 * A real PostgreSQL for installs (and tests) that name no database: the binaries zonky ships through Maven Central,
 * run by this class as a child process it supervises. zonky's own launcher is not used because it creates the
 * cluster with {@code trust} authentication, fsync off and a world-reachable socket, and cannot restart a server
 * that died.
 *
 * <p>The cluster is private: SCRAM authentication with a generated password kept in {@code <dir>.password} (mode
 * 0600), a TCP listener on 127.0.0.1 only, no unix socket. Its data directory is kept between starts, so history
 * survives restarts. As root (PostgreSQL refuses to run as root) the server runs in a user namespace
 * ({@code unshare -U}), where it is an unprivileged user.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);
  private static final String USER = "postgres";

  private final Path dataDir;
  private final Path bin;
  private final String password;
  private final int port;
  private Process server;
  private boolean closed;
  private volatile boolean handedOver;

  private EmbeddedDatabase(Path dataDir, Path bin, String password, int port) {
    this.dataDir = dataDir;
    this.bin = bin;
    this.password = password;
    this.port = port;
  }

  /** Whether the cluster was created in {@code dataDir} (initdb writes PG_VERSION first). */
  public static boolean exists(Path dataDir) {
    return Files.exists(dataDir.resolve("PG_VERSION"));
  }

  /**
   * Creates the cluster on first use, stops a server left running on it by an earlier process that died (the caller
   * holds the data directory's lock, so no live service owns it), and starts it.
   */
  public static EmbeddedDatabase start(Path dataDir) throws IOException {
    Files.createDirectories(dataDir.getParent());
    Path bin = binaries(dataDir.resolveSibling(dataDir.getFileName() + "-bin"));
    Path passwordFile = dataDir.resolveSibling(dataDir.getFileName() + ".password");
    String password;
    if (!exists(dataDir)) {
      password = newPassword(passwordFile);
      initdb(bin, dataDir, passwordFile);
    } else if (Files.exists(passwordFile)) {
      password = Files.readString(passwordFile).trim();
    } else {
      throw new IOException("the embedded PostgreSQL in " + dataDir + " has no password file " + passwordFile
          + " (it was created by an older version with trust authentication): move the data directory away and"
          + " start again, or set TRACESENTINEL_DB_URL");
    }
    stopOrphan(dataDir);
    EmbeddedDatabase db = new EmbeddedDatabase(dataDir, bin, password, freePort());
    Runtime.getRuntime().addShutdownHook(db.stopAtExit);
    db.launch();
    return db;
  }

  /**
   * Stops the server when the JVM exits before its owner has a shutdown hook of its own: a Ctrl-C or SIGTERM while
   * the service (or import, or a ledger command) was still starting left it running, holding its memory and port,
   * until the next start found it. Once the owner's hook is in place, that hook stops the server itself, after
   * the requests in flight are committed, so this one must then do nothing.
   */
  private final Thread stopAtExit = new Thread(() -> {
    if (!handedOver) {
      try {
        close();
      } catch (IOException | RuntimeException e) {
        System.err.println("Stopping the embedded PostgreSQL: " + e);
      }
    }
  }, "embedded-postgresql-stop");

  /** The owner's shutdown hook now closes this server, in its order (see {@link #stopAtExit}). */
  public void handOverShutdown() {
    handedOver = true;
  }

  public DatabaseUrl url(String database) {
    return new DatabaseUrl("127.0.0.1", port, database, USER, password);
  }

  /** True while the server process runs. */
  public synchronized boolean alive() {
    return server != null && server.isAlive();
  }

  /**
   * Starts the server again when it died (killed, or it stopped itself on a full disk). Returns quickly when it runs;
   * throws when it could not be started, so the caller can retry with back-off.
   */
  public synchronized void restartIfDead() throws IOException {
    if (closed || alive()) {
      return;
    }
    LOG.warn("Embedded PostgreSQL (pid {}) is not running: starting it again", server == null ? "?" : server.pid());
    stopOrphan(dataDir); // a postmaster may be gone while a child still holds the directory
    launch();
  }

  private synchronized void launch() throws IOException {
    List<String> command = new ArrayList<>(asUnprivileged());
    command.addAll(List.of(bin.resolve("postgres").toString(), "-D", dataDir.toString(), "-p", Integer.toString(port),
        "-c", "listen_addresses=127.0.0.1",
        "-c", "unix_socket_directories=",
        // A 200 promises a durable scan.
        "-c", "fsync=on", "-c", "synchronous_commit=on", "-c", "full_page_writes=on",
        "-c", "timezone=UTC",
        "-c", "max_connections=100",
        "-c", "shared_buffers=256MB",
        "-c", "max_wal_size=4GB",
        "-c", "checkpoint_timeout=15min",
        "-c", "wal_compression=on"));
    Path log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    // A backend storing groups of scans grew and trimmed its malloc heap on every COPY: 9 % of its CPU went to brk()
    // shrinking the heap and the TLB shootdowns that follow (perf, under load-tests/compare.sh's load). Keeping up to
    // 128 MB of freed heap and serving allocations under 32 MB from it: load-tests/compare/PgOnly.java (40 s, 4
    // clients) went from 69,900-70,700 to 75,800-78,800 scans/s.
    builder.environment().put("GLIBC_TUNABLES",
        "glibc.malloc.trim_threshold=134217728:glibc.malloc.mmap_threshold=33554432");
    server = builder.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); // crash recovery of a big WAL takes a while
    SQLException last = null;
    while (System.nanoTime() < deadline) {
      if (!server.isAlive()) {
        throw new IOException("embedded PostgreSQL exited with " + server.exitValue() + " while starting: see " + log);
      }
      try (Connection c = connect("postgres")) {
        LOG.info("Embedded PostgreSQL (pid {}) on 127.0.0.1:{}, data in {}", server.pid(), port, dataDir);
        return;
      } catch (SQLException e) {
        last = e;
      }
      sleep(100);
    }
    server.destroyForcibly();
    throw new IOException("embedded PostgreSQL did not accept connections within 120 s: see " + log, last);
  }

  Connection connect(String database) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", USER);
    p.setProperty("password", password);
    p.setProperty("connectTimeout", "2");
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, p);
  }

  /** PostgreSQL's fast shutdown (SIGINT): open transactions roll back, the server checkpoints and exits. */
  @Override
  public synchronized void close() throws IOException {
    closed = true;
    if (server != null && server.isAlive()) {
      stop(server.toHandle(), 60);
    }
  }

  /**
   * Creates the cluster beside {@code dataDir} and moves it in whole. initdb writes PG_VERSION first and removes its
   * directory only on a signal it can catch: killed with -9 (a container stopped during a first start, which kills
   * its processes with the JVM; the OOM killer), it left a cluster that passed for made, and every later start
   * failed on it ("embedded PostgreSQL exited with 2") until the directory was deleted by hand.
   */
  private static void initdb(Path bin, Path dataDir, Path passwordFile) throws IOException {
    Path tmp = dataDir.resolveSibling(dataDir.getFileName() + ".initdb");
    if (Files.exists(tmp)) {
      deleteTree(tmp); // what a killed initdb left
    }
    List<String> command = new ArrayList<>(asUnprivileged());
    command.addAll(List.of(bin.resolve("initdb").toString(), "-D", tmp.toString(), "-U", USER,
        "--auth=scram-sha-256", "--pwfile=" + passwordFile, "-E", "UTF-8", "--locale=C"));
    Path log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
    run(command, log, "initdb");
    Files.move(tmp, dataDir, StandardCopyOption.ATOMIC_MOVE);
    LOG.info("Created the embedded PostgreSQL cluster in {} (SCRAM password in {})", dataDir, passwordFile);
  }

  private static String newPassword(Path file) throws IOException {
    byte[] raw = new byte[24];
    new SecureRandom().nextBytes(raw);
    String password = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(tmp, password + "\n");
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return password;
  }

  /**
   * A kill -9 of the service leaves its PostgreSQL running on our data directory, and a new one cannot start there.
   * The caller holds the data directory's lock, so that server is an orphan: stop it, so the new start recovers from
   * its WAL.
   */
  private static void stopOrphan(Path dataDir) throws IOException {
    Path pidFile = dataDir.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    long pid;
    try {
      pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
    } catch (RuntimeException e) {
      return; // unreadable: PostgreSQL itself judges the stale file
    }
    ProcessHandle handle = ProcessHandle.of(pid).orElse(null);
    if (handle == null || !handle.isAlive() || !handle.info().command().map(c -> c.endsWith("postgres")).orElse(false)) {
      return;
    }
    LOG.warn("PostgreSQL (pid {}) from an earlier, uncleanly stopped run still holds {}: stopping it", pid, dataDir);
    stop(handle, 60);
  }

  private static void stop(ProcessHandle handle, int seconds) throws IOException {
    signal("INT", List.of(handle.pid()));
    // Frozen (SIGSTOP), it cannot act on that: the stop then waited the whole limit and killed it, a SIGTERM during a
    // start on a frozen database took over a minute. Its backends too, as it waits for them.
    List<Long> frozen = new ArrayList<>(List.of(handle.pid()));
    handle.descendants().forEach(child -> frozen.add(child.pid()));
    signal("CONT", frozen);
    try {
      handle.onExit().get(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.warn("PostgreSQL pid {} did not stop within {} s: killing it", handle.pid(), seconds);
      handle.destroyForcibly();
    }
  }

  private static void signal(String signal, List<Long> pids) throws IOException {
    List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
    pids.forEach(pid -> command.add(Long.toString(pid)));
    try {
      new ProcessBuilder(command).start().waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** PostgreSQL refuses to run as root: as root, run it in a new user namespace where it is not. */
  private static List<String> asUnprivileged() {
    return "root".equals(System.getProperty("user.name")) ? List.of("unshare", "-U") : List.of();
  }

  /**
   * The binaries from zonky's Maven artifact, unpacked once into {@code parent/<digest>} (a marker file is written
   * last, so a half-unpacked directory is never used).
   */
  private static Path binaries(Path parent) throws IOException {
    byte[] archive;
    try (InputStream in = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary("Linux", architecture())) {
      if (in == null) {
        throw new IOException("no embedded PostgreSQL binaries for Linux " + architecture());
      }
      archive = in.readAllBytes();
    }
    String digest;
    try {
      digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(archive)).substring(0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    Path dir = parent.resolve(digest);
    if (Files.exists(dir.resolve(".complete"))) {
      return dir.resolve("bin");
    }
    Path tmp = Files.createTempDirectory(Files.createDirectories(parent), "unpack");
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new XZInputStream(
        new BufferedInputStream(new java.io.ByteArrayInputStream(archive))))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        Path target = tmp.resolve(entry.getName()).normalize();
        if (!target.startsWith(tmp)) {
          throw new IOException("unsafe path in the PostgreSQL archive: " + entry.getName());
        }
        if (entry.isDirectory()) {
          Files.createDirectories(target);
        } else if (entry.isSymbolicLink()) {
          Files.createDirectories(target.getParent());
          Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
        } else {
          Files.createDirectories(target.getParent());
          Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
          if ((entry.getMode() & 0100) != 0) {
            target.toFile().setExecutable(true, false);
          }
        }
      }
    }
    Files.writeString(tmp.resolve(".complete"), "", StandardCharsets.UTF_8);
    try {
      Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
    } catch (java.nio.file.FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
      deleteTree(tmp); // another process unpacked the same archive first
    }
    return dir.resolve("bin");
  }

  private static String architecture() {
    String arch = System.getProperty("os.arch");
    return "amd64".equals(arch) ? "x86_64" : arch;
  }

  private static void run(List<String> command, Path log, String what) throws IOException {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
      if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException(what + " failed: see " + log);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(what + " interrupted", e);
    }
  }

  /** A directory and everything under it; nothing when it is missing. */
  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) paths.sorted(java.util.Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
