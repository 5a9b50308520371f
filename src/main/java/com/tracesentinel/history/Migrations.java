package com.tracesentinel.history;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Applies src/main/resources/db/migration with Flyway over JDBC, once, before anything serves. */
public final class Migrations {
  private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

  private Migrations() {}

  public static void apply(DatabaseUrl url) {
    apply(url, "classpath:db/migration");
  }

  static void apply(DatabaseUrl url, String location) {
    Flyway flyway = Flyway.configure()
        .dataSource(url.jdbcUrl(), url.user(), url.password())
        .locations(location)
        .load();
    // A jar built without its migrations found none, logged "0 migrations applied" and failed later on a missing
    // table, far from the cause.
    if (java.util.Arrays.stream(flyway.info().all()).noneMatch(m -> m.getState().isResolved())) {
      throw new IllegalStateException("no database migrations found at " + location + ": the build is incomplete "
          + "(rebuild the jar); the database was not changed");
    }
    MigrateResult result = flyway.migrate();
    var current = flyway.info().current();
    LOG.info("Database {} at schema version {} ({} migrations applied now)", url.redacted(),
        current == null ? "none" : current.getVersion(), result.migrationsExecuted);
  }
}
