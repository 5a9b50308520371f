package com.tracesentinel.history;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tracesentinel.support.TestDatabase;
import java.sql.DriverManager;
import java.sql.ResultSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class DatabaseUrlTest {
  @Test
  @Tag("slow")
  void aPlusInThePasswordIsAPlus() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    TestDatabase.execute(db, "CREATE ROLE plus_user LOGIN PASSWORD 'se+cret'");

    DatabaseUrl parsed = DatabaseUrl.parse("postgresql://plus_user:se+cret@" + db.host() + ":" + db.port() + "/"
        + db.database());

    assertEquals("se+cret", parsed.password());
    try (var c = DriverManager.getConnection(parsed.jdbcUrl(), parsed.user(), parsed.password());
         ResultSet rs = c.createStatement().executeQuery("SELECT current_user")) {
      rs.next();
      assertEquals("plus_user", rs.getString(1));
    }
  }

  @Test
  void aHostNameWithAnUnderscoreKeepsItsHostPortAndUser() {
    DatabaseUrl parsed = DatabaseUrl.parse("postgresql://ts:secret@tracesentinel_db_1:5433/tracesentinel");

    assertEquals(new DatabaseUrl("tracesentinel_db_1", 5433, "tracesentinel", "ts", "secret"), parsed);
  }

  @Test
  void anIpv6HostAndTheDefaults() {
    assertEquals(new DatabaseUrl("[::1]", 5433, "ts", "u", "p"), DatabaseUrl.parse("postgresql://u:p@[::1]:5433/ts"));
    assertEquals(new DatabaseUrl("db", 5432, "postgres", "postgres", ""), DatabaseUrl.parse("postgres://db"));
    assertEquals(new DatabaseUrl("db", 5432, "x", "u", "p@q"), DatabaseUrl.parse("postgresql://u:p%40q@db/x"));
  }

  /** ?sslmode=require asked for TLS and got a plain connection without a word. */
  @Test
  void parametersTheServiceWouldNotApplyAreRefused() {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> DatabaseUrl.parse("postgresql://u:p@db/ts?sslmode=require"));
    assertEquals("TRACESENTINEL_DB_URL: parameters after the database name (?sslmode=require) are not supported; the "
        + "service connects in plain TCP (no TLS): remove them", e.getMessage());
  }
}
