#!/usr/bin/env bash
# A three-node cluster under load, with a node and a Kafka broker killed: real processes on 127.0.0.1 only.
#   load-tests/cluster/run.sh
# Starts 3 KRaft brokers (combined broker+controller, replication 3, min.insync.replicas 2, 3 s broker session) from
# the Maven jars, one shared PostgreSQL (the service's embedded one, load-tests/cluster/ClusterDb.java) and 3 service
# nodes from target/tracesentinel.jar; waits until every code partition is READY on exactly one node; registers sites
# and a product through node 1; then CLIENTS (4) clients send RATE (2) batches a second each of 100 scans (new codes,
# and 1 in 10 an earlier code sold again at another site) round-robin to the three nodes for LOAD_SECONDS (60), every
# answer recorded. The nodes run with TRACESENTINEL_CLUSTER_SESSION_MS=SESSION_MS (3000).
# NODE_KILL_AT (15) s in, node NODE_VICTIM (2) is SIGKILLed and NODE_DOWN (10) s later started again on its data
# directory; BROKER_KILL_AT (35) s in, a broker (BROKER_VICTIM: "coordinator" of the group, the default, or 1-3) is
# SIGKILLed and BROKER_DOWN (10) s later started again. After the load: the group settles, every batch not answered
# 200 is sent once more (it must be answered 200, and what a split batch had stored must come back REPLAYED), each
# node's /health/cluster/verify compares its ledger with the history, and every answer is checked against PostgreSQL.
# NETNS=1 also puts node 3 in a network namespace of its own (10.231.0.2, a veth pair to the host's 10.231.0.1: the
# brokers get a listener there, PostgreSQL and the other nodes a relay) and cuts that link LINK_CUT_AT (60) s in, for
# LINK_DOWN (6) s (the load then runs 80 s by default): node 3 must stop judging before the others take over.
# Prints progress while it runs, the handover timings, the CPU time of each process group, and as its last line:
#   acked N, lost 0, first sales judged twice 0, ledger mismatches 0, longest stall S s
# Exits non-zero when lost, twice or mismatches is not 0 (or a re-sent batch was not answered 200). Every process it
# started is stopped and its temporary directory removed on exit (KEEP_LOGS=1 keeps the directory, logs included).
# Needs: curl, jq; Maven (offline) only when target/tracesentinel.jar or target/test-classpath.txt is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
JAR=target/tracesentinel.jar
NETNS=${NETNS:-0}
LOAD_SECONDS=${LOAD_SECONDS:-$([ "$NETNS" = 1 ] && echo 80 || echo 60)} # NETNS=1: the cut comes after the others
CLIENTS=${CLIENTS:-4}
export RATE=${RATE:-2}                # batches a second per client; 0: each client sends again as soon as it is answered
NODE_VICTIM=${NODE_VICTIM:-2}
NODE_KILL_AT=${NODE_KILL_AT:-15}
NODE_DOWN=${NODE_DOWN:-10}
BROKER_VICTIM=${BROKER_VICTIM:-coordinator}
BROKER_KILL_AT=${BROKER_KILL_AT:-35}
BROKER_DOWN=${BROKER_DOWN:-10}
LINK_CUT_AT=${LINK_CUT_AT:-60}
LINK_DOWN=${LINK_DOWN:-6}
SESSION_MS=${SESSION_MS:-3000}
HTTP_BASE=${HTTP_BASE:-18100}   # node i listens on HTTP_BASE + i
KAFKA_BASE=${KAFKA_BASE:-29100} # broker i: KAFKA_BASE + 100 i + 92 (clients), + 93 (controllers), + 94 (NETNS)
MAX_SECONDS=${MAX_SECONDS:-360}
export KEY=cluster-test-admin
SECRET=cluster-load-test-secret-0123456789
CLUSTER=loadtest
export T_START=$(date +%s%3N)
RUN=$(mktemp -d /tmp/ts-cluster-XXXX)
export CPU_LOG=$RUN/helpers-cpu.txt

