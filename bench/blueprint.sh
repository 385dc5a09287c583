#!/usr/bin/env bash
# Whole-process benchmarks of the blueprint side: `policyc resolve` and `policyc check` (stock
# packs) on a generated N-service system for one environment, and `policyc check` of the
# largest bundled example (examples/ecommerce) for all its environments. Each is run 5 times;
# prints the median wall time and peak RSS.
# usage: bench/blueprint.sh [SERVICES] [POLICYC]   (defaults: 10000, build/cli/policyc)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
services=${1:-10000}
policyc=${2:-$repo/build/cli/policyc}
runs=5

if [[ ! -x $policyc ]]; then
  echo "policyc not found at $policyc (build first: scripts/test.sh or cmake --build build)" >&2
  exit 2
fi
if [[ ! -x /usr/bin/time ]]; then
  echo "/usr/bin/time is needed (apt-get install time)" >&2
  exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$repo/bench/blueprint/generate_system.py" "$tmp/system" --services "$services" >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "system:  $services services, $(find "$tmp/system" -type f | wc -l) files, $(du -sh "$tmp/system" | cut -f1)"

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# measure NAME -- command...: exit codes 0 and 1 (findings) both count as a run.
measure() {
  local name=$1
  shift 2
  "$@" >/dev/null 2>&1 || [[ $? -eq 1 ]] # warm the page cache
  for i in $(seq 1 $runs); do
    /usr/bin/time -f "%e %M" -o "$tmp/time.$i" "$@" >/dev/null 2>&1 || [[ $? -eq 1 ]]
  done
  # /usr/bin/time puts "Command exited with non-zero status 1" before its own line.
  local wall rss
  wall=$(tail -qn1 "$tmp"/time.* | cut -d' ' -f1 | median)
  rss=$(tail -qn1 "$tmp"/time.* | cut -d' ' -f2 | median)
  printf '%-40s median %6s s, peak %5d MB  (runs: %s)\n' "$name" "$wall" $((rss / 1024)) \
    "$(tail -qn1 "$tmp"/time.* | cut -d' ' -f1 | sort -n | tr '\n' ' ')"
}

measure "resolve $services services, prod" -- "$policyc" resolve "$tmp/system" --env prod --format json
measure "check $services services, prod" -- "$policyc" check "$tmp/system" --env prod --format json
measure "check examples/ecommerce, all envs" -- "$policyc" check "$repo/examples/ecommerce" --format json
