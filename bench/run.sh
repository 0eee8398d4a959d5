#!/usr/bin/env bash
# Runs the Seedstream relay benchmark end to end: builds the gateway and the bench, installs nginx when
# missing, starts the fake upstream + load client, nginx and the gateway pinned to cores, runs every
# scenario and writes bench/results/<date>[-quick]/results.{md,json}. Stops everything it started on exit.
#
#   bench/run.sh           full run (about 45 minutes; run it on a quiet machine)
#   bench/run.sh --quick   smoke run of every scenario at small sizes (about 2 minutes with the builds)
#
# Environment: BENCH_UPSTREAM_PORT, BENCH_NGINX_PORT, BENCH_GATEWAY_PORT (18081-18083), GATEWAY_JAVA_OPTS,
# BENCH_JAVA_OPTS, BENCH_LABEL (a line of text put at the top of the results), BENCH_OUT (results folder),
# BENCH_STORE_IMAGES=true (also run the durable image store, off by default: the relays compared do not store),
# BENCH_ONLY (comma-separated scenarios to run, e.g. "S1,S4"; default all), BENCH_GATEWAY_DIR (the gateway
# checkout to build and measure, default this one: e.g. a worktree of another branch, for before/after figures),
# BENCH_S2_SECONDS and BENCH_S2_REPS (S2's measured length and repetitions; full run 60 s x 5), BENCH_SKIP=seedstream_v1
# (leave /v1 out, for quicker experiments on /api), BENCH_TRACE=<folder> (also write every measured event's
# send stamp and latency there, for lining slow events up with perf or GC logs).
set -euo pipefail

MODE=full
for arg in "$@"; do
  case "$arg" in
    --quick) MODE=quick ;;
    *) echo "usage: bench/run.sh [--quick]" >&2; exit 2 ;;
  esac
done

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "${BENCH_GATEWAY_DIR:-$(dirname "$BENCH_DIR")}" && pwd)
WORK="$BENCH_DIR/target/run"
UP_PORT=${BENCH_UPSTREAM_PORT:-18081}
NGINX_PORT=${BENCH_NGINX_PORT:-18082}
GW_PORT=${BENCH_GATEWAY_PORT:-18083}
# Both JVMs touch their initial heap at start (the design's -XX:+AlwaysPreTouch): on this kind of virtual
# machine a first touch of a page is slow, and without it young-generation pauses that promote into fresh
# old-generation pages ran 2-4x longer (bench/results/2026-11-25-pretouch/). The gateway's images live in
# off-heap blocks, so 1 GiB of heap is the working size; the 4 GiB ceiling is headroom, never pre-touched.
# A small young generation: a relay's per-connection state lives as long as its stream, and a young
# collection copies whatever of it arrived since the last one. With the default third of the heap
# (341 MiB) collections came about once a minute and copied a thousand streams' state at once (120-390 ms);
# with 64 MiB they come every few seconds (bench/results/2026-11-26-young/), and the gateway's 16 MiB makes
# them 4-7 ms every 2.7 s in steady relaying instead of 10-25 ms every 11 s, which took its small-event p99.9
# from 14-16 ms to 8.6-9.9 ms (bench/results/2026-11-26-focus/, -focus-full/). The load client holds two connections per
# stream and had the same once-a-minute pause, which landed on whichever comparator was running; it keeps 64 MiB.
GATEWAY_JAVA_OPTS=${GATEWAY_JAVA_OPTS:--Xms1g -Xmx4g -Xmn16m -XX:+UseSerialGC -XX:+AlwaysPreTouch}
BENCH_JAVA_OPTS=${BENCH_JAVA_OPTS:--Xms1g -Xmx3g -Xmn64m -XX:+UseSerialGC -XX:+AlwaysPreTouch}
SUFFIX=$([ "$MODE" = quick ] && echo "-quick" || true)
OUT=${BENCH_OUT:-$BENCH_DIR/results/$(date +%F)$SUFFIX}

log() { echo "$(date +%T) run.sh: $*" >&2; }

