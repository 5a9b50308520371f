#!/usr/bin/env bash
# Runs the README's Quick start block as written (after a build: mvn -q -DskipTests package) and checks its answers.
# Only two things differ from a reader's paste: a fresh temporary data directory (TRACESENTINEL_DATA_DIR), and a
# free port instead of 8080 when 8080 is taken. Everything stays on 127.0.0.1; the service is stopped at the end.
#   docs/check-quick-start.sh            exit 0 when every answer is the one the README promises
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$repo/target/tracesentinel.jar" ] || { echo "build first: mvn -q -DskipTests package" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/quick-start.XXXXXX")
ln -s "$repo/target" "$work/target"
ln -s "$repo/docs" "$work/docs"

# The first ```bash block after "## Quick start".
awk '/^## Quick start/ { on = 1 } on && /^```bash/ { grab = 1; next } grab && /^```/ { exit } grab' \
  "$repo/README.md" > "$work/block.sh"
port=8080
if (exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  sed -i "s/8080/$port/g" "$work/block.sh"
fi
echo "running the Quick start ($(wc -l < "$work/block.sh") lines) on port $port in $work"

cleanup() {
  for pid in $(jobs -p); do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cd "$work"
export TRACESENTINEL_DATA_DIR="$work/data" TRACESENTINEL_PORT="$port"
# shellcheck disable=SC1091
source "$work/block.sh" > "$work/out.txt" 2>&1
cat "$work/out.txt"

failed=0
expect() { # expect <what> <regex>
  if grep -Eq -- "$2" "$work/out.txt"; then echo "ok: $1"; else echo "MISSING: $1 ($2)"; failed=1; fi
}
expect "the demo's summary"            'Demo ready: 6 products, 28 sites'
expect "the site registered"           '"upserted":1'
expect "a scanner key"                 '^scanner key: ts_'
expect "the first sale ACCEPTED"       '"status":"ACCEPTED"'
expect "the second sale FLAGGED"       '"status":"FLAGGED".*"type":"REPEAT_SALE","suspicion":"COUNTERFEIT"'
expect "counterfeits listed"           '"items":\[\{"id"'
expect "the look-up: sold twice"       '"outcome":"MULTIPLE_SALES","canonical":"\(01\)06901234567892\(21\)SN0001"'
expect "the photo: the flagged box"    '"outcome":"MULTIPLE_SALES","canonical":"81000010000007100000"'
expect "an investigator key"           '^console key: ts_'
if grep -Eq '"status":[45][0-9][0-9]' "$work/out.txt"; then echo "an error answer above"; failed=1; fi
[ "$failed" = 0 ] && echo "Quick start: every answer as the README says" || { echo "Quick start: FAILED" >&2; exit 1; }