now_ms() { date +%s%3N; }
say() { printf '[%6.1fs] %s\n' "$(( $(now_ms) - T_START ))e-3" "$*"; }
sleep_until() { local d=$(( $1 - $(now_ms) )); if [ "$d" -gt 0 ]; then sleep "$(( d / 1000 )).$(printf '%03d' $(( d % 1000 )))"; fi; }
port_of() { echo $(( HTTP_BASE + $1 )); }
NS=tsn3-$$ NS_HOST=10.231.0.1 NS_NODE=10.231.0.2
host_of() { if [ "$NETNS" = 1 ] && [ "$1" = 3 ]; then echo "$NS_NODE"; else echo 127.0.0.1; fi; }

# ---- bookkeeping: every process started here, and its CPU time ------------------------------------------------------
declare -A PID=()   # name -> pid of the live process (n1..n3, b1..b3, db, load, watch, fwd-host, fwd-ns)
declare -A CPU=()   # name -> clock ticks of its earlier, ended processes
ticks() { [ -r "/proc/$1/stat" ] && awk '{print $14 + $15}' "/proc/$1/stat" || echo 0; }
pg_ticks() { # the postmaster with its reaped children, and its live children
  local pm; pm=$(head -1 "$RUN/pg/postmaster.pid" 2>/dev/null) || { echo 0; return; }
  local t; t=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$pm/stat" 2>/dev/null || echo 0)
  for c in $(pgrep -P "$pm" || true); do t=$(( t + $(ticks "$c") )); done
  echo "$t"
}
account() { # name: adds the live process's CPU to its total, before it is stopped or killed
  local p=${PID[$1]:-}
  [ -n "$p" ] && CPU[$1]=$(( ${CPU[$1]:-0} + $(ticks "$p") ))
  if [ "$1" = db ]; then CPU[postgres]=$(( ${CPU[postgres]:-0} + $(pg_ticks) )); fi
  return 0
}
stop_pid() { # pid seconds: SIGTERM, then SIGKILL
  local p=$1 i
  kill -TERM "$p" 2>/dev/null || return 0
  for i in $(seq 1 $(( $2 * 5 ))); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL "$p" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [ -n "${WATCHDOG:-}" ] && kill "$WATCHDOG" 2>/dev/null
  [ "$NETNS" = 1 ] && ip link set "$NS-h" up 2>/dev/null # a node cut off stops slowly; let it leave quickly
  for n in load watch n1 n2 n3; do [ -n "${PID[$n]:-}" ] && kill -TERM "${PID[$n]}" 2>/dev/null; done
  for n in load watch n1 n2 n3; do [ -n "${PID[$n]:-}" ] && stop_pid "${PID[$n]}" 20; done
  for n in fwd-host fwd-ns; do [ -n "${PID[$n]:-}" ] && stop_pid "${PID[$n]}" 10; done
  for n in b1 b2 b3; do [ -n "${PID[$n]:-}" ] && kill -TERM "${PID[$n]}" 2>/dev/null; done
  for n in b1 b2 b3; do [ -n "${PID[$n]:-}" ] && stop_pid "${PID[$n]}" 20; done
  if [ -n "${PID[db]:-}" ]; then
    stop_pid "${PID[db]}" 60
    local pm; pm=$(head -1 "$RUN/pg/postmaster.pid" 2>/dev/null || true)
    [ -n "$pm" ] && kill -0 "$pm" 2>/dev/null && stop_pid "$pm" 30 # its JVM died first: stop the orphan
  fi
  if [ "$NETNS" = 1 ]; then ip link del "$NS-h" 2>/dev/null; ip netns del "$NS" 2>/dev/null; fi
  if [ "${KEEP_LOGS:-0}" = 1 ]; then echo "logs kept in $RUN"; else rm -rf "$RUN"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
( sleep "$MAX_SECONDS"; echo "the run took longer than $MAX_SECONDS s: stopping it" >&2; kill -TERM $$ ) &
WATCHDOG=$!

for i in 1 2 3; do
  for p in $(port_of $i) $(( KAFKA_BASE + 100 * i + 92 )) $(( KAFKA_BASE + 100 * i + 93 )) $(( KAFKA_BASE + 100 * i + 94 )); do
    if ss -Hltn "sport = :$p" | grep -q .; then echo "port $p is in use" >&2; exit 1; fi
  done
done

# ---- build ----------------------------------------------------------------------------------------------------------
[ -f "$JAR" ] || { say "building $JAR"; mvn -B -o -q -DskipTests package; }
[ -f target/test-classpath.txt ] || { say "building the test classpath (Kafka's broker jars)";
  mvn -B -o -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt; }
# The helpers are single-file programs; compiled once here (javac reads the 140 MB jar: seconds of CPU each start).
CLASSES=target/cluster-load-classes
if [ ! -f "$CLASSES/ClusterLoad.class" ] || [ -n "$(find load-tests/cluster -name '*.java' -newer "$CLASSES/ClusterLoad.class")" ] \
   || [ "$JAR" -nt "$CLASSES/ClusterLoad.class" ]; then
  rm -rf "$CLASSES"; mkdir -p "$CLASSES"
  javac -nowarn -cp "$JAR" -d "$CLASSES" load-tests/cluster/ClusterDb.java load-tests/cluster/ClusterLoad.java
fi
helper() { java -cp "$CLASSES:$JAR" ClusterLoad "$@"; }
# For background processes: the JVM replaces the subshell, so $! is the JVM's pid (what is killed and measured).
bg_exec() { exec "$@"; }

# ---- NETNS=1: node 3's namespace, joined by a veth pair (before the brokers, which listen on its host end) ----------
if [ "$NETNS" = 1 ]; then
  ip netns add "$NS"
  ip link add "$NS-h" type veth peer name "$NS-n"
  ip link set "$NS-n" netns "$NS"
  ip addr add "$NS_HOST/30" dev "$NS-h"
  ip link set "$NS-h" up
  ip netns exec "$NS" ip addr add "$NS_NODE/30" dev "$NS-n"
  ip netns exec "$NS" ip link set "$NS-n" up
  ip netns exec "$NS" ip link set lo up
fi

# ---- PostgreSQL and three brokers -------------------------------------------------------------------------------------
bg_exec java -Xmx256m -cp "$CLASSES:$JAR" ClusterDb "$RUN/pg" "$RUN/db.url" >"$RUN/db.log" 2>&1 &
PID[db]=$!

KCP=$(cat target/test-classpath.txt)
cat >"$RUN/kafka-logback.xml" <<'EOF'
<configuration>
  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{30} - %msg%n</pattern></encoder>
  </appender>
  <logger name="kafka.server.KafkaRaftServer" level="INFO"/>
  <logger name="org.apache.kafka.coordinator.group" level="INFO"/>
  <logger name="org.apache.kafka.controller" level="INFO"/>
  <root level="WARN"><appender-ref ref="OUT"/></root>
</configuration>
EOF
VOTERS="1@127.0.0.1:$(( KAFKA_BASE + 193 )),2@127.0.0.1:$(( KAFKA_BASE + 293 )),3@127.0.0.1:$(( KAFKA_BASE + 393 ))"
BOOTSTRAP="127.0.0.1:$(( KAFKA_BASE + 192 )),127.0.0.1:$(( KAFKA_BASE + 292 )),127.0.0.1:$(( KAFKA_BASE + 392 ))"
NS_BOOTSTRAP="$NS_HOST:$(( KAFKA_BASE + 194 )),$NS_HOST:$(( KAFKA_BASE + 294 )),$NS_HOST:$(( KAFKA_BASE + 394 ))"
formats=()
KAFKA_ID=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n' | cut -c1-22) # base64url, never a leading '-'

# C1 only and the serial collector: the brokers carry no records (the group's heartbeats only), and the 2 cores are
# the nodes' and PostgreSQL's.
kafka() { exec java -Xms512m -Xmx512m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
  -Dlogback.configurationFile="$RUN/kafka-logback.xml" -cp "$KCP" "$@"; } # background only (exec)
for i in 1 2 3; do
  # NETNS=1: a listener for node 3 on the veth's host end; a client is told the addresses of the listener it used.
  NS_LISTENER=""; [ "$NETNS" = 1 ] && NS_LISTENER=",NS://$NS_HOST:$(( KAFKA_BASE + 100 * i + 94 ))"
  cat >"$RUN/kafka-$i.properties" <<EOF
process.roles=broker,controller
node.id=$i
controller.quorum.voters=$VOTERS
listeners=PLAINTEXT://127.0.0.1:$(( KAFKA_BASE + 100 * i + 92 )),CONTROLLER://127.0.0.1:$(( KAFKA_BASE + 100 * i + 93 ))$NS_LISTENER
advertised.listeners=PLAINTEXT://127.0.0.1:$(( KAFKA_BASE + 100 * i + 92 ))$NS_LISTENER
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,NS:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$RUN/kafka-n$i
default.replication.factor=3
min.insync.replicas=2
offsets.topic.replication.factor=3
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
share.coordinator.state.topic.replication.factor=3
share.coordinator.state.topic.min.isr=2
group.initial.rebalance.delay.ms=0
group.min.session.timeout.ms=1000
broker.session.timeout.ms=3000
broker.heartbeat.interval.ms=500
EOF
  kafka kafka.tools.StorageTool format -t "$KAFKA_ID" -c "$RUN/kafka-$i.properties" >>"$RUN/kafka-$i.log" 2>&1 &
  formats+=($!)
done
for i in 1 2 3; do wait "${formats[$((i - 1))]}" || { tail -5 "$RUN/kafka-$i.log" >&2; exit 1; }; done
start_broker() { # i
  kafka kafka.Kafka "$RUN/kafka-$1.properties" >>"$RUN/kafka-$1.log" 2>&1 &
  PID[b$1]=$!
  disown "${PID[b$1]}" # no "Killed" notice from bash when it is SIGKILLed
}
broker_started() { # i count: the log says "Kafka Server started" more than count times
  [ "$(grep -c 'Kafka Server started' "$RUN/kafka-$1.log" || true)" -gt "$2" ]
}
for i in 1 2 3; do start_broker $i; done
say "3 brokers starting (KRaft, cluster id $KAFKA_ID), PostgreSQL starting"
for _ in $(seq 1 600); do
  broker_started 1 0 && broker_started 2 0 && broker_started 3 0 && break
  for i in 1 2 3; do kill -0 "${PID[b$i]}" 2>/dev/null || { tail -20 "$RUN/kafka-$i.log" >&2; exit 1; }; done
  sleep 0.2
done
broker_started 1 0 && broker_started 2 0 && broker_started 3 0 || { echo "brokers not started in 120 s" >&2; exit 1; }
say "brokers started: $BOOTSTRAP"
for _ in $(seq 1 600); do [ -s "$RUN/db.url" ] && break; kill -0 "${PID[db]}" || { cat "$RUN/db.log" >&2; exit 1; }; sleep 0.2; done
DB_URL=$(cat "$RUN/db.url")
say "PostgreSQL on ${DB_URL##*@}"

# ---- NETNS=1: the relays for node 3 (PostgreSQL's port is known now) -------------------------------------------------
# Inside the namespace 127.0.0.1 is its own loopback. Node 3 reaches the brokers on their listener at 10.231.0.1 and
# PostgreSQL through a relay at 10.231.0.1 (it listens on the loopback only): both over the veth, so that cutting it
# is a real partition for node 3's group membership and commits. Nodes 1-2 are reached at their registered URLs
# (127.0.0.1) through a relay inside the namespace to the one on the host. Nodes 1-2, the load and the watch reach node
# 3 at 10.231.0.2 directly.
if [ "$NETNS" = 1 ]; then
  PG_PORT=$(echo "$DB_URL" | sed -E 's#.*@[^:/]+:([0-9]+)/.*#\1#')
  bg_exec java -Xmx64m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$CLASSES:$JAR" ClusterLoad forward "$NS_HOST" \
    127.0.0.1 "$PG_PORT" "$(port_of 1)" "$(port_of 2)" >"$RUN/fwd-host.log" 2>&1 &
  PID[fwd-host]=$!
  bg_exec ip netns exec "$NS" java -Xmx64m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$CLASSES:$JAR" ClusterLoad \
    forward 127.0.0.1 "$NS_HOST" "$(port_of 1)" "$(port_of 2)" >"$RUN/fwd-ns.log" 2>&1 &
  PID[fwd-ns]=$!
  for _ in $(seq 1 100); do grep -q forwarding "$RUN/fwd-host.log" && grep -q forwarding "$RUN/fwd-ns.log" && break; sleep 0.2; done
  say "NETNS=1: node 3 in namespace $NS at $NS_NODE: brokers at $NS_BOOTSTRAP, PostgreSQL relayed at $NS_HOST:$PG_PORT"
fi

# ---- three nodes --------------------------------------------------------------------------------------------------------
start_node() { # i
  local i=$1 port; port=$(port_of "$1")
  local -a cmd=(env TRACESENTINEL_DATA_DIR="$RUN/node$i" TRACESENTINEL_PORT="$port"
    TRACESENTINEL_HOST="$(host_of "$i")" TRACESENTINEL_ADMIN_KEY="$KEY" TRACESENTINEL_ACCESS_LOG=WARN
    TRACESENTINEL_LEDGER_CAPACITY=1000000 TRACESENTINEL_DB_URL="$DB_URL" TRACESENTINEL_KAFKA_BOOTSTRAP="$BOOTSTRAP"
    TRACESENTINEL_CLUSTER_NAME="$CLUSTER" TRACESENTINEL_CLUSTER_SECRET="$SECRET" TRACESENTINEL_NODE_ID="n$i"
    TRACESENTINEL_CLUSTER_SESSION_MS="$SESSION_MS" java -Xmx1g -jar "$JAR" serve)
  if [ "$NETNS" = 1 ] && [ "$i" = 3 ]; then
    # Its /health routes are read from the host (10.231.0.1), not from its own loopback.
    local ns_db=${DB_URL/@127.0.0.1:/@$NS_HOST:}
    cmd=("${cmd[@]/#TRACESENTINEL_KAFKA_BOOTSTRAP=*/TRACESENTINEL_KAFKA_BOOTSTRAP=$NS_BOOTSTRAP}")
    cmd=("${cmd[@]/#TRACESENTINEL_DB_URL=*/TRACESENTINEL_DB_URL=$ns_db}")
    cmd=(ip netns exec "$NS" env TRACESENTINEL_OPS_LOOPBACK_ONLY=false "${cmd[@]}")
  fi
  bg_exec "${cmd[@]}" >>"$RUN/node$i.log" 2>&1 &
  PID[n$i]=$!
  disown "${PID[n$i]}"
}
node_url() { echo "http://$(host_of "$1"):$(port_of "$1")"; }
await_ready() { # i seconds
  for _ in $(seq 1 $(( $2 * 5 ))); do
    curl -fs --max-time 2 "$(node_url "$1")/health/ready" >/dev/null 2>&1 && return 0
    kill -0 "${PID[n$1]}" 2>/dev/null || { tail -30 "$RUN/node$1.log" >&2; return 1; }
    sleep 0.2
  done
  echo "node $1 not ready in $2 s" >&2; tail -30 "$RUN/node$1.log" >&2; return 1
}
split_ok() { # every partition READY on exactly one node
  local all
  all=$(for i in 1 2 3; do curl -fs --max-time 2 "$(node_url "$i")/health/cluster" 2>/dev/null \
    | jq -r '.partitions[] | select(.here == "READY") | .partition' 2>/dev/null; done)
  [ "$(echo "$all" | grep -c . || true)" = 32 ] && [ "$(echo "$all" | grep . | sort -u | wc -l)" = 32 ]
}
await_split() { # seconds: split, and still so 3 s later
  local deadline=$(( $(now_ms) + $1 * 1000 ))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    if split_ok; then sleep 3; split_ok && return 0; fi
    sleep 0.3
  done
  return 1
}
ports_list() { echo "$(host_of 1):$(port_of 1),$(host_of 2):$(port_of 2),$(host_of 3):$(port_of 3)"; }
for i in 1 2 3; do start_node $i; done
say "3 nodes starting at $(ports_list) (cluster $CLUSTER, session $SESSION_MS ms)"
for i in 1 2 3; do await_ready $i 120; done
say "nodes ready; waiting for every partition to be READY on exactly one node"
await_split 90 || { echo "the group did not settle on a split of the partitions" >&2; exit 1; }
split_summary() {
  for i in 1 2 3; do
    printf 'n%s=%s ' "$i" "$(curl -fs --max-time 2 "$(node_url "$i")/health/cluster" \
      | jq '[.partitions[] | select(.here == "READY")] | length' 2>/dev/null || echo down)"
  done
}
say "split: $(split_summary)"

# ---- reference data through node 1 -----------------------------------------------------------------------------------
rows=$(for i in $(seq 0 19); do
  printf '{"siteId":"CL%d","name":"Cluster pharmacy %d","kind":"PHARMACY","regionCode":"%d","regionName":"r"}\n' \
    "$i" "$i" $(( 440300 + i % 3 * 100 + i )); done | paste -sd, -)
curl -fsS -X PUT "$(node_url 1)/api/v1/sites" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  --data "[$rows]" >/dev/null
curl -fsS -X PUT "$(node_url 1)/api/v1/products" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  --data '[{"productKey":"8960001","drugCode":"XCLUSTER","genericName":"Cluster test tablets","packSize":1}]' >/dev/null
KAFKA_VIEW=$(helper kafka "$BOOTSTRAP" "$CLUSTER-owners")
say "20 sites and a product registered through node 1; Kafka: $KAFKA_VIEW"
if [ "$BROKER_VICTIM" = coordinator ]; then
  BROKER_VICTIM=$(echo "$KAFKA_VIEW" | sed -E 's/.*coordinator=([0-9]+).*/\1/')
  BROKER_ROLE=" (the group's coordinator)"
else
  BROKER_ROLE=""
fi
sleep 3 # the other nodes read reference data every 3 s

# ---- load with faults -----------------------------------------------------------------------------------------------
MACHINE0=$(awk '/^cpu /{print $2 + $3 + $4 + $7 + $8}' /proc/stat)
bg_exec java -cp "$CLASSES:$JAR" ClusterLoad watch "$RUN/timeline.csv" "$(ports_list)" &
PID[watch]=$!
EVENTS=$RUN/events.csv
: >"$EVENTS"
event() { echo "$(now_ms),$1,$2" >>"$EVENTS"; }
T0=$(now_ms)
bg_exec java -cp "$CLASSES:$JAR" ClusterLoad load "$RUN/answers.csv" "$LOAD_SECONDS" "$CLIENTS" "$(ports_list)" &
PID[load]=$!
say "load: $CLIENTS clients, batches of 100 to nodes 1-3 in turn, $([ "$RATE" = 0 ] && echo "unpaced" || echo "$RATE batches/s each"), $LOAD_SECONDS s"

restarted_broker_wait() { # i: logs when the restarted broker is up (background)
  local i=$1 t; t=$(now_ms)
  for _ in $(seq 1 300); do
    if broker_started "$i" 1; then say "broker b$i up again $(awk "BEGIN {printf \"%.1f\", ($(now_ms) - $t) / 1000}") s after its restart"; return; fi
    sleep 0.2
  done
}
FAULTS=()
[ "$NODE_KILL_AT" -lt "$LOAD_SECONDS" ] && FAULTS+=("$NODE_KILL_AT node-kill" "$(( NODE_KILL_AT + NODE_DOWN )) node-restart")
[ "$BROKER_KILL_AT" -lt "$LOAD_SECONDS" ] && FAULTS+=("$BROKER_KILL_AT broker-kill" "$(( BROKER_KILL_AT + BROKER_DOWN )) broker-restart")
[ "$NETNS" = 1 ] && FAULTS+=("$LINK_CUT_AT link-cut" "$(( LINK_CUT_AT + LINK_DOWN )) link-heal")
while read -r at what; do
  sleep_until $(( T0 + at * 1000 ))
  kill -0 "${PID[load]}" 2>/dev/null || break
  case $what in
    node-kill)
      account "n$NODE_VICTIM"; event node-kill "node n$NODE_VICTIM"; kill -KILL "${PID[n$NODE_VICTIM]}"
      say "SIGKILL node n$NODE_VICTIM (pid ${PID[n$NODE_VICTIM]})"; unset "PID[n$NODE_VICTIM]" ;;
    node-restart)
      start_node "$NODE_VICTIM"; event node-restart "node n$NODE_VICTIM"
      say "node n$NODE_VICTIM started again on its data directory (pid ${PID[n$NODE_VICTIM]})" ;;
    broker-kill)
      account "b$BROKER_VICTIM"; event broker-kill "broker b$BROKER_VICTIM$BROKER_ROLE"; kill -KILL "${PID[b$BROKER_VICTIM]}"
      say "SIGKILL broker b$BROKER_VICTIM$BROKER_ROLE (pid ${PID[b$BROKER_VICTIM]})"; unset "PID[b$BROKER_VICTIM]" ;;
    broker-restart)
      start_broker "$BROKER_VICTIM"; event broker-restart "broker b$BROKER_VICTIM"
      say "broker b$BROKER_VICTIM started again (pid ${PID[b$BROKER_VICTIM]})"
      restarted_broker_wait "$BROKER_VICTIM" & ;;
    link-cut)
      N3_PARTS=$(curl -fs --max-time 2 "$(node_url 3)/health/cluster" \
        | jq -r '[.partitions[] | select(.here == "READY") | .partition] | map(tostring) | join(",")' || true)
      event link-cut "node n3"; ip link set "$NS-h" down; LINK_CUT_MS=$(now_ms)
      say "link of node n3 cut (nothing reaches its namespace, nothing leaves it)" ;;
    link-heal)
      event link-heal "node n3"; ip link set "$NS-h" up; say "link of node n3 healed" ;;
  esac
