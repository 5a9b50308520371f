package com.tracesentinel.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.tracesentinel.ingest.HistoryPort;
import com.tracesentinel.ingest.Judged;
import com.tracesentinel.ingest.Prepared;
import com.tracesentinel.ingest.Preparation;
import com.tracesentinel.ingest.ScanInput;
import com.tracesentinel.ingest.ScanStatus;
import com.tracesentinel.reference.Product;
import com.tracesentinel.reference.ReferenceStore;
import com.tracesentinel.reference.Site;
import com.tracesentinel.reference.SiteKind;
import com.tracesentinel.rules.Anomaly;
import com.tracesentinel.rules.AnomalyType;
import com.tracesentinel.rules.EventType;
import com.tracesentinel.rules.Level;
import com.tracesentinel.rules.Suspicion;
import com.tracesentinel.support.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Anomaly ids are drawn when a row is inserted, so with several writers (cluster nodes) a larger id can commit before
 * a smaller one. The anomaly feed, a stream's replay and the ring index read "the anomalies after my position": they
 * must never move past an id whose smaller neighbour is still to commit.
 */
@Tag("slow")
class AnomalyIdOrderTest {
  private static final Instant NOW = Instant.now();
  private DatabaseUrl db;
  private Vertx vertx;
  private Pool pool;

  @BeforeEach
  void freshDatabase() {
    db = TestDatabase.fresh();
    Migrations.apply(db);
    vertx = Vertx.vertx();
    pool = pool(vertx, db);
  }

  @AfterEach
  void close() {
    pool.close();
    vertx.close();
  }

  private Connection open() throws java.sql.SQLException {
    return DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
  }

  @Test
  void aReaderWaitsForAWriterThatDrewASmallerIdAndSeesBoth() throws Exception {
    InFlight<List<AnomalyQueries.AnomalyRow>> read = whileTheSmallerIdIsInFlight(this::readAsTheFeedDoes);
    assertEquals(List.of(read.smaller(), read.larger()), read.result().stream().map(AnomalyQueries.AnomalyRow::id)
        .toList());
  }

  /** The ring index's fold reads the same way: both anomalies, not the larger id alone and its position past both. */
  @Test
  void theRingIndexWaitsForTheSmallerIdToo() throws Exception {
    InFlight<RingStore.Folded> fold = whileTheSmallerIdIsInFlight(() -> new RingStore(pool).fold(100)
        .toCompletionStage().toCompletableFuture());
    assertEquals(2, fold.result().read());
    assertEquals(fold.larger(), fold.result().position());
  }

  /** The anomalies up to the newest settled id, as the feed reads them. */
  private CompletableFuture<List<AnomalyQueries.AnomalyRow>> readAsTheFeedDoes() {
    AnomalyQueries queries = new AnomalyQueries(pool);
    return queries.maxId().compose(upTo -> queries.between(0, upTo, 100)).toCompletionStage().toCompletableFuture();
  }

  private record InFlight<T>(long smaller, long larger, T result) {}

  /**
   * Two writers, the one that drew the smaller id still running when the other has committed: {@code read} must not
   * finish before it ends. Returns both ids and what the read gave once it did.
   */
  private <T> InFlight<T> whileTheSmallerIdIsInFlight(Supplier<CompletableFuture<T>> read) throws Exception {
    try (Connection slow = open(); Connection fast = open()) {
      long smaller = insertAnomaly(slow);
      long larger = insertAnomaly(fast);
      fast.commit();
      CompletableFuture<T> reading = read.get();
      TestDatabase.awaitBlockedBy(db, slow);
      assertFalse(reading.isDone(), "read while the writer of id " + smaller + " is still running");
      slow.commit();
      return new InFlight<>(smaller, larger, reading.get(10, TimeUnit.SECONDS));
    }
  }

