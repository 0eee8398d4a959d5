import re, sys
# young/full pause percentiles from a -Xlog:gc log: gcstats.py <log> [from-uptime-s]
start = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
young, full = [], []
for line in open(sys.argv[1]):
    m = re.search(r'\[(\d+\.\d+)s\].*Pause (Young|Full).* (\d+\.\d+)ms', line)
    if not m or float(m.group(1)) < start:
        continue
    (young if m.group(2) == 'Young' else full).append(float(m.group(3)))
def pct(v, p):
    v = sorted(v); return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))] if v else float('nan')
print(f"young: n={len(young)} p50={pct(young,50):.1f} p90={pct(young,90):.1f} p99={pct(young,99):.1f} max={max(young) if young else 0:.1f} ms; full: n={len(full)} {['%.1f' % f for f in full]}")