done < <(printf '%s\n' "${FAULTS[@]}" | sort -n)
wait "${PID[load]}"
unset "PID[load]"
say "load finished; waiting for the group to settle"
await_split 90 || { echo "the group did not settle after the load" >&2; exit 1; }
say "settled: $(split_summary)"

# ---- after the load: re-send, verify, check ---------------------------------------------------------------------------
RESEND=$(helper resend "$RUN/answers.csv" "$(ports_list)" "$DB_URL")
echo "$RESEND" | grep -v '^RESEND '
resend_failed=$(echo "$RESEND" | sed -nE 's/^RESEND .*failed=([0-9]+).*/\1/p')
wrong_replays=$(echo "$RESEND" | sed -nE 's/^RESEND .*wrongReplays=([0-9]+).*/\1/p')
split_ok || await_split 30 || true
mismatches=0
verified_parts=""
for i in 1 2 3; do
  v=$(curl -fsS --max-time 120 "$(node_url "$i")/health/cluster/verify") || { echo "verify on node n$i failed" >&2; exit 1; }
  say "verify n$i: $(echo "$v" | jq -c '{codes, scans, mismatched, missing, extra, clean, partitions: (.partitions | length)}')"
  mismatches=$(( mismatches + $(echo "$v" | jq '.mismatched + .missing + .extra') ))
  verified_parts="$verified_parts $(echo "$v" | jq -r '.partitions[]')"
