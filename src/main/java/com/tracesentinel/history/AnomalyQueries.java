package com.tracesentinel.history;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowStream;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The investigators' reads: the anomaly list (keyset pages and a streamed export), summaries, and one code's
 * stored scans with their anomalies. Every statement is in {@link Sql}; every one is served by an index
 * (load-tests/explain-10m/explain-10m.md).
 */
public final class AnomalyQueries {
  /** Rows fetched per round trip by the export's cursor. */
  static final int EXPORT_FETCH = 500;
  /** Bytes gathered before one chunk is written to the client. */
  static final int EXPORT_CHUNK = 32 * 1024;
  /** Most scans of one code returned (a normal box has a handful; a cloned code may have hundreds). */
  public static final int MAX_CODE_SCANS = 5000;

  private final Pool pool;

  public AnomalyQueries(Pool pool) {
    this.pool = pool;
  }

  /**
   * Filters of GET /api/v1/anomalies (and of its stream); null means not filtered. {@code region} is a prefix of 1–6
   * digits; {@code state} a case state; {@code voided} whether the anomaly's scan was voided by a 3507 deletion.
   */
  public record Filter(String type, String suspicion, String level, String siteId, String region, String product,
                       Instant from, Instant to, String state, Boolean voided) {
    /** The same test in memory, for anomalies the stream has read by id rather than through this filter's SQL. */
    public boolean matches(AnomalyRow a) {
      return (type == null || type.equals(a.type())) && (suspicion == null || suspicion.equals(a.suspicion()))
          && (level == null || level.equals(a.level())) && (siteId == null || siteId.equals(a.siteId()))
          && (region == null || a.region() != null && a.region().startsWith(region))
          && (product == null || product.equals(a.product()))
          && (from == null || a.scannedAt() != null && !a.scannedAt().isBefore(from))
          && (to == null || a.scannedAt() != null && a.scannedAt().isBefore(to))
          && (state == null || state.equals(a.state()))
          && (voided == null || voided == (a.voidedAt() != null));
    }
  }

  /** Keyset position: the last row of the previous page. */
  public record After(Instant scannedAt, long id) {}

  public record AnomalyRow(long id, Instant scannedAt, String type, String suspicion, String level,
                           String canonical, String product, String siteId, String region, String detail,
                           String conflictSiteId, String conflictDocumentNo, Instant conflictAt, String state,
                           Instant voidedAt) {}

  public record Group(String key, long count, long alerts, long warnings) {}

  public record CodeAnomaly(long id, String type, String suspicion, String level, String detail,
                            String conflictSiteId, String conflictDocumentNo, Instant conflictAt, String state) {}

  /** @param judgedSeq its place, from 1, in the order the ledger judged the code's stored scans (their ids') */
  public record CodeScan(long id, long judgedSeq, String status, String type, String siteId, String documentNo,
                         int lineNo, Instant scannedAt, Instant ingestedAt, int quantity, boolean split,
                         String deviceId, String billedDrug, String rawCode, String canonical, String product,
                         String error, String uploadBatch, Instant voidedAt, String linkedDocumentNo,
                         List<CodeAnomaly> anomalies) {}

  /** One page, newest first; asks for {@code limit + 1} rows so the caller knows whether another page exists. */
  public Future<List<AnomalyRow>> page(Filter f, After after, int limit) {
    String sql = sql(f, after != null, true);
    Tuple args = args(f, after);
    args.addInteger(limit + 1);
    return pool.preparedQuery(sql).execute(args).map(rows -> {
      List<AnomalyRow> out = new ArrayList<>(rows.size());
      rows.forEach(r -> out.add(row(r)));
      return out;
    });
  }

  /**
   * Streams every matching row, newest first, into {@code out} through a server-side cursor in a read-only
   * transaction: {@link #EXPORT_FETCH} rows per round trip, paused while {@code out}'s write queue is full, so
   * memory stays flat whatever the export's size. Completes with the row count once the last chunk is written
   * (the caller ends {@code out}); fails, and releases the connection, when {@code abandoned} completes first.
   * {@code header} is written once the statement is prepared, so a database failure before that can still be
   * answered with a problem.
   */
  public Future<Long> export(Filter f, String header, Function<AnomalyRow, String> format, WriteStream<Buffer> out,
                             Future<Void> abandoned) {
    String sql = sql(f, false, false);
    Tuple args = args(f, null);
    return pool.getConnection().compose(conn -> conn.begin()
        .compose(tx -> conn.prepare(sql)
            .compose(ps -> {
              // nothing is sent before the database has accepted the query: until here a failure is a problem
              out.write(Buffer.buffer(header));
              return pump(ps.createStream(EXPORT_FETCH, args), format, out, abandoned);
            })
            .compose(n -> tx.commit().map(n), e -> tx.rollback().transform(ignored -> Future.<Long>failedFuture(e))))
        .eventually(conn::close));
  }

