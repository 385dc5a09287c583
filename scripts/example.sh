#!/usr/bin/env bash
# Builds policyc and runs it on a bundled example: a policy with data under a directory and
# an input document, then a bundled blueprint system resolved for prod.
# (`policyc check <blueprint-dir>` takes over once it exists.)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

"$repo/scripts/setup.sh"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"${POLICYC_JOBS:-2}" --target policyc

example=$repo/tests/e2e/fixtures
policyc=$repo/build/cli/policyc
set -x
"$policyc" version
"$policyc" eval -d "$example/policy" -i "$example/input.json" data.example.allow
"$policyc" eval --format pretty -d "$example/policy" -i "$example/input.json" data.example.deny
"$policyc" eval --format values -d "$example/policy" -i "$example/input.yaml" data.example.deny
# The blueprint side: the seed's notifications system resolved for prod, and its graph.
"$policyc" resolve "$repo/examples/notifications" --env prod --provenance
"$policyc" graph "$repo/examples/notifications" --format dot
