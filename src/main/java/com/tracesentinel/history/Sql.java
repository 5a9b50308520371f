package com.tracesentinel.history;

/** Every SQL statement the service runs, in one place (schema: src/main/resources/db/migration). */
final class Sql {
  private Sql() {}

  // --- the core's writes and reads (JDBC, PostgresHistory) ---

  /** Binary COPY of a group's scans: the column order PgCopy rows are written in. */
  static final String COPY_SCANS = """
      COPY scans (id, part, scanned_at, ingested_at, code_key, idem, canonical, product, raw_code, type, site_id,
                  site_ref, document_no, line_no, quantity, split, billed_drug, settlement_id, device_id, expiry, status,
                  error, upload_batch, linked_document_no, pack_size)
      FROM STDIN (FORMAT binary)""";
  static final int SCAN_COLUMNS = 25;

  // --- NHSA 3507 deletions ---

  /** The stored, not yet voided scans of one upload (scans_upload_batch, a partial index in every partition). */
  static final String UPLOAD_SCANS = """
      SELECT id, code_key, canonical, product, type, status, scanned_at, document_no, site_ref
      FROM scans WHERE site_id = ? AND upload_batch = ? AND voided_at IS NULL""";

  /** Voids them: kept, no longer counted, and their idempotency hash freed for the corrected upload. */
  static final String VOID_SCANS = """
      UPDATE scans SET voided_at = ?, idem = NULL
      WHERE site_id = ? AND upload_batch = ? AND voided_at IS NULL AND id = ANY(?::int8[])""";

  /** The voided scans' anomalies say so (V12); a LATE_DELETION is about the deletion itself. */
  static final String MARK_ANOMALIES_VOIDED = """
      UPDATE anomalies SET voided_at = ?
      WHERE scan_id = ANY(?::int8[]) AND voided_at IS NULL AND type <> 'LATE_DELETION'""";

  /** LATE_DELETION anomalies: the deletion is the event (its time), the erased sale the scan it conflicts with. */
  static final String INSERT_LATE_DELETIONS = """
      INSERT INTO anomalies (scan_id, scanned_at, type, suspicion, level, code_key, canonical, product, site_id,
                             region, detail, conflict_site_id, conflict_at, conflict_document_no)
      SELECT d.scan_id, ?::timestamptz, 'LATE_DELETION', 'IRREGULAR', 'WARNING', d.code_key, d.canonical, d.product,
             d.site_id, d.region, d.detail, d.site_id, d.sale_at, d.document_no
      FROM unnest(?::int8[], ?::bytea[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[],
                  ?::text[])
        AS d(scan_id, code_key, canonical, product, site_id, region, detail, sale_at, document_no)""";

  // The ledger knows only where and when (to the second) the conflicting scan happened; its document number and its
  // own time (what the client sent, to the microsecond) are read here, in the same transaction, so it is found even
  // when that scan is in this very group: every stored sale and destruction of each code with an anomaly, read once
  // for the group (ConflictingScans picks each anomaly's), each marked when it is itself a double. The code's scans
  // are reached through the history's index on the code and sorted out row by row (an index that found the slot
  // directly cost 41 % of batched ingest), so a code with more than CONFLICT_SCANS_READ stored scans is not read:
  // its anomalies keep the ledger's site and second, without a document number, rather than make every new anomaly of
  // a copied code read every earlier copy.
  static final int CONFLICT_SCANS_READ = 1000;
  static final String CONFLICT_CANDIDATES = """
      SELECT u.i, y.id, y.site_id, y.document_no, y.scanned_at,
             EXISTS (SELECT 1 FROM anomalies x WHERE x.scan_id = y.id
                       AND x.type IN ('DOUBLE_SCAN', 'SOLD_AFTER_DESTROY'))
      FROM unnest(?::int2[], ?::bytea[]) WITH ORDINALITY AS u(part, code_key, i)
      CROSS JOIN LATERAL (
        SELECT r.*, count(*) OVER () AS read FROM (
          SELECT s.id, s.site_id, s.document_no, s.scanned_at, s.type, s.status, s.voided_at FROM scans s
          WHERE s.part = u.part AND s.code_key = u.code_key LIMIT %d) r) y
      WHERE y.read <= %d AND y.status <> 'REJECTED' AND y.voided_at IS NULL AND y.type IN ('SALE', 'DESTROY')"""
      .formatted(CONFLICT_SCANS_READ + 1, CONFLICT_SCANS_READ);

  static final String INSERT_ANOMALIES = """
      INSERT INTO anomalies (scan_id, scanned_at, type, suspicion, level, code_key, canonical, product, site_id,
                             region, detail, conflict_site_id, conflict_at, conflict_document_no)
      SELECT * FROM unnest(?::int8[], ?::timestamptz[], ?::text[], ?::text[], ?::text[], ?::bytea[], ?::text[],
                           ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::text[])""";

  /** What a lost commit's anomalies resolved their conflicts to. */
  static final String ANOMALY_CONFLICTS = """
      SELECT scan_id, type, conflict_document_no, conflict_at FROM anomalies WHERE scan_id = ANY(?::int8[])""";

