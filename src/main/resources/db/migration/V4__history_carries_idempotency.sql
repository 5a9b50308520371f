-- The history carries idempotency itself. V1-V3 kept the scan history in month partitions with one index, plus a
-- scan_keys table holding every idempotency key again, because a unique index on a table partitioned by time must
-- include the time. Here the history is partitioned by the code instead, so one unique index on
-- (code_key, idem, part) is both the way to a code's scans and the guarantee that a re-send is never stored twice:
-- one heap row and one index entry per scan instead of two and two.
--
-- part is the code's partition, computed by the service (code.CodeKey.partitionOf: the key's first four bytes as a
-- signed int, floor-mod 32). 32 list partitions: a cluster node owns whole partitions and rebuilds one by reading
-- one table; queries name the part, so PostgreSQL reads one partition's index. Scans whose code could not be parsed
-- (no key) go to the default partition. Changing the count means a copy into a new table (like this one).

CREATE TABLE scans_by_code (
  id            bigint NOT NULL,
  part          smallint,                 -- the code's partition; null when there is no code key
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
) PARTITION BY LIST (part);

DO $$
BEGIN
  FOR p IN 0..31 LOOP
    EXECUTE format('CREATE TABLE scans_p%s PARTITION OF scans_by_code FOR VALUES IN (%s)', p, p);
  END LOOP;
END $$;
CREATE TABLE scans_unparsed PARTITION OF scans_by_code DEFAULT;

INSERT INTO scans_by_code
SELECT s.id,
       CASE WHEN s.code_key IS NULL THEN NULL ELSE
         (((get_byte(s.code_key, 0) << 24) | (get_byte(s.code_key, 1) << 16) | (get_byte(s.code_key, 2) << 8)
           | get_byte(s.code_key, 3)) % 32 + 32) % 32 END,
       s.scanned_at, s.ingested_at, s.code_key, k.idem, s.canonical, s.product, s.raw_code, s.type, s.site_id,
       s.site_ref, s.document_no, s.line_no, s.quantity, s.split, s.billed_drug, s.settlement_id, s.device_id,
       s.expiry, s.status, s.error
FROM scans s LEFT JOIN scan_keys k ON k.scan_id = s.id;

DROP TABLE scan_keys;
DROP TABLE scans;
ALTER TABLE scans_by_code RENAME TO scans;

-- Rejected scans have no idem (NULLs never collide), so they are kept every time they are sent.
CREATE UNIQUE INDEX scans_code_idem ON scans (code_key, idem, part);

-- Public look-ups per code: counted in memory and added here every few seconds, apart from the code's state (a
-- look-up is not an event, and the ledger's slot stays small). Only codes the ledger knows get a row.
CREATE TABLE code_lookups (
  code_key  bytea PRIMARY KEY,
  count     bigint NOT NULL
);
