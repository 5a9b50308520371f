#!/usr/bin/env bash
# Where the service's CPU goes under load: a JFR recording of SECONDS (30) after a 10 s warm-up, while wrk
# posts batches of BATCH (100) new codes over CONNECTIONS (16) connections; prints the hottest frames and the share of samples spent in
# waiting or spinning frames (park, wait, select, spin loops).
#   load-tests/profile.sh [seconds=30]        JAR=other.jar load-tests/profile.sh   (e.g. an older build)
set -euo pipefail
cd "$(dirname "$0")/.."
source load-tests/lib.sh
SECONDS_RUN=${1:-30}
BATCH=${BATCH:-100}
CONNECTIONS=${CONNECTIONS:-16}
ensure_jar
work=$(mktemp -d /tmp/ts-profile-XXXX)
start_service "$work/svc" TRACESENTINEL_LEDGER_CAPACITY=10000000 TRACESENTINEL_AUDIT_SECONDS=0
register 20 8600001
KEY=$ADMIN_KEY RUN=71 BATCH=$BATCH wrk -t2 -c$CONNECTIONS -d10s -s load-tests/compare/scans.lua "$BASE" >/dev/null
jcmd "$SERVICE_PID" JFR.start settings=profile filename="$work/rec.jfr" >/dev/null
KEY=$ADMIN_KEY RUN=72 BATCH=$BATCH wrk -t2 -c$CONNECTIONS -d"${SECONDS_RUN}s" -s load-tests/compare/scans.lua "$BASE" | grep '^stored_scans'
jcmd "$SERVICE_PID" JFR.stop filename="$work/rec.jfr" >/dev/null
stop_service
jfr print --events jdk.ExecutionSample --stack-depth 1 "$work/rec.jfr" >"$work/samples.txt"
total=$(grep -c 'jdk.ExecutionSample' "$work/samples.txt")
grep -A1 'stackTrace = \[' "$work/samples.txt" | grep -v 'stackTrace\|^--' | sed -E 's/^ +//; s/ +line:.*//' \
  | sort | uniq -c | sort -rn >"$work/frames.txt"
# (no waiting frame at all is a valid outcome: grep's exit 1 must not end the script)
waiting=$({ grep -Ei 'park|\.wait|waitFor|getMinimumSequence|onSpinWait|EPoll|select\(|sleep' "$work/frames.txt" || true; } \
  | awk '{ n += $1 } END { print n + 0 }')
echo "JFR: $total execution samples; in waiting or spinning frames: $waiting ($(awk -v w="$waiting" -v t="$total" \
  'BEGIN { printf "%.1f", t ? 100 * w / t : 0 }')%)"
echo "hottest frames (samples, top frame):"
head -25 "$work/frames.txt"
echo "recording: $work/rec.jfr"