  // The first stored scan with each (code, idempotency hash), by the history's unique index; u.i says which asked
  // scan a row answers.
  static final String FIND_ORIGINALS = """
      SELECT u.i, s.id, s.status, a.type, a.suspicion, a.level, a.detail, a.conflict_site_id,
             a.conflict_document_no, a.conflict_at
      FROM unnest(?::bytea[], ?::bytea[], ?::int2[]) WITH ORDINALITY AS u(code_key, idem, part, i)
      JOIN scans s ON s.part = u.part AND s.code_key = u.code_key AND s.idem = u.idem
      LEFT JOIN anomalies a ON a.scan_id = s.id
      ORDER BY u.i, a.id""";

  /**
   * The group's marker, written in its own transaction (see V8; as its first statement, so that BEGIN rides with
   * it): the row exists exactly when the group committed. The same statement drops this writer's markers of earlier
   * groups, whose outcome nobody asks any more: those from the last group known to have committed on (every older
   * one went with it). Without that lower bound the delete walked every dead marker entry left since the last vacuum,
   * one per group, and grew to 1-2 ms of the server's CPU a group between autovacuum runs.
   */
  static final String MARK_COMMIT = """
      WITH done AS (DELETE FROM commit_markers WHERE writer = ? AND group_id >= ? AND group_id < ?)
      INSERT INTO commit_markers (writer, group_id) VALUES (?, ?)""";

  /**
   * A small group's marker and scan rows (from arrays) in one statement, BEGIN riding with it: with COMMIT, two round
   * trips instead of COPY's four (marker, COPY's two, COMMIT); small groups are where round trips are the wait, as
   * single-scan requests wait for a group commit. COMMIT stays a message of its own: sent with the rows, a database
   * that stalls while storing them would leave the group in doubt (answerable only once the database is back) where
   * today it certainly did not commit and is answered 503 at once.
   */
  static final String MARK_INSERT = """
      WITH done AS (DELETE FROM commit_markers WHERE writer = ? AND group_id >= ? AND group_id < ?),
           mark AS (INSERT INTO commit_markers (writer, group_id) VALUES (?, ?))
      INSERT INTO scans (id, part, scanned_at, ingested_at, code_key, idem, canonical, product, raw_code, type, site_id,
                         site_ref, document_no, line_no, quantity, split, billed_drug, settlement_id, device_id, expiry,
                         status, error, upload_batch, linked_document_no, pack_size)
      SELECT * FROM unnest(?::int8[], ?::int2[], ?::timestamptz[], ?::timestamptz[], ?::bytea[], ?::bytea[], ?::text[],
                           ?::text[], ?::text[], ?::text[], ?::text[], ?::int4[], ?::text[], ?::int4[], ?::int4[],
                           ?::bool[], ?::text[], ?::text[], ?::text[], ?::date[], ?::text[], ?::text[], ?::text[],
                           ?::text[], ?::int4[])""";

  /**
   * Resolves a commit whose answer was lost: waits for the group's transaction if it still runs (the unique index),
   * then inserts nothing when the group committed, or the marker when it did not, so that it never can later.
   */
  static final String RESOLVE_COMMIT = """
      INSERT INTO commit_markers (writer, group_id) VALUES (?, ?) ON CONFLICT DO NOTHING""";
  /** Each writer keeps its latest marker, so this is the highest group any writer committed. */
  static final String HIGHEST_COMMITTED_GROUP = "SELECT coalesce(max(group_id), 0) FROM commit_markers";
  static final String RESOLVE_LOCK_TIMEOUT = "SET lock_timeout = 1500";

  /** Stored, judged scans of some codes, grouped by code in judging order, for re-deriving their states. */
  static final String SCANS_OF_CODES = """
      SELECT code_key, idem, id, type, product, expiry, site_ref, scanned_at, quantity, split, billed_drug,
             settlement_id IS NOT NULL AS reimbursed, pack_size
      FROM scans WHERE part = ANY(?::int2[]) AND code_key = ANY(?) AND status IN ('ACCEPTED', 'FLAGGED')
        AND voided_at IS NULL AND id <> ALL(?::int8[])
      ORDER BY code_key, id""";

  // Whether each (code, site) has a stored sale that SCANS_OF_CODES would stream: one row back per pair at most, however
  // many scans the code has; found through an index on the code, the site and type read from the code's rows.
  static final String SOLD_AT = """
      SELECT u.i FROM unnest(?::bytea[], ?::int4[], ?::int2[]) WITH ORDINALITY AS u(code_key, site_ref, part, i)
      WHERE EXISTS (SELECT 1 FROM scans s WHERE s.part = u.part AND s.code_key = u.code_key
                      AND s.site_ref = u.site_ref AND s.type = 'SALE' AND s.status IN ('ACCEPTED', 'FLAGGED')
                      AND s.voided_at IS NULL)""";

  static final String ALL_SCANS = """
      SELECT code_key, idem, id, type, product, expiry, site_ref, scanned_at, quantity, split, billed_drug,
             settlement_id IS NOT NULL AS reimbursed, pack_size
      FROM scans WHERE code_key IS NOT NULL AND status IN ('ACCEPTED', 'FLAGGED') AND voided_at IS NULL
      ORDER BY code_key, id""";