  private static Future<Long> pump(RowStream<Row> rows, Function<AnomalyRow, String> format, WriteStream<Buffer> out,
                                   Future<Void> abandoned) {
    Promise<Long> done = Promise.promise();
    long[] count = {0};
    Buffer[] chunk = {Buffer.buffer(EXPORT_CHUNK + 1024)};
    abandoned.onComplete(v -> done.tryFail(new IllegalStateException("the client went away")));
    rows.exceptionHandler(done::tryFail);
    rows.endHandler(v -> {
      if (chunk[0].length() > 0) {
        out.write(chunk[0]).onFailure(done::tryFail);
      }
      done.tryComplete(count[0]);
    });
    rows.handler(r -> {
      if (done.future().isComplete()) {
        return;
      }
      chunk[0].appendString(format.apply(row(r)));
      count[0]++;
      if (chunk[0].length() >= EXPORT_CHUNK) {
        out.write(chunk[0]).onFailure(done::tryFail);
        chunk[0] = Buffer.buffer(EXPORT_CHUNK + 1024);
        if (out.writeQueueFull()) {
          rows.pause();
          out.drainHandler(v -> rows.resume());
        }
      }
    });
    return done.future().eventually(rows::close);
  }

  /** @param truncated more groups matched than {@code groups} holds */
  public record Summary(List<Group> groups, boolean truncated) {}

  /**
   * The first {@code limit} groups, largest first, or for {@code day}/{@code hour} the latest {@code limit} buckets
   * in time order; one more is asked for, only to know whether any was left out.
   */
  public Future<Summary> summary(String groupBy, Instant from, Instant to, int limit) {
    boolean timeSeries = groupBy.equals("day") || groupBy.equals("hour");
    String sql = groupBy.equals("state") ? Sql.stateSummary(from != null, to != null)
        : Sql.anomalySummary(groupBy, from != null, to != null, timeSeries);
    Tuple args = Tuple.tuple();
    if (from != null) {
      args.addOffsetDateTime(utc(from));
    }
    if (to != null) {
      args.addOffsetDateTime(utc(to));
    }
    args.addInteger(limit + 1);
    return pool.preparedQuery(sql).execute(args).map(rows -> {
      List<Group> out = new ArrayList<>(rows.size());
      for (Row r : rows) {
        if (out.size() == limit) {
          break;
        }
        Object key = r.getValue("key");
        String k = key instanceof OffsetDateTime t ? t.toInstant().toString() : String.valueOf(key);
        out.add(new Group(k, r.getLong("count"), r.getLong("alerts"), r.getLong("warnings")));
      }
      if (timeSeries) {
        java.util.Collections.reverse(out);
      }
      return new Summary(out, rows.size() > limit);
    });
  }

  /** A code's scans as listed, and whether it has more stored than these. */
  public record CodeScans(List<CodeScan> list, boolean truncated) {}

  /** Every stored scan of one code (the first {@link #MAX_CODE_SCANS}) in time order, each with its anomalies. */
  public Future<CodeScans> codeScans(byte[] codeKey) {
    Buffer key = Buffer.buffer(codeKey);
    // one row more than is listed, only to know whether any was left out: a code with exactly the maximum said so
    return pool.preparedQuery(Sql.CODE_SCANS).execute(Tuple.of(key, MAX_CODE_SCANS + 1,
            (short) com.tracesentinel.code.CodeKey.partitionOf(codeKey)))
        .compose(scans -> pool.preparedQuery(Sql.CODE_ANOMALIES).execute(Tuple.of(key, (Object) scanIds(scans)))
            .map(anomalies -> {
              Map<Long, List<CodeAnomaly>> byScan = new LinkedHashMap<>();
              anomalies.forEach(a -> byScan.computeIfAbsent(a.getLong("scan_id"), id -> new ArrayList<>())
                  .add(new CodeAnomaly(a.getLong("id"), a.getString("type"), a.getString("suspicion"),
                      a.getString("level"), a.getString("detail"), a.getString("conflict_site_id"),
                      a.getString("conflict_document_no"), instant(a.getOffsetDateTime("conflict_at")),
                      a.getString("state"))));
              List<CodeScan> out = new ArrayList<>(Math.min(scans.size(), MAX_CODE_SCANS));
              scans.forEach(s -> {
                if (out.size() == MAX_CODE_SCANS) {
                  return;
                }
                long id = s.getLong("id");
                out.add(new CodeScan(id, s.getLong("judged_seq"), s.getString("status"), s.getString("type"),
                    s.getString("site_id"), s.getString("document_no"), s.getInteger("line_no"),
                    instant(s.getOffsetDateTime("scanned_at")), instant(s.getOffsetDateTime("ingested_at")),
                    s.getInteger("quantity"), s.getBoolean("split"), s.getString("device_id"),
                    s.getString("billed_drug"), s.getString("raw_code"), s.getString("canonical"),
                    s.getString("product"), s.getString("error"), s.getString("upload_batch"),
                    instant(s.getOffsetDateTime("voided_at")), s.getString("linked_document_no"),
                    List.copyOf(byScan.getOrDefault(id, List.of()))));
              });
              return new CodeScans(out, scans.size() > MAX_CODE_SCANS);
            }));
  }

