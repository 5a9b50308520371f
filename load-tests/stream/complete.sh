#!/usr/bin/env bash
# Does every stream get every anomaly committed after its start? A fresh service (lib.sh's, on PORT), STREAMS streams
# opened at once, each counted from its head (the id-only event that says where it starts), then REQUESTS requests of
# 500 cross-city re-sales while RECONNECTS streams drop and resume with Last-Event-ID and LATE more open; each stream's
# ids are compared with the anomalies table (StreamCompletenessCheck); the service's log is left in target/stream-complete.log. HOGS=n runs n busy loops at nice -5 meanwhile
# (root only), to see it on a starved machine. Prints one line for each stream that missed, repeated or reordered
# anything, then a RESULT line.
#   load-tests/stream/complete.sh [streams=300] [requests=10] [reconnects=100] [late=20]     HOGS=4 load-tests/stream/complete.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source load-tests/lib.sh
STREAMS=${1:-300}
REQUESTS=${2:-10}
RECONNECTS=${3:-100}
LATE=${4:-20}
HOGS=${HOGS:-0}
ensure_jar
work=$(mktemp -d /tmp/ts-stream-complete-XXXX)
SERVICE_PID=
hogs=()
stop_hogs() { for pid in "${hogs[@]}"; do kill "$pid" 2>/dev/null || true; done; hogs=(); }
trap 'stop_hogs; stop_service 2>/dev/null; cp "$work/data.log" target/stream-complete.log; rm -rf "$work"' EXIT
start_service "$work/data"
for _ in $(seq 1 "$HOGS"); do nice -n -5 sh -c 'while :; do :; done' & hogs+=($!); done
echo "stream completeness: $STREAMS streams, $REQUESTS x 500 anomalies, $RECONNECTS reconnections, $LATE late" \
  "streams, $HOGS busy loops at nice -5; $(date -u +%FT%TZ); $(nproc) cores; load average $(cut -d' ' -f1 /proc/loadavg)"
pg_port=$(sed -n 4p "$work/data/pg/postmaster.pid")
load-tests/test-main.sh com.tracesentinel.investigate.StreamCompletenessCheck "$BASE" "$ADMIN_KEY" \
  "jdbc:postgresql://127.0.0.1:$pg_port/postgres" postgres "$(cat "$work/data/pg.password")" \
  "$STREAMS" "$REQUESTS" "$RECONNECTS" "$LATE"
