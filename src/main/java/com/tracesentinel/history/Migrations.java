package com.tracesentinel.history;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
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

  /**
   * Refuses a database this build would migrate: a read-only command (verify-ledger) upgraded it irreversibly,
   * before whoever ran it had decided to upgrade.
   */
  public static void requireCurrent(DatabaseUrl url) {
    Flyway flyway = flyway(url, "classpath:db/migration");
    MigrationInfo[] pending = flyway.info().pending();
    if (pending.length > 0) {
      var current = flyway.info().current();
      throw new IllegalStateException("the database " + url.redacted() + " is at schema version "
          + (current == null ? "none" : current.getVersion()) + " and this build's is "
          + pending[pending.length - 1].getVersion() + ": a check does not upgrade it (nothing was changed); start "
          + "the service of this build once, which upgrades it and brings the ledger up to date, or check with the "
          + "build that wrote it");
    }
  }

  static void apply(DatabaseUrl url, String location) {
    Flyway flyway = flyway(url, location);
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

  private static Flyway flyway(DatabaseUrl url, String location) {
    return Flyway.configure().dataSource(url.jdbcUrl(), url.user(), url.password()).locations(location).load();
  }
}
