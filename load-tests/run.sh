#!/usr/bin/env bash
# Load test of POST /api/v1/scans, bounded in time, on this machine only (127.0.0.1).
#   load-tests/run.sh [duration=30s] [connections=32] [threads=2]
#
# By default it starts its own service from target/tracesentinel.jar (build it first: mvn -q -DskipTests package)
# on a fresh temporary data directory and a free port, and removes both afterwards: the demo's ./data is never
# touched, and every run measures the same empty start. It registers its own sites and product, so every scan is
# a first sale of a catalogued box (ACCEPTED); after the run it prints the verdicts from /metrics and fails when a
# scan it meant as new was FLAGGED or REJECTED.
#
# Env: URL    use an already running service instead (e.g. URL=http://127.0.0.1:8080; its admin key in KEY)
#      KEY    admin key (default load-test-admin-key; the started service gets it as TRACESENTINEL_ADMIN_KEY)
#      BATCH (100 scans a request), SITES (20), REPEAT_PCT (0: % of scans that re-sell an earlier box elsewhere),
#      RUN (default from the clock; reuse a previous run's value against the same service to re-send its scans),
#      KEEP=1 keeps the temporary data directory, JAVA_OPTS for the started service.
# Needs wrk (Debian: apt-get install wrk), curl and, for the started service, a JDK 17.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
duration=${1:-30s}
connections=${2:-32}
threads=${3:-2}
export KEY=${KEY:-load-test-admin-key} BATCH=${BATCH:-100} SITES=${SITES:-20} REPEAT_PCT=${REPEAT_PCT:-0}
export RUN=${RUN:-$(( $(date +%s) % 100000 ))}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

service_pid=
data_dir=
stop_service() {
  if [ -n "$service_pid" ] && kill -0 "$service_pid" 2>/dev/null; then
    kill "$service_pid" && wait "$service_pid" 2>/dev/null || true
  fi
  if [ -n "$data_dir" ] && [ "${KEEP:-0}" != 1 ]; then
    rm -rf "$data_dir"
  elif [ -n "$data_dir" ]; then
    echo "data kept in $data_dir"
  fi
}
trap stop_service EXIT

if [ -n "${URL:-}" ]; then
  base=${URL%/}
  case "$base" in
    http://127.*|http://localhost*|http://\[::1\]*) ;;
    *) echo "URL must be on this machine (127.0.0.1, localhost or [::1]): $base" >&2; exit 1 ;;
  esac
  echo "against the running service at $base"
else
  jar="$repo/target/tracesentinel.jar"
  [ -f "$jar" ] || { echo "no $jar: build it first (mvn -q -DskipTests package)" >&2; exit 1; }
  data_dir=$(mktemp -d "${TMPDIR:-/tmp}/tracesentinel-load.XXXXXX")
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
    || echo $(( 20000 + RANDOM % 20000 )))
  base="http://127.0.0.1:${port}"
  echo "starting a service on $base with data in $data_dir (log: $data_dir/service.log)"
  TRACESENTINEL_DATA_DIR="$data_dir" TRACESENTINEL_PORT="$port" TRACESENTINEL_HOST=127.0.0.1 \
    TRACESENTINEL_ADMIN_KEY="$KEY" TRACESENTINEL_ACCESS_LOG=WARN \
    java ${JAVA_OPTS:-} -jar "$jar" >"$data_dir/service.log" 2>&1 &
  service_pid=$!
  for _ in $(seq 1 180); do
    curl -sf "$base/health/ready" >/dev/null 2>&1 && break
    kill -0 "$service_pid" 2>/dev/null || { echo "the service stopped:" >&2; tail -n 20 "$data_dir/service.log" >&2; exit 1; }
    sleep 1
  done
  curl -sf "$base/health/ready" >/dev/null || { echo "the service is not ready after 180 s" >&2; exit 1; }
fi
echo "run ${RUN}"

# The product the run's codes belong to (CN20 prefix 89 + the run number) and the sites that sell them: without
# them every sale would be FLAGGED UNKNOWN_PRODUCT or REJECTED for an unknown site.
product=$(printf '89%05d' "$((RUN % 100000))")
curl -fsS -X PUT "$base/api/v1/products" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  --data "[{\"productKey\":\"$product\",\"genericName\":\"Load-test tablets $RUN\",\"packSize\":10}]" >/dev/null
rows=$(for i in $(seq 1 "$SITES"); do
  region=$((440300 + i)); printf '{"siteId":"LOAD%03d","name":"Load pharmacy %d","kind":"PHARMACY","regionCode":"%d","regionName":"Load region"}\n' "$i" "$i" "$region"
done | paste -sd, -)
curl -fsS -X PUT "$base/api/v1/sites" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  --data "[$rows]" >/dev/null

verdicts() { # SALE scans by status, from /metrics (loopback only, which this script is)
  curl -fsS "$base/metrics" | awk '/^tracesentinel_scans_total\{/ && /type="SALE"/ {
      match($0, /status="[A-Z]+"/); s = substr($0, RSTART + 8, RLENGTH - 9); n[s] += $NF }
    END { printf "ACCEPTED=%d FLAGGED=%d REJECTED=%d REPLAYED=%d\n", n["ACCEPTED"], n["FLAGGED"], n["REJECTED"], n["REPLAYED"] }'
}
before=$(verdicts)

echo "wrk: ${duration}, ${connections} connections, ${threads} threads, ${BATCH} scans/request, repeats ${REPEAT_PCT}%"
wrk -t"$threads" -c"$connections" -d"$duration" --timeout 30s --latency -s "$here/scans.lua" "$base"

after=$(verdicts)
echo "SALE verdicts before: $before"
echo "SALE verdicts after:  $after"
if [ -z "${URL:-}" ] && [ "$REPEAT_PCT" = 0 ]; then
  eval "$after"
  if [ "$FLAGGED" -ne 0 ] || [ "$REJECTED" -ne 0 ] || [ "$ACCEPTED" -eq 0 ]; then
    echo "FAILED: every scan of this run is a first sale of a registered box, yet not all were ACCEPTED" >&2
    exit 1
  fi
  echo "OK: all $ACCEPTED sales ACCEPTED"
fi