  static final String PARTITION_SCANS = """
      SELECT code_key, idem, id, type, product, expiry, site_ref, scanned_at, quantity, split, billed_drug,
             settlement_id IS NOT NULL AS reimbursed, pack_size
      FROM scans WHERE part = ANY(?::int2[]) AND status IN ('ACCEPTED', 'FLAGGED') AND voided_at IS NULL
      ORDER BY code_key, id""";

  // --- cluster: partition ownership ---

  /** Inside a group commit: the owners of the partitions it writes, locked against a takeover until it ends. */
  // ---- cluster mode: who owns which code partition (history.OwnerTable) ----

  static final String TAKE_OVER_PARTITIONS = """
      UPDATE partition_owners SET owner = ?, owner_url = ?, epoch = epoch + 1, since = now()
      WHERE part = ANY(?::int2[]) RETURNING part, epoch""";
  static final String RELEASE_PARTITION = """
      UPDATE partition_owners SET owner = NULL, owner_url = NULL, epoch = epoch + 1, since = now()
      WHERE part = ? AND owner = ? AND epoch = ?""";
  static final String PARTITION_OWNERS = "SELECT part, owner, owner_url, epoch FROM partition_owners ORDER BY part";
  static final String PARTITIONS_EVER_TAKEN = "SELECT EXISTS (SELECT 1 FROM partition_owners WHERE epoch > 0)";

  static final String FENCE = "SELECT part, owner, epoch FROM partition_owners WHERE part = ANY(?::int2[]) FOR SHARE";

  static final String COUNT_STORED_SCANS =
      "SELECT count(*) FROM scans WHERE code_key IS NOT NULL AND status IN ('ACCEPTED', 'FLAGGED') AND voided_at IS NULL";

  static final String ANY_STORED_SCAN =
      "SELECT count(*) FROM (SELECT 1 FROM scans WHERE code_key IS NOT NULL AND status IN ('ACCEPTED', 'FLAGGED') "
      + "AND voided_at IS NULL LIMIT 1) x";

  // --- public look-ups (verify) ---

  // A code's latest sales and returns, newest first, with where they happened and whether each one left the code's
  // sale count alone (a DOUBLE_SCAN is the same sale scanned twice; a RETURN_MISMATCH return undid nothing), so the
  // caller can show exactly the sales the ledger's saleCount counts. A double scan whose first scan an upload
  // deletion has voided since is that sale now (the deletion re-derived the code's state without it), so it counts.
  // Reads every sale and return of the code through scans_code_idem (no index orders a code's rows by id since V4
  // dropped scans_code), and anomalies_scan; never reads a patient, settlement, document or device column.
  static final String RECENT_SALES = """
      SELECT s.type, s.scanned_at, s.site_id, st.name, st.region_name,
             EXISTS (SELECT 1 FROM anomalies a WHERE a.scan_id = s.id
                       AND (a.type = 'RETURN_MISMATCH'
                            OR a.type = 'DOUBLE_SCAN' AND EXISTS (
                              SELECT 1 FROM scans c
                              WHERE c.part = s.part AND c.code_key = s.code_key AND c.site_id = a.conflict_site_id
                                AND c.scanned_at >= a.conflict_at AND c.scanned_at < a.conflict_at + interval '1 second'
                                AND c.id < s.id AND c.type = 'SALE' AND c.status <> 'REJECTED'
                                AND c.voided_at IS NULL))) AS no_effect
      FROM scans s LEFT JOIN sites st ON st.ref = s.site_ref
      WHERE s.part = $3 AND s.code_key = $1 AND s.type IN ('SALE', 'RETURN') AND s.status IN ('ACCEPTED', 'FLAGGED')
        AND s.voided_at IS NULL
      ORDER BY s.id DESC
      LIMIT $2
      """;

  // Look-ups counted by day and outcome, merged into the running totals: one statement per flush, never per look-up.
  static final String UPSERT_LOOKUPS_DAILY = """
      INSERT INTO lookups_daily (day, outcome, count)
      SELECT * FROM unnest($1::date[], $2::text[], $3::int8[])
      ON CONFLICT (day, outcome) DO UPDATE SET count = lookups_daily.count + excluded.count
      """;

  static final String UPSERT_CODE_LOOKUPS = """
      INSERT INTO code_lookups (code_key, count)
      SELECT * FROM unnest($1::bytea[], $2::int8[])
      ON CONFLICT (code_key) DO UPDATE SET count = code_lookups.count + excluded.count
      """;

  static final String SELECT_CODE_LOOKUPS = "SELECT count FROM code_lookups WHERE code_key = $1";

  static final String SELECT_LOOKUPS_DAILY = "SELECT count FROM lookups_daily WHERE day = $1 AND outcome = $2";

  // --- end of public look-ups ---

  static final String SELECT_SITES = "SELECT ref, site_id, name, kind, region_code, region_name FROM sites";

