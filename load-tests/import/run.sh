#!/usr/bin/env bash
# The import rate, measured: generates CODES (default 500,000) trace codes of 3505A uploads as JSON lines
# (GenerateUploads.java: 10 lines of 1-3 codes a message, every 3505 field filled, ~500 bytes a code), then RUNS
# (default 3) times: a fresh data directory, its sites and catalogue registered through the API (service started
# and stopped), and `import` timed on it. The last run's file is then imported again (a resume: every code
# REPLAYED, counted as skipped). Prints each run's summary; the codes/s figure is import's own (from reading the
# first line to the last answer), the wall time includes starting and stopping the core.
#   load-tests/import/run.sh [CODES] [RUNS]
# Needs: the jar (built here if missing), curl.
set -euo pipefail
cd "$(dirname "$0")/../.."
JAR=target/tracesentinel.jar
[ -f "$JAR" ] || mvn -q -DskipTests package
CODES=${1:-500000}
RUNS=${2:-3}
KEY=import-test-admin
WORK=$(mktemp -d /tmp/ts-import-XXXX)
SERVICE=
# Only the service this script started is stopped, by its pid; the work directory goes unless KEEP is set.
trap '[ -z "$SERVICE" ] || kill -TERM "$SERVICE" 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
free_port() {
  local p
  while :; do
    p=$(shuf -i 20000-60000 -n 1)
    ss -ltn "( sport = :$p )" | grep -q ":$p" || { echo "$p"; return; }
  done
}
PORT=${PORT:-$(free_port)}
java load-tests/import/GenerateUploads.java "$CODES" "$WORK/uploads.jsonl"

env_for() { # dir
  echo "TRACESENTINEL_DATA_DIR=$1 TRACESENTINEL_PORT=$PORT TRACESENTINEL_HOST=127.0.0.1 TRACESENTINEL_ADMIN_KEY=$KEY" \
    "TRACESENTINEL_LEDGER_CAPACITY=$(( CODES * 2 > 2000000 ? CODES * 2 : 2000000 )) TRACESENTINEL_ACCESS_LOG=WARN"
}

register() { # dir: start the service, register 20 sites and 4 products, stop it
  local ready=no
  for attempt in 1 2 3; do # a start can time out connecting to its own database on a busy box: try again
    env $(env_for "$1") java -jar "$JAR" serve >>"$1.serve.log" 2>&1 &
    SERVICE=$!
    for _ in $(seq 1 600); do
      kill -0 "$SERVICE" 2>/dev/null || break
      curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && { ready=yes; break; }
      sleep 0.2
    done
    [ $ready = yes ] && break
    wait "$SERVICE" || true
    SERVICE=
  done
  [ $ready = yes ] || { echo "the service did not start:" >&2; tail -20 "$1.serve.log" >&2; exit 1; }
  local sites products
  sites=$(for i in $(seq 0 19); do
    printf '{"siteId":"IM%d","name":"Import pharmacy %d","kind":"PHARMACY","regionCode":"%d","regionName":"r"}\n' \
      "$i" "$i" $((440300 + i % 5 * 100 + i)); done | paste -sd, -)
  products=$(for p in 1 2 3 4; do
    printf '{"productKey":"897000%d","drugCode":"XTEST00%dA001010100001","genericName":"Test drug %d","packSize":24}\n' \
      "$p" "$p" "$p"; done | paste -sd, -)
  curl -fsS -X PUT "http://127.0.0.1:$PORT/api/v1/sites" -H "Authorization: Bearer $KEY" \
    -H 'Content-Type: application/json' --data "[$sites]" >/dev/null
  curl -fsS -X PUT "http://127.0.0.1:$PORT/api/v1/products" -H "Authorization: Bearer $KEY" \
    -H 'Content-Type: application/json' --data "[$products]" >/dev/null
  kill -TERM "$SERVICE"
  wait "$SERVICE" || true
  SERVICE=
}

import() { # dir label
  local t0 t1 out
  for attempt in 1 2 3; do # as above: a start that timed out stored nothing, run it again
    t0=$(date +%s.%N)
    out=$(env $(env_for "$1") java -jar "$JAR" import "$WORK/uploads.jsonl" 2>&1 | tr '\r' '\n' | grep -v '^\[' || true)
    t1=$(date +%s.%N)
    echo "$out" | grep -qE '^(Imported|Stopped)' && break
    echo "$2: attempt $attempt did not start: $(echo "$out" | grep '^tracesentinel:' | head -1)"
  done
  echo "$2: $(echo "$out" | grep -E '^(Imported|Stopped)')"
  echo "$out" | grep -E '^  (stored|skipped)' | sed "s/^/$2: /" || true
  printf '%s: wall time with start and stop %.1f s; load average after %s\n' "$2" "$(echo "$t1 - $t0" | bc)" \
    "$(cut -d' ' -f1 /proc/loadavg)"
}

echo "$(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq 1 "$RUNS"); do
  register "$WORK/data-$run"
  echo "run $run: load average before $(cut -d' ' -f1 /proc/loadavg)"
  import "$WORK/data-$run" "run $run"
done
import "$WORK/data-$RUNS" "resume (run $RUNS again)"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
