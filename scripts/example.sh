#!/usr/bin/env bash
# Builds policyc and runs its main job on the bundled examples: `policyc check` with the
# stock policy packs, first on the e-commerce system (prod; it has findings, so exit 1),
# then on the seed's notifications system (every environment; clean, exit 0).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

"$repo/scripts/setup.sh"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"${POLICYC_JOBS:-2}" --target policyc

policyc=$repo/build/cli/policyc
"$policyc" version
echo "+ policyc check examples/ecommerce --env prod"
status=0
"$policyc" check examples/ecommerce --env prod || status=$?
if [[ $status -ne 1 ]]; then
  echo "example.sh: expected exit 1 (policy violations) from the e-commerce system, got $status" >&2
  exit 1
fi
echo "(exit 1: policy violations, as expected for this system)"
echo
echo "+ policyc check examples/notifications"
"$policyc" check examples/notifications
