-- The pack size a scan was judged with. A whole-box sale counts the product's pack size in units, and that number is
-- part of the code's state; a replay (crash recovery, rebuild, a cluster takeover, verify-ledger) that read the
-- catalogue as it is at replay time counted other units once the product's pack size had changed, or the product was
-- added after its codes were sold as unknown (counted 1), and the ledger then differed from its rebuild. Null for the
-- scans stored before this column and for REJECTED ones: a replay uses the catalogue's for those, as before.
-- Adding a nullable column without a default changes only the catalog: no partition is rewritten.
ALTER TABLE scans ADD COLUMN pack_size integer;
