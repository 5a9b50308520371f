-- TraceSentinel schema. Sized for hundreds of millions of scans: the scan history is partitioned by month of the
-- scan's own time, so old months can be detached/archived and every query that names a time range prunes.

CREATE TABLE sites (
  ref          serial PRIMARY KEY,              -- the small number the ledger stores instead of site_id
  site_id      text NOT NULL UNIQUE,
  name         text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('PHARMACY', 'HOSPITAL', 'CLINIC')),
  region_code  text NOT NULL CHECK (region_code ~ '^[0-9]{6}$'),
  region_name  text NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE products (
  product_key  text PRIMARY KEY,
  drug_code    text,
  generic_name text NOT NULL,
  brand_name   text,
  spec         text,
  manufacturer text,
  pack_size    integer NOT NULL DEFAULT 1 CHECK (pack_size > 0),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id          uuid PRIMARY KEY,
  key_hash    bytea NOT NULL UNIQUE,             -- SHA-256 of the key: the key itself is never stored
  role        text NOT NULL CHECK (role IN ('scanner', 'investigator', 'admin')),
  site_id     text,
  label       text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz,
  CHECK ((role = 'scanner') = (site_id IS NOT NULL))
);

-- Every scan ever posted, REJECTED ones included. id is the service's time-ordered scan id; code_key is the
-- ledger's 16-byte key of the canonical code (null when the code could not be parsed).
CREATE TABLE scans (
  id            bigint NOT NULL,
  scanned_at    timestamptz NOT NULL,
  ingested_at   timestamptz NOT NULL,
  code_key      bytea,
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
) PARTITION BY RANGE (scanned_at);

-- One code's timeline, idempotency look-ups, conflict resolution and the ledger rebuild all go through this;
-- it is the only index on the scan history, so that ingest pays for one index insert per scan.
CREATE INDEX scans_code ON scans (code_key, id);

CREATE TABLE scans_default PARTITION OF scans DEFAULT;

-- Anomalies are a small fraction of scans; one table, indexed for each investigator filter, newest first.
CREATE TABLE anomalies (
  id                   bigserial PRIMARY KEY,
  scan_id              bigint NOT NULL,
  scanned_at           timestamptz NOT NULL,
  type                 text NOT NULL,
  suspicion            text NOT NULL,
  level                text NOT NULL,
  code_key             bytea NOT NULL,
  canonical            text NOT NULL,
  product              text NOT NULL,
  site_id              text NOT NULL,
  region               text NOT NULL,
  detail               text NOT NULL,
  conflict_site_id     text,
  conflict_at          timestamptz,
  conflict_document_no text
);

CREATE INDEX anomalies_time ON anomalies (scanned_at DESC, id DESC);
CREATE INDEX anomalies_scan ON anomalies (scan_id);
CREATE INDEX anomalies_site ON anomalies (site_id, scanned_at DESC, id DESC);
CREATE INDEX anomalies_region ON anomalies (region text_pattern_ops, scanned_at DESC, id DESC);
CREATE INDEX anomalies_product ON anomalies (product, scanned_at DESC, id DESC);
CREATE INDEX anomalies_type ON anomalies (type, scanned_at DESC, id DESC);
CREATE INDEX anomalies_suspicion ON anomalies (suspicion, scanned_at DESC, id DESC);
CREATE INDEX anomalies_code ON anomalies (code_key);

-- Public look-ups are not events, but the regulator counts them apart.
CREATE TABLE lookups_daily (
  day      date NOT NULL,
  outcome  text NOT NULL,
  count    bigint NOT NULL,
  PRIMARY KEY (day, outcome)
);
