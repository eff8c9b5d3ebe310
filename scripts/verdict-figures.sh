#!/usr/bin/env bash
# The real-run figures of the verdicts issue (docs/STATISTICS.md, section 7), on this machine:
#   1. A/A: a quickstart baseline, then N gated quickstart runs of the same code, each its own process;
#   2. a known slowdown: a baseline of the MLP, then N gated runs of the 10%-slower MLP under the same cell names;
#   3. the same pair as an A/B inside one run (suites/slowdown.yaml), N runs;
#   4. a gated quickstart while two processes burn the CPU.
# Usage: scripts/verdict-figures.sh [N=10] [OUT=/tmp/bench-verdicts]   (about 15 minutes at N=10)
set -u
N=${1:-10}
OUT=${2:-/tmp/bench-verdicts}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH="$ROOT/bin/bench"
rm -rf "$OUT" && mkdir -p "$OUT/suites"
cd "$OUT"
run() { local t0=$SECONDS; "$BENCH" "$@" > last.out 2> last.err; local code=$?; echo "$code $((SECONDS - t0))"; }

echo "## 1. A/A quickstart, $N gated runs" | tee summary.txt
echo "baseline run: $(run run "$ROOT/suites/quickstart.yaml" --db aa.db --baselines bl -q)" | tee -a summary.txt
"$BENCH" baseline save latest --name aa --db aa.db --baselines bl > /dev/null
for i in $(seq 1 "$N"); do
  r=$(run run "$ROOT/suites/quickstart.yaml" --db aa.db --baselines bl -q --baseline aa --summary "aa-$i.md")
  echo "aa $i: exit/seconds $r: $(head -1 "aa-$i.md")" | tee -a summary.txt
done

echo "## 2. Known slowdown across runs, $N gated runs" | tee -a summary.txt
for m in fp32 wide-fp32; do
  cat > "suites/pair-$m.yaml" <<YAML
name: pair
targets:
  mlp: { kind: onnx, variants: { v: $ROOT/suites/models/mlp-$m.onnx } }
matrix: { batch: [1, 8], providers: [cpu], threads: [1] }
measure: { warmupIterations: 20, minTimeMs: 2000, maxTimeMs: 4000 }
regression: { threshold: 0.03, metrics: [p50, mean, throughput] }
environment: { models: ignore }
YAML
done
echo "baseline run: $(run run suites/pair-fp32.yaml --db pair.db --baselines bl -q)" | tee -a summary.txt
"$BENCH" baseline save latest --name base --db pair.db --baselines bl > /dev/null
for i in $(seq 1 "$N"); do
  r=$(run run suites/pair-wide-fp32.yaml --db pair.db --baselines bl -q --baseline base --summary "slow-$i.md")
  echo "slow $i: exit/seconds $r: $(head -1 "slow-$i.md")" | tee -a summary.txt
done

echo "## 3. The pair as an A/B inside one run, $N runs" | tee -a summary.txt
for i in $(seq 1 "$N"); do
  r=$(run run "$ROOT/suites/slowdown.yaml" --db ab.db -q --fail-on-regression --json)
  cp last.out "ab-$i.json"
  echo "ab $i: exit/seconds $r: $(node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(d.comparisons[0].comparisons.filter(c=>c.metric==="p50").map(c=>`${c.cell} ${(c.change*100).toFixed(1)}% [${(c.ci[0]*100).toFixed(1)}, ${(c.ci[1]*100).toFixed(1)}] ${c.verdict}`).join("; "))' "ab-$i.json")" | tee -a summary.txt
done

echo "## 4. Gated quickstart under two CPU burners" | tee -a summary.txt
for b in 1 2; do (timeout 300 sh -c 'while :; do :; done' &) ; done
r=$(run run "$ROOT/suites/quickstart.yaml" --db aa.db --baselines bl -q --baseline aa --summary burn.md)
pkill -f "while :; do :; done"
echo "burn: exit/seconds $r: $(head -1 burn.md)" | tee -a summary.txt
