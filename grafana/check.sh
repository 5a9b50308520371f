#!/usr/bin/env bash
# Runs Prometheus (Debian: apt-get install prometheus) with grafana/prometheus.yml against a TraceSentinel on this
# machine, waits for a scrape, then evaluates every query of grafana/dashboards/tracesentinel.json: each must be
# valid PromQL that Prometheus answers. What it cannot check without a Grafana: how the panels look.
#   grafana/check.sh [port of the service=8080]
set -euo pipefail
cd "$(dirname "$0")/.."
port=${1:-8080}
command -v prometheus >/dev/null || { echo "prometheus is missing: apt-get install prometheus" >&2; exit 1; }
curl -sf "http://127.0.0.1:$port/health/live" >/dev/null || { echo "no TraceSentinel on 127.0.0.1:$port" >&2; exit 1; }
work=$(mktemp -d)
prom_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed "s/127.0.0.1:8080/127.0.0.1:$port/; s/scrape_interval: 15s/scrape_interval: 2s/" grafana/prometheus.yml > "$work/prometheus.yml"
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
  --web.listen-address="127.0.0.1:$prom_port" > "$work/prometheus.log" 2>&1 &
prom=$!
trap 'kill $prom 2>/dev/null; wait $prom 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 30); do
  curl -sf "http://127.0.0.1:$prom_port/api/v1/query?query=up" | grep -q '"value":\[[0-9.]*,"1"\]' && break
  sleep 1
done
python3 - "$prom_port" <<'PY'
import json, sys, urllib.error, urllib.parse, urllib.request
port = sys.argv[1]
dash = json.load(open("grafana/dashboards/tracesentinel.json"))
exprs = []
def walk(panels):
    for p in panels:
        exprs.extend((p.get("title"), t["expr"]) for t in p.get("targets", []) if t.get("expr"))
        walk(p.get("panels", []))
walk(dash["panels"])
up = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/query?query=up"))["data"]["result"]
print("scrape target up:", [r["value"][1] for r in up])
failed = 0
for title, expr in exprs:
    q = expr
    for var, value in (("$__rate_interval", "1m"), ("$__interval", "1m"), ("$__range", "1h"), ("${instance}", ".*"),
                       ("$instance", ".*")):
        q = q.replace(var, value)
    try:
        answer = json.load(urllib.request.urlopen(
            f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": q})))
    except urllib.error.HTTPError as e:
        answer = {"status": "error", "error": e.read().decode()}
    if answer.get("status") != "success":
        failed += 1
        print("FAILED:", title, answer)
print(f"{len(exprs)} dashboard queries, {failed} failed")
sys.exit(1 if failed or not up or up[0]["value"][1] != "1" else 0)
PY
