-- V11 voided the later of two Caps Lock twins (one document line stored once as scanned and once in upper case) but
-- not its anomalies, and V12 marked only those of NHSA uploads' scans: a twin sent through POST /api/v1/scans whose
-- spelling was a box sold elsewhere kept its MULTIPLE_SALES listed without voidedAt, a sale the history now counts
-- once chased as a second one. Every anomaly of a voided scan is marked as a 3507 deletion marks it (LATE_DELETION
-- is about the deletion itself). Read from the anomalies, far fewer than the scans: each finds its scan through the
-- index (code_key, idem, part) in its code's one partition (CodeKey.partitionOf, as V4 computes it). Marked ones are
-- skipped, so running it again changes nothing.
UPDATE anomalies a SET voided_at = s.voided_at
FROM scans s
WHERE a.voided_at IS NULL AND a.type <> 'LATE_DELETION' AND s.voided_at IS NOT NULL
  AND s.part = ((((get_byte(a.code_key, 0) << 24) | (get_byte(a.code_key, 1) << 16) | (get_byte(a.code_key, 2) << 8)
                 | get_byte(a.code_key, 3)) % 32 + 32) % 32)::smallint
  AND s.code_key = a.code_key AND s.id = a.scan_id;
