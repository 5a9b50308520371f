package com.tracesentinel.history;

import com.tracesentinel.ingest.DatabaseHealth;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the database back. Every second it commits a tiny transaction (so a full disk or a stalled server shows,
 * not only a dead one): when that works the service admits scans again, when it fails scans are refused at once and,
 * for the embedded PostgreSQL, a dead server is started again (with back-off while it will not start, for example
 * until disk space is freed). Runs on its own thread; never on an event loop.
 */
public final class DatabaseSupervisor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DatabaseSupervisor.class);

  private final DatabaseUrl url;
  private final EmbeddedDatabase embedded;
  private final DatabaseHealth health;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "database-supervisor");
    t.setDaemon(true);
    return t;
  });
  private long nextRestart;
  private long restartDelayMillis = 500;
  private Connection probe;

  /**
   * @param embedded       the embedded server to restart, or null for an external database
   * @param timeoutSeconds how long the probe waits for an answer (a loaded machine can be slow; a stalled server is
   *                       caught faster by the committer's stall limit)
   */
  public DatabaseSupervisor(DatabaseUrl url, EmbeddedDatabase embedded, DatabaseHealth health, int timeoutSeconds) {
    this.url = url;
    this.embedded = embedded;
    this.health = health;
    this.timeoutSeconds = timeoutSeconds;
  }

  private final int timeoutSeconds;

  public DatabaseSupervisor start() {
    timer.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
    // A failed commit is probed at once: a passing fault (a dropped connection) closes admission for milliseconds,
    // a dead server keeps it closed until it answers again.
    health.onDown(() -> {
      if (probeRequested.compareAndSet(false, true)) {
        timer.execute(() -> {
          probeRequested.set(false);
          tick();
        });
      }
    });
    return this;
  }

  private final java.util.concurrent.atomic.AtomicBoolean probeRequested =
      new java.util.concurrent.atomic.AtomicBoolean();

  private void tick() {
    try {
      probe();
      if (health.downBecause() != null && health.downFor().toMillis() >= 1_000) {
        LOG.info("The database answers again (down for {} s): accepting scans", health.downFor().toSeconds());
      }
      health.up();
      restartDelayMillis = 500;
    } catch (SQLException | RuntimeException e) {
      // A driver's internal error on a broken connection counts as a failed probe: the next one connects afresh.
      closeProbe();
      String state = e instanceof SQLException sql && sql.getSQLState() != null ? "SQLSTATE " + sql.getSQLState()
          : e.getClass().getSimpleName();
      if (health.downBecause() == null) {
        LOG.warn("The database does not commit ({}): refusing scans until it does", state);
        health.down("a test commit failed: " + state);
      }
      restartEmbeddedIfDead();
    }
  }

  /** A transaction that writes a commit record: it needs a live server, WAL space and a working fsync. */
  private void probe() throws SQLException {
    if (probe == null || probe.isClosed()) {
      Properties p = new Properties();
      p.setProperty("user", url.user());
      p.setProperty("password", url.password());
      p.setProperty("connectTimeout", "2");
      p.setProperty("socketTimeout", Integer.toString(timeoutSeconds));
      p.setProperty("ApplicationName", "tracesentinel-supervisor");
      probe = DriverManager.getConnection(url.jdbcUrl(), p);
      probe.setAutoCommit(false);
    }
    try (Statement st = probe.createStatement()) {
      st.execute("SELECT pg_current_xact_id()");
    }
    probe.commit();
  }

  private void restartEmbeddedIfDead() {
    if (embedded == null || embedded.alive() || System.currentTimeMillis() < nextRestart) {
      return;
    }
    try {
      embedded.restartIfDead();
      LOG.info("Embedded PostgreSQL started again");
    } catch (Exception e) {
      LOG.warn("Embedded PostgreSQL could not be started again ({}); next try in {} s", e.getMessage(),
          restartDelayMillis / 1000.0);
      nextRestart = System.currentTimeMillis() + restartDelayMillis;
      restartDelayMillis = Math.min(30_000, restartDelayMillis * 2);
    }
  }

  private void closeProbe() {
    if (probe != null) {
      try {
        probe.close();
      } catch (SQLException | RuntimeException ignored) {
        // broken anyway
      }
      probe = null;
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeProbe();
  }
}
