#!/usr/bin/env bash
# Runs the cross-node scenario (X1): builds the gateway and the bench, starts two clustered gateways from the built
# jar (node A owns the jobs, node B only serves listeners), waits until each sees the other, then runs
# dev.seedstream.bench.CrossNodeMain (fake upstream + listeners) and writes
# bench/results/<date>-cross-node[-quick]/results.{md,json}. Stops everything it started on exit.
#
#   bench/cluster.sh           full run (about 8 minutes with the builds)
#   bench/cluster.sh --quick   smoke run (about 2 minutes with the builds)
#
# Environment: BENCH_UPSTREAM_PORT, BENCH_NODE_A_PORT, BENCH_NODE_B_PORT (18791, 18793, 18794), BENCH_MEMBER_A_PORT,
# BENCH_MEMBER_B_PORT (the nodes' Hazelcast member ports, 18795, 18796; away from run.sh's 18081-18083 and the ports
# other checkouts' scripts use), GATEWAY_JAVA_OPTS, BENCH_JAVA_OPTS, BENCH_NODE_CPUS (the CPU list both gateways
# share, default 1), BENCH_LOAD_CPUS (default 0), BENCH_LABEL, BENCH_OUT, BENCH_GATEWAY_DIR (the gateway checkout to
# build and measure), BENCH_TRACE (as run.sh).
set -euo pipefail

MODE=full
for arg in "$@"; do
  case "$arg" in
    --quick) MODE=quick ;;
    *) echo "usage: bench/cluster.sh [--quick]" >&2; exit 2 ;;
  esac
done

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "${BENCH_GATEWAY_DIR:-$(dirname "$BENCH_DIR")}" && pwd)
WORK="$BENCH_DIR/target/cluster-run"
UP_PORT=${BENCH_UPSTREAM_PORT:-18791}
A_PORT=${BENCH_NODE_A_PORT:-18793}
B_PORT=${BENCH_NODE_B_PORT:-18794}
A_MEMBER=${BENCH_MEMBER_A_PORT:-18795}
B_MEMBER=${BENCH_MEMBER_B_PORT:-18796}
# The same JVM options as run.sh gives the gateway (its comments say why each one).
GATEWAY_JAVA_OPTS=${GATEWAY_JAVA_OPTS:--Xms1g -Xmx4g -Xmn16m -XX:+UseSerialGC -XX:+AlwaysPreTouch}
BENCH_JAVA_OPTS=${BENCH_JAVA_OPTS:--Xms1g -Xmx3g -Xmn64m -XX:+UseSerialGC -XX:+AlwaysPreTouch}
SUFFIX=$([ "$MODE" = quick ] && echo "-quick" || true)
OUT=${BENCH_OUT:-$BENCH_DIR/results/$(date +%F)-cross-node$SUFFIX}

SCRIPT=cluster.sh
source "$BENCH_DIR/processes.sh"

for port in "$UP_PORT" "$A_PORT" "$B_PORT" "$A_MEMBER" "$B_MEMBER"; do
  port_free "$port" || { echo "port $port is in use; set BENCH_*_PORT" >&2; exit 1; }
done

log "building the gateway (mvn -q -DskipTests package)"
(cd "$ROOT" && mvn -q -B -DskipTests package)
log "building the bench"
(cd "$BENCH_DIR" && mvn -q -B -DskipTests package)

# As run.sh: the relay tier on CPU 1, the fake upstream and the listeners (one JVM) on CPU 0. Both nodes share
# CPU 1: the cross-node path then pays for node B's scheduling on the same core as node A's work, which a real
# deployment (a machine per node) would not; BENCH_NODE_CPUS=0-1 lets them float instead.
if [ "$(nproc --all)" -ge 2 ]; then
  NODE_CPUS=${BENCH_NODE_CPUS:-1}; LOAD_CPUS=${BENCH_LOAD_CPUS:-0}
else
  NODE_CPUS=0; LOAD_CPUS=0
fi
LAYOUT="both gateway nodes on CPU $NODE_CPUS; listeners + fake upstream (one JVM) on CPU $LOAD_CPUS"

