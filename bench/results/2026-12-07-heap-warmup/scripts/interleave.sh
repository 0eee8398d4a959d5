#!/bin/bash
# Interleaved start-up to first request served, as bench/run.sh measures it: for each round, every variant once
# after 15 s with no gateway running (cold), then every variant once straight after a stop (warm).
# usage: interleave.sh <rounds> <label>=<dir>[:<JAVA_OPTS>] ...
set -u
ROUNDS=$1; shift
PORT=28183
W=/tmp/st/il; rm -rf $W; mkdir -p $W
ENV="SEEDSTREAM_HOST=127.0.0.1 SEEDSTREAM_UPSTREAM_URL=http://127.0.0.1:18181/v1/images/generations SEEDSTREAM_SIMULATE=false SEEDSTREAM_API_KEY=bench-dummy-key SEEDSTREAM_RETENTION_MS=5000 SEEDSTREAM_DRAIN_MS=0 SEEDSTREAM_PORT=$PORT SEEDSTREAM_DATA_DIR=$W/data SEEDSTREAM_STORE_ALLOW_PRIVATE=true"
one() { # label dir opts kind
  while curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/healthz"; do sleep 1; done
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  local t0; t0=$(date +%s%N)
  (cd "$2" && exec env $ENV JAVA_OPTS="$3" taskset -c 1 bin/seedstream) > "$W/$1-$4-$r.log" 2>&1 &
  local pid=$!
  until curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/healthz"; do
    kill -0 "$pid" 2>/dev/null || { echo "$1 died"; cat "$W/$1-$4-$r.log"; return; }
    sleep 0.01
  done
  local t1; t1=$(date +%s%N)
  local ms=$(( (t1 - t0) / 1000000 ))
  grep -q "listening on" "$W/$1-$4-$r.log" || ms="$ms?"
  echo "$r $4 $1 $ms load1=$load"
  kill -TERM "$pid"; wait "$pid"
}
for r in $(seq 1 "$ROUNDS"); do
  for v in "$@"; do
    label=${v%%=*}; rest=${v#*=}; dir=${rest%%:*}; opts=""; [[ "$rest" == *:* ]] && opts=${rest#*:}
    sleep 15; one "$label" "$dir" "$opts" cold
    one "$label" "$dir" "$opts" warm
  done
done
