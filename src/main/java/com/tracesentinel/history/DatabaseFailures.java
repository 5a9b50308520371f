package com.tracesentinel.history;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a failure of the Vert.x SQL pool means: the database cannot serve now, or something else (the service's own
 * fault). Kept beside the queries, which turn the first into their ports' typed failures; never decided by message.
 */
public final class DatabaseFailures {
  private static final Logger LOG = LoggerFactory.getLogger(DatabaseFailures.class);

  /**
   * The SQL pool's failure when no connection came within its timeout: one shared instance, with no type of its own
   * (a plain VertxException), so it is recognised by identity, never by its message. Read once from the pool's
   * private field; should a Vert.x upgrade move it, the start logs so and such a wait is a 500 again
   * (PoolTimeoutTest fails).
   */
  public static final Throwable POOL_TIMEOUT = poolTimeout();

  private DatabaseFailures() {}

  private static Throwable poolTimeout() {
    try {
      java.lang.reflect.Field f = io.vertx.sqlclient.impl.pool.SqlConnectionPool.class
          .getDeclaredField("POOL_QUERY_TIMEOUT_EXCEPTION");
      f.setAccessible(true);
      return (Throwable) f.get(null);
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.warn("Cannot find the SQL pool's timeout failure ({}): a read that waits too long for a connection will "
          + "answer 500, not 503", e.toString());
      return null;
    }
  }

  /**
   * The database cannot serve now (connection lost or refused, the pool's wait for a connection timed out, a JDBC
   * read's socket timed out, or PostgreSQL's own classes 08 connection, 53 resources, 57 operator intervention, from
   * the Vert.x client or JDBC): decided by exception type,
   * identity ({@link #POOL_TIMEOUT}) and SQLSTATE, never by message.
   */
  public static boolean unavailable(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof io.vertx.sqlclient.ClosedConnectionException || t instanceof java.net.ConnectException) {
        return true;
      }
      if (t == POOL_TIMEOUT) {
        return true;
      }
      String state = t instanceof io.vertx.pgclient.PgException pg ? pg.getSqlState()
          : t instanceof java.sql.SQLException jdbc ? jdbc.getSQLState() : null;
      if (state != null && state.length() >= 2 && List.of("08", "53", "57").contains(state.substring(0, 2))) {
        return true;
      }
      if (t instanceof java.net.SocketTimeoutException) {
        return true;
      }
    }
    return false;
  }
}
