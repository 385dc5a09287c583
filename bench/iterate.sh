#!/usr/bin/env bash
# Whole-process benchmark of the shared iterate workload (../shared/bench): generates the
# input, runs `policyc eval` 21 times (RUNS=N to change), reports the median wall time and
# peak RSS.
# usage: bench/iterate.sh [ITEMS] [POLICYC]   (defaults: 100000, build/cli/policyc)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
items=${1:-100000}
policyc=${2:-$repo/build/cli/policyc}
workload=$repo/../shared/bench
runs=${RUNS:-21}

if [[ ! -x $policyc ]]; then
  echo "policyc not found at $policyc (build first: scripts/test.sh or cmake --build build)" >&2
  exit 2
fi
if [[ ! -f $workload/iterate.rego ]]; then
  echo "workload not found: $workload/iterate.rego" >&2
  exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$workload/make_items.py" "$items" >"$tmp/items.json"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "input:   $items items, $(du -h "$tmp/items.json" | cut -f1)"
echo "result:  $("$policyc" eval --format values -d "$workload/iterate.rego" -i "$tmp/items.json" data.bench.result)"

echo "run:     $(python3 "$repo/bench/measure.py" "$runs" "$policyc" eval -d "$workload/iterate.rego" \
  -i "$tmp/items.json" data.bench.result)"
