package com.tracesentinel.history;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
    // A kill -9 leaves postmaster.pid behind; PostgreSQL refuses to start on it only while that pid is alive.
    EmbeddedPostgres pg = EmbeddedPostgres.builder()
        .setDataDirectory(dataDir)
        .setCleanDataDirectory(false)
        .setOverrideWorkingDirectory(binaries.toFile())
        .setRegisterShutdownHook(false)
        .setPGStartupWait(Duration.ofSeconds(60))
        .setServerConfig("max_connections", "200")
        .setServerConfig("shared_buffers", "256MB")
        .setServerConfig("max_wal_size", "4GB")
        .setServerConfig("checkpoint_timeout", "15min")
        .setServerConfig("wal_compression", "on")
        .start();
    LOG.info("Embedded PostgreSQL listening on 127.0.0.1:{}, data in {}", pg.getPort(), dataDir);
    return new EmbeddedDatabase(pg);
  }

  public DatabaseUrl url(String database) {
    return new DatabaseUrl("127.0.0.1", postgres.getPort(), database, "postgres", "postgres");
  }

  @Override
  public void close() throws IOException {
    postgres.close();
  }
}