  /** The ids of the scans listed (the first {@link #MAX_CODE_SCANS}). */
  private static Long[] scanIds(io.vertx.sqlclient.RowSet<Row> scans) {
    Long[] ids = new Long[Math.min(scans.size(), MAX_CODE_SCANS)];
    int i = 0;
    for (Row s : scans) {
      if (i == ids.length) {
        break;
      }
      ids[i++] = s.getLong("id");
    }
    return ids;
  }

  private static String sql(Filter f, boolean after, boolean limit) {
    return Sql.anomalyList(f.type() != null, f.suspicion() != null, f.level() != null, f.siteId() != null,
        f.region() != null, f.product() != null, f.from() != null, f.to() != null, f.state() != null, f.voided(),
        after, limit);
  }

  /** Parameters in the order {@link Sql#anomalyList} numbers them. */
  private static Tuple args(Filter f, After after) {
    Tuple t = Tuple.tuple();
    if (f.type() != null) {
      t.addString(f.type());
    }
    if (f.suspicion() != null) {
      t.addString(f.suspicion());
    }
    if (f.level() != null) {
      t.addString(f.level());
    }
    if (f.siteId() != null) {
      t.addString(f.siteId());
    }
    if (f.region() != null) {
      t.addString(f.region() + "0".repeat(6 - f.region().length()));
      t.addString(f.region() + "9".repeat(6 - f.region().length()));
    }
    if (f.product() != null) {
      t.addString(f.product());
    }
    if (f.from() != null) {
      t.addOffsetDateTime(utc(f.from()));
    }
    if (f.to() != null) {
      t.addOffsetDateTime(utc(f.to()));
    }
    if (f.state() != null) {
      t.addString(f.state());
    }
    if (after != null) {
      t.addOffsetDateTime(utc(after.scannedAt()));
      t.addLong(after.id());
    }
    return t;
  }

  private static AnomalyRow row(Row r) {
    return new AnomalyRow(r.getLong("id"), instant(r.getOffsetDateTime("scanned_at")), r.getString("type"),
        r.getString("suspicion"), r.getString("level"), r.getString("canonical"), r.getString("product"),
        r.getString("site_id"), r.getString("region"), r.getString("detail"), r.getString("conflict_site_id"),
        r.getString("conflict_document_no"), instant(r.getOffsetDateTime("conflict_at")), r.getString("state"),
        instant(r.getOffsetDateTime("voided_at")));
  }

  // ---- the anomaly feed (stream, webhook) ----

  /** Anomalies with an id above {@code afterId} and at most {@code upTo} (a {@link #maxId()}), in id order. */
  public Future<List<AnomalyRow>> between(long afterId, long upTo, int limit) {
    return upTo <= afterId ? Future.succeededFuture(List.of())
        : pool.preparedQuery(Sql.ANOMALIES_AFTER).execute(Tuple.of(afterId, upTo, limit)).map(AnomalyQueries::rows);
  }

  private static final int ORDERED_READ_ATTEMPTS = 40;

  /**
   * The newest anomaly id, read once no writer that could still commit a smaller one is running (see
   * Sql.LOCK_ANOMALY_IDS_TO_READ): every id up to it is final, committed or never to be. The lock is held for this
   * one look-up only; its wait times out after 250 ms and is tried again, for about ten seconds in all.
   */
  static Future<Long> settledMaxId(Pool pool) {
    return settledMaxId(pool, ORDERED_READ_ATTEMPTS);
  }

  private static Future<Long> settledMaxId(Pool pool, int attempts) {
    return pool.withTransaction(conn -> conn.query(Sql.ANOMALY_IDS_READ_TIMEOUT).execute()
            .compose(v -> conn.query(Sql.LOCK_ANOMALY_IDS_TO_READ).execute())
            .compose(v -> conn.query(Sql.MAX_ANOMALY_ID).execute())
            .map(rows -> rows.iterator().next().getLong(0)))
        .recover(e -> attempts > 1 && e instanceof PgException pg
            && Sql.LOCK_NOT_AVAILABLE.equals(pg.getSqlState()) ? settledMaxId(pool, attempts - 1)
            : Future.failedFuture(e));
  }

  /** How many anomalies have an id above {@code afterId}, counted up to {@code cap} at most. */
  public Future<Long> countAfter(long afterId, long cap) {
    return pool.preparedQuery(Sql.COUNT_ANOMALIES_AFTER).execute(Tuple.of(afterId, cap))
        .map(rows -> rows.iterator().next().getLong(0));
  }

  /** The newest anomaly's id, 0 when there is none; every smaller id is final (see {@link #settledMaxId}). */
  public Future<Long> maxId() {
    return settledMaxId(pool);
  }

  static List<AnomalyRow> rows(io.vertx.sqlclient.RowSet<Row> rows) {
    List<AnomalyRow> out = new ArrayList<>(rows.size());
    rows.forEach(r -> out.add(row(r)));
    return out;
  }

  private static OffsetDateTime utc(Instant t) {
    return OffsetDateTime.ofInstant(t, ZoneOffset.UTC);
  }

  private static Instant instant(OffsetDateTime t) {
    return t == null ? null : t.toInstant();
  }
}
