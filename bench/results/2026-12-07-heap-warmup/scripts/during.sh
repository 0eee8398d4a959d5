#!/bin/bash
# during.sh <dir> <label> [JAVA_OPTS]: cold start, then requests at once, while the heap warms up
ROOT=$1; LABEL=$2; EXTRA=${3:-}
W=/tmp/st/during-$LABEL; rm -rf $W; mkdir -p $W
ENV="SEEDSTREAM_HOST=127.0.0.1 SEEDSTREAM_UPSTREAM_URL=http://127.0.0.1:18181/v1/images/generations SEEDSTREAM_SIMULATE=false SEEDSTREAM_API_KEY=bench-dummy-key SEEDSTREAM_PORT=28183 SEEDSTREAM_DATA_DIR=$W/data SEEDSTREAM_STORE_ALLOW_PRIVATE=true SEEDSTREAM_DRAIN_MS=0"
sleep 15
(cd $ROOT && exec env $ENV JAVA_OPTS="$EXTRA -Xlog:gc,safepoint:file=$W/jvm.log:uptime" taskset -c 1 bin/seedstream) > $W/out.log 2>&1 &
pid=$!
until curl -s -o /dev/null --max-time 1 http://127.0.0.1:28183/healthz; do sleep 0.01; done
# 4 sequential keep-alive clients, 3000 requests each, on the other core
for c in 1 2 3 4; do
  taskset -c 0 curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:28183/api/models?c=$c&n=[1-8000]" > $W/lat-$c.txt &
done
wait %2 %3 %4 %5 2>/dev/null; sleep 0.5
for i in $(seq 1 300); do grep -q 'heap warm' $W/out.log && break; sleep 0.1; done
grep -o 'heap warm.*' $W/out.log
cat $W/lat-*.txt | sort -n | awk '{a[NR]=$1} END{printf "requests %d p50 %.1f p99 %.1f p99.9 %.1f max %.1f ms\n", NR, a[int(NR*0.5)]*1000, a[int(NR*0.99)]*1000, a[int(NR*0.999)]*1000, a[NR]*1000}'
grep -E 'Reaching safepoint: [0-9]{7,}' $W/jvm.log | sed 's/.*Safepoint "\([A-Za-z]*\)".*Reaching safepoint: \([0-9]*\) ns.*Total: \([0-9]*\) ns/\1 reach \2 total \3/' | awk '{printf "%s reach %.1f ms total %.1f ms\n", $1, $3/1e6, $5/1e6}' | sort -k3 -n -r | head -5
python3 /tmp/st/gcstats.py $W/jvm.log
kill -TERM $pid; wait $pid
