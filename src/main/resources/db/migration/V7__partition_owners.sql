-- Cluster mode: which node owns each of the 32 code partitions (CodeKey.partitionOf), at which epoch. Kafka's group
-- membership decides who should own a partition; this table is where a node takes it (epoch + 1) and where every
-- group commit checks, under a share lock, that it still holds the partitions it writes at the epoch it judged them
-- under. A single node never reads it.
CREATE TABLE partition_owners (
  part      smallint PRIMARY KEY CHECK (part >= 0 AND part < 32),
  owner     text,
  owner_url text,
  epoch     bigint NOT NULL DEFAULT 0,
  since     timestamptz
);

INSERT INTO partition_owners (part) SELECT generate_series(0, 31);
