package com.tracesentinel.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.support.TestDatabase;
import java.sql.DriverManager;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;

class MigrationsTest {
  @Test
  void aBuildWithoutItsMigrationsStopsBeforeTouchingTheDatabase() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    IllegalStateException refused = assertThrows(IllegalStateException.class,
        () -> Migrations.apply(db, "classpath:db/no-such-migrations"));
    assertTrue(refused.getMessage().startsWith("no database migrations found at classpath:db/no-such-migrations"),
        refused.getMessage());
    assertEquals(0, tablesIn(db), "the database was changed");

    Migrations.apply(db);
    assertTrue(tablesIn(db) > 0);
  }

  private static int tablesIn(DatabaseUrl db) throws Exception {
    try (var c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
         ResultSet rs = c.createStatement().executeQuery(
             "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
