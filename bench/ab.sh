#!/usr/bin/env bash
# A/B comparison of two server binaries on this machine: RUNS runs of bench/run.sh each, alternated
# (A B A B …) so drift of the machine falls on both alike. For every figure it prints the median over the
# runs of its ratio to that run's own HTTP floor (GET /health/live req/s), for A and for B, and B's change.
#
#   bench/ab.sh A_BINARY B_BINARY        knobs: RUNS=5 DURATION=8s LOGIN_DURATION=10s WRK_ONLY (passed to run.sh)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
A="$1"; B="$2"
RUNS="${RUNS:-5}"
OUT="$HERE/work-ab"; rm -rf "$OUT"; mkdir -p "$OUT"
export DURATION="${DURATION:-8s}" LOGIN_DURATION="${LOGIN_DURATION:-10s}" SKIP_BUILD=1
for i in $(seq 1 "$RUNS"); do
  for side in A B; do
    bin="$A"; [ "$side" = B ] && bin="$B"
    echo "run $i $side" >&2
    GATEHOUSE_BENCH_BIN="$bin" bash "$HERE/run.sh" > "$OUT/$side-$i.txt" 2>"$OUT/$side-$i.err"
  done
done
python3 - "$OUT" "$RUNS" <<'PY'
import re, statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
def figures(path):
    rows = {}
    for line in open(path):
        m = re.match(r"\|\s*(\S[^|]*?)\s*\|\s*([0-9.]+)\s*\|", line)
        if m:
            rows[m.group(1)] = float(m.group(2))
    return rows
ratios = {"A": {}, "B": {}}
for side in "AB":
    for i in range(1, runs + 1):
        rows = figures(f"{out}/{side}-{i}.txt")
        floor = rows.get("health /health/live")
        for name, value in rows.items():
            ratios[side].setdefault(name, []).append(value / floor)
absolute = {s: {} for s in "AB"}
for side in "AB":
    for i in range(1, runs + 1):
        for name, value in figures(f"{out}/{side}-{i}.txt").items():
            absolute[side].setdefault(name, []).append(value)
print(f"| figure (median of {runs} runs) | A ratio to floor | B ratio to floor | B vs A | A median | B median | B vs A |")
print("|---|---|---|---|---|---|---|")
for name in ratios["A"]:
    a = statistics.median(ratios["A"][name]); b = statistics.median(ratios["B"].get(name, [0]))
    x = statistics.median(absolute["A"][name]); y = statistics.median(absolute["B"].get(name, [0]))
    print(f"| {name} | {a:.4f} | {b:.4f} | {100 * (b / a - 1):+.1f}% | {x:.1f} | {y:.1f} | {100 * (y / x - 1):+.1f}% |")
floors = {s: statistics.median(figures(f"{out}/{s}-{i}.txt")["health /health/live"] for i in range(1, runs + 1)) for s in "AB"}
print(f"\nmedian /health/live req/s: A {floors['A']:.0f}, B {floors['B']:.0f}")
PY
