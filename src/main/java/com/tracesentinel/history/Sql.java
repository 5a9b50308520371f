package com.tracesentinel.history;

/** Every SQL statement the service runs, in one place (schema: src/main/resources/db/migration). */
final class Sql {
  private Sql() {}

  // One round trip per group: unnest() of column arrays measured fastest with the reactive client (no COPY there).
  static final String INSERT_SCANS = """
      INSERT INTO scans (id, scanned_at, ingested_at, code_key, canonical, product, raw_code, type, site_id,
                         site_ref, document_no, line_no, quantity, split, billed_drug, settlement_id, device_id,
                         expiry, status, error)
      SELECT u.id, u.scanned_at, $3, u.code_key, u.canonical, u.product, u.raw_code, u.type, u.site_id, u.site_ref,
             u.document_no, u.line_no, u.quantity, u.split, u.billed_drug, u.settlement_id, u.device_id, u.expiry,
             u.status, u.error
      FROM unnest($1::int8[], $2::timestamptz[], $4::bytea[], $5::text[], $6::text[], $7::text[], $8::text[],
                  $9::text[], $10::int4[], $11::text[], $12::int4[], $13::int4[], $14::bool[], $15::text[],
                  $16::text[], $17::text[], $18::date[], $19::text[], $20::text[])
        AS u(id, scanned_at, code_key, canonical, product, raw_code, type, site_id, site_ref, document_no, line_no,
             quantity, split, billed_drug, settlement_id, device_id, expiry, status, error)
      """;

  // The ledger knows only where and when the conflicting scan happened; its document number is resolved here, in
  // the same transaction, so it is found even when that scan is in this very group.
  static final String INSERT_ANOMALIES = """
      INSERT INTO anomalies (scan_id, scanned_at, type, suspicion, level, code_key, canonical, product, site_id,
                             region, detail, conflict_site_id, conflict_at, conflict_document_no)
      SELECT a.scan_id, a.scanned_at, a.type, a.suspicion, a.level, a.code_key, a.canonical, a.product, a.site_id,
             a.region, a.detail, a.conflict_site_id, a.conflict_at,
             (SELECT s.document_no FROM scans s
               WHERE s.code_key = a.code_key AND s.site_id = a.conflict_site_id
                 AND s.scanned_at >= a.conflict_at AND s.scanned_at < a.conflict_at + interval '1 second'
                 AND s.id < a.scan_id AND s.status <> 'REJECTED'
               ORDER BY s.id DESC LIMIT 1)
      FROM unnest($1::int8[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::bytea[], $7::text[],
                  $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::timestamptz[])
        AS a(scan_id, scanned_at, type, suspicion, level, code_key, canonical, product, site_id, region, detail,
             conflict_site_id, conflict_at)
      RETURNING scan_id, type, conflict_document_no
      """;

  static final String FIND_ORIGINAL = """
      SELECT s.id, s.status, a.type, a.suspicion, a.level, a.detail, a.conflict_site_id, a.conflict_document_no,
             a.conflict_at
      FROM scans s LEFT JOIN anomalies a ON a.scan_id = s.id
      WHERE s.code_key = $1 AND s.site_id = $2 AND s.document_no = $3 AND s.line_no = $4 AND s.type = $5
        AND s.status IN ('ACCEPTED', 'FLAGGED')
      ORDER BY s.id, a.id
      """;

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
      WHERE s.code_key = $1 AND s.type IN ('SALE', 'RETURN') AND s.status IN ('ACCEPTED', 'FLAGGED')
      ORDER BY s.id DESC
      LIMIT $2
      """;

  // Look-ups counted by day and outcome, merged into the running totals: one statement per flush, never per look-up.
  static final String UPSERT_LOOKUPS_DAILY = """
      INSERT INTO lookups_daily (day, outcome, count)
      SELECT * FROM unnest($1::date[], $2::text[], $3::int8[])
      ON CONFLICT (day, outcome) DO UPDATE SET count = lookups_daily.count + excluded.count
      """;

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

  // --- end of investigators ---

  /** JDBC (placeholders are ?): one code's stored scans in judging order, for the reconcile after an unclean stop. */
  static final String SCANS_OF_CODES = """
      SELECT code_key, id, type, product, expiry, site_ref, scanned_at, quantity, split, billed_drug,
             settlement_id IS NOT NULL AS reimbursed, site_id, document_no, line_no, canonical
      FROM scans WHERE code_key = ANY(?) AND status IN ('ACCEPTED', 'FLAGGED')
      ORDER BY code_key, id
      """;

  static final String ALL_SCANS = """
      SELECT code_key, id, type, product, expiry, site_ref, scanned_at, quantity, split, billed_drug,
             settlement_id IS NOT NULL AS reimbursed, site_id, document_no, line_no, canonical
      FROM scans WHERE code_key IS NOT NULL AND status IN ('ACCEPTED', 'FLAGGED')
      ORDER BY code_key, id
      """;

  static final String COUNT_STORED_SCANS =
      "SELECT count(*) FROM scans WHERE code_key IS NOT NULL AND status IN ('ACCEPTED', 'FLAGGED')";

  static String createMonthPartition(String name, String from, String to) {
    return "CREATE TABLE IF NOT EXISTS " + name + " PARTITION OF scans FOR VALUES FROM ('" + from + "') TO ('" + to
        + "')";
  }
}