  static final String SELECT_PRODUCTS = """
      SELECT product_key, drug_code, generic_name, brand_name, spec, manufacturer, pack_size FROM products
      """;

  static final String SELECT_PRODUCTS_NAMED = SELECT_PRODUCTS + "WHERE product_key = ANY($1::text[])";

  static final String UPSERT_SITES = """
      INSERT INTO sites (site_id, name, kind, region_code, region_name)
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
      ON CONFLICT (site_id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
        region_code = excluded.region_code, region_name = excluded.region_name, updated_at = now()
      RETURNING ref, site_id, name, kind, region_code, region_name
      """;

  /**
   * A null pack size is one not sent: the stored one is kept, and a new product is a pack of 1. Those products are
   * an insert of their own that leaves pack_size to the row it meets once that row is locked: read beforehand in a
   * sub-select, it was the statement snapshot's, so an upload setting it that committed in between had its size
   * overwritten by the older one (by 1 when both uploads created the product).
   */
  static final String UPSERT_PRODUCTS = """
      WITH u AS (
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int4[])
          AS u(k, d, g, b, s, m, p)
      ), kept AS (
        INSERT INTO products (product_key, drug_code, generic_name, brand_name, spec, manufacturer)
        SELECT k, d, g, b, s, m FROM u WHERE p IS NULL
        ON CONFLICT (product_key) DO UPDATE SET %1$s
        RETURNING %2$s
      ), sent AS (
        INSERT INTO products (product_key, drug_code, generic_name, brand_name, spec, manufacturer, pack_size)
        SELECT k, d, g, b, s, m, p FROM u WHERE p IS NOT NULL
        ON CONFLICT (product_key) DO UPDATE SET %1$s, pack_size = excluded.pack_size
        RETURNING %2$s
      )
      SELECT * FROM kept UNION ALL SELECT * FROM sent
      """.formatted("drug_code = excluded.drug_code, generic_name = excluded.generic_name, "
          + "brand_name = excluded.brand_name, spec = excluded.spec, manufacturer = excluded.manufacturer, "
          + "updated_at = now()", "product_key, drug_code, generic_name, brand_name, spec, manufacturer, pack_size");

  static final String INSERT_KEY = "INSERT INTO api_keys (id, key_hash, role, site_id, label) VALUES ($1, $2, $3, $4, $5)";
  static final String FIND_KEY = "SELECT id, role, site_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL";
  static final String REVOKE_KEY = "UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING key_hash";
  static final String COUNT_ADMIN_KEYS = "SELECT count(*) FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL";

  // --- investigators (anomaly queries, summaries, a code's events) ---

  static final String ANOMALY_COLUMNS = """
      SELECT id, scanned_at, type, suspicion, level, canonical, product, site_id, region, detail,
             conflict_site_id, conflict_document_no, conflict_at, state, voided_at
      FROM anomalies""";

  /**
   * The anomaly list: only the filters given become predicates (each parameter is bound, never spliced), so the
   * planner picks the index of the most selective one: anomalies_site, _region (text_pattern_ops range), _product,
   * _type, _suspicion, _level (V2) or _time, all ordered (scanned_at DESC, id DESC) for the keyset. {@code limit}
   * 0 means no LIMIT (the CSV export streams everything through a cursor). {@code voided}, when given, is a predicate
   * without a parameter, checked on the rows an index yields (few anomalies are of voided scans).
   */
  static String anomalyList(boolean type, boolean suspicion, boolean level, boolean site, boolean region,
                            boolean product, boolean from, boolean to, boolean state, Boolean voided, boolean after,
                            boolean limit) {
    StringBuilder sql = new StringBuilder(ANOMALY_COLUMNS);
    java.util.List<String> where = new java.util.ArrayList<>();
    int n = 0;
    if (type) {
      where.add("type = $" + (++n));
    }
    if (suspicion) {
      where.add("suspicion = $" + (++n));
    }
    if (level) {
      where.add("level = $" + (++n));
    }
    if (site) {
      where.add("site_id = $" + (++n));
    }
    if (region) {
      // region codes are 6 digits: a prefix p is the range [p000000, p999999] in text_pattern_ops order
      where.add("region ~>=~ $" + (++n) + " AND region ~<=~ $" + (++n));
    }
    if (product) {
      where.add("product = $" + (++n));
    }
    if (from) {
      where.add("scanned_at >= $" + (++n));
    }
    if (to) {
      where.add("scanned_at < $" + (++n));
    }
    if (state) {
      where.add("state = $" + (++n));
    }
    if (voided != null) {
      where.add(voided ? "voided_at IS NOT NULL" : "voided_at IS NULL");
    }
    if (after) {
      where.add("(scanned_at, id) < ($" + (++n) + ", $" + (++n) + ")");
    }
    if (!where.isEmpty()) {
      sql.append("\nWHERE ").append(String.join("\n  AND ", where));
    }
    sql.append("\nORDER BY scanned_at DESC, id DESC");
    if (limit) {
      sql.append("\nLIMIT $").append(++n);
    }
    return sql.toString();
  }

