package com.tracesentinel.history;

import com.tracesentinel.ingest.HistoryWriter;
import com.tracesentinel.ingest.IngestBatch;
import com.tracesentinel.ingest.OriginalLookup;
import com.tracesentinel.ingest.PendingScan;
import com.tracesentinel.ingest.ScanIds;
import com.tracesentinel.ingest.ScanInput;
import com.tracesentinel.ingest.ScanStatus;
import com.tracesentinel.ingest.StoredResult;
import com.tracesentinel.reference.Site;
import com.tracesentinel.rules.Anomaly;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The scan history in PostgreSQL: group commits, re-send look-ups and the monthly partitions. */
public final class HistoryStore implements HistoryWriter, OriginalLookup {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HistoryStore.class);
  private final Pool pool;
  private final ScanIds ids;
  private final java.util.function.IntFunction<Site> sites;

  public HistoryStore(Pool pool, ScanIds ids, java.util.function.IntFunction<Site> sites) {
    this.pool = pool;
    this.ids = ids;
    this.sites = sites;
  }

  public Pool pool() {
    return pool;
  }

  @Override
  public Future<Void> commit(List<IngestBatch> group, Future<Void> after) {
    List<PendingScan> stored = new ArrayList<>();
    OffsetDateTime ingestedAt = null;
    for (IngestBatch b : group) {
      if (ingestedAt == null) {
        ingestedAt = OffsetDateTime.ofInstant(Instant.now(), ZoneOffset.UTC);
      }
      for (PendingScan p : b.scans()) {
        if (p.status() == ScanStatus.REJECTED && p.scanId() == 0) {
          p.assignId(ids.next());
        }
        if (p.status() == ScanStatus.ACCEPTED || p.status() == ScanStatus.FLAGGED
            || p.status() == ScanStatus.REJECTED) {
          stored.add(p);
        }
      }
    }
    if (stored.isEmpty()) {
      return after;
    }
    Tuple scans = scanColumns(stored, ingestedAt);
    Tuple keys = keyColumns(stored);
    AnomalyColumns anomalies = anomalyColumns(stored);
    // Anomalies go in after the previous group committed: their conflicting scan may be in that group, and its
    // document number is looked up in SQL, which sees only committed rows of other transactions.
    return pool.withTransaction(conn -> conn.preparedQuery(Sql.INSERT_SCANS).execute(scans)
        .compose(r -> conn.preparedQuery(Sql.INSERT_SCAN_KEYS).execute(keys))
        .compose(r -> after)
        .compose(r -> {
      if (anomalies.count == 0) {
        return Future.succeededFuture();
      }
      return conn.preparedQuery(Sql.INSERT_ANOMALIES).execute(anomalies.tuple)
          .map(rows -> {
            anomalies.resolve(rows);
            return null;
          });
    })).mapEmpty();
  }

  private static Tuple scanColumns(List<PendingScan> stored, OffsetDateTime ingestedAt) {
    int n = stored.size();
    Long[] id = new Long[n];
    OffsetDateTime[] at = new OffsetDateTime[n];
    Buffer[] key = new Buffer[n];
    String[] canonical = new String[n];
    String[] product = new String[n];
    String[] raw = new String[n];
    String[] type = new String[n];
    String[] siteId = new String[n];
    Integer[] siteRef = new Integer[n];
    String[] doc = new String[n];
    Integer[] line = new Integer[n];
    Integer[] quantity = new Integer[n];
    Boolean[] split = new Boolean[n];
    String[] billed = new String[n];
    String[] settlement = new String[n];
    String[] device = new String[n];
    LocalDate[] expiry = new LocalDate[n];
    String[] status = new String[n];
    String[] error = new String[n];
    for (int i = 0; i < n; i++) {
      PendingScan p = stored.get(i);
      ScanInput in = p.input();
      id[i] = p.scanId();
      at[i] = OffsetDateTime.ofInstant(in.scannedAt(), ZoneOffset.UTC);
      key[i] = p.key() == null ? null : Buffer.buffer(p.key());
      canonical[i] = p.code() == null ? null : p.code().canonical();
      product[i] = p.code() == null ? null : p.code().productKey();
      raw[i] = in.code();
      type[i] = in.type().name();
      siteId[i] = in.siteId();
      siteRef[i] = p.site() == null ? null : p.site().ref();
      doc[i] = in.documentNo();
      line[i] = in.lineNo();
      quantity[i] = in.quantity();
      split[i] = in.split();
      billed[i] = in.billedDrug();
      settlement[i] = in.settlementId();
      device[i] = in.deviceId();
      expiry[i] = p.code() == null ? null : p.code().expiry();
      status[i] = p.status().name();
      error[i] = p.error();
    }
    return Tuple.from(new Object[] {id, at, ingestedAt, key, canonical, product, raw, type, siteId, siteRef, doc,
        line, quantity, split, billed, settlement, device, expiry, status, error});
  }

  /** The unique idempotency keys of the stored, judged scans (a rejected scan has none). */
  private static Tuple keyColumns(List<PendingScan> stored) {
    List<Buffer> idem = new ArrayList<>();
    List<Long> ids = new ArrayList<>();
    for (PendingScan p : stored) {
      if (p.status() != ScanStatus.REJECTED) {
        idem.add(Buffer.buffer(p.idempotencyHash()));
        ids.add(p.scanId());
      }
    }
    // Tuple.from: Tuple.of(Object, Object...) would spread the second array into separate parameters.
    return Tuple.from(new Object[] {idem.toArray(Buffer[]::new), ids.toArray(Long[]::new)});
  }

  private AnomalyColumns anomalyColumns(List<PendingScan> stored) {
    List<Long> scanId = new ArrayList<>();
    List<OffsetDateTime> at = new ArrayList<>();
    List<String> type = new ArrayList<>();
    List<String> suspicion = new ArrayList<>();
    List<String> level = new ArrayList<>();
    List<Buffer> key = new ArrayList<>();
    List<String> canonical = new ArrayList<>();
    List<String> product = new ArrayList<>();
    List<String> siteId = new ArrayList<>();
    List<String> region = new ArrayList<>();
    List<String> detail = new ArrayList<>();
    List<String> conflictSite = new ArrayList<>();
    List<OffsetDateTime> conflictAt = new ArrayList<>();
    Map<String, PendingScan> byScan = new HashMap<>();
    for (PendingScan p : stored) {
      if (p.anomalies().isEmpty()) {
        continue;
      }
      byScan.put(Long.toString(p.scanId()), p);
      for (Anomaly a : p.anomalies()) {
        scanId.add(p.scanId());
        at.add(OffsetDateTime.ofInstant(p.input().scannedAt(), ZoneOffset.UTC));
        type.add(a.type().name());
        suspicion.add(a.suspicion().name());
        level.add(a.level().name());
        key.add(Buffer.buffer(p.key()));
        canonical.add(p.code().canonical());
        product.add(p.code().productKey());
        siteId.add(p.input().siteId());
        region.add(p.site().regionCode());
        detail.add(a.detail());
        Site other = a.conflictsWith() == null ? null : sites.apply(a.conflictsWith().siteRef());
        conflictSite.add(other == null ? null : other.siteId());
        conflictAt.add(a.conflictsWith() == null ? null
            : OffsetDateTime.ofInstant(Instant.ofEpochSecond(a.conflictsWith().at()), ZoneOffset.UTC));
      }
    }
    Tuple tuple = Tuple.from(new Object[] {scanId.toArray(Long[]::new), at.toArray(OffsetDateTime[]::new),
        type.toArray(String[]::new), suspicion.toArray(String[]::new), level.toArray(String[]::new),
        key.toArray(Buffer[]::new), canonical.toArray(String[]::new), product.toArray(String[]::new),
        siteId.toArray(String[]::new), region.toArray(String[]::new), detail.toArray(String[]::new),
        conflictSite.toArray(String[]::new), conflictAt.toArray(OffsetDateTime[]::new)});
    return new AnomalyColumns(tuple, scanId.size(), byScan);
  }

  private record AnomalyColumns(Tuple tuple, int count, Map<String, PendingScan> byScan) {
    void resolve(RowSet<Row> rows) {
      for (Row row : rows) {
        PendingScan p = byScan.get(Long.toString(row.getLong("scan_id")));
        if (p != null) {
          p.resolveConflict(row.getString("type"), row.getString("conflict_document_no"));
        }
      }
    }
  }

  /** Blocking: called on a shard thread, never on an event loop. */
  @Override
  public List<StoredResult> find(List<PendingScan> scans) throws Exception {
    int n = scans.size();
    Buffer[] idem = new Buffer[n];
    Buffer[] keys = new Buffer[n];
    for (int i = 0; i < n; i++) {
      idem[i] = Buffer.buffer(scans.get(i).idempotencyHash());
      keys[i] = Buffer.buffer(scans.get(i).key());
    }
    RowSet<Row> rows = pool.preparedQuery(Sql.FIND_ORIGINALS).execute(Tuple.from(new Object[] {idem, keys}))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    List<StoredResult> results = new ArrayList<>(java.util.Collections.nCopies(n, null));
    long[] firstId = new long[n];
    List<List<StoredResult.StoredAnomaly>> anomalies = new ArrayList<>();
    String[] status = new String[n];
    for (int i = 0; i < n; i++) {
      anomalies.add(new ArrayList<>());
    }
    for (Row row : rows) {
      int i = (int) (row.getLong("i") - 1);
      long id = row.getLong("id");
      if (status[i] == null) {
        status[i] = row.getString("status");
        firstId[i] = id;
      } else if (firstId[i] != id) {
        continue; // a second stored copy (cannot normally happen): the first one is the original
      }
      if (row.getString("type") != null) {
        OffsetDateTime conflictAt = row.getOffsetDateTime("conflict_at");
        anomalies.get(i).add(new StoredResult.StoredAnomaly(row.getString("type"), row.getString("suspicion"),
            row.getString("level"), row.getString("detail"), row.getString("conflict_site_id"),
            row.getString("conflict_document_no"), conflictAt == null ? null : conflictAt.toInstant()));
      }
    }
    for (int i = 0; i < n; i++) {
      if (status[i] != null) {
        results.set(i, new StoredResult(ScanStatus.valueOf(status[i]), List.copyOf(anomalies.get(i))));
      }
    }
    return results;
  }

  /** Creates the month partitions around now, so current scans never land in the default partition. */
  public Future<Void> ensurePartitions(YearMonth now) {
    Future<Void> chain = Future.succeededFuture();
    for (int i = -1; i <= 2; i++) {
      YearMonth m = now.plusMonths(i);
      String name = String.format("scans_%04d_%02d", m.getYear(), m.getMonthValue());
      String sql = Sql.createMonthPartition(name, m.atDay(1) + " 00:00:00+00", m.plusMonths(1).atDay(1) + " 00:00:00+00");
      // A month whose rows already sit in the default partition cannot get its own: it stays there, harmlessly.
      chain = chain.compose(v -> pool.query(sql).execute().<Void>mapEmpty()
          .recover(e -> {
            LOG.warn("Partition {} not created ({}); its scans stay in scans_default", name, e.getMessage());
            return Future.<Void>succeededFuture();
          }));
    }
    return chain;
  }

  public Future<Void> ping() {
    return pool.query(Sql.PING).execute().mapEmpty();
  }
}
