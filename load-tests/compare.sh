#!/usr/bin/env bash
# TraceSentinel's durable batched ingest side by side with the PostgreSQL-only design it exists to beat, on this
# machine, in one run, RUNS times:
#   load-tests/compare.sh [seconds=60] [runs=3]        SERIALS=sequential load-tests/compare.sh
#   PG_SQL="DROP INDEX scans_code_idem" load-tests/compare.sh   (a trial of the service's schema: lib.sh's pg_set)
# Each run: (1) the service from target/tracesentinel.jar on a fresh data directory (embedded PostgreSQL), wrk with
# CONNECTIONS (16) connections posting batches of 100 new codes of one registered product at one site, WARMUP (30) s
# then SECONDS measured (30 s, because the service's JIT still compiled for 2 s of every 10 between 10 and 20 s into
# this load, per jstat -compiler); (2) load-tests/compare/PgOnly.java on a fresh embedded PostgreSQL of the same
# binaries and settings: a codes table with a unique key upserted plus a history row, one transaction per 100 scans,
# PG_CLIENTS (4) clients, the same warm-up and duration. Both get 20-digit codes of one product whose serials are
# SERIALS: random (scattered over their range, as randomised pack serials are) or sequential (counting up, as in
# earlier rounds, which lets the PostgreSQL-only design's unique index grow at its right edge only). Durable scans/s
# counts 2xx answers only (each stored before the answer).
# CPU: the service JVM's own CPU time per stored scan; its embedded PostgreSQL's (every server process) per stored
# scan; "machine" is all CPU time on the box per scan; for PostgreSQL-only, its server plus its client per scan.
# Prints one row per run and the spread. Needs wrk (apt-get install wrk) and a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
source load-tests/lib.sh
SECONDS_RUN=${1:-60}
RUNS=${2:-3}
CONNECTIONS=${CONNECTIONS:-16}
PG_CLIENTS=${PG_CLIENTS:-4}
WARMUP=${WARMUP:-30}
export SERIALS=${SERIALS:-random}
ensure_jar
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
work=$(mktemp -d /tmp/ts-compare-XXXX)
echo "compare: ${SECONDS_RUN} s measured after ${WARMUP} s warm-up, ${RUNS} runs, service ${CONNECTIONS} connections," \
  "PostgreSQL-only ${PG_CLIENTS} clients, batches of 100, ${SERIALS} serials; $(date -u +%FT%TZ); $(nproc) cores;" \
  "HTTP_THREADS=${HTTP_THREADS};" \
  "work in $work"
printf '%-4s %14s %12s %16s %8s %14s %14s %14s %14s\n' run service/s p99_ms postgres-only/s ratio svc_cpu_us/scan \
  svc_pg_us/scan machine_us/scan pg-only_us/scan
for run in $(seq 1 "$RUNS"); do
  svc=$work/service-$run
  start_service "$svc" TRACESENTINEL_LEDGER_CAPACITY=20000000 TRACESENTINEL_AUDIT_SECONDS=0 \
    TRACESENTINEL_LEDGER_VERIFY=false
  register 1 8600001
  KEY=$ADMIN_KEY RUN=$((run * 10 + 1)) BATCH=100 wrk -t2 -c"$CONNECTIONS" -d"${WARMUP}s" --timeout 30s \
    -s load-tests/compare/scans.lua "$BASE" >/dev/null
  pgs=$(pg_pids "$svc")
  s0=$(cpu_ticks "$SERVICE_PID"); p0=$(cpu_ticks $pgs); m0=$(machine_ticks)
  out=$(KEY=$ADMIN_KEY RUN=$((run * 10 + 2)) BATCH=100 wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --timeout 30s \
    -s load-tests/compare/scans.lua "$BASE" | grep '^stored_scans')
  s1=$(cpu_ticks "$SERVICE_PID"); p1=$(cpu_ticks $pgs); m1=$(machine_ticks)
  stop_service
  read -r _ stored _ secs _ non2xx _ p50 _ p99 <<<"$out"
  rm -rf "$svc" "$svc.log"
  pgout=$(java -cp "$JAR" load-tests/compare/PgOnly.java "$work/pgonly-$run" "$SECONDS_RUN" "$PG_CLIENTS" 100 "$WARMUP" \
    "$SERIALS" 2>/dev/null | grep '^stored_scans')
  read -r _ pgstored _ pgsecs _ pgticks _ clticks <<<"$pgout"
  rm -rf "$work/pgonly-$run"
  awk -v run="$run" -v s="$stored" -v t="$secs" -v p99="$p99" -v ps="$pgstored" -v pt="$pgsecs" \
      -v sc=$((s1 - s0)) -v spc=$((p1 - p0)) -v mc=$((m1 - m0)) -v pc=$((pgticks + clticks)) -v n2="$non2xx" 'BEGIN {
    rate = s / t; prate = ps / pt;
    printf "%-4s %14.0f %12.1f %16.0f %8.2f %14.1f %14.1f %14.1f %14.1f%s\n", run, rate, p99, prate, rate / prate,
      sc * 10000 / s, spc * 10000 / s, mc * 10000 / s, pc * 10000 / ps, (n2 > 0 ? "  (" n2 " non-2xx)" : "") }'
done | tee "$work/rows.txt"
awk '{ print $5 }' "$work/rows.txt" | sort -g | awk '{ r[NR] = $1 } END { mid = r[int((NR + 1) / 2)];
  printf "ratio: min %.2f, median %.2f, max %.2f, spread ±%.0f%% around the median\n", r[1], mid, r[NR],
    (r[NR] - r[1]) / 2 / mid * 100 }'
awk '{ print $6 }' "$work/rows.txt" | sort -g | awk '{ r[NR] = $1 } END {
  printf "service CPU per durable scan: min %.1f, max %.1f us\n", r[1], r[NR] }'