  /**
   * Counts per group over a time range: index-only on anomalies_summary (V2: scanned_at INCLUDE the grouping
   * columns and level). {@code key} is one of the fixed expressions of {@link #SUMMARY_KEYS}, never client text.
   */
  static String anomalySummary(String groupBy, boolean from, boolean to, boolean timeSeries) {
    String key = SUMMARY_KEYS.get(groupBy);
    if (key == null) {
      throw new IllegalArgumentException(groupBy);
    }
    java.util.List<String> where = new java.util.ArrayList<>();
    int n = 0;
    if (from) {
      where.add("scanned_at >= $" + (++n));
    }
    if (to) {
      where.add("scanned_at < $" + (++n));
    }
    return "SELECT " + key + " AS key, count(*) AS count, count(*) FILTER (WHERE level = 'ALERT') AS alerts,\n"
        + "       count(*) FILTER (WHERE level = 'WARNING') AS warnings\nFROM anomalies"
        + (where.isEmpty() ? "" : "\nWHERE " + String.join(" AND ", where))
        + "\nGROUP BY 1\nORDER BY " + (timeSeries ? "1 DESC" : "2 DESC, 1") + "\nLIMIT $" + (++n);
  }

  static final java.util.Map<String, String> SUMMARY_KEYS = java.util.Map.of(
      "site", "site_id",
      "region", "region",
      "product", "product",
      "type", "type",
      "suspicion", "suspicion",
      "state", "state",
      "day", "date_trunc('day', scanned_at, 'UTC')",
      "hour", "date_trunc('hour', scanned_at, 'UTC')");

  /**
   * One code's stored scans in time order, the first $2 (scans_code_idem in its partition, and in the default one
   * for its REJECTED scans, V16), each with its place in judging order among all of them: a back-dated upload is
   * judged after scans it precedes, against them.
   */
  static final String CODE_SCANS = """
      SELECT * FROM (
        SELECT id, status, type, site_id, document_no, line_no, scanned_at, ingested_at, quantity, split, device_id,
               billed_drug, raw_code, canonical, product, error, upload_batch, voided_at, linked_document_no,
               row_number() OVER (ORDER BY id) AS judged_seq
        FROM scans WHERE (part = $3 OR part IS NULL) AND code_key = $1) s
      ORDER BY scanned_at, id
      LIMIT $2
      """;

  /**
   * The anomalies of one code's listed scans (anomalies_code): a code with more scans than are listed has anomalies
   * that no listed scan carries, and they are not read.
   */
  static final String CODE_ANOMALIES = """
      SELECT id, scan_id, type, suspicion, level, detail, conflict_site_id, conflict_document_no, conflict_at, state
      FROM anomalies WHERE code_key = $1 AND scan_id = ANY($2::int8[])
      ORDER BY scan_id, id
      """;

  // --- end of investigators ---

  // --- investigators: the anomaly feed, rings and cases (V6) ---

  /**
   * Anomaly counts by case state over a time range. OPEN is the range's total (index-only on anomalies_summary)
   * minus the worked-on states (the small partial index anomalies_case), both read in one snapshot.
   */
  static String stateSummary(boolean from, boolean to) {
    java.util.List<String> range = new java.util.ArrayList<>();
    int n = 0;
    if (from) {
      range.add("scanned_at >= $" + (++n));
    }
    if (to) {
      range.add("scanned_at < $" + (++n));
    }
    String and = range.isEmpty() ? "" : " AND " + String.join(" AND ", range);
    String where = range.isEmpty() ? "" : "\n  WHERE " + String.join(" AND ", range);
    return """
        WITH total AS (
          SELECT count(*) AS count, count(*) FILTER (WHERE level = 'ALERT') AS alerts,
                 count(*) FILTER (WHERE level = 'WARNING') AS warnings
          FROM anomalies%s),
        worked AS (
          SELECT state AS key, count(*) AS count, count(*) FILTER (WHERE level = 'ALERT') AS alerts,
                 count(*) FILTER (WHERE level = 'WARNING') AS warnings
          FROM anomalies WHERE state <> 'OPEN'%s
          GROUP BY state),
        open AS (
          SELECT 'OPEN' AS key, t.count - coalesce(sum(w.count), 0) AS count,
                 t.alerts - coalesce(sum(w.alerts), 0) AS alerts, t.warnings - coalesce(sum(w.warnings), 0) AS warnings
          FROM total t LEFT JOIN worked w ON true
          GROUP BY t.count, t.alerts, t.warnings)
        SELECT key, count::int8 AS count, alerts::int8 AS alerts, warnings::int8 AS warnings
        FROM (SELECT * FROM open UNION ALL SELECT * FROM worked) g
        WHERE count > 0
        ORDER BY 2 DESC, 1
        LIMIT $%d""".formatted(where, and, n + 1);
  }

