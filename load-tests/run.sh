#!/usr/bin/env bash
# Load test against a TraceSentinel on this machine (127.0.0.1 only), bounded in time.
#   load-tests/run.sh [duration=30s] [connections=32] [threads=2]
# Needs wrk (apt-get install wrk). Registers SITES load-test sites with an admin key first.
# Env: KEY (admin key; default: the service's TRACESENTINEL_ADMIN_KEY must be "load-test-admin"),
#      PORT (8080), BATCH (100 scans per request), SITES (20), REPEAT_PCT (0),
#      RUN (default: derived from the clock; reuse a previous run's value to re-send all its scans).
set -euo pipefail
duration=${1:-30s}
connections=${2:-32}
threads=${3:-2}
port=${PORT:-8080}
export KEY=${KEY:-load-test-admin} BATCH=${BATCH:-100} SITES=${SITES:-20} REPEAT_PCT=${REPEAT_PCT:-0}
export RUN=${RUN:-$(( $(date +%s) % 1000000 ))}
echo "run ${RUN}"
base="http://127.0.0.1:${port}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

rows=$(for i in $(seq 1 "$SITES"); do
  region=$((440300 + i)); printf '{"siteId":"LOAD%03d","name":"Load pharmacy %d","kind":"PHARMACY","regionCode":"%d","regionName":"Load region"}\n' "$i" "$i" "$region"
done | paste -sd, -)
curl -fsS -X PUT "$base/api/v1/sites" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  --data "[$rows]" >/dev/null

echo "wrk: ${duration}, ${connections} connections, ${threads} threads, ${BATCH} scans/request, repeats ${REPEAT_PCT}%"
wrk -t"$threads" -c"$connections" -d"$duration" --timeout 30s --latency -s "$(dirname "$0")/scans.lua" "$base"
