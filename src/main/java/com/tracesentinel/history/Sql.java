package com.tracesentinel.history;

/** Every SQL statement the service runs, in one place (schema: src/main/resources/db/migration). */
final class Sql {
  private Sql() {}

  // --- the core's writes and reads (JDBC, PostgresHistory) ---

  /** Binary COPY of a group's scans: the column order PgCopy rows are written in. */
  static final String COPY_SCANS = """
      COPY scans (id, part, scanned_at, ingested_at, code_key, idem, canonical, product, raw_code, type, site_id,
                  site_ref, document_no, line_no, quantity, split, billed_drug, settlement_id, device_id, expiry, status,
                  error, upload_batch, linked_document_no)
      FROM STDIN (FORMAT binary)""";
  static final int SCAN_COLUMNS = 24;

  // --- NHSA 3507 deletions ---

  /** The stored, not yet voided scans of one upload (scans_upload_batch, a partial index in every partition). */
  static final String UPLOAD_SCANS = """
      SELECT id, code_key, canonical, product, type, status, scanned_at, document_no, site_ref
      FROM scans WHERE site_id = ? AND upload_batch = ? AND voided_at IS NULL""";

  /** Voids them: kept, no longer counted, and their idempotency hash freed for the corrected upload. */
  static final String VOID_SCANS = """
      UPDATE scans SET voided_at = ?, idem = NULL
      WHERE site_id = ? AND upload_batch = ? AND voided_at IS NULL AND id = ANY(?::int8[])""";

  /** LATE_DELETION anomalies: the deletion is the event (its time), the erased sale the scan it conflicts with. */
  static final String INSERT_LATE_DELETIONS = """
      INSERT INTO anomalies (scan_id, scanned_at, type, suspicion, level, code_key, canonical, product, site_id,
                             region, detail, conflict_site_id, conflict_at, conflict_document_no)
      SELECT d.scan_id, ?::timestamptz, 'LATE_DELETION', 'IRREGULAR', 'WARNING', d.code_key, d.canonical, d.product,
             d.site_id, d.region, d.detail, d.site_id, d.sale_at, d.document_no
      FROM unnest(?::int8[], ?::bytea[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[],
                  ?::text[])
        AS d(scan_id, code_key, canonical, product, site_id, region, detail, sale_at, document_no)""";

  // The ledger knows only where and when the conflicting scan happened; its document number is resolved here, in
  // the same transaction, so it is found even when that scan is in this very group.
  static final String INSERT_ANOMALIES = """
      INSERT INTO anomalies (scan_id, scanned_at, type, suspicion, level, code_key, canonical, product, site_id,
                             region, detail, conflict_site_id, conflict_at, conflict_document_no)
      SELECT a.scan_id, a.scanned_at, a.type, a.suspicion, a.level, a.code_key, a.canonical, a.product, a.site_id,
             a.region, a.detail, a.conflict_site_id, a.conflict_at,
             (SELECT s.document_no FROM scans s
               WHERE s.part = a.part AND s.code_key = a.code_key AND s.site_id = a.conflict_site_id
                 AND s.scanned_at >= a.conflict_at AND s.scanned_at < a.conflict_at + interval '1 second'
                 AND s.id < a.scan_id AND s.status <> 'REJECTED'
               ORDER BY s.id DESC LIMIT 1)
      FROM unnest(?::int8[], ?::timestamptz[], ?::text[], ?::text[], ?::text[], ?::bytea[], ?::text[], ?::text[],
                  ?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::int2[])
        AS a(scan_id, scanned_at, type, suspicion, level, code_key, canonical, product, site_id, region, detail,
             conflict_site_id, conflict_at, part)
      RETURNING scan_id, type, conflict_document_no""";

  /** What a lost commit's anomalies resolved their conflicts to. */
  static final String ANOMALY_CONFLICTS = """
      SELECT scan_id, type, conflict_document_no FROM anomalies WHERE scan_id = ANY(?::int8[])""";

  // The first stored scan with each (code, idempotency hash), by the history's unique index; u.i says which asked
  // scan a row answers.
  static final String FIND_ORIGINALS = """
      SELECT u.i, s.id, s.status, a.type, a.suspicion, a.level, a.detail, a.conflict_site_id,
             a.conflict_document_no, a.conflict_at
      FROM unnest(?::bytea[], ?::bytea[], ?::int2[]) WITH ORDINALITY AS u(code_key, idem, part, i)
      JOIN scans s ON s.part = u.part AND s.code_key = u.code_key AND s.idem = u.idem
      LEFT JOIN anomalies a ON a.scan_id = s.id
      ORDER BY u.i, a.id""";

  /** The transaction's id, asked before COMMIT: if the answer to COMMIT is lost, its status says what happened. */
  static final String CURRENT_XID = "SELECT pg_current_xact_id()::text::bigint";
  static final String XID_STATUS = "SELECT pg_xact_status(?::text::xid8)";

