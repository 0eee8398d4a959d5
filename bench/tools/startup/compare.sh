#!/usr/bin/env bash
# Start-up to the first request served, compared between builds or JVM options, the starts alternated so that a
# machine whose speed drifts (these virtual machines' does, by a third within minutes) weighs on every variant alike.
#
#   bench/tools/startup/compare.sh ROUNDS 'label|checkout dir|extra JAVA_OPTS' ['label|dir|opts' ...]
#   e.g. bench/tools/startup/compare.sh 9 'before|/tmp/old-checkout|' 'after|.|' 'after, scale 1|.|-XX:CompileThresholdScaling=1'
#
# Each checkout must be built (mvn -q -DskipTests package) where it is: the class-data archive names the jar's path.
# Each start is `bin/seedstream` pinned to one core (BENCH_CPU, default 1) with the bench's settings (a dummy key,
# an upstream nobody answers on loopback, the store on in a fresh folder), timed from the launcher's start to the
# first answered GET /healthz; the gateway's CPU time (user + system, all threads) at that moment is read from
# /proc. Prints each variant's starts and their medians. Loopback only; port BENCH_PORT (default 18199).
set -euo pipefail
ROUNDS=$1; shift
CPU=${BENCH_CPU:-1}
PORT=${BENCH_PORT:-18199}
DATA=$(mktemp -d)
trap 'rm -rf "$DATA"' EXIT
declare -A WALL CPUTIME

one_start() { # dir, options -> "wall_ms cpu_ms"
  local dir=$1 opts=$2 pid t0 t1 ticks
  rm -rf "$DATA/store"
  t0=$(date +%s%N)
  (cd "$dir" && exec env SEEDSTREAM_HOST=127.0.0.1 SEEDSTREAM_PORT="$PORT" SEEDSTREAM_DATA_DIR="$DATA/store" \
    SEEDSTREAM_UPSTREAM_URL=http://127.0.0.1:9/v1/images/generations SEEDSTREAM_SIMULATE=false \
    SEEDSTREAM_API_KEY=bench-dummy-key SEEDSTREAM_STORE_ALLOW_PRIVATE=true JAVA_OPTS="$opts" \
    taskset -c "$CPU" bin/seedstream) > "$DATA/gateway.log" 2>&1 &
  pid=$!
  until curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/healthz"; do
    kill -0 "$pid" 2>/dev/null || { cat "$DATA/gateway.log" >&2; exit 1; }
    sleep 0.01
  done
  t1=$(date +%s%N)
  ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  kill -TERM "$pid"; wait "$pid" || true
  echo "$(( (t1 - t0) / 1000000 )) $(( ticks * 1000 / $(getconf CLK_TCK) ))"
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

for _ in $(seq "$ROUNDS"); do
  for variant in "$@"; do
    IFS='|' read -r label dir opts <<< "$variant"
    result=$(one_start "$dir" "$opts")
    read -r wall cpu <<< "$result"
    WALL[$label]+="$wall "
    CPUTIME[$label]+="$cpu "
  done
done
for variant in "$@"; do
  IFS='|' read -r label _ _ <<< "$variant"
  # shellcheck disable=SC2086 # word lists on purpose
  echo "$label: median $(median ${WALL[$label]}) ms to the first request, $(median ${CPUTIME[$label]}) ms of CPU (starts: ${WALL[$label]% })"
done
