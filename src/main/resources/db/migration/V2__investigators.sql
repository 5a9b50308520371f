-- Investigators' queries (GET /api/v1/anomalies, /anomalies/summary). V1 indexes every list filter but level, and
-- nothing answers a summary without reading the table; both indexes are on anomalies only, which are a small
-- fraction of scans, so ingest pays for them only on flagged scans. EXPLAIN at 10 million scans: load-tests/explain-10m/explain-10m.md.

-- level=WARNING|ALERT alone, newest first, keyset (scanned_at, id).
CREATE INDEX anomalies_level ON anomalies (level, scanned_at DESC, id DESC);

-- Summaries by site, region, product, type, suspicion, day or hour over a time range: an index-only range scan
-- (the grouping columns and level ride along), whatever the groupBy.
CREATE INDEX anomalies_summary ON anomalies (scanned_at) INCLUDE (site_id, region, product, type, suspicion, level);
