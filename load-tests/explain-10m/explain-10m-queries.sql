-- The investigator queries exactly as history.Sql builds them, with literals for the bound parameters.
\set ON_ERROR_STOP on
\pset pager off
SELECT site_id AS site FROM sites WHERE ref = 7 \gset
SELECT scanned_at AS cur_t, id AS cur_id FROM anomalies ORDER BY scanned_at DESC, id DESC OFFSET 50000 LIMIT 1 \gset
SELECT encode(code_key, 'hex') AS code FROM anomalies WHERE type = 'REPEAT_SALE' ORDER BY id LIMIT 1 \gset
SELECT part FROM scans WHERE code_key = decode(:'code', 'hex') LIMIT 1 \gset
SELECT count(*) AS scans_of_code FROM scans WHERE part = :part AND code_key = decode(:'code', 'hex') \gset
SELECT version();
SELECT (SELECT count(*) FROM scans) AS scans, (SELECT count(*) FROM anomalies) AS anomalies;

\echo '### 1. GET /api/v1/anomalies (no filter, first page of 100)'
EXPLAIN (ANALYZE, BUFFERS)
SELECT id, scanned_at, type, suspicion, level, canonical, product, site_id, region, detail,
       conflict_site_id, conflict_document_no, conflict_at, state, voided_at
FROM anomalies
ORDER BY scanned_at DESC, id DESC
LIMIT 101;

\echo '### 2. GET /api/v1/anomalies?cursor=… (page 501: keyset after the 50,000th newest)'
EXPLAIN (ANALYZE, BUFFERS)
SELECT id, scanned_at, type, suspicion, level, canonical, product, site_id, region, detail,
       conflict_site_id, conflict_document_no, conflict_at, state, voided_at
FROM anomalies
WHERE (scanned_at, id) < (:'cur_t', :cur_id)
ORDER BY scanned_at DESC, id DESC
LIMIT 101;

\echo '### 3. ?siteId=…'
EXPLAIN (ANALYZE, BUFFERS)
SELECT id, scanned_at, type, suspicion, level, canonical, product, site_id, region, detail,
       conflict_site_id, conflict_document_no, conflict_at, state, voided_at
FROM anomalies
WHERE site_id = :'site'
ORDER BY scanned_at DESC, id DESC
LIMIT 101;

\echo '### 4. ?region=4403 (prefix: a text_pattern_ops range)'
EXPLAIN (ANALYZE, BUFFERS)
SELECT id, scanned_at, type, suspicion, level, canonical, product, site_id, region, detail,
       conflict_site_id, conflict_document_no, conflict_at, state, voided_at
FROM anomalies
WHERE region ~>=~ '440300' AND region ~<=~ '440399'
ORDER BY scanned_at DESC, id DESC
LIMIT 101;

\echo '### 5. ?region=44 (a province)'
EXPLAIN (ANALYZE, BUFFERS)
SELECT id, scanned_at, type, suspicion, level, canonical, product, site_id, region, detail,
       conflict_site_id, conflict_document_no, conflict_at, state, voided_at
FROM anomalies
WHERE region ~>=~ '440000' AND region ~<=~ '449999'
ORDER BY scanned_at DESC, id DESC
LIMIT 101;

\echo '### 6. ?product=8100042'
EXPLAIN (ANALYZE, BUFFERS)
SELECT id, scanned_at, type, suspicion, level, canonical, product, site_id, region, detail,
       conflict_site_id, conflict_document_no, conflict_at, state, voided_at
FROM anomalies
WHERE product = '8100042'
ORDER BY scanned_at DESC, id DESC
LIMIT 101;

\echo '### 7. ?type=RETURN_MISMATCH'
EXPLAIN (ANALYZE, BUFFERS)
SELECT id, scanned_at, type, suspicion, level, canonical, product, site_id, region, detail,
       conflict_site_id, conflict_document_no, conflict_at, state, voided_at
FROM anomalies
WHERE type = 'RETURN_MISMATCH'
ORDER BY scanned_at DESC, id DESC
LIMIT 101;

\echo '### 8. ?suspicion=COUNTERFEIT'
EXPLAIN (ANALYZE, BUFFERS)
SELECT id, scanned_at, type, suspicion, level, canonical, product, site_id, region, detail,
       conflict_site_id, conflict_document_no, conflict_at, state, voided_at
FROM anomalies
WHERE suspicion = 'COUNTERFEIT'
ORDER BY scanned_at DESC, id DESC
LIMIT 101;

\echo '### 9. ?level=WARNING (V2 index)'
EXPLAIN (ANALYZE, BUFFERS)
SELECT id, scanned_at, type, suspicion, level, canonical, product, site_id, region, detail,
       conflict_site_id, conflict_document_no, conflict_at, state, voided_at
