#!/usr/bin/env bash
# What one client's history-asking RETURNs cost everyone else, RUNS times on a fresh service: CODES codes are each sold
# at LOAD001, LOAD002 and LOAD003 (batched), so that a RETURN at LOAD001 finds no open sale there in the code's 33-byte
# state and is judged from its history (Ladder.asksHistory: one read of the code's stored scans on the judge thread).
# Then, for SECONDS each after a WARMUP of sales: (a) other clients post single-scan SALEs of new codes at LOAD005
# (CONNECTIONS connections, THINK_MS between requests, below saturation) alone, and (b) the same while ONE client
# (one connection) posts RETURNs of the prepared codes, RETURN_BATCH a request, each as soon as the last is answered;
# and (c) the same with that client posting as many SALEs of new codes instead (no history read): what any client as
# busy costs the others on these cores. Prints the others' rate, p50 and p99 (wrk's) in each, and the one client's
# rate and latency. A service of its own on PORT (lib.sh's), in a temporary data directory removed afterwards.
# HISTORY=n: instead, one code is sold n times, at LOAD002 and LOAD003 in turn, and the one client in (b) keeps
# returning it at LOAD004, which never sold it (scans.lua's CODE): each RETURN asks the history and is a RETURN_MISMATCH,
# stored, so the code's history grows by each. Above about 2,500, preparing stalls on this machine (2026-12-05): a
# request of 1,000 more sales of a code with 3,000 stored was given up at the stall limit again and again.
#   load-tests/returns/run.sh [seconds=15] [runs=3]      RETURN_BATCH=100 load-tests/returns/run.sh
#   HISTORY=2000 load-tests/returns/run.sh 15 1
set -euo pipefail
cd "$(dirname "$0")/../.."
source load-tests/lib.sh
SECONDS_RUN=${1:-15}
RUNS=${2:-3}
CONNECTIONS=${CONNECTIONS:-16}
THINK_MS=${THINK_MS:-5}
WARMUP=${WARMUP:-15}
RETURN_BATCH=${RETURN_BATCH:-1}
CODES=${CODES:-60000}
HISTORY=${HISTORY:-0}
HISTORY_CODE=86000019999900000001
ensure_jar
work=$(mktemp -d /tmp/ts-returns-XXXX)
SERVICE_PID=
trap 'stop_service 2>/dev/null; rm -rf "$work"' EXIT
echo "returns: ${SECONDS_RUN} s a phase after ${WARMUP} s warm-up, ${RUNS} runs; others ${CONNECTIONS} connections," \
  "THINK_MS=${THINK_MS}, 1 SALE a request; one RETURN client, ${RETURN_BATCH} a request; ${CODES} codes sold at 3" \
  "sites; $(date -u +%FT%TZ); $(nproc) cores; HTTP_THREADS=${HTTP_THREADS}"
