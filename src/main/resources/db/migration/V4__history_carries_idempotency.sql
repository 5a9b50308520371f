-- The history carries idempotency itself. V1-V3 kept the scan history in month partitions with one index, plus a
-- scan_keys table holding every idempotency key again, because a unique index on a table partitioned by time must
-- include the time. Here the history is partitioned by the code's key instead, so one unique index on
-- (code_key, idem) is both the way to a code's scans and the guarantee that a re-send is never stored twice: one
-- heap row and one index entry per scan instead of two and two.
--
-- 8 hash partitions: each index stays an eighth of the whole, and vacuum works partition by partition. Changing the
-- count means a copy into a new table (like this one), not an ALTER.

CREATE TABLE scans_by_code (
  id            bigint NOT NULL,
  scanned_at    timestamptz,              -- null only for a REJECTED scan whose scannedAt PostgreSQL cannot hold
  ingested_at   timestamptz NOT NULL,
  code_key      bytea,                    -- the ledger's 16-byte key; null when the code could not be parsed
  idem          bytea,                    -- first 16 bytes of SHA-256 of the idempotency key; null for REJECTED
  canonical     text,
  product       text,
  raw_code      text NOT NULL,
  type          text NOT NULL,
  site_id       text NOT NULL,
  site_ref      integer,
  document_no   text NOT NULL,
  line_no       integer NOT NULL,
  quantity      integer NOT NULL,
  split         boolean NOT NULL,
  billed_drug   text,
  settlement_id text,
  device_id     text,
  expiry        date,
  status        text NOT NULL,
  error         text
) PARTITION BY HASH (code_key);

CREATE TABLE scans_h0 PARTITION OF scans_by_code FOR VALUES WITH (MODULUS 8, REMAINDER 0);
CREATE TABLE scans_h1 PARTITION OF scans_by_code FOR VALUES WITH (MODULUS 8, REMAINDER 1);
CREATE TABLE scans_h2 PARTITION OF scans_by_code FOR VALUES WITH (MODULUS 8, REMAINDER 2);
CREATE TABLE scans_h3 PARTITION OF scans_by_code FOR VALUES WITH (MODULUS 8, REMAINDER 3);
CREATE TABLE scans_h4 PARTITION OF scans_by_code FOR VALUES WITH (MODULUS 8, REMAINDER 4);
CREATE TABLE scans_h5 PARTITION OF scans_by_code FOR VALUES WITH (MODULUS 8, REMAINDER 5);
CREATE TABLE scans_h6 PARTITION OF scans_by_code FOR VALUES WITH (MODULUS 8, REMAINDER 6);
CREATE TABLE scans_h7 PARTITION OF scans_by_code FOR VALUES WITH (MODULUS 8, REMAINDER 7);

INSERT INTO scans_by_code
SELECT s.id, s.scanned_at, s.ingested_at, s.code_key, k.idem, s.canonical, s.product, s.raw_code, s.type, s.site_id,
       s.site_ref, s.document_no, s.line_no, s.quantity, s.split, s.billed_drug, s.settlement_id, s.device_id,
       s.expiry, s.status, s.error
FROM scans s LEFT JOIN scan_keys k ON k.scan_id = s.id;

DROP TABLE scan_keys;
DROP TABLE scans;
ALTER TABLE scans_by_code RENAME TO scans;

-- Rejected scans have no idem (NULLs never collide), so they are kept every time they are sent.
CREATE UNIQUE INDEX scans_code_idem ON scans (code_key, idem);

-- Public look-ups per code: counted in memory and added here every few seconds, apart from the code's state (a
-- look-up is not an event, and the ledger's slot stays small). Only codes the ledger knows get a row.
CREATE TABLE code_lookups (
  code_key  bytea PRIMARY KEY,
  count     bigint NOT NULL
);
