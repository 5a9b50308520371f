package com.tracesentinel.history;

import com.tracesentinel.history.AnomalyQueries.AnomalyRow;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Anomalies as cases: their state, changed one at a time or for a selection, and every change kept in
 * anomaly_changes. A change locks the anomalies' rows (in id order, so two selections never deadlock) before it
 * reads their states: of two concurrent changes, the second sees what the first did.
 */
public final class CaseStore {
  /** Most changes listed for one anomaly. */
  public static final int MAX_CHANGES = 10_000;

  private final Pool pool;

  public CaseStore(Pool pool) {
    this.pool = pool;
  }

  /** Who makes a change: the key's id, and the label to keep when the key has none stored (the bootstrap key). */
  public record Actor(String keyId, String fallbackLabel) {}

  /** An anomaly left as it was: its state now and why. */
  public record Refused(long id, String state, String reason) {}

  /** What a change did: the anomalies changed (as they are now), those refused, and ids with no anomaly. */
  public record Outcome(List<AnomalyRow> changed, List<Refused> refused, List<Long> missing) {}

  public record Change(Instant at, String keyId, String keyLabel, String from, String to, String note) {}

  /**
   * Moves each anomaly of {@code ids} to {@code to}, in one transaction, with {@code note}. An anomaly is refused
   * when {@code expected} is given and is not its state now, or when {@code refusal} (from, to) names a reason.
   */
  public Future<Outcome> change(List<Long> ids, String to, String note, String expected, Actor actor,
                                BiFunction<String, String, String> refusal) {
    Long[] asked = ids.toArray(new Long[0]);
    return pool.withTransaction(conn -> conn.preparedQuery(Sql.LOCK_ANOMALY_STATES).execute(Tuple.of((Object) asked))
        .compose(locked -> {
          Map<Long, String> states = new LinkedHashMap<>();
          locked.forEach(r -> states.put(r.getLong("id"), r.getString("state")));
          List<Long> ok = new ArrayList<>();
          List<String> from = new ArrayList<>();
          List<Refused> refused = new ArrayList<>();
          List<Long> missing = new ArrayList<>();
          for (Long id : ids) {
            String now = states.get(id);
            if (now == null) {
              missing.add(id);
              continue;
            }
            String why = expected != null && !expected.equals(now)
                ? "the state is " + now + ", not the expected " + expected : refusal.apply(now, to);
            if (why != null) {
              refused.add(new Refused(id, now, why));
            } else {
              ok.add(id);
              from.add(now);
            }
          }
          if (ok.isEmpty()) {
            return Future.succeededFuture(new Outcome(List.of(), refused, missing));
          }
          Long[] changed = ok.toArray(new Long[0]);
          return conn.preparedQuery(Sql.SET_ANOMALY_STATES).execute(Tuple.of(changed, to))
              .compose(v -> conn.preparedQuery(Sql.INSERT_CHANGES).execute(Tuple.of(changed, actor.keyId(), to,
                  note, from.toArray(new String[0]), actor.fallbackLabel())))
              .compose(v -> conn.preparedQuery(Sql.ANOMALIES_BY_ID).execute(Tuple.of((Object) changed)))
              .map(rows -> new Outcome(AnomalyQueries.rows(rows), refused, missing));
        }));
  }

  /** One anomaly's changes, oldest first; {@code truncated} when older ones than these were left out. */
  public record Changes(List<Change> list, boolean truncated) {}

  /** An anomaly's state now and the changes that led to it. */
  public record History(String state, Changes changes) {}

  /**
   * The anomaly's state and every change of it, oldest first (beyond {@link #MAX_CHANGES}, the latest: the change
   * that put the anomaly in its state now is always listed), or null when there is no such anomaly. Both are read in
   * one snapshot: read apart, a change committed between the two reads gave a state its last listed change
   * contradicted.
   */
  public Future<History> history(long id) {
    return pool.withTransaction(conn -> conn.query(Sql.READ_ONE_SNAPSHOT).execute()
        .compose(v -> conn.preparedQuery(Sql.ANOMALY_STATE).execute(Tuple.of(id)))
        .compose(state -> state.size() == 0 ? Future.succeededFuture(null)
            : conn.preparedQuery(Sql.ANOMALY_CHANGES).execute(Tuple.of(id, MAX_CHANGES + 1))
                .map(rows -> new History(state.iterator().next().getString(0), changes(rows)))));
  }

  private static Changes changes(io.vertx.sqlclient.RowSet<Row> rows) {
    List<Change> out = new ArrayList<>(rows.size());
    for (Row r : rows) {
      out.add(new Change(r.getOffsetDateTime("at").toInstant(), r.getString("key_id"), r.getString("key_label"),
          r.getString("from_state"), r.getString("to_state"), r.getString("note")));
    }
    boolean truncated = out.size() > MAX_CHANGES;
    List<Change> latest = new ArrayList<>(out.subList(0, Math.min(out.size(), MAX_CHANGES)));
    java.util.Collections.reverse(latest);
    return new Changes(latest, truncated);
  }
}
