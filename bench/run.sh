#!/usr/bin/env bash
# Runs the Seedstream relay benchmark end to end: builds the gateway and the bench, installs nginx when
# missing, starts the fake upstream + load client, nginx and the gateway pinned to cores, runs every
# scenario and writes bench/results/<date>[-quick]/results.{md,json}. Stops everything it started on exit.
#
#   bench/run.sh             full run (about an hour with three gateways; run it on a quiet machine)
#   bench/run.sh --profiles  S1, S2 and S4 cut to fit about 20 minutes (BENCH_ONLY=S1,S2,S4 is implied)
#   bench/run.sh --quick     smoke run of every scenario at small sizes (about 3 minutes with the builds)
#
# Three gateways, each on its own port, measured one at a time (the others stopped):
#   default profile  the README's run command, bin/seedstream with conf/jvm.options and every default, the
#                    image store on; the fake upstream serves each image URL over https from a certificate
#                    made for the run, which the gateway trusts through JAVA_OPTS (-Djavax.net.ssl.trustStore),
#                    as a user would add a CA; SEEDSTREAM_STORE_ALLOW_PRIVATE=true because the host is loopback.
#                    Comparators seedstream_v1 and seedstream_api: the headline.
#   nostore          the same with SEEDSTREAM_STORE_IMAGES=false (nostore_api): the store's cost, in the same run.
#   tuned            java -jar with GATEWAY_JAVA_OPTS, store off, logging as nginx's (tuned_v1, tuned_api):
#                    the profile every run before 2026-12-06 measured.
# Before the run, the default profile is started and stopped five times: start-up to first request served,
# three times after 15 s idle (cold memory) and twice straight after a stop (warm).
#
# Environment: BENCH_UPSTREAM_PORT, BENCH_NGINX_PORT, BENCH_GATEWAY_PORT (18081-18083), GATEWAY_JAVA_OPTS,
# BENCH_JAVA_OPTS, BENCH_LABEL (a line of text put at the top of the results), BENCH_OUT (results folder),
# BENCH_STORE_IMAGES (the default profile's SEEDSTREAM_STORE_IMAGES; unset: the gateway's default, on),
# BENCH_TUNED_PORT, BENCH_NOSTORE_PORT, BENCH_IMAGE_PORT (18084-18086), BENCH_IMAGE_BYTES (each image served, 256 KiB),
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
    --profiles) MODE=profiles ;;
    *) echo "usage: bench/run.sh [--quick|--profiles]" >&2; exit 2 ;;
  esac
done

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "${BENCH_GATEWAY_DIR:-$(dirname "$BENCH_DIR")}" && pwd)
WORK="$BENCH_DIR/target/run"
UP_PORT=${BENCH_UPSTREAM_PORT:-18081}
NGINX_PORT=${BENCH_NGINX_PORT:-18082}
GW_PORT=${BENCH_GATEWAY_PORT:-18083}
TUNED_PORT=${BENCH_TUNED_PORT:-18084}
NOSTORE_PORT=${BENCH_NOSTORE_PORT:-18085}
IMAGE_PORT=${BENCH_IMAGE_PORT:-18086}
# The size of each image the fake upstream serves over https (a 2048x2048 JPEG is a few hundred KiB).
IMAGE_BYTES=${BENCH_IMAGE_BYTES:-262144}
# The tuned profile (GATEWAY_JAVA_OPTS) and the load client. Both JVMs touch their initial heap at start (the design's -XX:+AlwaysPreTouch): on this kind of virtual
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
[ "$MODE" = profiles ] && SUFFIX=-default-profile && BENCH_ONLY=${BENCH_ONLY:-S1,S2,S4}
OUT=${BENCH_OUT:-$BENCH_DIR/results/$(date +%F)$SUFFIX}

SCRIPT=run.sh
source "$BENCH_DIR/processes.sh"

wait_for() { # url, seconds
  for _ in $(seq 1 $(( $2 * 10 ))); do
    curl -s -o /dev/null --max-time 1 "$1" && return 0
    sleep 0.1
  done
  echo "nothing answered at $1 after $2 s" >&2
  return 1
}

for port in "$UP_PORT" "$NGINX_PORT" "$GW_PORT" "$TUNED_PORT" "$NOSTORE_PORT" "$IMAGE_PORT"; do
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

rm -rf "$WORK" && mkdir -p "$WORK/nginx" "$WORK/tls" "$OUT"
# The image host's key and certificate, made for this run, and a trust store holding that certificate.
keytool -genkeypair -alias bench -keyalg EC -groupname secp256r1 -dname CN=127.0.0.1 -ext san=ip:127.0.0.1 \
  -validity 2 -keystore "$WORK/tls/images.p12" -storetype PKCS12 -storepass benchpass -keypass benchpass 2>/dev/null
