-- How far an import of a file got, saved after each deletion (3507) it applied: the lines up to it, by the SHA-256 of
-- their bytes. A re-run of the same file starts after them: re-sending an upload the file deletes further on stored
-- it again (its idempotency hash is freed by the deletion) and judged it afresh, raising its anomalies again.
-- One row per import run that applied a deletion: a run replaces its previous row.
CREATE TABLE import_checkpoints (
  prefix_sha256 bytea       NOT NULL,
  lines         bigint      NOT NULL CHECK (lines > 0),
  saved_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (prefix_sha256, lines)
);