STARTED=()
cleanup() {
  local status=$?
  for pid in "${STARTED[@]}"; do
    # The bench stops (SIGSTOP) the relays it is not measuring; a stopped process would not act on TERM.
    kill -CONT "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${STARTED[@]}"; do
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  done
  [ ${#STARTED[@]} -gt 0 ] && log "stopped ${STARTED[*]}"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # url, seconds
  for _ in $(seq 1 $(( $2 * 10 ))); do
    curl -s -o /dev/null --max-time 1 "$1" && return 0
    sleep 0.1
  done
  echo "nothing answered at $1 after $2 s" >&2
  return 1
}

for port in "$UP_PORT" "$NGINX_PORT" "$GW_PORT"; do
  port_free "$port" || { echo "port $port is in use; set BENCH_*_PORT" >&2; exit 1; }
done

log "building the gateway (mvn -q -DskipTests package)"
(cd "$ROOT" && mvn -q -B -DskipTests package)
log "building the bench"
(cd "$BENCH_DIR" && mvn -q -B package)

if ! command -v nginx >/dev/null; then
  log "installing nginx from Debian"
  apt-get update && apt-get install -y nginx
fi

# Two cores as the design says: the relay under test alone on core 1; the load client and the fake upstream
# (one JVM) on core 0. nginx and the gateway both sit on core 1 but only one of them is loaded at a time.
if [ "$(nproc --all)" -ge 2 ]; then
  RELAY_CPU=1; LOAD_CPU=0
  LAYOUT="relay under test (nginx, gateway) on CPU 1; load client + fake upstream (one JVM) on CPU 0"
else
  RELAY_CPU=0; LOAD_CPU=0
  LAYOUT="one CPU only: everything on CPU 0 (figures are not comparable with two-core runs)"
fi

rm -rf "$WORK" && mkdir -p "$WORK/nginx" "$OUT"
# Every run keeps both JVMs' collector logs next to its results: a tail is read against them.
GATEWAY_GC_LOG="-Xlog:gc:file=$OUT/gateway-gc.log:time,uptime"
# The gateway logs as nginx does here: no access log, warnings and up (gateway-logging.properties).
GATEWAY_LOGGING="-Djava.util.logging.config.file=$BENCH_DIR/gateway-logging.properties"
BENCH_GC_LOG="-Xlog:gc:file=$OUT/load-client-gc.log:time,uptime"
sed -e "s|@PREFIX@|$WORK/nginx|g" -e "s|@LISTEN_PORT@|$NGINX_PORT|g" -e "s|@UPSTREAM_PORT@|$UP_PORT|g" \
  "$BENCH_DIR/nginx.conf.template" > "$WORK/nginx/nginx.conf"
taskset -c "$RELAY_CPU" nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" \
  > "$WORK/nginx.out" 2>&1 &
NGINX_PID=$!
STARTED+=("$NGINX_PID")

# Production defaults except: the fake upstream and a dummy key; limits raised so that 8000 streams from one
# address are allowed; job retention cut from 10 min to 5 s so that runs do not pile up replay logs (50 x 3
# events of 8 MiB each are 1.2 GB); no drain wait at exit.
GATEWAY_ENV="SEEDSTREAM_HOST=127.0.0.1 SEEDSTREAM_PORT=$GW_PORT"
GATEWAY_ENV+=" SEEDSTREAM_UPSTREAM_URL=http://127.0.0.1:$UP_PORT/v1/images/generations SEEDSTREAM_SIMULATE=false"
GATEWAY_ENV+=" SEEDSTREAM_API_KEY=bench-dummy-key SEEDSTREAM_MAX_ACTIVE_JOBS=20000 SEEDSTREAM_MAX_JOBS_PER_CLIENT=20000"
GATEWAY_ENV+=" SEEDSTREAM_RETENTION_MS=5000 SEEDSTREAM_DRAIN_MS=0"
# The durable image store downloads, decodes, hashes and writes every image in the background, on the same
# pinned core: that is work the relays being compared do not do. It is off unless BENCH_STORE_IMAGES=true,
# and its data goes to the run's scratch folder, never the working copy.
GATEWAY_ENV+=" SEEDSTREAM_STORE_IMAGES=${BENCH_STORE_IMAGES:-false} SEEDSTREAM_DATA_DIR=$WORK/data"
# The per-client image budget arrives with the /v1 work; until then the gateway ignores the variable.
GATEWAY_ENV+=" SEEDSTREAM_IMAGES_PER_MINUTE_PER_CLIENT=1000000"
# shellcheck disable=SC2086 # the env and JVM options are word lists on purpose
(cd "$ROOT" && exec env $GATEWAY_ENV taskset -c "$RELAY_CPU" java $GATEWAY_JAVA_OPTS "$GATEWAY_GC_LOG" "$GATEWAY_LOGGING" -jar target/seedstream.jar) \
  > "$WORK/gateway.log" 2>&1 &
GW_PID=$!
STARTED+=("$GW_PID")

wait_for "http://127.0.0.1:$GW_PORT/healthz" 60
wait_for "http://127.0.0.1:$NGINX_PORT/" 20 || { cat "$WORK/nginx/error.log" >&2; exit 1; }
log "nginx pid $NGINX_PID on :$NGINX_PORT, gateway pid $GW_PID on :$GW_PORT; results go to $OUT"

# shellcheck disable=SC2086
taskset -c "$LOAD_CPU" java $BENCH_JAVA_OPTS "$BENCH_GC_LOG" -jar "$BENCH_DIR/target/seedstream-bench.jar" \
  --mode "$MODE" --out "$OUT" --clock-ticks "$(getconf CLK_TCK)" \
  --upstream-port "$UP_PORT" --nginx-port "$NGINX_PORT" --gateway-port "$GW_PORT" \
  --nginx-pid "$NGINX_PID" --gateway-pid "$GW_PID" \
  --nginx-version "$(nginx -v 2>&1 | sed 's/^nginx version: //')" \
  --commit "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  --layout "$LAYOUT" --gateway-jvm "$GATEWAY_JAVA_OPTS $GATEWAY_LOGGING" --gateway-env "$GATEWAY_ENV" \
  --label "${BENCH_LABEL:-}" --only "${BENCH_ONLY:-}" --s2-seconds "${BENCH_S2_SECONDS:-}" --s2-reps "${BENCH_S2_REPS:-}" \
  --skip "${BENCH_SKIP:-}" &
BENCH_PID=$!
STARTED+=("$BENCH_PID")
wait "$BENCH_PID"
