package com.tracesentinel.support;

import com.tracesentinel.history.DatabaseUrl;
import com.tracesentinel.history.EmbeddedDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL per test JVM (zonky's binaries, like the product's embedded default); every test gets a
 * database of its own on it, never a server of its own.
 */
public final class TestDatabase {
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static EmbeddedDatabase server;

  private TestDatabase() {}

  public static synchronized DatabaseUrl fresh() {
    try {
      if (server == null) {
        Path dir = Scratch.dir("tracesentinel-test-pg");
        server = EmbeddedDatabase.start(dir.resolve("pg"));
        Scratch.closeAtExit(server);
      }
      String name = "t" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
      DatabaseUrl admin = server.url("postgres");
      try (Connection c = DriverManager.getConnection(admin.jdbcUrl(), admin.user(), admin.password());
           Statement st = c.createStatement()) {
        st.execute("CREATE DATABASE " + name);
      }
      return server.url(name);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the test PostgreSQL", e);
    }
  }

  /** Runs SQL on a test database (fault injection, inspection). */
  public static void execute(DatabaseUrl url, String sql) {
    try (Connection c = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
         Statement st = c.createStatement()) {
      st.execute(sql);
    } catch (Exception e) {
      throw new IllegalStateException(sql, e);
    }
  }

  /**
   * A two-column query's rows as a map, first column to second (e.g. {@code SELECT device_id, count(*) ... GROUP BY
   * 1}): one query instead of one per key, which made the storm tests' checks take longer than their storms.
   */
  public static Map<String, Long> countsBy(DatabaseUrl url, String sql) {
    try (Connection c = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
         Statement st = c.createStatement(); var rs = st.executeQuery(sql)) {
      Map<String, Long> out = new HashMap<>();
      while (rs.next()) {
        out.put(rs.getString(1), rs.getLong(2));
      }
      return out;
    } catch (Exception e) {
      throw new IllegalStateException(sql, e);
    }
  }

  public static long count(DatabaseUrl url, String sql) {
    try (Connection c = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
         Statement st = c.createStatement(); var rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (Exception e) {
      throw new IllegalStateException(sql, e);
    }
  }

  /**
   * Until some backend is seen waiting for {@code holder}'s transaction (a lock it holds): a question slow to reach the
   * database is not yet waiting, and a sleep before asserting "not done" could not tell the two apart.
   */
  public static void awaitBlockedBy(DatabaseUrl url, Connection holder) throws Exception {
    awaitBlockedBy(url, holder, 1);
  }

  /** Until at least {@code backends} are seen waiting for {@code holder}'s transaction. */
  public static void awaitBlockedBy(DatabaseUrl url, Connection holder, int backends) throws Exception {
    int holderPid;
    try (Statement st = holder.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
      rs.next();
      holderPid = rs.getInt(1);
    }
    // Another connection, out of any transaction: pg_stat_activity is read once per transaction.
    try (Connection c = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
         Statement st = c.createStatement()) {
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (true) {
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity"
            + " WHERE " + holderPid + " = ANY (pg_blocking_pids(pid))")) {
          rs.next();
          if (rs.getLong(1) >= backends) {
            return;
          }
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("nothing waited for the transaction of backend " + holderPid + " within 10 s");
        }
        Thread.sleep(10);
      }
    }
  }
}
