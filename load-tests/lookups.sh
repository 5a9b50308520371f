#!/usr/bin/env bash
# Public look-up latency and rate, RUNS times: a fresh service, SOLD (20,000) codes sold once, then wrk GET
# /api/v1/verify/{code} with CONNECTIONS (16) connections for SECONDS on random sold codes, then on codes never sold.
# Also prints the service's own p99 (from its response-time histogram: "<=" the upper bound of the bucket holding it;
# wrk's p99 also counts the time a request waited on the two cores before the service read it) and the JIT
# compilers' time in each window as a share of the service's CPU (jstat -compiler).
#   load-tests/lookups.sh [seconds=30] [runs=3]
# The per-client look-up limit is lifted for the run (every request comes from 127.0.0.1).
set -euo pipefail
cd "$(dirname "$0")/.."
source load-tests/lib.sh
SECONDS_RUN=${1:-30}
RUNS=${2:-3}
CONNECTIONS=${CONNECTIONS:-16}
SOLD=${SOLD:-20000}
WARMUP=${WARMUP:-20}
ensure_jar
work=$(mktemp -d /tmp/ts-lookups-XXXX)
echo "lookups: ${SECONDS_RUN} s per kind, ${RUNS} runs, ${CONNECTIONS} connections, ${SOLD} sold codes;" \
  "$(date -u +%FT%TZ); $(nproc) cores; HTTP_THREADS=${HTTP_THREADS}"
printf '%-4s %-8s %10s %8s %8s %11s %6s\n' run codes per_s p50_ms p99_ms svc_p99_ms jit_%
for run in $(seq 1 "$RUNS"); do
  start_service "$work/svc-$run" TRACESENTINEL_LOOKUPS_PER_MINUTE=100000000 TRACESENTINEL_AUDIT_SECONDS=0
  register 1 8600001
  # Sell SOLD codes once each, 1,000 a request (the codes verify.lua asks for).
  for from in $(seq 1 1000 "$SOLD"); do
    body=$(for n in $(seq "$from" $((from + 999))); do
      printf '{"code":"8600001%03d01%08d","siteId":"LOAD001","documentNo":"L%d","lineNo":1}\n' $((run % 1000)) "$n" "$n"
    done | paste -sd, -)
    curl -fsS -X POST "$BASE/api/v1/scans" -H "Authorization: Bearer $ADMIN_KEY" -H 'Content-Type: application/json' \
      --data "{\"scans\":[$body]}" >/dev/null
  done
  RUN=$run SOLD=$SOLD wrk -t2 -c"$CONNECTIONS" -d"${WARMUP}s" -s load-tests/compare/verify.lua "$BASE" \
    >/dev/null # warm-up
  for kind in sold unknown; do
    c0=$(cpu_ticks "$SERVICE_PID"); j0=$(jit_seconds "$SERVICE_PID"); http_buckets "$work/h0"
    out=$(RUN=$run SOLD=$SOLD UNKNOWN=$([ $kind = unknown ] && echo 1 || echo 0) wrk -t2 -c"$CONNECTIONS" \
      -d"${SECONDS_RUN}s" -s load-tests/compare/verify.lua "$BASE" | grep '^answered')
    c1=$(cpu_ticks "$SERVICE_PID"); j1=$(jit_seconds "$SERVICE_PID"); http_buckets "$work/h1"
    sp99=$(p99 "$work/h0" "$work/h1" vertx_http_server)
    read -r _ n _ secs _ non2xx _ p50 _ p99 <<<"$out"
    awk -v run="$run" -v kind="$kind" -v n="$n" -v t="$secs" -v p50="$p50" -v p99="$p99" -v e="$non2xx" \
      -v c=$((c1 - c0)) -v jit="$(awk -v a="$j0" -v b="$j1" 'BEGIN { print b - a }')" -v sp99="$sp99" \
      'BEGIN { printf "%-4s %-8s %10.0f %8.2f %8.2f %11s %6.1f%s\n", run, kind, n / t, p50, p99, "<=" sp99,
        jit * 100 / c * 100,
        (e > 0 ? "  (" e " non-2xx)" : "") }'
  done
  stop_service
  rm -rf "$work/svc-$run" "$work/svc-$run.log"
done
