-- Loads 10 million scans (over the 32 code partitions, as the service writes them since V4) and 500,000 anomalies
-- (5 %) into an empty database that has the service's schema (every migration), then prints EXPLAIN (ANALYZE, BUFFERS) of every investigator query as the
-- service sends it (literal values stand for the bound parameters: the reactive client plans them per call).
-- Run by load-tests/explain-10m/explain-10m.sh; results in load-tests/explain-10m/explain-10m.md.
\set ON_ERROR_STOP on
\timing on


-- 2,000 sites in 40 regions of 4 provinces; 200 products
INSERT INTO sites (site_id, name, kind, region_code, region_name)
SELECT 'P' || r.code || lpad(s::text, 5, '0'), 'Pharmacy ' || s, 'PHARMACY', r.code, 'Region ' || r.code
FROM generate_series(1, 2000) s,
     LATERAL (SELECT (ARRAY['11','31','44','51'])[1 + s % 4] || lpad((1 + (s / 4) % 10)::text, 2, '0') || '05' AS code) r;

-- 10,000,000 scans over 91 days: 8,000,000 codes (every fifth scan repeats an earlier code)
INSERT INTO scans (id, part, scanned_at, ingested_at, code_key, idem, canonical, product, raw_code, type, site_id,
                   site_ref, document_no, line_no, quantity, split, billed_drug, settlement_id, device_id, expiry,
                   status, error)
SELECT (extract(epoch FROM t)::bigint * 1000 << 12) + g % 4096,
       -- code.CodeKey.partitionOf: the key's first four bytes as a signed int, floor-mod 32
       (((get_byte(k, 0) << 24) | (get_byte(k, 1) << 16) | (get_byte(k, 2) << 8) | get_byte(k, 3)) % 32 + 32) % 32,
       t, t + interval '1 second', k, decode(md5('idem' || g), 'hex'), c::text, '81' || lpad((abs(hashtext(c::text)) % 200)::text, 5, '0'), c::text,
       CASE WHEN g % 10 = 0 THEN 'RECEIVE' ELSE 'SALE' END, st.site_id, st.ref, 'R-' || g, 1, 1, false, NULL,
       NULL, 'POS-1', NULL, CASE WHEN g % 20 = 0 THEN 'FLAGGED' ELSE 'ACCEPTED' END, NULL
FROM generate_series(1, 10000000) g,
     LATERAL (SELECT timestamptz '2026-09-01 00:00:00+00' + (g::float8 / 10000000) * interval '91 days' AS t,
                     81000000000000000000::numeric + CASE WHEN g % 5 = 0 THEN (g::bigint * 7919) % 8000000 ELSE g END AS c) x,
     LATERAL (SELECT decode(md5(x.c::text), 'hex') AS k) kk,
     LATERAL (SELECT site_id, ref FROM sites WHERE ref = 1 + abs(hashtext('s' || g)) % 2000) st;

-- 500,000 anomalies (a twentieth of the scans), newest where the scans are
INSERT INTO anomalies (scan_id, scanned_at, type, suspicion, level, code_key, canonical, product, site_id, region,
                       detail, conflict_site_id, conflict_at, conflict_document_no)
SELECT s.id, s.scanned_at, k.type, k.suspicion, k.level, s.code_key, s.canonical, s.product, s.site_id,
       si.region_code, 'sold at P0 on ' || s.scanned_at, 'P1100105' || lpad((g % 2000)::text, 5, '0'),
       s.scanned_at - interval '3 hours', 'R-' || (g * 3)
FROM (SELECT * FROM scans WHERE status = 'FLAGGED') s
JOIN sites si ON si.ref = s.site_ref
CROSS JOIN LATERAL (SELECT abs(hashtext(s.document_no)) % 100 AS g) gg,
     LATERAL (SELECT * FROM (VALUES
       ('REPEAT_SALE', 'DIVERTED', 'ALERT', 0, 40), ('REPEAT_SALE', 'COUNTERFEIT', 'ALERT', 40, 55),
       ('REPEAT_SALE', 'SUBSTITUTED', 'ALERT', 55, 65), ('DOUBLE_SCAN', 'OPERATOR_ERROR', 'WARNING', 65, 75),
       ('PRODUCT_MISMATCH', 'SUBSTITUTED', 'ALERT', 75, 83), ('RECEIVED_AFTER_SALE', 'DIVERTED', 'ALERT', 83, 90),
       ('SPLIT_OVERSOLD', 'SUBSTITUTED', 'ALERT', 90, 94), ('EXPIRED', 'QUALITY', 'ALERT', 94, 97),
       ('UNKNOWN_PRODUCT', 'COUNTERFEIT', 'WARNING', 97, 98), ('RETURN_MISMATCH', 'IRREGULAR', 'ALERT', 98, 100))
       AS v(type, suspicion, level, lo, hi) WHERE gg.g >= v.lo AND gg.g < v.hi) k;

VACUUM (ANALYZE) anomalies;
VACUUM (ANALYZE) scans;
VACUUM (ANALYZE) sites;
SELECT (SELECT count(*) FROM scans) AS scans, (SELECT count(*) FROM anomalies) AS anomalies,
       pg_size_pretty(pg_total_relation_size('anomalies')) AS anomalies_size;
