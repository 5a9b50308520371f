#!/usr/bin/env bash
# Single-scan requests (what a POS till sends), RUNS times: a fresh service, wrk with CONNECTIONS (64) connections
# posting one new sale per request for SECONDS after WARMUP (60) s: under this load the JIT compilers' time was 9 %
# of the service's CPU 30-60 s in, 3-5 % after 60 s (jstat -compiler, 2026-12-02). Prints the durable rate, the latency,
# the service JVM's CPU time per request, its embedded PostgreSQL's (every server process) and the whole machine's
# per request, and over the same window the mean group commit (scans a group, milliseconds a commit, from /metrics:
# a request waits for the commit under way, then its own), the p99 of the commit and of the service's own response
# time (as "<=" the upper bound of the histogram bucket holding it; wrk's p99 also counts the time a request waited
# on the two cores before the service read it), and the JIT compilers' time as a share of the service's CPU.
#   load-tests/singles.sh [seconds=30] [runs=3]        THINK_MS=3 load-tests/singles.sh   (a pause before each request: under saturation)
#   PG_SET="wal_init_zero=off" load-tests/singles.sh   (a setting of the embedded PostgreSQL, lib.sh's pg_set)
#   WRK_NICE=-10 load-tests/singles.sh   (wrk at that nice level: how much of its p99 is its own wait for a core)
set -euo pipefail
cd "$(dirname "$0")/.."
source load-tests/lib.sh
SECONDS_RUN=${1:-30}
RUNS=${2:-3}
CONNECTIONS=${CONNECTIONS:-64}
WARMUP=${WARMUP:-60}
ensure_jar
work=$(mktemp -d /tmp/ts-singles-XXXX)
echo "singles: ${SECONDS_RUN} s measured after ${WARMUP} s warm-up, ${RUNS} runs, ${CONNECTIONS} connections," \
  "1 scan a request; $(date -u +%FT%TZ); $(nproc) cores; HTTP_THREADS=${HTTP_THREADS}"
# buckets FILE: the commit-latency and HTTP response-time histogram buckets so far, for p99s over the window
buckets() {
  curl -fsS "$BASE/metrics" | grep -E '^tracesentinel_commit_latency_seconds_bucket|^vertx_http_server_response_time_seconds_bucket.*code="200"' >"$1"
}
# commits: "<groups> <scans> <seconds>" so far, summed over the service's commit metrics
commits() {
  curl -fsS "$BASE/metrics" | awk '
    /^tracesentinel_commit_group_scans_count/ { g += $2 } /^tracesentinel_commit_group_scans_sum/ { s += $2 }
    /^tracesentinel_commit_latency_seconds_sum/ { t += $2 } END { printf "%d %d %.6f\n", g, s, t }'
}
printf '%-4s %10s %8s %8s %16s %15s %16s %12s %10s %14s %14s %6s\n' run scans/s p50_ms p99_ms svc_cpu_us/req \
  svc_pg_us/req machine_us/req group_scans commit_ms commit_p99_ms svc_p99_ms jit_%
for run in $(seq 1 "$RUNS"); do
  start_service "$work/svc-$run" TRACESENTINEL_AUDIT_SECONDS=0 TRACESENTINEL_LEDGER_CAPACITY=10000000
  register 1 8600001
  KEY=$ADMIN_KEY RUN=$((run * 10 + 1)) BATCH=1 ${WRK_NICE:+nice -n "$WRK_NICE"} wrk -t2 -c"$CONNECTIONS" -d"${WARMUP}s" \
    -s load-tests/compare/scans.lua "$BASE" >/dev/null &
  warm=$!
  # The window starts and ends with reads of /metrics: read it during the warm-up too, so that compiling that path
  # is not counted in the window.
  while kill -0 "$warm" 2>/dev/null; do buckets "$work/b-warm"; commits >/dev/null; sleep 2; done
  wait "$warm"
  pgs=$(pg_pids "$work/svc-$run")
  c0=$(cpu_ticks "$SERVICE_PID"); p0=$(cpu_ticks $pgs); m0=$(machine_ticks); read -r g0 n0 t0 <<<"$(commits)"
  j0=$(jit_seconds "$SERVICE_PID")
  buckets "$work/b0"
  out=$(KEY=$ADMIN_KEY RUN=$((run * 10 + 2)) BATCH=1 ${WRK_NICE:+nice -n "$WRK_NICE"} wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --timeout 30s \
    -s load-tests/compare/scans.lua "$BASE" | grep '^stored_scans')
  c1=$(cpu_ticks "$SERVICE_PID"); p1=$(cpu_ticks $pgs); m1=$(machine_ticks); read -r g1 n1 t1 <<<"$(commits)"
  j1=$(jit_seconds "$SERVICE_PID")
  buckets "$work/b1"
  cp99=$(p99 "$work/b0" "$work/b1" tracesentinel_commit_latency); sp99=$(p99 "$work/b0" "$work/b1" vertx_http_server)
  read -r _ stored _ secs _ non2xx _ p50 _ p99 <<<"$out"
  awk -v run="$run" -v s="$stored" -v t="$secs" -v p50="$p50" -v p99="$p99" -v e="$non2xx" -v c=$((c1 - c0)) \
    -v pc=$((p1 - p0)) -v mc=$((m1 - m0)) \
    -v g=$((g1 - g0)) -v n=$((n1 - n0)) -v ct="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
    -v cp99="$cp99" -v sp99="$sp99" -v jit="$(awk -v a="$j0" -v b="$j1" 'BEGIN { print b - a }')" \
    'BEGIN { printf "%-4s %10.0f %8.1f %8.1f %16.1f %15.1f %16.1f %12.1f %10.2f %14s %14s %6.1f%s\n", run, s / t, p50,
      p99, c * 10000 / s, pc * 10000 / s, mc * 10000 / s, n / g, ct * 1000 / g, "<=" cp99, "<=" sp99, jit * 100 / c * 100,
      (e > 0 ? "  (" e " non-2xx)" : "") }'
  stop_service
  rm -rf "$work/svc-$run" "$work/svc-$run.log"
done
