#!/usr/bin/env bash
# Public look-up latency and rate, RUNS times: a fresh service, SOLD (20,000) codes sold once, then wrk GET
# /api/v1/verify/{code} with CONNECTIONS (16) connections for SECONDS on random sold codes, then on codes never sold:
# as fast as the service answers (wrk sends the next request on a connection as soon as the last is answered), so
# these rows are the rate the service reaches and the latency at that saturation. Then, for each rate in PACED
# (default "15000 20000" a second), h2load (Debian: apt-get install nghttp2-client) sends look-ups of sold codes at
# that rate over the same CONNECTIONS connections for SECONDS: the latency while serving that rate. Its latency runs
# from a request's sending to its answer; a request due while its connection still waited for the one before is
# sent late, and that wait is not counted (at these rates, under the saturation rate, such waits are the rare stalls
# the p99.9 and max show).
# Every row also prints the service's own p99 (from its response-time histogram: "<=" the upper bound of the bucket
# holding it; the client's p99 also counts the time a request waited on the two cores before the service read it)
# and the JIT compilers' time in each window as a share of the service's CPU (jstat -compiler).
#   load-tests/lookups.sh [seconds=30] [runs=3]        PACED= load-tests/lookups.sh   (no paced rows)
# The per-client look-up limit is lifted for the run (every request comes from 127.0.0.1).
set -euo pipefail
cd "$(dirname "$0")/.."
source load-tests/lib.sh
SECONDS_RUN=${1:-30}
RUNS=${2:-3}
CONNECTIONS=${CONNECTIONS:-16}
SOLD=${SOLD:-20000}
WARMUP=${WARMUP:-20}
PACED=${PACED-15000 20000}
ensure_jar
if [ -n "$PACED" ] && ! command -v h2load >/dev/null; then
  echo "h2load is missing (the paced rows): apt-get install -y nghttp2-client, or PACED= for none" >&2
  exit 1
fi
work=$(mktemp -d /tmp/ts-lookups-XXXX)
echo "lookups: ${SECONDS_RUN} s per kind, ${RUNS} runs, ${CONNECTIONS} connections, ${SOLD} sold codes;" \
  "$(date -u +%FT%TZ); $(nproc) cores; HTTP_THREADS=${HTTP_THREADS}"
printf '%-4s %-12s %10s %8s %8s %9s %8s %11s %6s\n' run codes per_s p50_ms p99_ms p99.9_ms max_ms svc_p99_ms jit_%
# window NAME COMMAND...: runs the command (which prints "answered N seconds S non2xx E p50_ms A p99_ms B
# [p999_ms C max_ms D]") and prints its row with the service's own p99 and the JIT's share over the same window.
window() {
  local name=$1 out c0 c1 j0 j1 sp99
  shift
  c0=$(cpu_ticks "$SERVICE_PID"); j0=$(jit_seconds "$SERVICE_PID"); http_buckets "$work/h0"
  out=$("$@")
  c1=$(cpu_ticks "$SERVICE_PID"); j1=$(jit_seconds "$SERVICE_PID"); http_buckets "$work/h1"
  sp99=$(p99 "$work/h0" "$work/h1" vertx_http_server)
  read -r _ n _ secs _ non2xx _ p50 _ p99 _ p999 _ max <<<"$out"
  awk -v run="$run" -v kind="$name" -v n="$n" -v t="$secs" -v p50="$p50" -v p99="$p99" -v p999="${p999:--}" \
    -v max="${max:--}" -v e="$non2xx" -v c=$((c1 - c0)) -v jit="$(awk -v a="$j0" -v b="$j1" 'BEGIN { print b - a }')" \
    -v sp99="$sp99" \
    'BEGIN { printf "%-4s %-12s %10.0f %8.2f %8.2f %9s %8s %11s %6.1f%s\n", run, kind, n / t, p50, p99, p999, max,
      "<=" sp99, jit * 100 / c * 100, (e > 0 ? "  (" e " non-2xx)" : "") }'
}
# paced RATE URIS: h2load at RATE look-ups a second over CONNECTIONS connections, its per-request log summarised
paced() {
  rm -f "$work/paced.log" # h2load appends to it
  h2load --h1 -c"$CONNECTIONS" -t1 --rps=$(($1 / CONNECTIONS)) -D "$SECONDS_RUN" -i "$2" \
    --log-file "$work/paced.log" >"$work/paced.out" 2>&1 || { cat "$work/paced.out" >&2; return 1; }
  python3 - "$work/paced.log" <<'PY'
import sys
lat, bad, first, last = [], 0, None, None
for line in open(sys.argv[1]):
    start, status, micros = line.split('\t')[:3]
    start = int(start)
    first = start if first is None else min(first, start)
    last = start if last is None else max(last, start)
    lat.append(int(micros))
    bad += status != '200'
lat.sort()
n = len(lat)
q = lambda f: lat[min(n - 1, int(n * f))] / 1000
print(f"answered {n - bad} seconds {(last - first) / 1e6:.2f} non2xx {bad} p50_ms {q(.5):.2f} p99_ms {q(.99):.2f} "
      f"p999_ms {q(.999):.2f} max_ms {lat[-1] / 1000:.1f}")
PY
}
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
    window "$kind" sh -c "RUN=$run SOLD=$SOLD UNKNOWN=$([ $kind = unknown ] && echo 1 || echo 0) wrk -t2 \
      -c$CONNECTIONS -d${SECONDS_RUN}s -s load-tests/compare/verify.lua $BASE | grep '^answered'"
  done
  if [ -n "$PACED" ]; then
    # the sold codes in a shuffled order (the same order every run), each connection taking the next
    for n in $(seq 1 "$SOLD"); do printf '%s/api/v1/verify/8600001%03d01%08d\n' "$BASE" $((run % 1000)) "$n"; done \
      | shuf --random-source=<(yes) >"$work/uris"
    for rate in $PACED; do
      window "sold@$rate" paced "$rate" "$work/uris"
    done
  fi
  stop_service
  rm -rf "$work/svc-$run" "$work/svc-$run.log"
done