keytool -exportcert -alias bench -keystore "$WORK/tls/images.p12" -storepass benchpass -file "$WORK/tls/ca.crt" 2>/dev/null
keytool -importcert -noprompt -alias bench-ca -file "$WORK/tls/ca.crt" -keystore "$WORK/tls/trust.p12" \
  -storetype PKCS12 -storepass benchpass 2>/dev/null
TRUST="-Djavax.net.ssl.trustStore=$WORK/tls/trust.p12 -Djavax.net.ssl.trustStorePassword=benchpass -Djavax.net.ssl.trustStoreType=PKCS12"
# Every run keeps the JVMs' collector logs next to its results: a tail is read against them.
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
COMMON_ENV="SEEDSTREAM_HOST=127.0.0.1"
COMMON_ENV+=" SEEDSTREAM_UPSTREAM_URL=http://127.0.0.1:$UP_PORT/v1/images/generations SEEDSTREAM_SIMULATE=false"
COMMON_ENV+=" SEEDSTREAM_API_KEY=bench-dummy-key SEEDSTREAM_MAX_ACTIVE_JOBS=20000 SEEDSTREAM_MAX_JOBS_PER_CLIENT=20000"
COMMON_ENV+=" SEEDSTREAM_RETENTION_MS=5000 SEEDSTREAM_DRAIN_MS=0"
COMMON_ENV+=" SEEDSTREAM_IMAGES_PER_MINUTE_PER_CLIENT=1000000"
# The default profile: the store on (its default) with its data in the run's scratch folder, never the
# working copy; the image host is loopback, which the store refuses unless allowed.
GATEWAY_ENV="$COMMON_ENV SEEDSTREAM_PORT=$GW_PORT SEEDSTREAM_DATA_DIR=$WORK/data SEEDSTREAM_STORE_ALLOW_PRIVATE=true"
[ -n "${BENCH_STORE_IMAGES:-}" ] && GATEWAY_ENV+=" SEEDSTREAM_STORE_IMAGES=$BENCH_STORE_IMAGES"
# BENCH_DEFAULT_JAVA_OPTS: more for the default profile's JAVA_OPTS, e.g. a flight recording for a profile.
GATEWAY_JAVA_ENV="$TRUST $GATEWAY_GC_LOG ${BENCH_DEFAULT_JAVA_OPTS:-}"
NOSTORE_ENV="$COMMON_ENV SEEDSTREAM_PORT=$NOSTORE_PORT SEEDSTREAM_DATA_DIR=$WORK/data-nostore SEEDSTREAM_STORE_IMAGES=false"
TUNED_ENV="$COMMON_ENV SEEDSTREAM_PORT=$TUNED_PORT SEEDSTREAM_DATA_DIR=$WORK/data-tuned SEEDSTREAM_STORE_IMAGES=false"

# Start-up of the default profile: milliseconds from starting the launcher to the first answered request.
# Three "cold" starts, each after 15 s with no gateway running: on virtual machines whose host takes freed
# memory back within seconds (this project's do), that is what a user's first start meets, and the heap's
# pre-touch then costs seconds. Then two "warm" starts straight after a stop, on memory the host still holds.
# BENCH_STARTUP=0 leaves them out (experiments on one scenario; the report then has no start-up figure).
STARTUP_MS=""
STARTUP_WARM_MS=""
for i in $( [ "${BENCH_STARTUP:-1}" = 0 ] || echo 1 2 3 4 5 ); do
  [ "$i" -le 3 ] && sleep 15
  t0=$(date +%s%N)
  # shellcheck disable=SC2086
  (cd "$ROOT" && exec env $GATEWAY_ENV JAVA_OPTS="$TRUST" taskset -c "$RELAY_CPU" bin/seedstream) \
    > "$WORK/startup-$i.log" 2>&1 &
  pid=$!
  until curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$GW_PORT/healthz"; do
    kill -0 "$pid" 2>/dev/null || { cat "$WORK/startup-$i.log" >&2; exit 1; }
    sleep 0.01
  done
  t1=$(date +%s%N)
  if [ "$i" -le 3 ]; then
    STARTUP_MS+="${STARTUP_MS:+,}$(( (t1 - t0) / 1000000 ))"
  else
    STARTUP_WARM_MS+="${STARTUP_WARM_MS:+,}$(( (t1 - t0) / 1000000 ))"
  fi
  kill -TERM "$pid"; wait "$pid" || true
done
log "default profile start-up to first request: cold $STARTUP_MS ms, warm $STARTUP_WARM_MS ms"
rm -rf "$WORK/data"

# shellcheck disable=SC2086 # the env and JVM options are word lists on purpose
(cd "$ROOT" && exec env $GATEWAY_ENV JAVA_OPTS="$GATEWAY_JAVA_ENV" taskset -c "$RELAY_CPU" bin/seedstream) \
  > "$WORK/gateway.log" 2>&1 &
