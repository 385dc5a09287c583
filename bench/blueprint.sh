#!/usr/bin/env bash
# Whole-process benchmarks of the blueprint side: `policyc resolve` and `policyc check` (stock
# packs) on a generated N-service system for one environment, and `policyc check` of the
# largest bundled example (examples/ecommerce) for all its environments. Each is run 5 times
# (RUNS=N to change); prints the median wall time and peak RSS.
# usage: bench/blueprint.sh [SERVICES] [POLICYC]   (defaults: 10000, build/cli/policyc)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
services=${1:-10000}
policyc=${2:-$repo/build/cli/policyc}
runs=${RUNS:-5}

if [[ ! -x $policyc ]]; then
  echo "policyc not found at $policyc (build first: scripts/test.sh or cmake --build build)" >&2
  exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$repo/bench/blueprint/generate_system.py" "$tmp/system" --services "$services" >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "system:  $services services, $(find "$tmp/system" -type f | wc -l) files, $(du -sh "$tmp/system" | cut -f1)"

# measure NAME -- command...: bench/measure.py runs it $runs times (after a warm-up that
# fills the page cache) and counts exit codes 0 and 1 (findings) as runs.
measure() {
  local name=$1
  shift 2
  printf '%-40s %s\n' "$name" "$(python3 "$repo/bench/measure.py" "$runs" "$@")"
}

measure "resolve $services services, prod" -- "$policyc" resolve "$tmp/system" --env prod --format json
measure "check $services services, prod" -- "$policyc" check "$tmp/system" --env prod --format json
measure "check examples/ecommerce, all envs" -- "$policyc" check "$repo/examples/ecommerce" --format json
