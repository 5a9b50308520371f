package com.tracesentinel.history;

import com.tracesentinel.ingest.HistoryUnavailable;
import com.tracesentinel.ingest.LookupService;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What the public look-up reads from the history (a code's latest sales) and writes to it (look-ups counted by day
 * and outcome). The counts are kept in memory and merged into {@code lookups_daily} by {@link #flush()}, which the
 * caller runs every few seconds: millions of look-ups a day cost a handful of small upserts, never a write each.
 */
public final class LookupQueries implements LookupService.SalesHistory, LookupService.Counts {
  /** Rows read to find the latest sales: enough to pair every return and double scan with its sale in practice. */
  static final int ROWS_SCANNED = 50;

  private record DayOutcome(LocalDate day, String outcome) {}

  /** Distinct codes counted between two flushes at most; further codes' look-ups go uncounted per code. */
  static final int MAX_PENDING_CODES = 100_000;

  private final Pool pool;
  private Map<DayOutcome, long[]> pending = new HashMap<>();
  private Map<java.nio.ByteBuffer, long[]> pendingCodes = new HashMap<>();

  public LookupQueries(Pool pool) {
    this.pool = pool;
  }

  /**
   * The code's latest sales that still count, by their own time, newest first: a sale undone by a RETURN and a
   * DOUBLE_SCAN (the same sale scanned twice) are left out, so the list agrees with the ledger's sale count.
   */
  @Override
  public CompletableFuture<List<LookupService.RecentSale>> recentSales(byte[] codeKey, int limit) {
    return pool.preparedQuery(Sql.RECENT_SALES).execute(Tuple.of(Buffer.buffer(codeKey), ROWS_SCANNED,
            (short) com.tracesentinel.code.CodeKey.partitionOf(codeKey)))
        .map(rows -> {
          List<Row> judged = new ArrayList<>();
          rows.forEach(judged::add);
          // Replayed in the order judged, as the ledger did: a return that took effect undid the latest counted sale
          // at its own site (a box sold in Beijing, then in Shenzhen, returned in Beijing, is the Shenzhen sale), or,
          // with none there, the latest counted sale (the returned split sale standing for the box's other ones).
          List<Row> open = new ArrayList<>();
          for (int i = judged.size() - 1; i >= 0; i--) {
            Row r = judged.get(i);
            if (Boolean.TRUE.equals(r.getBoolean("no_effect"))) {
              continue;
            }
            if (!"RETURN".equals(r.getString("type"))) {
              open.add(r);
            } else if (!open.isEmpty()) {
              int undone = open.size() - 1;
              for (int k = open.size() - 1; k >= 0; k--) {
                if (java.util.Objects.equals(r.getString("site_id"), open.get(k).getString("site_id"))) {
                  undone = k;
                  break;
                }
              }
              open.remove(undone);
            }
          }
          List<LookupService.RecentSale> sales = new ArrayList<>();
          for (Row r : open) {
            String name = r.getString("name");
            sales.add(new LookupService.RecentSale(r.getOffsetDateTime("scanned_at").toInstant(),
                name == null ? r.getString("site_id") : name, r.getString("region_name")));
          }
          // Returns pair in the order the ledger judged, but the public reads dates: an offline till's back-dated
          // upload, arriving last, was listed first and pushed a later sale out of the list.
          sales.sort(java.util.Comparator.comparing(LookupService.RecentSale::at).reversed());
          return sales.size() > limit ? List.copyOf(sales.subList(0, limit)) : sales;
        })
        .recover(err -> Future.failedFuture(DatabaseFailures.unavailable(err)
            ? new HistoryUnavailable("the sales of a code could not be read", err) : err))
        .toCompletionStage().toCompletableFuture();
  }

  /** Counts one look-up in memory; {@link #flush()} stores it. Cheap and safe from any thread. */
  @Override
  public synchronized void count(LocalDate day, LookupService.Outcome outcome) {
    pending.computeIfAbsent(new DayOutcome(day, outcome.name()), k -> new long[1])[0]++;
  }

  /** Counts one look-up of a code the ledger knows; beyond {@link #MAX_PENDING_CODES} distinct codes it is dropped. */
  @Override
  public synchronized void countCode(byte[] codeKey) {
    long[] n = pendingCodes.get(java.nio.ByteBuffer.wrap(codeKey));
    if (n != null) {
      n[0]++;
    } else if (pendingCodes.size() < MAX_PENDING_CODES) {
      pendingCodes.put(java.nio.ByteBuffer.wrap(codeKey), new long[] {1});
    }
  }

  /**
   * Adds the counts gathered since the last flush to {@code lookups_daily}, then the per-code counts to
   * {@code code_lookups}, one statement each. When one fails its counts are put back and go with the next flush (a
   * few keys a day, and codes up to {@link #MAX_PENDING_CODES}: nothing grows without bound).
   */
  public Future<Void> flush() {
    return flushDaily().compose(v -> flushCodes());
  }

  private Future<Void> flushCodes() {
    Map<java.nio.ByteBuffer, long[]> batch;
    synchronized (this) {
      if (pendingCodes.isEmpty()) {
        return Future.succeededFuture();
      }
      batch = pendingCodes;
      pendingCodes = new HashMap<>();
    }
    Buffer[] keys = new Buffer[batch.size()];
    Long[] counts = new Long[batch.size()];
    int i = 0;
    for (Map.Entry<java.nio.ByteBuffer, long[]> e : batch.entrySet()) {
      keys[i] = Buffer.buffer(e.getKey().array());
      counts[i++] = e.getValue()[0];
    }
    // Tuple.from: Tuple.of(Object, Object...) would spread the second array into separate parameters.
    return pool.preparedQuery(Sql.UPSERT_CODE_LOOKUPS).execute(Tuple.from(new Object[] {keys, counts}))
        .<Void>mapEmpty()
        .onFailure(err -> {
          synchronized (this) {
            batch.forEach((k, v) -> pendingCodes.computeIfAbsent(k, x -> new long[1])[0] += v[0]);
          }
        });
  }

  /** Stored look-ups of one code (0 when none). */
  public Future<Long> lookupsOf(byte[] codeKey) {
    return pool.preparedQuery(Sql.SELECT_CODE_LOOKUPS).execute(Tuple.of(Buffer.buffer(codeKey)))
        .map(rows -> rows.size() == 0 ? 0L : rows.iterator().next().getLong(0));
  }

  private Future<Void> flushDaily() {
    Map<DayOutcome, long[]> batch;
    synchronized (this) {
      if (pending.isEmpty()) {
        return Future.succeededFuture();
      }
      batch = pending;
      pending = new HashMap<>();
    }
    int n = batch.size();
    LocalDate[] days = new LocalDate[n];
    String[] outcomes = new String[n];
    Long[] counts = new Long[n];
    int i = 0;
    for (Map.Entry<DayOutcome, long[]> e : batch.entrySet()) {
      days[i] = e.getKey().day();
      outcomes[i] = e.getKey().outcome();
      counts[i] = e.getValue()[0];
      i++;
    }
    return pool.preparedQuery(Sql.UPSERT_LOOKUPS_DAILY).execute(Tuple.of(days, outcomes, counts))
        .<Void>mapEmpty()
        .onFailure(err -> {
          synchronized (this) {
            batch.forEach((k, v) -> pending.computeIfAbsent(k, x -> new long[1])[0] += v[0]);
          }
        });
  }

  /** The stored count of one day and outcome (0 when none): for tests; the service only writes these counts. */
  public Future<Long> stored(LocalDate day, String outcome) {
    return pool.preparedQuery(Sql.SELECT_LOOKUPS_DAILY)
        .execute(Tuple.of(day, outcome))
        .map(rows -> rows.size() == 0 ? 0L : rows.iterator().next().getLong(0));
  }
}
