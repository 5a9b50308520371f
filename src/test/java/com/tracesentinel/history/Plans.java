package com.tracesentinel.history;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** What PostgreSQL did to run a statement (EXPLAIN ANALYZE): how much of a table it read, counted, never timed. */
final class Plans {
  private Plans() {}

  interface Binder {
    void bind(PreparedStatement st) throws SQLException;
  }

  /** Runs the statement under EXPLAIN (ANALYZE, FORMAT JSON): it is executed, so writes happen (roll them back). */
  static JsonObject analyzed(Connection c, String sql, Binder binder) throws SQLException {
    try (PreparedStatement st = c.prepareStatement("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)) {
      binder.bind(st);
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        return new JsonArray(rs.getString(1)).getJsonObject(0).getJsonObject("Plan");
      }
    }
  }

  /** The rows the plan's nodes read from the scan history's partitions: those returned and those filters removed. */
  static long scansRowsRead(JsonObject node) {
    long read = 0;
    if (node.getString("Relation Name", "").startsWith("scans_")) {
      read += Math.round((node.getDouble("Actual Rows") + node.getDouble("Rows Removed by Filter", 0.0))
          * node.getLong("Actual Loops"));
    }
    for (Object child : node.getJsonArray("Plans", new JsonArray())) {
      read += scansRowsRead((JsonObject) child);
    }
    return read;
  }
}