  /**
   * A writer that hangs holding the lock (a frozen cluster node) while a reader waits for it: writers queue behind a
   * waiting reader, so the reader must let go now and then, or every other node's anomalies would wait as long as
   * the hung one. Here the other writer gets through while the hung one still holds the lock, and the reader, still
   * trying, reads both once the hung one ends.
   */
  @Test
  void aHungWriterDoesNotHoldOtherWritersBehindAWaitingReader() throws Exception {
    try (Connection hung = open(); Connection other = open()) {
      long first = insertAnomaly(hung);
      CompletableFuture<List<AnomalyQueries.AnomalyRow>> read = readAsTheFeedDoes();
      TestDatabase.awaitBlockedBy(db, hung);
      CompletableFuture<Long> second = CompletableFuture.supplyAsync(() -> {
        try {
          long id = insertAnomaly(other);
          other.commit();
          return id;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      long secondId = second.get(5, TimeUnit.SECONDS);
      assertFalse(read.isDone(), "read while the writer of id " + first + " still runs");
      hung.commit();
      assertEquals(List.of(first, secondId), read.get(15, TimeUnit.SECONDS).stream()
          .map(AnomalyQueries.AnomalyRow::id).toList());
    }
  }

  /** The group commit takes the writers' side: it waits while a reader holds the ids, and stores afterwards. */
  @Test
  void aGroupWithAnAnomalyWaitsForAReaderOfTheIds() throws Exception {
    try (Connection reader = open();
         PostgresHistory history = new PostgresHistory(db, "w", 10, ref -> null)) {
      reader.setAutoCommit(false);
      try (Statement st = reader.createStatement()) {
        st.executeQuery(Sql.LOCK_ANOMALY_IDS_TO_READ).close();
      }
      CompletableFuture<Void> commit = CompletableFuture.runAsync(() -> {
        try {
          history.commit(10, List.of(flaggedRow()), List.of(), Map.of(), HistoryPort.CommitGate.OPEN);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      TestDatabase.awaitBlockedBy(db, reader);
      assertFalse(commit.isDone(), "the group drew an anomaly id while a reader held them");
      reader.commit();
      commit.get(10, TimeUnit.SECONDS);
      assertEquals(1, TestDatabase.count(db, "SELECT count(*) FROM anomalies"));
    }
  }

  private static long insertAnomaly(Connection c) throws Exception {
    c.setAutoCommit(false);
    try (Statement st = c.createStatement()) {
      st.executeQuery(Sql.LOCK_ANOMALY_IDS_TO_WRITE).close();
      try (var rs = st.executeQuery("INSERT INTO anomalies (scan_id, scanned_at, type, suspicion, level, code_key, "
          + "canonical, product, site_id, region, detail) VALUES (1, now(), 'REPEAT_SALE', 'DIVERTED', 'ALERT', "
          + "'\\x000102030405060708090a0b0c0d0e0f'::bytea, 'C', 'P', 'S', '440301', 'd') RETURNING id")) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private static Judged.Row flaggedRow() {
    ReferenceStore reference = new ReferenceStore();
    reference.putSites(List.of(new Site(1, "S1", "A", SiteKind.PHARMACY, "440301", "r")));
    reference.putProducts(List.of(new Product("8600001", "D1", "g", null, null, null, 10)));
    ScanInput in = new ScanInput("86000011234567890123", EventType.SALE, "S1", "D-1", 1, NOW, 1, false, null, null,
        null);
    Prepared.ToJudge t = (Prepared.ToJudge) new Preparation(reference, Duration.ofDays(400)).prepare(List.of(in), NOW)
        .get(0);
    return new Judged.Row(t.index(), t.input(), t.code(), t.site(), t.event(), 1, ScanStatus.FLAGGED,
        List.of(new Anomaly(AnomalyType.DOUBLE_SCAN, Suspicion.OPERATOR_ERROR, Level.WARNING, "d", null)), null);
  }

  static Pool pool(Vertx vertx, DatabaseUrl db) {
    return PgBuilder.pool().connectingTo(new PgConnectOptions().setHost(db.host()).setPort(db.port())
        .setDatabase(db.database()).setUser(db.user()).setPassword(db.password())).using(vertx).build();
  }
}
