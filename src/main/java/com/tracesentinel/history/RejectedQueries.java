package com.tracesentinel.history;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * The scans refused at intake (status REJECTED: a code that cannot be read, a time out of range), which the history
 * keeps so that investigators can see the sites and tills that submit garbage. Served by V13's partial indexes.
 */
public final class RejectedQueries {
  private final Pool pool;

  public RejectedQueries(Pool pool) {
    this.pool = pool;
  }

  /** A rejected scan as stored: what the client sent and why it was refused. */
  public record RejectedScan(long id, String siteId, String type, String rawCode, String canonical, String documentNo,
                             int lineNo, String deviceId, Instant scannedAt, Instant ingestedAt, String error,
                             String uploadBatch, Instant voidedAt) {}

  /** @param lastAt when the site's latest rejected scan arrived */
  public record SiteCount(String siteId, long count, Instant lastAt) {}

  /**
   * Rejected scans newest first, below {@code beforeId} (a page's last id, or {@link Long#MAX_VALUE}); arrival time
   * in [{@code from}, {@code to}) where given. Asks for {@code limit + 1} rows so the caller knows whether another
   * page exists.
   */
  public Future<List<RejectedScan>> page(String siteId, Instant from, Instant to, long beforeId, int limit) {
    Tuple args = Tuple.of(beforeId, utc(from), utc(to), limit + 1);
    if (siteId != null) {
      args.addString(siteId);
    }
    return pool.preparedQuery(siteId == null ? Sql.REJECTED_PAGE : Sql.REJECTED_PAGE_OF_SITE).execute(args)
        .map(rows -> {
          List<RejectedScan> out = new ArrayList<>(rows.size());
          for (Row r : rows) {
            out.add(new RejectedScan(r.getLong("id"), r.getString("site_id"), r.getString("type"),
                r.getString("raw_code"), r.getString("canonical"), r.getString("document_no"),
                r.getInteger("line_no"), r.getString("device_id"), instant(r.getOffsetDateTime("scanned_at")),
                instant(r.getOffsetDateTime("ingested_at")), r.getString("error"), r.getString("upload_batch"),
                instant(r.getOffsetDateTime("voided_at"))));
          }
          return out;
        });
  }

  /** Rejections per site, most first: {@code limit + 1} groups at most, so the caller can say the list was cut. */
  public Future<List<SiteCount>> bySite(Instant from, Instant to, int limit) {
    return pool.preparedQuery(Sql.REJECTED_BY_SITE).execute(Tuple.of(utc(from), utc(to), limit + 1)).map(rows -> {
      List<SiteCount> out = new ArrayList<>(rows.size());
      for (Row r : rows) {
        out.add(new SiteCount(r.getString("site_id"), r.getLong("count"), instant(r.getOffsetDateTime("last_at"))));
      }
      return out;
    });
  }

  private static OffsetDateTime utc(Instant t) {
    return t == null ? null : t.atOffset(ZoneOffset.UTC);
  }

  private static Instant instant(OffsetDateTime t) {
    return t == null ? null : t.toInstant();
  }
}
