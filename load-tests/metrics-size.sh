#!/usr/bin/env bash
# How large a Prometheus scrape of /metrics is after a fixed mix of answers: 17 GET routes with the admin key, no key
# and a wrong key, then 5 POST/PUT routes with 4 bodies (a scan, broken JSON, an empty batch, an empty list) with and
# without the key. Prints the scrape's bytes and how many HTTP response-time series it holds.
#   load-tests/metrics-size.sh            JAR=other.jar load-tests/metrics-size.sh   (e.g. an older build)
set -euo pipefail
cd "$(dirname "$0")/.."
source load-tests/lib.sh
ensure_jar
work=$(mktemp -d /tmp/ts-metrics-XXXX)
start_service "$work/svc" >/dev/null
register 2 8600001 >/dev/null
auth="Authorization: Bearer $ADMIN_KEY"
json='Content-Type: application/json'
for p in /api/v1/anomalies /api/v1/anomalies/summary /api/v1/rings /api/v1/cases /api/v1/keys /api/v1/rejected \
  /api/v1/codes/86000010000000000001/timeline /api/v1/anomalies.csv /api/v1/verify/86000010000000000001 \
  /api/v1/verify/x /nope /api/v1/sites /api/v1/products /health/ready /health/live / /console; do
  for h in "$auth" "X-None: 1" "Authorization: Bearer wrong"; do curl -s -o /dev/null -H "$h" "$BASE$p"; done
done
for b in '{"code":"86000010000000000001","siteId":"LOAD001","type":"SALE","documentNo":"d1","scannedAt":"2026-12-05T10:00:00Z"}' \
  '{' '{"scans":[]}' '[]'; do
  for p in /api/v1/scans /api/v1/nhsa/3505 /api/v1/decode /api/v1/cases /api/v1/keys; do
    for h in "$auth" "X-None: 1"; do
      curl -s -o /dev/null -H "$h" -H "$json" -d "$b" "$BASE$p"
      curl -s -o /dev/null -X PUT -H "$h" -H "$json" -d "$b" "$BASE$p"
    done
  done
done
curl -fsS "$BASE/metrics" >"$work/metrics.txt"
echo "metrics: $(wc -c <"$work/metrics.txt") bytes, $(grep -c '^vertx_http_server_response_time_seconds_count' \
  "$work/metrics.txt") HTTP response-time series"
stop_service
rm -rf "$work"
