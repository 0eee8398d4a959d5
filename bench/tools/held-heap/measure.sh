#!/bin/bash
# Live heap per held /api stream, class by class: starts the gateway of <gateway dir> (bin/seedstream, its
# conf/jvm.options, plus -XX:+AlwaysPreTouch so that the heap warm-up is done before the first histogram, and
# -XX:MarkSweepDeadRatio=0 so that a full collection leaves no dead objects in place) pinned to CPU 1, takes
# `jmap -histo:live`, holds N streams with hold.py on CPU 0, takes it again, and prints the difference per
# stream, largest first. Loopback only; ports 18093 (gateway) and 18094 (head-only upstream).
#   bench/tools/held-heap/measure.sh <gateway dir> <output dir> [N=2000]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DIR=$(cd "$1" && pwd); OUT=$2; N=${3:-2000}
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
ulimit -n 20000
rm -rf "$OUT/data" "$OUT/ready"
(cd "$DIR" && exec env SEEDSTREAM_HOST=127.0.0.1 SEEDSTREAM_PORT=18093 \
  SEEDSTREAM_UPSTREAM_URL=http://127.0.0.1:18094/v1/images/generations SEEDSTREAM_SIMULATE=false \
  SEEDSTREAM_API_KEY=bench-dummy-key SEEDSTREAM_MAX_ACTIVE_JOBS=20000 SEEDSTREAM_MAX_JOBS_PER_CLIENT=20000 \
  SEEDSTREAM_IMAGES_PER_MINUTE_PER_CLIENT=1000000 SEEDSTREAM_MAX_LISTENERS=20000 SEEDSTREAM_MAX_LISTENERS_PER_CLIENT=20000 \
  SEEDSTREAM_DATA_DIR="$OUT/data" SEEDSTREAM_DRAIN_MS=0 JAVA_OPTS="-XX:+AlwaysPreTouch -XX:MarkSweepDeadRatio=0" \
  taskset -c 1 bin/seedstream) > "$OUT/gateway.log" 2>&1 &
# Each step of the chain execs the next (subshell, env, taskset, the launcher), so this is the JVM's pid.
GATEWAY=$!
HOLDER=""
trap 'kill $HOLDER $GATEWAY 2>/dev/null || true; wait $GATEWAY 2>/dev/null || true' EXIT
until curl -s -o /dev/null --max-time 1 http://127.0.0.1:18093/healthz; do sleep 0.1; done
sleep 3
jmap -histo:live "$GATEWAY" > "$OUT/before.txt"
taskset -c 0 python3 "$HERE/hold.py" "$N" 18093 18094 "$OUT/ready" > "$OUT/hold.log" 2>&1 &
HOLDER=$!
until [ -f "$OUT/ready" ]; do
  sleep 0.5
  kill -0 "$HOLDER" 2>/dev/null || { echo "the holder stopped:" >&2; cat "$OUT/hold.log" >&2; exit 1; }
done
sleep 2
jmap -histo:live "$GATEWAY" > "$OUT/after.txt"
python3 - "$OUT" "$N" <<'PY' | tee "$OUT/per-stream.txt"
import re, sys
out, n = sys.argv[1], int(sys.argv[2])
def load(f):
    d = {}
    for line in open(f):
        m = re.match(r'\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)', line)
        if m:
            d[m.group(3)] = (int(m.group(1)), int(m.group(2)))
    return d
b, a = load(out + '/before.txt'), load(out + '/after.txt')
rows = sorted(((a.get(k, (0, 0))[1] - b.get(k, (0, 0))[1], a.get(k, (0, 0))[0] - b.get(k, (0, 0))[0], k)
               for k in set(a) | set(b)), reverse=True)
print("total per stream (less int[]): %.2f KiB" % (sum(r[0] for r in rows if r[2] != '[I') / n / 1024))
for size, count, name in rows[:45]:
    print("%8.1f B %6.2f/stream  %s" % (size / n, count / n, name))
PY
