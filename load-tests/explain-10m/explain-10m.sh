#!/usr/bin/env bash
# Throwaway PostgreSQL on port 55432 (Debian's postgresql-15 binaries, run as the postgres user), the service's
# schema, 10 million scans, then EXPLAIN (ANALYZE, BUFFERS) of each investigator query into $workdir/explain-10m.out.
# Takes about ten minutes on 2 cores. Usage: load-tests/explain-10m/explain-10m.sh [workdir]   (never part of `mvn verify`)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${1:-/tmp/tracesentinel-explain-10m}
bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
port=55432
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
rm -rf "$work"; mkdir -p "$work"; [ "$(id -u)" = 0 ] && chown postgres "$work"
as_pg "$bin/initdb" -D "$work/data" -U postgres -A trust >/dev/null
as_pg "$bin/pg_ctl" -D "$work/data" -l "$work/pg.log" -w start -o "-p $port -k $work -c shared_buffers=1GB \
  -c work_mem=64MB -c maintenance_work_mem=1GB -c max_wal_size=8GB -c fsync=off -c synchronous_commit=off \
  -c full_page_writes=off -c jit=off"
trap 'as_pg "$bin/pg_ctl" -D "$work/data" -m fast stop >/dev/null' EXIT
psql=(psql -h "$work" -p $port -U postgres -X -q)
"${psql[@]}" -c "CREATE DATABASE ts10m"
# in version order (a glob puts V10 before V2)
for m in $(ls "$here"/../../src/main/resources/db/migration/V*.sql | sort -t V -k2 -n); do
  "${psql[@]}" -d ts10m -v ON_ERROR_STOP=1 -f "$m" >/dev/null
done
"${psql[@]}" -d ts10m -f "$here/explain-10m.sql"
"${psql[@]}" -d ts10m -f "$here/explain-10m-queries.sql" > "$work/explain-10m.out"
echo "EXPLAIN output: $work/explain-10m.out"
