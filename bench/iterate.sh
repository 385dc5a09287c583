#!/usr/bin/env bash
# Whole-process benchmark of the shared iterate workload (../shared/bench): generates the
# input, runs `policyc eval` 5 times, reports the median wall time and peak RSS.
# usage: bench/iterate.sh [ITEMS] [POLICYC]   (defaults: 100000, build/cli/policyc)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
items=${1:-100000}
policyc=${2:-$repo/build/cli/policyc}
workload=$repo/../shared/bench
runs=5

if [[ ! -x $policyc ]]; then
  echo "policyc not found at $policyc (build first: scripts/test.sh or cmake --build build)" >&2
  exit 2
fi
if [[ ! -f $workload/iterate.rego ]]; then
  echo "workload not found: $workload/iterate.rego" >&2
  exit 2
fi
if [[ ! -x /usr/bin/time ]]; then
  echo "/usr/bin/time is needed (apt-get install time)" >&2
  exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$workload/make_items.py" "$items" >"$tmp/items.json"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "input:   $items items, $(du -h "$tmp/items.json" | cut -f1)"
echo "result:  $("$policyc" eval --format values -d "$workload/iterate.rego" -i "$tmp/items.json" data.bench.result)"

for i in $(seq 1 $runs); do
  /usr/bin/time -f "%e %M" -o "$tmp/time.$i" \
    "$policyc" eval -d "$workload/iterate.rego" -i "$tmp/items.json" data.bench.result >/dev/null
done
# Each time file: "<wall seconds> <peak RSS KiB>". Medians without gawk-only functions.
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
wall=$(cat "$tmp"/time.* | cut -d' ' -f1 | median)
rss_kib=$(cat "$tmp"/time.* | cut -d' ' -f2 | median)
echo "wall:    median $wall s over $runs runs ($(cat "$tmp"/time.* | cut -d' ' -f1 | sort -n | tr '\n' ' '))"
echo "rss:     median peak $((rss_kib / 1024)) MB"
