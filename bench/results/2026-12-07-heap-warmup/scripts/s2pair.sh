#!/bin/bash
# before (base commit, pre-touch at start), after (this branch), none (base without pre-touch), back to back, S2 only, short
cd /work/wt-start
export BENCH_UPSTREAM_PORT=28081 BENCH_NGINX_PORT=28082 BENCH_GATEWAY_PORT=28083 BENCH_TUNED_PORT=28084 BENCH_NOSTORE_PORT=28085 BENCH_IMAGE_PORT=28086
export BENCH_ONLY=S2 BENCH_SKIP=tuned_v1,tuned_api,nostore_api,seedstream_v1 BENCH_S2_SECONDS=15 BENCH_S2_REPS=2
for variant in ${PAIR:-before after}; do
  echo "=== $variant $(date +%T) load $(cat /proc/loadavg)"
  extra=""
  case "$variant" in
    before*) dir=/tmp/st/base ;;
    none*) dir=/tmp/st/base; extra=-XX:-AlwaysPreTouch ;;
    *) dir=/work/wt-start ;;
  esac
  BENCH_DEFAULT_JAVA_OPTS="$extra -Xlog:safepoint:file=/tmp/st/safepoint-$variant.log:uptime" BENCH_GATEWAY_DIR=$dir BENCH_LABEL="$variant: heap warm-up comparison" BENCH_OUT=/tmp/st/s2-$variant bench/run.sh --profiles
  echo "=== $variant done $(date +%T) rc=$? load $(cat /proc/loadavg)"
done
