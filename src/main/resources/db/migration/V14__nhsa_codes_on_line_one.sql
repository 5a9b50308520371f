-- Every code of an NHSA line is on line 1 (nhsa.NhsaEnvelope), so that a line sent again with its codes in another
-- order, or each code alone, has the idempotency keys it had. Until 2026-12-03 19:24 a code's line number was its
-- position in its line: those rows were keyed by line 2, 3, ..., and the same message sent again since was not
-- recognised, its second and later codes stored again as second sales of the receipt, flagged DOUBLE_SCAN. So every
-- stored scan of an upload (upload_batch set) on a line past 1 is keyed again as the service keys it now: line 1 and
-- idem from it (ingest.ScanInput.idempotencyKey). The ledger keeps the idempotency keys' fingerprints, so it is rebuilt
-- from this history at the next start (its layout marker changed with this migration).

CREATE TEMP TABLE rekeyed AS
SELECT id, part, code_key,
       substring(sha256(convert_to(site_id || chr(31) || document_no || chr(31) || '1' || chr(31) || canonical
         || chr(31) || type, 'UTF8')) FROM 1 FOR 16) AS idem
FROM scans
WHERE upload_batch IS NOT NULL AND line_no > 1 AND idem IS NOT NULL;

-- One code sent at two positions (a retry listing the codes in another order), or at a later position and then on
-- line 1 by a re-send since, was stored twice: keyed again, they are one scan sent twice, which the unique index
-- (code_key, idem, part) would refuse. The first stays; each later one is voided as an NHSA 3507 deletion voids a scan
-- (kept, no longer counted, its idempotency hash cleared), with its anomalies (the DOUBLE_SCAN it raised).
CREATE TEMP TABLE resent AS
SELECT id, part, code_key
FROM (SELECT id, part, code_key, row_number() OVER (PARTITION BY part, code_key, idem ORDER BY id) AS nth
      FROM (SELECT id, part, code_key, idem FROM rekeyed
            UNION ALL
            SELECT s.id, s.part, s.code_key, s.idem
            FROM scans s JOIN (SELECT DISTINCT part, code_key FROM rekeyed) k
              ON s.part = k.part AND s.code_key = k.code_key
            WHERE s.idem IS NOT NULL AND s.id NOT IN (SELECT id FROM rekeyed)) keyed) ranked
WHERE nth > 1;

UPDATE scans s SET voided_at = now(), idem = NULL
FROM resent r WHERE s.part = r.part AND s.code_key = r.code_key AND s.id = r.id;
UPDATE anomalies a SET voided_at = now() FROM resent r WHERE a.scan_id = r.id AND a.voided_at IS NULL;

UPDATE scans s SET line_no = 1, idem = k.idem
FROM rekeyed k WHERE s.part = k.part AND s.code_key = k.code_key AND s.id = k.id
  AND k.id NOT IN (SELECT id FROM resent);

DROP TABLE rekeyed, resent;
