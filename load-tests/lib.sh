# Shared by the load scripts: start/stop a service from target/tracesentinel.jar on a fresh data directory,
# register sites and a product, and read process CPU time. Source it; it sets nothing until a function is called.
JAR=${JAR:-target/tracesentinel.jar}
ADMIN_KEY=${ADMIN_KEY:-load-test-admin-key}
PORT=${PORT:-18090}
BASE="http://127.0.0.1:${PORT}"
# Event loops the service serves HTTP on (TRACESENTINEL_HTTP_THREADS; 0 is its default, one per processor). 1 here:
# wrk runs on the same two cores and takes about one, and a second event loop only competes with it. Measured
# 2026-12-02 with one run each: look-ups p99 4.4 ms with 1 (24,469/s), 6.5 ms with 2 (28,278/s); batched ingest
# (compare.sh 45 1, twice each, interleaved) 53,080 and 51,996 scans/s with 1, 49,220 and 48,790 with 2.
HTTP_THREADS=${HTTP_THREADS:-1}

# The JVM flags Chronicle Map needs when a program is not started with `java -jar` (whose manifest carries them),
# and telemetry off.
CHRONICLE_JVM_FLAGS="-Dchronicle.analytics.disable=true -Dchronicle.announcer.disable=true \
  --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED \
  --add-exports=java.base/jdk.internal.util=ALL-UNNAMED --add-exports=java.base/sun.nio.ch=ALL-UNNAMED \
  --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED --add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED \
  --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED \
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
  --add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED"

ensure_jar() { [ -f "$JAR" ] || mvn -q -DskipTests package; }

# start_service DATA_DIR [extra env assignments...]: starts it and waits until ready (up to 120 s); pid in SERVICE_PID.
# SERVICE_NICE=<n> starts it (and so its embedded PostgreSQL) at that nice level (below 0: ahead of the load generator;
# needs root).
start_service() {
  local dir=$1; shift
  mkdir -p "$dir"
  env "$@" TRACESENTINEL_DATA_DIR="$dir" TRACESENTINEL_PORT="$PORT" TRACESENTINEL_HOST=127.0.0.1 \
    TRACESENTINEL_ADMIN_KEY="$ADMIN_KEY" TRACESENTINEL_ACCESS_LOG=WARN TRACESENTINEL_HTTP_THREADS="$HTTP_THREADS" \
    ${SERVICE_NICE:+nice -n "$SERVICE_NICE"} java ${SERVICE_JAVA_OPTS:-} -jar "$JAR" serve >>"$dir.log" 2>&1 &
  SERVICE_PID=$!
  for _ in $(seq 1 600); do
    curl -fs "$BASE/health/ready" >/dev/null 2>&1 && { pg_set "$dir"; return 0; }
    kill -0 "$SERVICE_PID" 2>/dev/null || { tail -20 "$dir.log" >&2; return 1; }
    sleep 0.2
  done
  echo "service not ready after 120 s (log: $dir.log)" >&2
  return 1
}

# pg_set DATA_DIR: applies PG_SET ("name=value", several separated by ";"), settings for the service's embedded
# PostgreSQL, with ALTER SYSTEM and a reload, for experiments such as PG_SET="wal_init_zero=off"; needs psql (Debian's
# postgresql-client). Prints each setting as the server then reports it.
# PG_SQL: statements run once on the service's database as soon as it is ready, for trials of the schema such as
# PG_SQL="DROP INDEX scans_code_idem" (what the history's index costs under load; never a setting to run the service
# with: that index is the database's own guarantee that a re-send is never stored twice).
pg_set() {
  [ -n "${PG_SQL:-}${PG_SET:-}" ] || return 0
  local port setting
  port=$(sed -n 4p "$1/pg/postmaster.pid")
  if [ -n "${PG_SQL:-}" ]; then
    PGPASSWORD=$(cat "$1/pg.password") psql -X -qAt -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres \
      -d postgres -c "$PG_SQL" >/dev/null
    echo "PG_SQL applied: $PG_SQL" >&2
  fi
  [ -n "${PG_SET:-}" ] || return 0
  local IFS=';'
  for setting in $PG_SET; do
    PGPASSWORD=$(cat "$1/pg.password") psql -X -qAt -h 127.0.0.1 -p "$port" -U postgres -d postgres \
      -c "ALTER SYSTEM SET ${setting%%=*} = '${setting#*=}'" -c "SELECT pg_reload_conf()" >/dev/null
  done
  sleep 0.5
  for setting in $PG_SET; do
    echo "PG_SET ${setting%%=*} = $(PGPASSWORD=$(cat "$1/pg.password") psql -X -qAt -h 127.0.0.1 -p "$port" \
      -U postgres -d postgres -c "SHOW ${setting%%=*}")"
  done
}