GW_PID=$!
STARTED+=("$GW_PID")
# shellcheck disable=SC2086
(cd "$ROOT" && exec env $NOSTORE_ENV JAVA_OPTS="-Xlog:gc:file=$OUT/gateway-nostore-gc.log:time,uptime" \
  taskset -c "$RELAY_CPU" bin/seedstream) > "$WORK/gateway-nostore.log" 2>&1 &
NOSTORE_PID=$!
STARTED+=("$NOSTORE_PID")
# shellcheck disable=SC2086
(cd "$ROOT" && exec env $TUNED_ENV taskset -c "$RELAY_CPU" java $GATEWAY_JAVA_OPTS \
  "-Xlog:gc:file=$OUT/gateway-tuned-gc.log:time,uptime" "$GATEWAY_LOGGING" -jar target/seedstream.jar) \
  > "$WORK/gateway-tuned.log" 2>&1 &
TUNED_PID=$!
STARTED+=("$TUNED_PID")

wait_for "http://127.0.0.1:$GW_PORT/healthz" 60
wait_for "http://127.0.0.1:$NOSTORE_PORT/healthz" 60
wait_for "http://127.0.0.1:$TUNED_PORT/healthz" 60
wait_for "http://127.0.0.1:$NGINX_PORT/" 20 || { cat "$WORK/nginx/error.log" >&2; exit 1; }
# Without the pre-touch in its JVM options, the gateway touches its heap in the background once it listens and
# logs "heap warm" when done (HeapWarmup): the load waits for that, as it waited for the pre-touch before, so
# that every scenario meets a heap backed by memory.
if ! grep -q '^-XX:+AlwaysPreTouch' "$ROOT/conf/jvm.options" && [[ "${BENCH_DEFAULT_JAVA_OPTS:-}" != *-XX:+AlwaysPreTouch* ]]; then
  for gateway_log in "$WORK/gateway.log" "$WORK/gateway-nostore.log"; do
    for _ in $(seq 1 1200); do
      grep -q 'heap warm' "$gateway_log" && break
      sleep 0.1
    done
    log "$(basename "$gateway_log" .log): $(grep -o 'heap warm.*' "$gateway_log" || echo 'no heap warm-up logged within 120 s')"
  done
fi
log "nginx pid $NGINX_PID on :$NGINX_PORT, gateways: default $GW_PID on :$GW_PORT, store off $NOSTORE_PID on :$NOSTORE_PORT, tuned $TUNED_PID on :$TUNED_PORT; results go to $OUT"

# shellcheck disable=SC2086
taskset -c "$LOAD_CPU" java $BENCH_JAVA_OPTS "$BENCH_GC_LOG" -jar "$BENCH_DIR/target/seedstream-bench.jar" \
  --mode "$MODE" --out "$OUT" --clock-ticks "$(getconf CLK_TCK)" \
  --upstream-port "$UP_PORT" --nginx-port "$NGINX_PORT" --gateway-port "$GW_PORT" \
  --nginx-pid "$NGINX_PID" --gateway-pid "$GW_PID" \
  --nginx-version "$(nginx -v 2>&1 | sed 's/^nginx version: //')" \
  --commit "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  --tuned-port "$TUNED_PORT" --tuned-pid "$TUNED_PID" --nostore-port "$NOSTORE_PORT" --nostore-pid "$NOSTORE_PID" \
  --image-port "$IMAGE_PORT" --image-keystore "$WORK/tls/images.p12" --image-keystore-password benchpass \
  --image-bytes "$IMAGE_BYTES" --startup-ms "$STARTUP_MS" --startup-warm-ms "$STARTUP_WARM_MS" --gateway-label "default:" \
  --layout "$LAYOUT" --gateway-jvm "default and store off: bin/seedstream (conf/jvm.options: $(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$ROOT/conf/jvm.options" | tr '\n' ' ')) JAVA_OPTS=$GATEWAY_JAVA_ENV, default logging; tuned: $GATEWAY_JAVA_OPTS $GATEWAY_LOGGING" \
  --gateway-env "default: $GATEWAY_ENV; store off: $NOSTORE_ENV; tuned: $TUNED_ENV" \
  --label "${BENCH_LABEL:-}" --only "${BENCH_ONLY:-}" --s2-seconds "${BENCH_S2_SECONDS:-}" --s2-reps "${BENCH_S2_REPS:-}" \
  --skip "${BENCH_SKIP:-}" &
BENCH_PID=$!
STARTED+=("$BENCH_PID")
BENCH_STATUS=0
wait "$BENCH_PID" || BENCH_STATUS=$?
# What the default profile's store did over the whole run: images kept, refused past its backlog, failed; and
# how its upstream answers were read (from the network's buffers, or through the HTTP client's heap copy).
curl -s --max-time 5 "http://127.0.0.1:$GW_PORT/metrics" | grep -E '^seedstream_(images_(stored|not_persisted|storing)|store_|upstream_bodies)' \
  > "$OUT/gateway-store-metrics.txt" || true
exit "$BENCH_STATUS"
