package com.tracesentinel.history;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The code-sharing graph of sites in PostgreSQL (V6): kept up to date from the anomalies as they are committed
 * ({@link #fold}), read per query ({@link #edges}, {@link #ringCodes}, {@link #neighbours}). Two sites share a code
 * when both sold it: a REPEAT_SALE or SPLIT_ACROSS_SITES anomaly names the site that sold it before, and every site
 * a code has been sold at pairs with every other.
 */
public final class RingStore {
  /** The feed position this index keeps in feed_positions. */
  static final String FEED = "rings";
  /** A code sold at this many sites adds no more (see {@link Sql#RING_FOLD}). */
  public static final long MAX_SITES_PER_CODE = 64;
  /** The anomaly types whose conflicting scan is another sale of the same box. */
  static final Set<String> SHARING_TYPES = Set.of("REPEAT_SALE", "SPLIT_ACROSS_SITES");

  private final Pool pool;

  public RingStore(Pool pool) {
    this.pool = pool;
  }

  /** One fold: how many anomalies it read (a full batch means more may be waiting) and the position now. */
  public record Folded(int read, long position) {}

  public record Edge(String a, String b, long shared) {}

  public record RingCodes(long codes, List<String> samples) {}

  public record Neighbour(String siteId, long shared) {}

  /**
   * Folds the next anomalies after this index's position (at most {@code batch}) into the ring tables and moves the
   * position past them, in one transaction: each anomaly is counted exactly once, whatever fails or restarts. The
   * position's row is locked, so two services sharing a database never fold the same anomalies twice. It reads no
   * further than the newest id every smaller one of which is final ({@link #settledMaxId}), so that no anomaly a
   * cluster node commits late is skipped.
   */
  public Future<Folded> fold(int batch) {
    return settledMaxId().compose(upTo -> fold(batch, upTo));
  }

  /** The newest anomaly id every smaller one of which is final (AnomalyQueries.settledMaxId). */
  public Future<Long> settledMaxId() {
    return AnomalyQueries.settledMaxId(pool);
  }

  /** {@link #fold(int)} no further than {@code upTo}, an id {@link #settledMaxId()} returned. */
  public Future<Folded> fold(int batch, long upTo) {
    return pool.withTransaction(conn -> conn
        .preparedQuery(Sql.LOCK_FEED_POSITION).execute(Tuple.of(FEED))
        .compose(pos -> {
          long from = pos.iterator().next().getLong(0);
          return conn.preparedQuery(Sql.RING_BATCH).execute(Tuple.of(from, batch, upTo)).compose(rows -> {
            // A batch short of full reached upTo: the ids left between (rolled back) are never to be.
            long last = rows.size() < batch ? Math.max(from, upTo) : from;
            if (rows.size() == 0 && last == from) {
              return Future.succeededFuture(new Folded(0, from));
            }
            List<Buffer> keys = new ArrayList<>();
            List<String> sites = new ArrayList<>();
            List<OffsetDateTime> times = new ArrayList<>();
            List<String> canonicals = new ArrayList<>();
            for (Row r : rows) {
              last = Math.max(last, r.getLong("id"));
              String site = r.getString("site_id");
              String other = r.getString("conflict_site_id");
              OffsetDateTime at = r.getOffsetDateTime("scanned_at");
              OffsetDateTime otherAt = r.getOffsetDateTime("conflict_at");
              if (!SHARING_TYPES.contains(r.getString("type")) || site.equals(other) || at == null) {
                continue;
              }
              Buffer key = r.getBuffer("code_key");
              String canonical = r.getString("canonical");
              // A repeat sale the ledger cannot tie to one earlier sale (a return undid one of several open sales)
              // names no other site; its site still pairs with every site the code is indexed at (RING_FOLD).
              if (other != null && otherAt != null) {
                keys.add(key);
                sites.add(other);
                times.add(otherAt);
                canonicals.add(canonical);
              }
              keys.add(key);
              sites.add(site);
              times.add(at);
              canonicals.add(canonical);
            }
            long position = last;
            Future<Void> folded = keys.isEmpty() ? Future.succeededFuture() : fold(conn, keys, sites, times,
                canonicals);
            return folded.compose(v -> conn.preparedQuery(Sql.SAVE_FEED_POSITION).execute(Tuple.of(FEED, position)))
                .map(v -> new Folded(rows.size(), position));
          });
        }));
  }

  private static Future<Void> fold(SqlConnection conn, List<Buffer> keys, List<String> sites,
                                   List<OffsetDateTime> times, List<String> canonicals) {
    return conn.preparedQuery(Sql.RING_FOLD).execute(Tuple.of(keys.toArray(new Buffer[0]),
        sites.toArray(new String[0]), times.toArray(new OffsetDateTime[0]), canonicals.toArray(new String[0]),
        MAX_SITES_PER_CODE)).mapEmpty();
  }

  /** Pairs of sites with at least {@code minShared} codes shared in the range, most first, at most {@code max}. */
  public Future<List<Edge>> edges(long minShared, Instant from, Instant to, int max) {
    Tuple args = Tuple.of(minShared, max);
    range(args, from, to);
    return pool.preparedQuery(Sql.ringEdges(from != null, to != null)).execute(args).map(rows -> {
      List<Edge> out = new ArrayList<>(rows.size());
      rows.forEach(r -> out.add(new Edge(r.getString("site_a"), r.getString("site_b"), r.getLong("shared"))));
      return out;
    });
  }

  /**
   * For rings given as their edges ({@code ring[i]} is edge i's ring): each ring's distinct codes shared in the
   * range and up to {@code samples} of them, most recently shared first.
   */
  public Future<Map<Integer, RingCodes>> ringCodes(List<Edge> edges, int[] ring, Instant from, Instant to,
                                                   int samples) {
    if (edges.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    String[] a = new String[edges.size()];
    String[] b = new String[edges.size()];
    Integer[] r = new Integer[edges.size()];
    for (int i = 0; i < edges.size(); i++) {
      a[i] = edges.get(i).a();
      b[i] = edges.get(i).b();
      r[i] = ring[i];
    }
    Tuple args = Tuple.of(a, b, r, samples);
    range(args, from, to);
    return pool.preparedQuery(Sql.ringCodes(from != null, to != null)).execute(args).map(rows -> {
      Map<Integer, RingCodes> out = new HashMap<>();
      rows.forEach(row -> {
        String[] sample = row.getArrayOfStrings("samples");
        out.put(row.getInteger("ring"), new RingCodes(row.getLong("codes"),
            sample == null ? List.of() : List.of(sample)));
      });
      return out;
    });
  }

  /** The sites that share codes with {@code siteId} in the range, most first, at most {@code max}. */
  public Future<List<Neighbour>> neighbours(String siteId, Instant from, Instant to, int max) {
    Tuple args = Tuple.of(siteId, max);
    range(args, from, to);
    return pool.preparedQuery(Sql.siteNeighbours(from != null, to != null)).execute(args).map(rows -> {
      List<Neighbour> out = new ArrayList<>(rows.size());
      rows.forEach(r -> out.add(new Neighbour(r.getString("other"), r.getLong("shared"))));
      return out;
    });
  }

  private static void range(Tuple args, Instant from, Instant to) {
    if (from != null) {
      args.addOffsetDateTime(OffsetDateTime.ofInstant(from, ZoneOffset.UTC));
    }
    if (to != null) {
      args.addOffsetDateTime(OffsetDateTime.ofInstant(to, ZoneOffset.UTC));
    }
  }
}