  /** Stored, judged scans of some codes, grouped by code in judging order, for re-deriving their states. */
  static final String SCANS_OF_CODES = """
      SELECT code_key, idem, id, type, product, expiry, site_ref, scanned_at, quantity, split, billed_drug,
             settlement_id IS NOT NULL AS reimbursed
      FROM scans WHERE part = ANY(?::int2[]) AND code_key = ANY(?) AND status IN ('ACCEPTED', 'FLAGGED')
        AND voided_at IS NULL AND id <> ALL(?::int8[])
      ORDER BY code_key, id""";

  static final String ALL_SCANS = """
      SELECT code_key, idem, id, type, product, expiry, site_ref, scanned_at, quantity, split, billed_drug,
             settlement_id IS NOT NULL AS reimbursed
      FROM scans WHERE code_key IS NOT NULL AND status IN ('ACCEPTED', 'FLAGGED') AND voided_at IS NULL
      ORDER BY code_key, id""";

  static final String COUNT_STORED_SCANS =
      "SELECT count(*) FROM scans WHERE code_key IS NOT NULL AND status IN ('ACCEPTED', 'FLAGGED') AND voided_at IS NULL";

  static final String ANY_STORED_SCAN =
      "SELECT count(*) FROM (SELECT 1 FROM scans WHERE code_key IS NOT NULL AND status IN ('ACCEPTED', 'FLAGGED') "
      + "AND voided_at IS NULL LIMIT 1) x";

  // --- public look-ups (verify) ---

  // A code's latest sales and returns, newest first, with where they happened and whether each one left the code's
  // sale count alone (a DOUBLE_SCAN is the same sale scanned twice; a RETURN_MISMATCH return undid nothing), so the
  // caller can show exactly the sales the ledger's saleCount counts. Served by scans_code (code_key, id) backwards
  // and anomalies_scan; never reads a patient, settlement, document or device column.
  static final String RECENT_SALES = """
      SELECT s.type, s.scanned_at, s.site_id, st.name, st.region_name,
             EXISTS (SELECT 1 FROM anomalies a WHERE a.scan_id = s.id
                       AND a.type IN ('DOUBLE_SCAN', 'RETURN_MISMATCH')) AS no_effect
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

  static final String UPSERT_SITES = """
      INSERT INTO sites (site_id, name, kind, region_code, region_name)
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
      ON CONFLICT (site_id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
        region_code = excluded.region_code, region_name = excluded.region_name, updated_at = now()
      RETURNING ref, site_id, name, kind, region_code, region_name
      """;

  static final String UPSERT_PRODUCTS = """
      INSERT INTO products (product_key, drug_code, generic_name, brand_name, spec, manufacturer, pack_size)
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int4[])
      ON CONFLICT (product_key) DO UPDATE SET drug_code = excluded.drug_code, generic_name = excluded.generic_name,
        brand_name = excluded.brand_name, spec = excluded.spec, manufacturer = excluded.manufacturer,
        pack_size = excluded.pack_size, updated_at = now()
      """;

  static final String INSERT_KEY = "INSERT INTO api_keys (id, key_hash, role, site_id, label) VALUES ($1, $2, $3, $4, $5)";
  static final String FIND_KEY = "SELECT id, role, site_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL";
  static final String REVOKE_KEY = "UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING key_hash";
  static final String COUNT_ADMIN_KEYS = "SELECT count(*) FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL";

  static final String PING = "SELECT 1";

  // --- investigators (anomaly queries, summaries, a code's events) ---

  static final String ANOMALY_COLUMNS = """
      SELECT id, scanned_at, type, suspicion, level, canonical, product, site_id, region, detail,
             conflict_site_id, conflict_document_no, conflict_at
      FROM anomalies""";

  /**
   * The anomaly list: only the filters given become predicates (each parameter is bound, never spliced), so the
   * planner picks the index of the most selective one: anomalies_site, _region (text_pattern_ops range), _product,
   * _type, _suspicion, _level (V2) or _time, all ordered (scanned_at DESC, id DESC) for the keyset. {@code limit}
   * 0 means no LIMIT (the CSV export streams everything through a cursor).
   */
  static String anomalyList(boolean type, boolean suspicion, boolean level, boolean site, boolean region,
                            boolean product, boolean from, boolean to, boolean after, boolean limit) {
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
      "day", "date_trunc('day', scanned_at, 'UTC')",
      "hour", "date_trunc('hour', scanned_at, 'UTC')");

  /** One code's stored scans in judging order (scans_code_idem in its partition). */
  static final String CODE_SCANS = """
      SELECT id, status, type, site_id, document_no, line_no, scanned_at, ingested_at, quantity, split, device_id,
             billed_drug, raw_code, canonical, product, error
      FROM scans WHERE part = $3 AND code_key = $1
      ORDER BY id
      LIMIT $2
      """;

  /** Every anomaly of one code (anomalies_code). */
  static final String CODE_ANOMALIES = """
      SELECT id, scan_id, type, suspicion, level, detail, conflict_site_id, conflict_document_no, conflict_at
      FROM anomalies WHERE code_key = $1
      ORDER BY scan_id, id
      """;

  // --- end of investigators ---
}
