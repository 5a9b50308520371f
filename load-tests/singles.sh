#!/usr/bin/env bash
# Single-scan requests (what a POS till sends), RUNS times: a fresh service, wrk with CONNECTIONS (64) connections
# posting one new sale per request for SECONDS after WARMUP (10) s. Prints the durable rate, the latency, the
# service JVM's CPU time per request, its embedded PostgreSQL's (every server process) and the whole machine's
# per request, and over the same window the mean group commit (scans a group, milliseconds a
# commit, from /metrics: a request waits for the commit under way, then its own).
#   load-tests/singles.sh [seconds=30] [runs=3]
set -euo pipefail
cd "$(dirname "$0")/.."
source load-tests/lib.sh
SECONDS_RUN=${1:-30}
RUNS=${2:-3}
CONNECTIONS=${CONNECTIONS:-64}
WARMUP=${WARMUP:-10}
ensure_jar
work=$(mktemp -d /tmp/ts-singles-XXXX)
echo "singles: ${SECONDS_RUN} s measured after ${WARMUP} s warm-up, ${RUNS} runs, ${CONNECTIONS} connections," \
  "1 scan a request; $(date -u +%FT%TZ); $(nproc) cores; HTTP_THREADS=${HTTP_THREADS}"
# commits: "<groups> <scans> <seconds>" so far, summed over the service's commit metrics
commits() {
  curl -fsS "$BASE/metrics" | awk '
    /^tracesentinel_commit_group_scans_count/ { g += $2 } /^tracesentinel_commit_group_scans_sum/ { s += $2 }
    /^tracesentinel_commit_latency_seconds_sum/ { t += $2 } END { printf "%d %d %.6f\n", g, s, t }'
}
printf '%-4s %10s %8s %8s %16s %15s %16s %12s %10s\n' run scans/s p50_ms p99_ms svc_cpu_us/req svc_pg_us/req \
  machine_us/req group_scans commit_ms
for run in $(seq 1 "$RUNS"); do
  start_service "$work/svc-$run" TRACESENTINEL_AUDIT_SECONDS=0 TRACESENTINEL_LEDGER_CAPACITY=10000000
  register 1 8600001
  KEY=$ADMIN_KEY RUN=$((run * 10 + 1)) BATCH=1 wrk -t2 -c"$CONNECTIONS" -d"${WARMUP}s" \
    -s load-tests/compare/scans.lua "$BASE" >/dev/null
  pgs=$(pg_pids "$work/svc-$run")
  c0=$(cpu_ticks "$SERVICE_PID"); p0=$(cpu_ticks $pgs); m0=$(machine_ticks); read -r g0 n0 t0 <<<"$(commits)"
  out=$(KEY=$ADMIN_KEY RUN=$((run * 10 + 2)) BATCH=1 wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --timeout 30s \
    -s load-tests/compare/scans.lua "$BASE" | grep '^stored_scans')
  c1=$(cpu_ticks "$SERVICE_PID"); p1=$(cpu_ticks $pgs); m1=$(machine_ticks); read -r g1 n1 t1 <<<"$(commits)"
  read -r _ stored _ secs _ non2xx _ p50 _ p99 <<<"$out"
  awk -v run="$run" -v s="$stored" -v t="$secs" -v p50="$p50" -v p99="$p99" -v e="$non2xx" -v c=$((c1 - c0)) \
    -v pc=$((p1 - p0)) -v mc=$((m1 - m0)) \
    -v g=$((g1 - g0)) -v n=$((n1 - n0)) -v ct="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
    'BEGIN { printf "%-4s %10.0f %8.1f %8.1f %16.1f %15.1f %16.1f %12.1f %10.2f%s\n", run, s / t, p50, p99,
      c * 10000 / s, pc * 10000 / s, mc * 10000 / s, n / g, ct * 1000 / g, (e > 0 ? "  (" e " non-2xx)" : "") }'
  stop_service
  rm -rf "$work/svc-$run" "$work/svc-$run.log"
done
