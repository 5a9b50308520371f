package com.tracesentinel.history;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL started from the binaries zonky ships through Maven Central, for installs (and tests) that name
 * no database. Its data directory is kept between starts, so history survives restarts.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);

  private final EmbeddedPostgres postgres;

  private EmbeddedDatabase(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  public static EmbeddedDatabase start(Path dataDir) throws IOException {
    Files.createDirectories(dataDir);
    Path binaries = dataDir.resolveSibling(dataDir.getFileName() + "-bin");
    Files.createDirectories(binaries);
    stopOrphan(dataDir);
    EmbeddedPostgres pg = EmbeddedPostgres.builder()
        .setDataDirectory(dataDir)
        .setCleanDataDirectory(false)
        .setOverrideWorkingDirectory(binaries.toFile())
        .setRegisterShutdownHook(false)
        .setPGStartupWait(Duration.ofSeconds(60))
        // zonky's test-oriented defaults start PostgreSQL with fsync and synchronous_commit off; a 200 from this
        // service promises a durable scan, so both are switched back on.
        .setServerConfig("fsync", "on")
        .setServerConfig("synchronous_commit", "on")
        .setServerConfig("max_connections", "200")
        .setServerConfig("shared_buffers", "256MB")
        .setServerConfig("max_wal_size", "4GB")
        .setServerConfig("checkpoint_timeout", "15min")
        .setServerConfig("wal_compression", "on")
        .start();
    LOG.info("Embedded PostgreSQL listening on 127.0.0.1:{}, data in {}", pg.getPort(), dataDir);
    return new EmbeddedDatabase(pg);
  }

  /**
   * A kill -9 of the service leaves its PostgreSQL running on our data directory, and a new one cannot start there.
   * That server is ours (nothing else uses this directory): stop it fast, so the new start recovers from its WAL.
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
      return; // unreadable: PostgreSQL itself will judge the stale file
    }
    boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    if (!alive) {
      return;
    }
    LOG.warn("PostgreSQL (pid {}) from an earlier, uncleanly stopped run still holds {}: stopping it", pid, dataDir);
    // SIGINT is PostgreSQL's fast shutdown (pg_ctl would refuse to run as root, as zonky's server runs here).
    try {
      new ProcessBuilder("kill", "-INT", Long.toString(pid)).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
      ProcessHandle.of(pid).ifPresent(p -> p.onExit().orTimeout(60, TimeUnit.SECONDS).join());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      throw new IOException("PostgreSQL pid " + pid + " on " + dataDir + " did not stop within 60 s", e);
    }
  }

  public DatabaseUrl url(String database) {
    return new DatabaseUrl("127.0.0.1", postgres.getPort(), database, "postgres", "postgres");
  }

  @Override
  public void close() throws IOException {
    postgres.close();
  }
}
