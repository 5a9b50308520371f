#!/usr/bin/env bash
# Single-scan requests (what a POS till sends), RUNS times: a fresh service, wrk with CONNECTIONS (64) connections
# posting one new sale per request for SECONDS after WARMUP (10) s. Prints the durable rate, the latency and the
# service JVM's CPU time per request.
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
  "1 scan a request; $(date -u +%FT%TZ); $(nproc) cores"
printf '%-4s %10s %8s %8s %16s\n' run scans/s p50_ms p99_ms svc_cpu_us/req
for run in $(seq 1 "$RUNS"); do
  start_service "$work/svc-$run" TRACESENTINEL_AUDIT_SECONDS=0 TRACESENTINEL_LEDGER_CAPACITY=10000000
  register 1 8600001
  KEY=$ADMIN_KEY RUN=$((run * 10 + 1)) BATCH=1 wrk -t2 -c"$CONNECTIONS" -d"${WARMUP}s" \
    -s load-tests/compare/scans.lua "$BASE" >/dev/null
  c0=$(cpu_ticks "$SERVICE_PID")
  out=$(KEY=$ADMIN_KEY RUN=$((run * 10 + 2)) BATCH=1 wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --timeout 30s \
    -s load-tests/compare/scans.lua "$BASE" | grep '^stored_scans')
  c1=$(cpu_ticks "$SERVICE_PID")
  read -r _ stored _ secs _ non2xx _ p50 _ p99 <<<"$out"
  awk -v run="$run" -v s="$stored" -v t="$secs" -v p50="$p50" -v p99="$p99" -v e="$non2xx" -v c=$((c1 - c0)) \
    'BEGIN { printf "%-4s %10.0f %8.1f %8.1f %16.1f%s\n", run, s / t, p50, p99, c * 10000 / s,
      (e > 0 ? "  (" e " non-2xx)" : "") }'
  stop_service
  rm -rf "$work/svc-$run" "$work/svc-$run.log"
done