  /**
   * Anomaly ids in commit order. An id is drawn from a sequence when the row is inserted, so with several writers
   * (cluster nodes) a larger id can commit before a smaller one, and a reader that had moved its position past the
   * larger would never see the smaller. Every transaction that inserts anomalies holds this advisory lock shared
   * from before its first insert; a reader of "the anomalies after my position" takes it exclusively first. It then
   * reads only once every writer that could have drawn a smaller id has ended, and writers after it draw larger ids.
   *
   * <p>A reader holds it only to read the newest id (every id up to that one is then final) and reads the rows up to
   * that id afterwards, so writers wait for a single index look-up. It waits at most {@link #ANOMALY_IDS_READ_TIMEOUT}
   * for the lock, then lets go and tries again: writers that ask for it while a reader waits queue behind the reader,
   * so a writer that hangs while holding it (a frozen cluster node, until PostgreSQL ends its idle transaction) must
   * not hold every other node's commits behind the reader for longer than that, well inside the commit stall limit
   * (TRACESENTINEL_DB_STALL_MS, 1.5 s by default).
   */
  private static final long ANOMALY_IDS_LOCK = 0x5453_4149L;
  static final String LOCK_ANOMALY_IDS_TO_WRITE = "SELECT pg_advisory_xact_lock_shared(" + ANOMALY_IDS_LOCK + ")";
  static final String ANOMALY_IDS_READ_TIMEOUT = "SET LOCAL lock_timeout = '250ms'";
  static final String LOCK_ANOMALY_IDS_TO_READ = "SELECT pg_advisory_xact_lock(" + ANOMALY_IDS_LOCK + ")";
  /** SQLSTATE of a lock wait that ran into lock_timeout. */
  static final String LOCK_NOT_AVAILABLE = "55P03";

  /** The newest anomaly's id (the primary key's last entry); 0 when there is none. */
  static final String MAX_ANOMALY_ID = "SELECT coalesce(max(id), 0) FROM anomalies";

  /**
   * Anomalies committed after a position, in id order (the primary key), up to an id read under
   * {@link #LOCK_ANOMALY_IDS_TO_READ} (every id up to it final): the feed's tail and a stream's replay.
   */
  static final String ANOMALIES_AFTER = ANOMALY_COLUMNS + """

      WHERE id > $1 AND id <= $2
      ORDER BY id
      LIMIT $3""";

  /** How many anomalies follow a position, counting no further than the cap (an index-only scan of the key). */
  static final String COUNT_ANOMALIES_AFTER =
      "SELECT count(*) FROM (SELECT 1 FROM anomalies WHERE id > $1 ORDER BY id LIMIT $2) x";

  static final String LOCK_FEED_POSITION = "SELECT last_id FROM feed_positions WHERE name = $1 FOR UPDATE";
  static final String SAVE_FEED_POSITION = "UPDATE feed_positions SET last_id = $2 WHERE name = $1";

  /** Written as :counted_sale: a scan that makes its site one the code was sold at (a sale, stored, not voided). */
  private static final String COUNTED_SALE = "s.type = 'SALE' AND s.status <> 'REJECTED' AND s.voided_at IS NULL";
  /** Written as :part_of_u: u.code_key's partition (code.CodeKey.partitionOf, as in V4), to read one partition. */
  private static final String PART_OF_U_CODE_KEY = "(((get_byte(u.code_key, 0) << 24) | (get_byte(u.code_key, 1) << 16)"
      + " | (get_byte(u.code_key, 2) << 8) | get_byte(u.code_key, 3)) % 32 + 32) % 32";

  /**
   * Serialises an upload deletion's {@link #RING_UNFOLD} with the ring index's folds (which lock the same row): a
   * fold either sees the voided scans or has committed its rows before the unfold reads them.
   */
  static final String LOCK_RINGS_FEED = LOCK_FEED_POSITION.replace("$1", "'" + RingStore.FEED + "'");

  /**
   * Takes an upload deletion's voided sales out of the ring index, in the deletion's transaction: a (code, site) left
   * with no counted sale leaves ring_code_sites, its pairs with the code's other sites leave ring_codes, and those
   * pairs' totals shrink by as much (a pair left at 0 is never a ring: minShared is at least 1). The site's first_at
   * of a code it still sold stays as it was.
   */
  static final String RING_UNFOLD = """
      WITH voided AS (
        SELECT DISTINCT u.code_key, u.site_id FROM scans u
        WHERE u.site_id = ? AND u.upload_batch = ? AND u.id = ANY(?::int8[]) AND u.type = 'SALE'
          AND u.code_key IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM scans s WHERE s.part = u.part AND s.code_key = u.code_key
                            AND s.site_id = u.site_id AND :counted_sale)),
      gone AS (
        DELETE FROM ring_code_sites r USING voided v WHERE r.code_key = v.code_key AND r.site_id = v.site_id
        RETURNING r.code_key, r.site_id),
      unpaired AS (
        DELETE FROM ring_codes c USING gone g, ring_code_sites o
        WHERE o.code_key = g.code_key AND o.site_id <> g.site_id AND c.site_a = least(g.site_id, o.site_id)
          AND c.site_b = greatest(g.site_id, o.site_id) AND c.code_key = g.code_key
        RETURNING c.site_a, c.site_b)
      UPDATE ring_pairs p SET codes = p.codes - d.n
      FROM (SELECT site_a, site_b, count(*) AS n FROM unpaired GROUP BY site_a, site_b) d
      WHERE p.site_a = d.site_a AND p.site_b = d.site_b""".replace(":counted_sale", COUNTED_SALE);

