-- A GS1 box's identity folds its serial's letters to upper case (code.Gs1Elements): a keyboard-wedge scanner with
-- Caps Lock on types (21)sn0001 for the box (21)SN0001, and the domain rules want the same box to yield the same key.
-- Rows stored before were keyed by the serial as scanned. Left so, a re-send of such a scan would no longer find its
-- original (stored twice) and the box's later scans would not see its earlier ones. So every row keyed by a GS1
-- canonical with a lower-case letter in its serial is keyed again the way the service now keys it: the canonical
-- folded, code_key = the first 16 bytes of its SHA-256, part from the key (CodeKey.partitionOf, as V4 computes it)
-- and idem from the folded canonical (ingest.ScanInput.idempotencyKey). raw_code keeps what was scanned.
-- The ledger is rebuilt from this history at the next start (its layout marker changed with this migration).

-- The canonical as the service writes it now. Only the serial: (01), 14 digits and (21) are 22 characters, and every
-- GS1 canonical has that form (CN20 is digits, MA starts with "MA."). translate() folds exactly a-z, as
-- Chars.toUpperAscii does, whatever the database's locale.
CREATE FUNCTION pg_temp.gs1_folded(canonical text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN canonical ~ '^\(01\)[0-9]{14}\(21\)'
    THEN left(canonical, 22)
         || translate(substr(canonical, 23), 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')
    ELSE canonical END
$$;

-- code.CodeKey.sha256Prefix: code keys and idempotency hashes.
CREATE FUNCTION pg_temp.sha256_prefix(value text) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
  SELECT substring(sha256(convert_to(value, 'UTF8')) FROM 1 FOR 16)
$$;

CREATE FUNCTION pg_temp.part_of(code_key bytea) RETURNS smallint LANGUAGE sql IMMUTABLE AS $$
  SELECT ((((get_byte(code_key, 0) << 24) | (get_byte(code_key, 1) << 16) | (get_byte(code_key, 2) << 8)
           | get_byte(code_key, 3)) % 32 + 32) % 32)::smallint
$$;

-- ---- the history ----

-- Every scan to key again, where it is now and where it goes. One pass over the history: no index holds canonical.
-- A scan voided before (idem null) stays without an idempotency hash.
CREATE TEMP TABLE refolded AS
SELECT s.id, s.part AS old_part, s.code_key AS old_key, f.canonical, f.code_key, pg_temp.part_of(f.code_key) AS part,
       CASE WHEN s.idem IS NULL THEN NULL ELSE pg_temp.sha256_prefix(s.site_id || chr(31) || s.document_no || chr(31)
         || s.line_no || chr(31) || f.canonical || chr(31) || s.type) END AS idem
FROM scans s
CROSS JOIN LATERAL (SELECT pg_temp.gs1_folded(s.canonical) AS canonical) c
CROSS JOIN LATERAL (SELECT c.canonical, pg_temp.sha256_prefix(c.canonical) AS code_key) f
WHERE s.code_key IS NOT NULL AND f.canonical <> s.canonical;

-- One document line sent once as scanned and once with Caps Lock on was two boxes, so both were stored; folded, they
-- are one scan sent twice, which the unique index (code_key, idem, part) would refuse. The first stays; each later
-- one is voided as an NHSA 3507 deletion voids a scan (kept, no longer counted, its idempotency hash cleared), so
-- the ledger's rebuild counts the sale once. Its twin may be a row already keyed by the upper-case serial.
CREATE TEMP TABLE resent AS
SELECT id, at_part, at_key
FROM (SELECT id, at_part, at_key, row_number() OVER (PARTITION BY code_key, idem ORDER BY id) AS nth
      FROM (SELECT id, old_part AS at_part, old_key AS at_key, code_key, idem FROM refolded WHERE idem IS NOT NULL
            UNION ALL
            SELECT s.id, s.part, s.code_key, s.code_key, s.idem
            FROM scans s JOIN (SELECT DISTINCT part, code_key FROM refolded) k
              ON s.part = k.part AND s.code_key = k.code_key
            WHERE s.idem IS NOT NULL) keyed) ranked
WHERE nth > 1;

UPDATE scans s SET voided_at = now(), idem = NULL
FROM resent r WHERE s.part = r.at_part AND s.code_key = r.at_key AND s.id = r.id;
UPDATE refolded f SET idem = NULL FROM resent r WHERE f.id = r.id;

-- A changed part moves the row into its new partition.
UPDATE scans s SET part = f.part, code_key = f.code_key, canonical = f.canonical, idem = f.idem
FROM refolded f WHERE s.part = f.old_part AND s.code_key = f.old_key AND s.id = f.id;

-- ---- anomalies ----

UPDATE anomalies SET canonical = pg_temp.gs1_folded(canonical),
                     code_key = pg_temp.sha256_prefix(pg_temp.gs1_folded(canonical))
WHERE pg_temp.gs1_folded(canonical) <> canonical;

-- ---- public look-ups: a code's counts under its old keys added to its new key ----

CREATE TEMP TABLE rekeyed AS SELECT DISTINCT old_key, code_key FROM refolded;

INSERT INTO code_lookups (code_key, count)
SELECT m.code_key, sum(l.count)::bigint FROM code_lookups l JOIN rekeyed m ON m.old_key = l.code_key
GROUP BY m.code_key
ON CONFLICT (code_key) DO UPDATE SET count = code_lookups.count + excluded.count;

DELETE FROM code_lookups l USING rekeyed m WHERE l.code_key = m.old_key;

-- ---- rings (V6) ----

CREATE TEMP TABLE ring_rekeyed AS
SELECT DISTINCT code_key AS old_key, pg_temp.gs1_folded(canonical) AS canonical,
       pg_temp.sha256_prefix(pg_temp.gs1_folded(canonical)) AS code_key
FROM (SELECT code_key, canonical FROM ring_code_sites UNION SELECT code_key, canonical FROM ring_codes) r
WHERE pg_temp.gs1_folded(canonical) <> canonical;

-- A site that sold the box under two spellings first sold it at the earlier of the two.
INSERT INTO ring_code_sites (code_key, site_id, first_at, canonical)
SELECT m.code_key, r.site_id, min(r.first_at), m.canonical
FROM ring_code_sites r JOIN ring_rekeyed m ON m.old_key = r.code_key
GROUP BY m.code_key, r.site_id, m.canonical
ON CONFLICT (code_key, site_id) DO UPDATE SET first_at = least(ring_code_sites.first_at, excluded.first_at);

DELETE FROM ring_code_sites r USING ring_rekeyed m WHERE r.code_key = m.old_key;

-- A code's ring_codes are every pair of its sites, shared from the later of the two first sales (Sql.RING_FOLD): the
-- merged codes' pairs are written again from their merged sites, and the totals of every pair they touch counted
-- again from ring_codes, which is what ring_pairs.codes is the count of.
CREATE TEMP TABLE ring_pairs_touched AS
SELECT DISTINCT c.site_a, c.site_b FROM ring_codes c JOIN ring_rekeyed m ON c.code_key IN (m.old_key, m.code_key);

DELETE FROM ring_codes c USING ring_rekeyed m WHERE c.code_key IN (m.old_key, m.code_key);

INSERT INTO ring_codes (site_a, site_b, code_key, canonical, shared_at)
SELECT a.site_id, b.site_id, a.code_key, a.canonical, greatest(a.first_at, b.first_at)
FROM (SELECT DISTINCT code_key FROM ring_rekeyed) m
JOIN ring_code_sites a ON a.code_key = m.code_key
JOIN ring_code_sites b ON b.code_key = a.code_key AND a.site_id < b.site_id;

INSERT INTO ring_pairs_touched
SELECT c.site_a, c.site_b FROM ring_codes c JOIN (SELECT DISTINCT code_key FROM ring_rekeyed) m
  ON c.code_key = m.code_key;

INSERT INTO ring_pairs (site_a, site_b, codes)
SELECT t.site_a, t.site_b, (SELECT count(*) FROM ring_codes c WHERE c.site_a = t.site_a AND c.site_b = t.site_b)
FROM (SELECT DISTINCT site_a, site_b FROM ring_pairs_touched) t
ON CONFLICT (site_a, site_b) DO UPDATE SET codes = excluded.codes;

DROP TABLE refolded, resent, rekeyed, ring_rekeyed, ring_pairs_touched;
DROP FUNCTION pg_temp.gs1_folded(text), pg_temp.sha256_prefix(text), pg_temp.part_of(bytea);
