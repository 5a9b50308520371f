-- A stored anomaly names the scan it conflicts with (Sql.INSERT_ANOMALIES), found by the code, the conflicting site
-- and the second of its scannedAt; the public look-up asks the same of a double scan (Sql.RECENT_SALES). The only
-- index on the history, scans_code_idem (code_key, idem, part), finds a code's rows but not those of one site and
-- second, so each anomaly read every stored scan of its code: a copied code sold n times paid n row reads per new
-- sale, a request of 1,000 such sales took about n/1,000 seconds (shared box) and, past 2,000 stored sales, was given
-- up at the stall limit (503) every time, with every other client's scans queued behind it.
--
-- Sales and destructions only: those are the rows either query looks for, so receipts and returns pay no index
-- insert. Built CONCURRENTLY, one partition at a time, so that a node still serving a big history (a cluster's other
-- nodes during an upgrade) keeps writing while it is built: a plain CREATE INDEX would hold every partition against
-- writes until this migration committed. CONCURRENTLY cannot run inside a transaction, so this migration holds
-- nothing but these statements (Flyway runs it without one, each statement its own) and Migrations turns off
-- Flyway's transactional lock, which a concurrent build would wait on for ever. The index is on each partition, not
-- on the partitioned table (a partitioned index cannot be built concurrently): every query of a code names its part,
-- and the 32 partitions are fixed (V4). A build that fails (the database stopped or cancelled it) leaves its index
-- invalid, still written by every insert, and this migration marked failed: the next start removes that mark
-- (Migrations) and runs it again, each partition's index dropped first, so none is left invalid.
DROP INDEX CONCURRENTLY IF EXISTS scans_p0_conflict;
CREATE INDEX CONCURRENTLY scans_p0_conflict ON scans_p0 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
DROP INDEX CONCURRENTLY IF EXISTS scans_p1_conflict;
CREATE INDEX CONCURRENTLY scans_p1_conflict ON scans_p1 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
DROP INDEX CONCURRENTLY IF EXISTS scans_p2_conflict;
CREATE INDEX CONCURRENTLY scans_p2_conflict ON scans_p2 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
DROP INDEX CONCURRENTLY IF EXISTS scans_p3_conflict;
CREATE INDEX CONCURRENTLY scans_p3_conflict ON scans_p3 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
DROP INDEX CONCURRENTLY IF EXISTS scans_p4_conflict;
CREATE INDEX CONCURRENTLY scans_p4_conflict ON scans_p4 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
DROP INDEX CONCURRENTLY IF EXISTS scans_p5_conflict;
CREATE INDEX CONCURRENTLY scans_p5_conflict ON scans_p5 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
DROP INDEX CONCURRENTLY IF EXISTS scans_p6_conflict;
CREATE INDEX CONCURRENTLY scans_p6_conflict ON scans_p6 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
DROP INDEX CONCURRENTLY IF EXISTS scans_p7_conflict;
CREATE INDEX CONCURRENTLY scans_p7_conflict ON scans_p7 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
DROP INDEX CONCURRENTLY IF EXISTS scans_p8_conflict;
CREATE INDEX CONCURRENTLY scans_p8_conflict ON scans_p8 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
DROP INDEX CONCURRENTLY IF EXISTS scans_p9_conflict;
CREATE INDEX CONCURRENTLY scans_p9_conflict ON scans_p9 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
DROP INDEX CONCURRENTLY IF EXISTS scans_p10_conflict;
CREATE INDEX CONCURRENTLY scans_p10_conflict ON scans_p10 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
DROP INDEX CONCURRENTLY IF EXISTS scans_p11_conflict;
CREATE INDEX CONCURRENTLY scans_p11_conflict ON scans_p11 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
DROP INDEX CONCURRENTLY IF EXISTS scans_p12_conflict;
CREATE INDEX CONCURRENTLY scans_p12_conflict ON scans_p12 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
DROP INDEX CONCURRENTLY IF EXISTS scans_p13_conflict;
CREATE INDEX CONCURRENTLY scans_p13_conflict ON scans_p13 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
DROP INDEX CONCURRENTLY IF EXISTS scans_p14_conflict;
CREATE INDEX CONCURRENTLY scans_p14_conflict ON scans_p14 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
DROP INDEX CONCURRENTLY IF EXISTS scans_p15_conflict;
CREATE INDEX CONCURRENTLY scans_p15_conflict ON scans_p15 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
DROP INDEX CONCURRENTLY IF EXISTS scans_p16_conflict;
CREATE INDEX CONCURRENTLY scans_p16_conflict ON scans_p16 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
DROP INDEX CONCURRENTLY IF EXISTS scans_p17_conflict;
CREATE INDEX CONCURRENTLY scans_p17_conflict ON scans_p17 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
DROP INDEX CONCURRENTLY IF EXISTS scans_p18_conflict;
CREATE INDEX CONCURRENTLY scans_p18_conflict ON scans_p18 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
DROP INDEX CONCURRENTLY IF EXISTS scans_p19_conflict;
CREATE INDEX CONCURRENTLY scans_p19_conflict ON scans_p19 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
DROP INDEX CONCURRENTLY IF EXISTS scans_p20_conflict;
CREATE INDEX CONCURRENTLY scans_p20_conflict ON scans_p20 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
DROP INDEX CONCURRENTLY IF EXISTS scans_p21_conflict;
CREATE INDEX CONCURRENTLY scans_p21_conflict ON scans_p21 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
DROP INDEX CONCURRENTLY IF EXISTS scans_p22_conflict;
CREATE INDEX CONCURRENTLY scans_p22_conflict ON scans_p22 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
DROP INDEX CONCURRENTLY IF EXISTS scans_p23_conflict;
CREATE INDEX CONCURRENTLY scans_p23_conflict ON scans_p23 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
DROP INDEX CONCURRENTLY IF EXISTS scans_p24_conflict;
CREATE INDEX CONCURRENTLY scans_p24_conflict ON scans_p24 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
DROP INDEX CONCURRENTLY IF EXISTS scans_p25_conflict;
CREATE INDEX CONCURRENTLY scans_p25_conflict ON scans_p25 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
DROP INDEX CONCURRENTLY IF EXISTS scans_p26_conflict;
CREATE INDEX CONCURRENTLY scans_p26_conflict ON scans_p26 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
DROP INDEX CONCURRENTLY IF EXISTS scans_p27_conflict;
CREATE INDEX CONCURRENTLY scans_p27_conflict ON scans_p27 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
DROP INDEX CONCURRENTLY IF EXISTS scans_p28_conflict;
CREATE INDEX CONCURRENTLY scans_p28_conflict ON scans_p28 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
DROP INDEX CONCURRENTLY IF EXISTS scans_p29_conflict;
CREATE INDEX CONCURRENTLY scans_p29_conflict ON scans_p29 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
DROP INDEX CONCURRENTLY IF EXISTS scans_p30_conflict;
CREATE INDEX CONCURRENTLY scans_p30_conflict ON scans_p30 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
DROP INDEX CONCURRENTLY IF EXISTS scans_p31_conflict;
CREATE INDEX CONCURRENTLY scans_p31_conflict ON scans_p31 (code_key, site_id, scanned_at) WHERE type IN ('SALE', 'DESTROY');