stop_service() {
  kill -TERM "$SERVICE_PID" 2>/dev/null || true
  for _ in $(seq 1 600); do kill -0 "$SERVICE_PID" 2>/dev/null || return 0; sleep 0.2; done
  kill -9 "$SERVICE_PID" 2>/dev/null || true
}

# register SITES PRODUCT_KEY: sites LOAD001..LOADnnn in three cities and one catalogued product.
register() {
  local rows
  rows=$(for i in $(seq 1 "$1"); do
    printf '{"siteId":"LOAD%03d","name":"Load pharmacy %d","kind":"PHARMACY","regionCode":"%d","regionName":"r"}\n' \
      "$i" "$i" $((440300 + i % 3 * 100 + i % 90)); done | paste -sd, -)
  curl -fsS -X PUT "$BASE/api/v1/sites" -H "Authorization: Bearer $ADMIN_KEY" -H 'Content-Type: application/json' \
    --data "[$rows]" >/dev/null
  curl -fsS -X PUT "$BASE/api/v1/products" -H "Authorization: Bearer $ADMIN_KEY" \
    -H 'Content-Type: application/json' \
    --data "[{\"productKey\":\"$2\",\"drugCode\":\"XLOAD\",\"genericName\":\"Load test tablets\",\"packSize\":1}]" >/dev/null
}

# cpu_ticks PID...: user+system clock ticks (1/100 s) the processes have used so far.
cpu_ticks() {
  local total=0 pid
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] || continue
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}

# pg_pids DATA_DIR: the embedded PostgreSQL's postmaster and its children.
pg_pids() {
  local pm; pm=$(head -1 "$1/pg/postmaster.pid")
  echo "$pm" $(pgrep -P "$pm" || true)
}

# jit_seconds PID: the CPU seconds a JVM's JIT compilers have spent so far (jstat -compiler's Time column).
jit_seconds() { jstat -compiler "$1" | awk 'NR == 2 { print $4 }'; }

# machine_ticks: all CPU time used on the machine so far (user+nice+system+irq+softirq), 1/100 s.
machine_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8}' /proc/stat; }

# http_buckets FILE: the service's own response-time histogram of its 200 answers so far (from the request read to the
# answer written), for p99 over a window
http_buckets() {
  curl -fsS "$BASE/metrics" | grep -E '^vertx_http_server_response_time_seconds_bucket.*code="200"' >"$1"
}

# p99 BEFORE AFTER PATTERN: the upper bound (ms) of the histogram bucket holding the 99th percentile of the window
p99() {
  python3 - "$1" "$2" "$3" <<'PY'
import re, sys
def load(path):
    d = {}
    for line in open(path):
        if sys.argv[3] in line:
            le = re.search(r'le="([^"]+)"', line).group(1)
            d[le] = d.get(le, 0) + float(line.rsplit(' ', 1)[1])
    return d
a, b = load(sys.argv[1]), load(sys.argv[2])
les = sorted(b, key=lambda x: float('inf') if x == '+Inf' else float(x))
total = b['+Inf'] - a.get('+Inf', 0)
print(next(f'{float(le) * 1000:.1f}' for le in les if b[le] - a.get(le, 0) >= 0.99 * total))
PY
}
