-- Investigators: cases (each anomaly's state and every change of it) and code-sharing rings (a site graph kept up to
-- date from the anomalies as they are committed). Nothing here is written by the ingest core: new anomalies start
-- OPEN by the column's default, and everything else is written by the service's anomaly feed or by investigators.

-- ---- cases ----

-- A constant default: PostgreSQL adds the column without rewriting the table.
ALTER TABLE anomalies ADD COLUMN state text NOT NULL DEFAULT 'OPEN'
  CHECK (state IN ('OPEN', 'UNDER_REVIEW', 'CONFIRMED', 'DISMISSED'));

-- Only anomalies someone has worked on: new (OPEN) anomalies are never in it, so ingest pays nothing for it. Serves
-- the list filtered by a worked-on state (keyset order like the other filters) and the summary by state (level
-- rides along; OPEN is counted as the range's total minus the rest).
CREATE INDEX anomalies_case ON anomalies (state, scanned_at DESC, id DESC) INCLUDE (level) WHERE state <> 'OPEN';

-- Every change of an anomaly's state, kept for good: who (the key's id and its label at the time), when, from, to,
-- and the investigator's note.
CREATE TABLE anomaly_changes (
  id          bigserial PRIMARY KEY,
  anomaly_id  bigint NOT NULL,
  at          timestamptz NOT NULL DEFAULT now(),
  key_id      text NOT NULL,
  key_label   text,
  from_state  text NOT NULL,
  to_state    text NOT NULL,
  note        text NOT NULL
);
CREATE INDEX anomaly_changes_anomaly ON anomaly_changes (anomaly_id, id);

-- ---- rings ----

-- Where each consumer of the anomaly feed has got to (the last anomaly id it has folded in). The ring index
-- advances its row in the same transaction as the edges it adds, so each anomaly is counted exactly once.
CREATE TABLE feed_positions (
  name     text PRIMARY KEY,
  last_id  bigint NOT NULL
);
INSERT INTO feed_positions (name, last_id) VALUES ('rings', 0);

-- The sites each shared code has been sold at (only codes sold at two or more sites get rows), with the time the
-- site first sold it as far as the anomalies tell.
CREATE TABLE ring_code_sites (
  code_key   bytea NOT NULL,
  site_id    text NOT NULL,
  first_at   timestamptz NOT NULL,
  canonical  text NOT NULL,
  PRIMARY KEY (code_key, site_id)
);

-- One row per (pair of sites, code they both sold), with the time it became shared (the later of the two sites'
-- sales): a pair's shared codes over any range are its rows in that range, distinct by construction.
CREATE TABLE ring_codes (
  site_a     text NOT NULL,
  site_b     text NOT NULL,
  code_key   bytea NOT NULL,
  canonical  text NOT NULL,
  shared_at  timestamptz NOT NULL,
  PRIMARY KEY (site_a, site_b, code_key),
  CHECK (site_a < site_b)
);
-- a pair's codes in a range (edges, and the codes of a ring); one site's neighbours from either side
CREATE INDEX ring_codes_pair_time ON ring_codes (site_a, site_b, shared_at);
CREATE INDEX ring_codes_b ON ring_codes (site_b, shared_at) INCLUDE (site_a);

-- Each pair's shared codes over all time: the pairs that could reach minShared in any range, so that a ring query
-- reads only their rows, never every pair that ever shared one code.
CREATE TABLE ring_pairs (
  site_a  text NOT NULL,
  site_b  text NOT NULL,
  codes   bigint NOT NULL,
  PRIMARY KEY (site_a, site_b)
);
CREATE INDEX ring_pairs_codes ON ring_pairs (codes DESC) INCLUDE (site_a, site_b);
