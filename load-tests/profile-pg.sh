#!/usr/bin/env bash
# Where the service's PostgreSQL spends its CPU under load: perf (Debian: apt-get install linux-perf) records every
# server process of the embedded PostgreSQL with DWARF call stacks for SECONDS (10) after a warm-up of WARMUP (30) s,
# while wrk posts batches of BATCH (100) new codes over CONNECTIONS (16) connections (BATCH=1 CONNECTIONS=64: single
# scans, what a till sends). Prints the stored rate, PostgreSQL's CPU per scan over the window, and the share of its
# samples under each stage of storing a scan (a sample counts for every stage on its stack, so shares overlap where
# stages nest: the index insert is part of the COPY). The perf data stays for `perf report -i`.
#   load-tests/profile-pg.sh [seconds=10]        BATCH=1 CONNECTIONS=64 load-tests/profile-pg.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source load-tests/lib.sh
SECONDS_RUN=${1:-10}
BATCH=${BATCH:-100}
CONNECTIONS=${CONNECTIONS:-16}
WARMUP=${WARMUP:-30}
ensure_jar
command -v perf >/dev/null || { echo "perf is missing: apt-get install -y linux-perf" >&2; exit 1; }
work=$(mktemp -d /tmp/ts-pgprof-XXXX)
echo "profile-pg: BATCH=$BATCH CONNECTIONS=$CONNECTIONS, ${WARMUP} s warm-up, ${SECONDS_RUN} s recorded;" \
  "$(date -u +%FT%TZ); work in $work"
start_service "$work/svc" TRACESENTINEL_LEDGER_CAPACITY=20000000 TRACESENTINEL_AUDIT_SECONDS=0 \
  TRACESENTINEL_LEDGER_VERIFY=false
register 1 8600001
KEY=$ADMIN_KEY RUN=91 BATCH=$BATCH wrk -t2 -c"$CONNECTIONS" -d"${WARMUP}s" --timeout 30s \
  -s load-tests/compare/scans.lua "$BASE" >/dev/null
pgs=$(pg_pids "$work/svc")
p0=$(cpu_ticks $pgs)
KEY=$ADMIN_KEY RUN=92 BATCH=$BATCH wrk -t2 -c"$CONNECTIONS" -d"$((SECONDS_RUN + 2))s" --timeout 30s \
  -s load-tests/compare/scans.lua "$BASE" >"$work/wrk.txt" &
wrk_pid=$!
sleep 1
perf record -q -F 499 --call-graph dwarf,16384 -o "$work/perf.data" -p "$(echo $pgs | tr ' ' ',')" \
  -- sleep "$SECONDS_RUN" 2>"$work/perf.log" || { cat "$work/perf.log" >&2; exit 1; }
wait "$wrk_pid"
p1=$(cpu_ticks $pgs)
stop_service
read -r _ stored _ secs _ <<<"$(grep '^stored_scans' "$work/wrk.txt")"
awk -v s="$stored" -v t="$secs" -v pc=$((p1 - p0)) 'BEGIN {
  printf "stored %.0f scans/s; PostgreSQL %.1f us of CPU a scan (all server processes, over the whole load run)\n",
    s / t, pc * 10000 / s }'
perf report -i "$work/perf.data" --children --sort sym --stdio -g none 2>/dev/null >"$work/children.txt"
python3 - "$work/children.txt" <<'PY'
import re, sys
share = {}
for line in open(sys.argv[1]):
    m = re.match(r'\s+([\d.]+)%\s+[\d.]+%\s+\[[.k]\]\s+(\S+)', line)
    if m and m.group(2) not in share:
        share[m.group(2)] = float(m.group(1))
stages = [
    ("COPY of a group's rows (batches)", ["DoCopy"]),
    ("  reading the binary rows", ["NextCopyFrom"]),
    ("INSERT ... unnest (groups of up to 64 single scans)", ["ExecModifyTable"]),
    ("  parsing the statement's arrays", ["array_in"]),
    ("  routing rows to their code partition", ["ExecFindPartition"]),
    ("heap inserts", ["heap_multi_insert", "heap_insert"]),
    ("unique index inserts (code key, idempotency hash)", ["btinsert"]),
    ("  descending the index", ["_bt_search"]),
    ("COMMIT", ["CommitTransaction"]),
    ("  WAL flush (fdatasync)", ["issue_xlog_fsync"]),
    ("reading from the client socket", ["secure_read"]),
    ("writing to the client socket", ["secure_write"]),
]
print(f"{'stage':<55} {'share of samples':>16}")
for name, syms in stages:
    print(f"{name:<55} {sum(share.get(s, 0.0) for s in syms):>15.1f}%")
PY
