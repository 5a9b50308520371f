-- A REJECTED scan is kept (GET /api/v1/rejected, a code's timeline) but never judged, and it has no idempotency hash:
-- any client could store as many as it sent under one code. In the code's partition they sat in the index every read
-- of the code's judged scans walks (a RETURN's replay, a deletion's re-derivation, the public's recent sales, a site's
-- earlier sale, the anomaly's conflicting sale), each such read stepping over every one of them, and they counted
-- toward the conflict look-up's 1,000-row bound, hiding the conflicting document. They now go to the default
-- partition with the scans that have no code (part null; code_key kept, so a timeline still finds them there).
-- Found through scans_rejected (V13), a partial index in every partition; a row whose partition key changes moves.
UPDATE scans SET part = NULL WHERE status = 'REJECTED' AND part IS NOT NULL;