  /** What the ring index needs of each anomaly in a batch. */
  static final String RING_BATCH = """
      SELECT id, type, code_key, canonical, site_id, scanned_at, conflict_site_id, conflict_at
      FROM anomalies
      WHERE id > $1 AND id <= $3
      ORDER BY id
      LIMIT $2""";

  /**
   * Folds one batch's (code, site, first sold) facts into the ring tables in one statement. A (code, site) not seen
   * before pairs with every site that already had the code (the snapshot: rows stored before this statement) and
   * with the other new sites of the same code; each (pair, code) row is added once (ON CONFLICT), and the pairs'
   * totals grow by the rows actually added. A code already at $5 sites adds no more: a code cloned onto a print
   * run's worth of sites would join every one of them into a single ring, and is plain enough in the anomaly list.
   * Whether a site's sale still counts is asked last (OFFSET 0 keeps it after the other filters), once a (code, site)
   * and only for one the index lacks: asked of every anomaly, a batch holding a copied code's read all of the code's
   * stored scans (2,002 of 2,002 in RingFoldTest), each batch again.
   * A site whose sales of the code were all voided (NHSA 3507) by the time the anomaly is folded adds nothing; one
   * voided after it was folded is taken out by {@link #RING_UNFOLD}.
   */
  static final String RING_FOLD = """
      WITH cand AS (
        SELECT * FROM (
          SELECT * FROM (
            SELECT DISTINCT ON (code_key, site_id) code_key, site_id, at, canonical
            FROM unnest($1::bytea[], $2::text[], $3::timestamptz[], $4::text[]) AS u(code_key, site_id, at, canonical)
            ORDER BY code_key, site_id, at) d
          WHERE NOT EXISTS (SELECT 1 FROM ring_code_sites x WHERE x.code_key = d.code_key AND x.site_id = d.site_id)
            AND (SELECT count(*) FROM ring_code_sites x WHERE x.code_key = d.code_key) < $5
          OFFSET 0) u
        WHERE EXISTS (SELECT 1 FROM scans s WHERE s.part = :part_of_u AND s.code_key = u.code_key
                        AND s.site_id = u.site_id AND :counted_sale)),
      fresh AS (
        INSERT INTO ring_code_sites (code_key, site_id, first_at, canonical)
        SELECT c.code_key, c.site_id, c.at, c.canonical FROM cand c
        ON CONFLICT DO NOTHING
        RETURNING code_key, site_id, first_at, canonical),
      pairs AS (
        SELECT least(n.site_id, o.site_id) AS a, greatest(n.site_id, o.site_id) AS b, n.code_key, n.canonical,
               greatest(n.first_at, o.first_at) AS at
        FROM fresh n JOIN ring_code_sites o ON o.code_key = n.code_key AND o.site_id <> n.site_id
        UNION ALL
        SELECT n1.site_id, n2.site_id, n1.code_key, n1.canonical, greatest(n1.first_at, n2.first_at)
        FROM fresh n1 JOIN fresh n2 ON n2.code_key = n1.code_key AND n1.site_id < n2.site_id),
      added AS (
        INSERT INTO ring_codes (site_a, site_b, code_key, canonical, shared_at)
        SELECT a, b, code_key, canonical, at FROM pairs
        ON CONFLICT DO NOTHING
        RETURNING site_a, site_b)
      INSERT INTO ring_pairs (site_a, site_b, codes)
      SELECT site_a, site_b, count(*) FROM added GROUP BY site_a, site_b
      ON CONFLICT (site_a, site_b) DO UPDATE SET codes = ring_pairs.codes + excluded.codes"""
      .replace(":part_of_u", PART_OF_U_CODE_KEY).replace(":counted_sale", COUNTED_SALE);

  /**
   * The pairs of sites with at least $1 shared codes in the range, most codes first, at most $2: only pairs whose
   * all-time total reaches $1 (ring_pairs_codes) are counted, each from its own rows (ring_codes_pair_time).
   */
  static String ringEdges(boolean from, boolean to) {
    String on = "c.site_a = p.site_a AND c.site_b = p.site_b" + sharedIn("c.shared_at", 2, from, to);
    return """
        SELECT c.site_a, c.site_b, count(*) AS shared
        FROM ring_pairs p JOIN ring_codes c ON %s
        WHERE p.codes >= $1
        GROUP BY c.site_a, c.site_b
        HAVING count(*) >= $1
        ORDER BY shared DESC, c.site_a, c.site_b
        LIMIT $2""".formatted(on);
  }