FROM anomalies
WHERE level = 'WARNING'
ORDER BY scanned_at DESC, id DESC
LIMIT 101;

\echo '### 10. ?from&to (one day, a month back)'
EXPLAIN (ANALYZE, BUFFERS)
SELECT id, scanned_at, type, suspicion, level, canonical, product, site_id, region, detail,
       conflict_site_id, conflict_document_no, conflict_at, state, voided_at
FROM anomalies
WHERE scanned_at >= '2026-10-30T00:00:00Z' AND scanned_at < '2026-10-31T00:00:00Z'
ORDER BY scanned_at DESC, id DESC
LIMIT 101;

\echo '### 11. ?siteId&type&from&to&cursor (combined)'
EXPLAIN (ANALYZE, BUFFERS)
SELECT id, scanned_at, type, suspicion, level, canonical, product, site_id, region, detail,
       conflict_site_id, conflict_document_no, conflict_at, state, voided_at
FROM anomalies
WHERE type = 'REPEAT_SALE'
  AND site_id = :'site'
  AND scanned_at >= '2026-09-15T00:00:00Z'
  AND scanned_at < '2026-11-15T00:00:00Z'
  AND (scanned_at, id) < ('2026-11-01T00:00:00Z', 9223372036854775807)
ORDER BY scanned_at DESC, id DESC
LIMIT 101;

\echo '### 12. Accept: text/csv ?region=4403 (the export: no LIMIT, read through a cursor)'
EXPLAIN (ANALYZE, BUFFERS)
SELECT id, scanned_at, type, suspicion, level, canonical, product, site_id, region, detail,
       conflict_site_id, conflict_document_no, conflict_at, state, voided_at
FROM anomalies
WHERE region ~>=~ '440300' AND region ~<=~ '440399'
ORDER BY scanned_at DESC, id DESC;

\echo '### 13. GET /api/v1/anomalies/summary?groupBy=site&from&to (7 days)'
EXPLAIN (ANALYZE, BUFFERS)
SELECT site_id AS key, count(*) AS count, count(*) FILTER (WHERE level = 'ALERT') AS alerts,
       count(*) FILTER (WHERE level = 'WARNING') AS warnings
FROM anomalies
WHERE scanned_at >= '2026-11-23T00:00:00Z' AND scanned_at < '2026-11-30T00:00:00Z'
GROUP BY 1
ORDER BY 2 DESC, 1
LIMIT 1001;

\echo '### 14. summary?groupBy=region (all time: the whole index, index-only)'
EXPLAIN (ANALYZE, BUFFERS)
SELECT region AS key, count(*) AS count, count(*) FILTER (WHERE level = 'ALERT') AS alerts,
       count(*) FILTER (WHERE level = 'WARNING') AS warnings
FROM anomalies
GROUP BY 1
ORDER BY 2 DESC, 1
LIMIT 1001;

\echo '### 15. summary?groupBy=hour&from (the console chart: last 7 days)'
EXPLAIN (ANALYZE, BUFFERS)
SELECT date_trunc('hour', scanned_at, 'UTC') AS key, count(*) AS count,
       count(*) FILTER (WHERE level = 'ALERT') AS alerts, count(*) FILTER (WHERE level = 'WARNING') AS warnings
FROM anomalies
WHERE scanned_at >= '2026-11-23T00:00:00Z'
GROUP BY 1
ORDER BY 1 DESC
LIMIT 1001;

\echo '### 16. GET /api/v1/codes/{code}/events: the scans (scans_code_idem in the code''s partition)'
EXPLAIN (ANALYZE, BUFFERS)
SELECT * FROM (
  SELECT id, status, type, site_id, document_no, line_no, scanned_at, ingested_at, quantity, split, device_id,
         billed_drug, raw_code, canonical, product, error, upload_batch, voided_at, linked_document_no,
         row_number() OVER (ORDER BY id) AS judged_seq
  FROM scans WHERE part = :part AND code_key = decode(:'code', 'hex')) s
ORDER BY scanned_at, id
LIMIT 5001;

\echo '### 17. … and their anomalies'
EXPLAIN (ANALYZE, BUFFERS)
SELECT id, scan_id, type, suspicion, level, detail, conflict_site_id, conflict_document_no, conflict_at, state
FROM anomalies WHERE code_key = decode(:'code', 'hex') AND scan_id = ANY(ARRAY(SELECT id FROM scans
  WHERE part = :part AND code_key = decode(:'code', 'hex')))
ORDER BY scan_id, id;
