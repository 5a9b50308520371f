-- The idempotency key of shared/spec/domain.md (siteId, documentNo, lineNo, canonical code, type), unique in the
-- database itself. The scan history cannot carry that constraint: a unique index on a partitioned table must
-- include the partition key (scanned_at), and a re-send need not repeat scannedAt. So every stored, non-rejected
-- scan also writes its key's 16-byte SHA-256 prefix here, in the same transaction. The ingest pipeline never sends a
-- re-send twice; if it ever did, this constraint fails the commit (503, undone) instead of storing it.
CREATE TABLE scan_keys (
  idem     bytea PRIMARY KEY,
  scan_id  bigint NOT NULL
);
