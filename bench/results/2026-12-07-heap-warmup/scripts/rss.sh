#!/bin/bash
# rss.sh <dir> <label> [JAVA_OPTS]: start cold (after 15 s idle), wait for first request and heap warm (or 20 s), report heap mapping Rss
ROOT=$1; LABEL=$2; EXTRA=${3:-}
W=/tmp/st/rss-$LABEL; rm -rf $W; mkdir -p $W
ENV="SEEDSTREAM_HOST=127.0.0.1 SEEDSTREAM_UPSTREAM_URL=http://127.0.0.1:18181/v1/images/generations SEEDSTREAM_SIMULATE=false SEEDSTREAM_API_KEY=bench-dummy-key SEEDSTREAM_PORT=28183 SEEDSTREAM_DATA_DIR=$W/data SEEDSTREAM_STORE_ALLOW_PRIVATE=true SEEDSTREAM_DRAIN_MS=0"
sleep 15
t0=$(date +%s%N)
(cd $ROOT && exec env $ENV JAVA_OPTS="$EXTRA -Xlog:gc*,safepoint:file=$W/jvm.log:uptime" taskset -c 1 bin/seedstream) > $W/out.log 2>&1 &
pid=$!
until curl -s -o /dev/null --max-time 1 http://127.0.0.1:28183/healthz; do sleep 0.01; done
echo "$LABEL first request $(( ($(date +%s%N)-t0)/1000000 )) ms"
for i in $(seq 1 300); do grep -q 'heap warm' $W/out.log && break; sleep 0.1; done
grep -o 'heap warm.*' $W/out.log
heap=$(awk '/^[0-9a-f]+-[0-9a-f]+ /{r=$1} /^Size:/{s=$2} /^Rss:/{if (s==1048576) print r, "size", s, "kB rss", $2, "kB"}' /proc/$pid/smaps)
echo "$LABEL heap mapping: $heap; VmRSS $(grep VmRSS /proc/$pid/status | awk '{print $2}') kB; minflt $(awk '{print $10}' /proc/$pid/stat)"
kill -TERM $pid; wait $pid