  /**
   * For each ring (edges $1/$2 numbered by $3): its distinct shared codes in the range and a few of them, the most
   * recently shared first.
   */
  static String ringCodes(boolean from, boolean to) {
    String on = "c.site_a = e.a AND c.site_b = e.b" + sharedIn("c.shared_at", 4, from, to);
    return """
        SELECT ring, count(DISTINCT code_key) AS codes,
               (array_agg(canonical ORDER BY shared_at DESC, canonical))[1:$4] AS samples
        FROM (SELECT DISTINCT ON (e.ring, c.code_key) e.ring, c.code_key, c.canonical, c.shared_at
              FROM unnest($1::text[], $2::text[], $3::int4[]) AS e(a, b, ring)
              JOIN ring_codes c ON %s
              ORDER BY e.ring, c.code_key, c.shared_at DESC) x
        GROUP BY ring""".formatted(on);
  }

  /** " AND column >= $n+1 AND column < $n+2" for the bounds given, after {@code n} parameters. */
  private static String sharedIn(String column, int n, boolean from, boolean to) {
    StringBuilder range = new StringBuilder();
    if (from) {
      range.append(" AND ").append(column).append(" >= $").append(++n);
    }
    if (to) {
      range.append(" AND ").append(column).append(" < $").append(++n);
    }
    return range.toString();
  }

  /** One site's neighbours with the codes each shares with it in the range, most first. */
  static String siteNeighbours(boolean from, boolean to) {
    String range = sharedIn("shared_at", 2, from, to);
    return """
        SELECT other, count(*) AS shared
        FROM (SELECT site_b AS other FROM ring_codes WHERE site_a = $1%1$s
              UNION ALL
              SELECT site_a FROM ring_codes WHERE site_b = $1%1$s) x
        GROUP BY other
        ORDER BY shared DESC, other
        LIMIT $2""".formatted(range);
  }

  // Cases: a change locks the anomaly's row, so of two concurrent changes the second sees the first's result.
  static final String LOCK_ANOMALY_STATES =
      "SELECT id, state FROM anomalies WHERE id = ANY($1::int8[]) ORDER BY id FOR UPDATE";

  static final String SET_ANOMALY_STATES = "UPDATE anomalies SET state = $2 WHERE id = ANY($1::int8[])";

  static final String ANOMALIES_BY_ID = ANOMALY_COLUMNS + """

      WHERE id = ANY($1::int8[])
      ORDER BY id""";

  /** The key's label as it is now, kept with the change ($6 for a key not stored: the bootstrap key). */
  static final String INSERT_CHANGES = """
      INSERT INTO anomaly_changes (anomaly_id, key_id, key_label, from_state, to_state, note)
      SELECT u.id, $2, coalesce((SELECT label FROM api_keys WHERE id::text = $2), $6::text), u.from_state, $3, $4
      FROM unnest($1::int8[], $5::text[]) AS u(id, from_state)""";

  static final String ANOMALY_STATE = "SELECT state FROM anomalies WHERE id = $1";

  /** The first statement of a transaction whose reads must all see the same committed changes. */
  static final String READ_ONE_SNAPSHOT = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY";

  static final String ANOMALY_CHANGES = """
      SELECT at, key_id, key_label, from_state, to_state, note
      FROM anomaly_changes WHERE anomaly_id = $1
      ORDER BY id DESC
      LIMIT $2""";

  // --- end of the anomaly feed, rings and cases ---

  // --- scans rejected at intake (RejectedQueries) ---

  private static final String REJECTED_SCANS = """
      SELECT id, site_id, type, raw_code, canonical, document_no, line_no, device_id, scanned_at, ingested_at, error,
             upload_batch, voided_at
      FROM scans
      WHERE status = 'REJECTED'%s AND id < $1
        AND ingested_at >= coalesce($2::timestamptz, '-infinity')
        AND ingested_at < coalesce($3::timestamptz, 'infinity')
      ORDER BY id DESC
      LIMIT $4""";
  /** Newest first, through scans_rejected (V13): $1 the id the page starts below, $2/$3 the arrival range. */
  static final String REJECTED_PAGE = REJECTED_SCANS.formatted("");
  /** The same for one site ($5), through scans_rejected_site, however many other sites' rejections are newer. */
  static final String REJECTED_PAGE_OF_SITE = REJECTED_SCANS.formatted(" AND site_id = $5");
  /** Rejections per site in an arrival range, most first; $3 groups at most. */
  static final String REJECTED_BY_SITE = """
      SELECT site_id, count(*) AS count, max(ingested_at) AS last_at
      FROM scans
      WHERE status = 'REJECTED'
        AND ingested_at >= coalesce($1::timestamptz, '-infinity')
        AND ingested_at < coalesce($2::timestamptz, 'infinity')
      GROUP BY site_id
      ORDER BY count DESC, site_id
      LIMIT $3""";

  // --- import checkpoints (PostgresImportCheckpoints) ---

  static final String IMPORT_CHECKPOINTS = "SELECT prefix_sha256, lines FROM import_checkpoints ORDER BY lines";
  static final String SAVE_IMPORT_CHECKPOINT = """
      INSERT INTO import_checkpoints (prefix_sha256, lines) VALUES ($1, $2)
      ON CONFLICT (prefix_sha256, lines) DO UPDATE SET saved_at = now()""";
  static final String DROP_IMPORT_CHECKPOINT = "DELETE FROM import_checkpoints WHERE prefix_sha256 = $1 AND lines = $2";
}