[ "$HISTORY" -eq 0 ] || echo "HISTORY=${HISTORY}: instead one code sold ${HISTORY} times, returned at a site that never sold it"
# prepare: CODES codes (those scans.lua's one thread writes for RUN=900 SERIALS=sequential), each sold at LOAD001,
# then LOAD002, then LOAD003, 1,000 a request
prepare() {
  python3 - "$BASE" "$ADMIN_KEY" "$CODES" <<'PY'
import http.client, json, sys, urllib.parse
base, key, codes = sys.argv[1], sys.argv[2], int(sys.argv[3])
u = urllib.parse.urlparse(base)
c = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
for site in ("LOAD001", "LOAD002", "LOAD003"):
    for start in range(1, codes + 1, 1000):
        scans = [{"code": f"860000190001{n:08d}", "siteId": site, "documentNo": f"P-{site}-{n}"}
                 for n in range(start, min(start + 1000, codes + 1))]
        c.request("POST", "/api/v1/scans", json.dumps({"scans": scans}),
                  {"Authorization": "Bearer " + key, "Content-Type": "application/json"})
        r = c.getresponse(); body = r.read()
        if r.status != 200:
            sys.exit(f"preparing: {r.status} {body[:300]!r}")
PY
}
# prepare_history: HISTORY_CODE sold HISTORY times, at LOAD002 and LOAD003 in turn, 1,000 a request
prepare_history() {
  python3 - "$BASE" "$ADMIN_KEY" "$HISTORY" "$HISTORY_CODE" <<'PY'
import http.client, json, sys, time, urllib.parse
base, key, n, code = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
u = urllib.parse.urlparse(base)
c = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
start, first = 0, int(time.time()) - 60 * (n + 60)
while start < n:
    # a minute apart, as sales are: in one second, each anomaly's conflict is looked for among all of them
    scans = [{"code": code, "siteId": f"LOAD00{2 + i % 2}", "documentNo": f"H-{i}",
              "scannedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(first + 60 * i))}
             for i in range(start, min(start + 1000, n))]
    c.request("POST", "/api/v1/scans", json.dumps({"scans": scans}),
              {"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    r = c.getresponse(); body = r.read()
    if r.status == 503:  # nothing stored: sent again, as a till would
        time.sleep(1)
        continue
    if r.status != 200:
        sys.exit(f"preparing: {r.status} {body[:300]!r}")
    start += 1000
PY
}
returns() { # returns SECONDS: the one client's RETURNs (of HISTORY_CODE at LOAD004 with HISTORY), wrk's line
  local which=(RUN=900 SERIALS=sequential)
  [ "$HISTORY" -eq 0 ] || which=(CODE="$HISTORY_CODE" SITE=LOAD004)
  env KEY="$ADMIN_KEY" "${which[@]}" BATCH="$RETURN_BATCH" TYPE=RETURN wrk -t1 -c1 -d"$1s" --timeout 30s \
    -s load-tests/compare/scans.lua "$BASE" | grep '^stored_scans'
}
others() { # others SECONDS RUN_DIGITS: wrk's "stored_scans ..." line
  KEY=$ADMIN_KEY RUN=$2 BATCH=1 SITE=LOAD005 THINK_MS=$THINK_MS wrk -t2 -c"$CONNECTIONS" -d"$1s" --timeout 30s \
    -s load-tests/compare/scans.lua "$BASE" | grep '^stored_scans'
}
row() { # row RUN PHASE STORED_LINE [RETURNS_LINE]
  local _ stored secs non2xx p50 p99 rets rsecs rnon rp50 rp99
  read -r _ stored _ secs _ non2xx _ p50 _ p99 <<<"$3"
  if [ -n "${4:-}" ]; then read -r _ rets _ rsecs _ rnon _ rp50 _ rp99 <<<"$4"; fi
  awk -v run="$1" -v ph="$2" -v s="$stored" -v t="$secs" -v p50="$p50" -v p99="$p99" -v e="$non2xx" \
    -v r="${rets:-}" -v rt="${rsecs:-1}" -v rp50="${rp50:-}" -v rp99="${rp99:-}" -v re="${rnon:-0}" \
    'BEGIN { printf "%-4s %-6s %10.0f %8.1f %8.1f %12s %10s %10s%s\n", run, ph, s / t, p50, p99,
      (r == "" ? "-" : sprintf("%.0f", r / rt)), (r == "" ? "-" : rp50), (r == "" ? "-" : rp99),
      (e + re > 0 ? "  (" e " + " re " non-2xx)" : "") }'
}
printf '%-4s %-6s %10s %8s %8s %12s %10s %10s\n' run phase sales/s p50_ms p99_ms one_client/s one_p50 one_p99
for run in $(seq 1 "$RUNS"); do
  start_service "$work/svc-$run" TRACESENTINEL_AUDIT_SECONDS=0 TRACESENTINEL_LEDGER_CAPACITY=2000000
  register 5 8600001
  if [ "$HISTORY" -gt 0 ]; then prepare_history; else prepare; fi
  others "$WARMUP" $((run * 10 + 1)) >/dev/null
  row "$run" alone "$(others "$SECONDS_RUN" $((run * 10 + 2)))"
  returns "$SECONDS_RUN" >"$work/one" &
  one=$!
  out=$(others "$SECONDS_RUN" $((run * 10 + 3)))
  wait "$one"
  row "$run" return "$out" "$(cat "$work/one")"
  read -r _ n _ <"$work/one"
  [ "$HISTORY" -gt 0 ] || [ "$n" -le "$CODES" ] || echo "     (the RETURNs went past the ${CODES} prepared codes: raise CODES)"
  KEY=$ADMIN_KEY RUN=901 BATCH=$RETURN_BATCH wrk -t1 -c1 -d"${SECONDS_RUN}s" --timeout 30s \
    -s load-tests/compare/scans.lua "$BASE" | grep '^stored_scans' >"$work/one" &
  one=$!
  out=$(others "$SECONDS_RUN" $((run * 10 + 4)))
  wait "$one"
  row "$run" sale "$out" "$(cat "$work/one")"
  stop_service
  rm -rf "$work/svc-$run" "$work/svc-$run.log"
done
