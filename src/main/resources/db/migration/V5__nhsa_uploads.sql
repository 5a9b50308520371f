-- NHSA uploads (3505/3506/3507). A scan remembers the upload batch it came in (fixmedins_bchno), so a 3507 deletion
-- can void exactly that upload, and a 3506 return the sale it names (medins_prod_sel_no). A voided scan stays in the
-- history (voided_at set) but no longer counts: it leaves every code state, and its idempotency hash is cleared so
-- the corrected upload that usually follows a deletion is stored afresh.
ALTER TABLE scans ADD COLUMN upload_batch text;
ALTER TABLE scans ADD COLUMN linked_document_no text;
ALTER TABLE scans ADD COLUMN voided_at timestamptz;

CREATE INDEX scans_upload_batch ON scans (site_id, upload_batch) WHERE upload_batch IS NOT NULL;