rm -rf "$WORK" && mkdir -p "$WORK" "$OUT"
GATEWAY_LOGGING="-Djava.util.logging.config.file=$BENCH_DIR/gateway-logging.properties"
BENCH_GC_LOG="-Xlog:gc:file=$OUT/load-client-gc.log:time,uptime"
# run.sh's gateway environment (fake upstream, dummy key, limits raised, retention 5 s, no drain, store off: the
# durable store downloads, decodes and writes every image, work a relay does not do), plus the cluster.
GATEWAY_ENV="SEEDSTREAM_HOST=127.0.0.1"
GATEWAY_ENV+=" SEEDSTREAM_UPSTREAM_URL=http://127.0.0.1:$UP_PORT/v1/images/generations SEEDSTREAM_SIMULATE=false"
GATEWAY_ENV+=" SEEDSTREAM_API_KEY=bench-dummy-key SEEDSTREAM_MAX_ACTIVE_JOBS=20000 SEEDSTREAM_MAX_JOBS_PER_CLIENT=20000"
GATEWAY_ENV+=" SEEDSTREAM_RETENTION_MS=5000 SEEDSTREAM_DRAIN_MS=0 SEEDSTREAM_STORE_IMAGES=false"
GATEWAY_ENV+=" SEEDSTREAM_IMAGES_PER_MINUTE_PER_CLIENT=1000000"
GATEWAY_ENV+=" SEEDSTREAM_CLUSTER=true SEEDSTREAM_CLUSTER_HOST=127.0.0.1"
GATEWAY_ENV+=" SEEDSTREAM_CLUSTER_MEMBERS=127.0.0.1:$A_MEMBER,127.0.0.1:$B_MEMBER"
# A fresh secret per run, in the environment only (never on a command line, never in the results).
SEEDSTREAM_CLUSTER_SECRET=$(head -c 32 /dev/urandom | base64 | tr -d '/+=' | head -c 40)
export SEEDSTREAM_CLUSTER_SECRET

start_node() { # name, http port, member port
  # shellcheck disable=SC2086 # the env and JVM options are word lists on purpose
  (cd "$ROOT" && exec env $GATEWAY_ENV SEEDSTREAM_PORT="$2" SEEDSTREAM_CLUSTER_PORT="$3" \
    SEEDSTREAM_DATA_DIR="$WORK/data-$1" taskset -c "$NODE_CPUS" java $GATEWAY_JAVA_OPTS \
    "-Xlog:gc:file=$OUT/gateway-$1-gc.log:time,uptime" "$GATEWAY_LOGGING" -jar target/seedstream.jar) \
    > "$WORK/gateway-$1.log" 2>&1 &
  STARTED+=("$!")
}

wait_members() { # http port, seconds: until /readyz says the cluster has both members
  for _ in $(seq 1 $(( $2 * 10 ))); do
    curl -s --max-time 1 "http://127.0.0.1:$1/readyz" | grep -q '"members":2' && return 0
    sleep 0.1
  done
  echo "node on :$1 did not see two members after $2 s" >&2
  return 1
}

start_node a "$A_PORT" "$A_MEMBER"
A_PID=${STARTED[-1]}
start_node b "$B_PORT" "$B_MEMBER"
B_PID=${STARTED[-1]}
if ! wait_members "$A_PORT" 120 || ! wait_members "$B_PORT" 30; then
  tail -n 40 "$WORK"/gateway-*.log >&2
  exit 1
fi
log "node A pid $A_PID on :$A_PORT, node B pid $B_PID on :$B_PORT (members :$A_MEMBER, :$B_MEMBER); results go to $OUT"
uptime | tee "$OUT/uptime-before.txt" >&2

# shellcheck disable=SC2086
taskset -c "$LOAD_CPUS" java $BENCH_JAVA_OPTS "$BENCH_GC_LOG" -cp "$BENCH_DIR/target/seedstream-bench.jar" \
  dev.seedstream.bench.CrossNodeMain \
  --mode "$MODE" --out "$OUT" --clock-ticks "$(getconf CLK_TCK)" \
  --upstream-port "$UP_PORT" --owner-port "$A_PORT" --other-port "$B_PORT" --owner-pid "$A_PID" --other-pid "$B_PID" \
  --commit "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  --layout "$LAYOUT" --gateway-jvm "$GATEWAY_JAVA_OPTS $GATEWAY_LOGGING" --gateway-env "$GATEWAY_ENV" \
  --label "${BENCH_LABEL:-}" &
BENCH_PID=$!
STARTED+=("$BENCH_PID")
status=0
wait "$BENCH_PID" || status=$?
uptime | tee "$OUT/uptime-after.txt" >&2
# The nodes' own output (warnings and up), kept with the results: errors there explain a broken run.
for node in a b; do
  cp "$WORK/gateway-$node.log" "$OUT/gateway-$node.log"
done
exit $status
