-- One row per group commit whose outcome may still be asked: written last in the group's own transaction, so it
-- exists exactly when the group committed. A commit whose answer was lost is resolved by inserting the same row:
-- the unique index makes that insert wait for the original transaction if it is still running, and whichever
-- inserted first decides. pg_xact_status cannot decide this: a transaction lost in a crash before its WAL was
-- flushed leaves its xid free, the restarted server hands it to the next transaction, and that one's "committed"
-- would be read as ours. Each writer deletes its rows of earlier groups in its next commit, so the table stays at
-- about one row per writer.
CREATE TABLE commit_markers (
  writer   text   NOT NULL,
  group_id bigint NOT NULL,
  PRIMARY KEY (writer, group_id)
);