done
verified=$(echo "$verified_parts" | tr ' ' '\n' | grep . | sort -u | wc -l)
[ "$verified" = 32 ] || say "verify covered $verified of 32 partitions (a partition moving while it was read is left out)"
CHECK=$(helper check "$RUN/answers.csv" "$DB_URL")
echo "$CHECK" | grep -v '^RESULT '
result() { echo "$CHECK" | sed -nE "s/^RESULT .*\\b$1=([0-9.]+).*/\\1/p"; }

kill -TERM "${PID[watch]}" 2>/dev/null; wait "${PID[watch]}" 2>/dev/null || true; unset "PID[watch]"
helper handover "$RUN/timeline.csv" "$EVENTS" | sed 's/^HANDOVER //'
say "per node: cut-offs (no heartbeat answered, partitions closed)" \
  "$(for i in 1 2 3; do printf 'n%s %s ' "$i" "$(grep -c 'stopped judging its partitions' "$RUN/node$i.log" || true)"; done)," \
  "fenced commits $(for i in 1 2 3; do printf 'n%s %s ' "$i" "$(grep -c 'fenced, nothing stored' "$RUN/node$i.log" || true)"; done)"
first_after() { # log pattern ms [partitions]: the time (ms) of the first matching log line at or after ms (whose
  local line t list p     # first [...] names one of these comma-separated partitions, when given)
  while IFS= read -r line; do
    t=$(date -d "${line%% *}" +%s%3N 2>/dev/null) || continue
    [ "$t" -ge "$3" ] || continue
    if [ -n "${4:-}" ]; then
      list=$(echo "$line" | sed -nE 's/[^[]*\[([0-9, ]*)\].*/\1/p' | tr -d ' ')
      for p in ${list//,/ }; do
        if [[ ",$4," == *",$p,"* ]]; then echo "$t"; return; fi
      done
      continue
    fi
    echo "$t"; return
  done < <(grep -E "$2" "$1" || true)
}
if [ "$NETNS" = 1 ] && [ -n "${LINK_CUT_MS:-}" ]; then
  stopped=$(first_after "$RUN/node3.log" 'No heartbeat .* cluster group|were taken over by another node|were lost while' \
    "$LINK_CUT_MS")
  assigned=""; opened=""
  for i in 1 2; do
    a=$(first_after "$RUN/node$i.log" 'Assigned partitions .*taking them over' "$LINK_CUT_MS" "$N3_PARTS")
    o=$(first_after "$RUN/node$i.log" 'rebuilt from the history .* and open' "$LINK_CUT_MS" "$N3_PARTS")
    if [ -n "$a" ] && { [ -z "$assigned" ] || [ "$a" -lt "$assigned" ]; }; then assigned=$a; fi
    if [ -n "$o" ] && { [ -z "$opened" ] || [ "$o" -lt "$opened" ]; }; then opened=$o; fi
  done
  rel() { if [ -n "$1" ]; then awk "BEGIN {printf \"+%.1f s\", ($1 - $LINK_CUT_MS) / 1000}"; else echo never; fi; }
  fenced=$(awk -v cut="$(date -u -d @$(( LINK_CUT_MS / 1000 )) +%Y-%m-%dT%H:%M:%S)" '$1 >= cut && /fenced, nothing stored/' \
    "$RUN/node3.log" | wc -l)
  verdict="before"
  if [ -z "$stopped" ] || { [ -n "$opened" ] && [ "$opened" -le "$stopped" ]; }; then verdict="NOT before"; fi
  say "link cut: node n3 (READY: $N3_PARTS) stopped judging at $(rel "$stopped"); n1/n2 were given its partitions at" \
    "$(rel "$assigned") and judged them from $(rel "$opened"): n3 stopped $verdict the others took over;" \
    "commits of n3 fenced after the cut: $fenced"
fi

# ---- CPU time per process group --------------------------------------------------------------------------------------
for n in n1 n2 n3 b1 b2 b3 db; do account "$n"; done
MACHINE1=$(awk '/^cpu /{print $2 + $3 + $4 + $7 + $8}' /proc/stat)
secs() { printf '%d.%02d' $(( $1 / 100 )) $(( $1 % 100 )); }
helpers_ms=$(awk '{s += $2} END {print s + 0}' "$CPU_LOG" 2>/dev/null || echo 0)
load_ms=$(awk '$1 == "load" {s += $2} END {print s + 0}' "$CPU_LOG" 2>/dev/null || echo 0)
say "CPU time (user+system) of each process group over the whole run, restarted processes included:"
echo "  nodes:      n1 $(secs "${CPU[n1]:-0}") s, n2 $(secs "${CPU[n2]:-0}") s, n3 $(secs "${CPU[n3]:-0}") s"
echo "  brokers:    b1 $(secs "${CPU[b1]:-0}") s, b2 $(secs "${CPU[b2]:-0}") s, b3 $(secs "${CPU[b3]:-0}") s"
echo "  PostgreSQL: $(secs "${CPU[postgres]:-0}") s (server processes), its launcher JVM $(secs "${CPU[db]:-0}") s"
echo "  load client $(( load_ms / 1000 )).$(printf '%01d' $(( load_ms % 1000 / 100 ))) s; all helper JVMs (load, watch," \
  "re-send, check, Kafka look-up) $(( helpers_ms / 1000 )) s"
echo "  machine: $(secs $(( MACHINE1 - MACHINE0 ))) s busy of $(( 2 * ($(now_ms) - T0) / 1000 )) s (2 cores) from the" \
  "load's start to now"

# ---- verdict ----------------------------------------------------------------------------------------------------------
acked=$(result acked); lost=$(result lost); twice=$(result twice); stall=$(result stall)
status=0
[ "$lost" = 0 ] && [ "$twice" = 0 ] && [ "$mismatches" = 0 ] || status=1
if [ "${resend_failed:-1}" != 0 ] || [ "${wrong_replays:-1}" != 0 ]; then
  echo "re-sent batches: ${resend_failed:-?} not answered 200, ${wrong_replays:-?} scans wrongly (not) REPLAYED" >&2
  status=1
fi
echo "acked $acked, lost $lost, first sales judged twice $twice, ledger mismatches $mismatches, longest stall $stall s"
exit $status
