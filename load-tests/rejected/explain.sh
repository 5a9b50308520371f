#!/usr/bin/env bash
# The rejected-scans reads (GET /api/v1/scans/rejected and its summary) on a throwaway PostgreSQL: the schema up to
# V12, SCANS scans (default 2,000,000) of which 1 % REJECTED over 500 sites, then migration V13 timed (the partial
# indexes a first start after the upgrade builds) and EXPLAIN (ANALYZE) of the three statements as history.Sql sends
# them. Uses Debian's PostgreSQL 15 binaries (PG_BIN), run as the postgres user when root.
# Usage: load-tests/rejected/explain.sh [SCANS]      (about a minute; never part of `mvn verify`)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
migrations="$here/../../src/main/resources/db/migration"
scans=${1:-2000000}
work=${WORK:-/tmp/tracesentinel-explain-rejected}
bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
port=${PORT:-55439}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
rm -rf "$work"; mkdir -p "$work"; [ "$(id -u)" = 0 ] && chown postgres "$work"
as_pg "$bin/initdb" -D "$work/data" -U postgres -A trust >/dev/null
as_pg "$bin/pg_ctl" -D "$work/data" -l "$work/pg.log" -w start -o "-p $port -k $work -c fsync=off -c jit=off" >/dev/null
trap 'as_pg "$bin/pg_ctl" -D "$work/data" -m fast stop >/dev/null' EXIT
psql=(psql -h "$work" -p "$port" -U postgres -X -q)
"${psql[@]}" -c "CREATE DATABASE t"
for m in $(ls "$migrations"/V*.sql | sort -t V -k2 -n | grep -v '/V13__'); do
  "${psql[@]}" -d t -v ON_ERROR_STOP=1 -f "$m" >/dev/null
done
echo "### $scans scans, 1 % REJECTED (no code key, the unparsed partition), 500 sites"
"${psql[@]}" -d t -v ON_ERROR_STOP=1 <<SQL
INSERT INTO scans (id, part, scanned_at, ingested_at, code_key, idem, raw_code, type, site_id, document_no, line_no,
                   quantity, split, status, error)
SELECT g, CASE WHEN g % 100 = 0 THEN NULL ELSE g % 32 END, now(), now() - ($scans - g) * interval '1 ms',
       CASE WHEN g % 100 = 0 THEN NULL ELSE decode(md5(g::text), 'hex') END,
       CASE WHEN g % 100 = 0 THEN NULL ELSE decode(md5('i' || g), 'hex') END,
       'c' || g, 'SALE', 'S' || ((g / 100) % 500), 'D' || g, 1, 1, false,
       CASE WHEN g % 100 = 0 THEN 'REJECTED' ELSE 'ACCEPTED' END, NULL
FROM generate_series(1, $scans) g;
ANALYZE scans;
SQL
echo "### migration V13 (each statement timed)"
"${psql[@]}" -d t -c '\timing on' -f "$migrations"/V13__rejected_scans.sql
"${psql[@]}" -d t -c 'ANALYZE scans'
summary() { grep -E '^ (Limit|Planning Time|Execution Time)|Index Scan.*scans_unparsed|Seq Scan on scans_unparsed' || true; }
echo "### GET /api/v1/scans/rejected (first page)"
"${psql[@]}" -d t <<'SQL' | summary
EXPLAIN ANALYZE SELECT id, site_id, type, raw_code, canonical, document_no, line_no, device_id, scanned_at,
       ingested_at, error, upload_batch
FROM scans WHERE status = 'REJECTED' AND id < 9223372036854775807
  AND ingested_at >= coalesce(NULL::timestamptz, '-infinity') AND ingested_at < coalesce(NULL::timestamptz, 'infinity')
ORDER BY id DESC LIMIT 101;
SQL
echo "### GET /api/v1/scans/rejected?siteId=S300"
"${psql[@]}" -d t <<'SQL' | summary
EXPLAIN ANALYZE SELECT id, site_id, type, raw_code, canonical, document_no, line_no, device_id, scanned_at,
       ingested_at, error, upload_batch
FROM scans WHERE status = 'REJECTED' AND site_id = 'S300' AND id < 9223372036854775807
  AND ingested_at >= coalesce(NULL::timestamptz, '-infinity') AND ingested_at < coalesce(NULL::timestamptz, 'infinity')
ORDER BY id DESC LIMIT 101;
SQL
echo "### GET /api/v1/scans/rejected/summary (all time)"
"${psql[@]}" -d t <<'SQL' | summary
EXPLAIN ANALYZE SELECT site_id, count(*) AS count, max(ingested_at) AS last_at
FROM scans WHERE status = 'REJECTED'
  AND ingested_at >= coalesce(NULL::timestamptz, '-infinity') AND ingested_at < coalesce(NULL::timestamptz, 'infinity')
GROUP BY site_id ORDER BY count DESC, site_id LIMIT 1001;
SQL
