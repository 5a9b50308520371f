-- An anomaly of a scan that a 3507 deletion voided stays (it was raised, and the deletion may itself be the
-- irregularity) but says so: the anomaly list showed it like any other, and investigators chased a sale the site had
-- deleted. LATE_DELETION anomalies are about the deletion itself and are not marked. Only scans of an NHSA upload can
-- be voided, so the partial index scans_upload_batch finds them.
ALTER TABLE anomalies ADD COLUMN voided_at timestamptz;

UPDATE anomalies a SET voided_at = s.voided_at
FROM scans s
WHERE s.upload_batch IS NOT NULL AND s.voided_at IS NOT NULL AND a.scan_id = s.id AND a.type <> 'LATE_DELETION';
