#!/usr/bin/env bash
# CI entry point: dependencies, a Release build with every test suite, then an
# AddressSanitizer + UndefinedBehaviorSanitizer build running the unit, conformance (the
# corpora included), Gatekeeper, e2e and fuzz-replay tests, a ThreadSanitizer build running
# the concurrent ones, and a short run of each fuzz target. Set POLICYC_SKIP_SANITIZE=1 to
# skip the sanitizer passes, POLICYC_SKIP_FUZZ=1 to skip the fuzz runs, and
# POLICYC_FUZZ_SECONDS to change their length (10 s per target).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
jobs=${POLICYC_JOBS:-2}

"$repo/scripts/setup.sh"

echo "== Release build (build/)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$jobs"
echo "== Release tests"
ctest --test-dir build --output-on-failure -j"$jobs"

if [[ ${POLICYC_SKIP_SANITIZE:-0} == 1 ]]; then
  echo "== sanitizer passes skipped (POLICYC_SKIP_SANITIZE=1)"
  exit 0
fi

# Sanitizer pass: only what the tests need, to stay within the CI time budget on 2 cores.
echo "== ASan+UBSan build (build-asan/)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPOLICYC_SANITIZE=ON \
  -DPOLICYC_BENCH=OFF
cmake --build build-asan -j"$jobs" --target policyc_unit_tests policyc_conformance policyc \
  policyc_differential policyc_gatekeeper fuzz_json fuzz_yaml fuzz_rego fuzz_blueprint fuzz_eval
echo "== ASan+UBSan tests"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir build-asan --output-on-failure -j"$jobs" \
  -R '^(unit|conformance|gatekeeper|e2e|differential|fuzz)\.'

# ThreadSanitizer pass: the tests that run threads (loaders, two evaluators sharing frozen
# values, the threaded JSON reader and writer, checks run one after another), and `policyc
# check` of every example. g++ 12 warns falsely under -fsanitize=thread, hence no -Werror.
echo "== TSan build (build-tsan/)"
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPOLICYC_TSAN=ON \
  -DPOLICYC_WERROR=OFF -DPOLICYC_BENCH=OFF
cmake --build build-tsan -j"$jobs" --target policyc_unit_tests policyc
echo "== TSan tests"
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
ctest --test-dir build-tsan --output-on-failure -j"$jobs" \
  -R '^unit\.(CheckParallel|CheckMemory|SharedRules|FrozenValues|TaskPool|BlockYaml|Blueprint|JsonTest\.Parallel|Json.*Parallel)'
# The examples are small and checked by one evaluator; a generated 300-service system takes
# the loader threads, two evaluators over a frozen input and the shared rule values.
python3 bench/blueprint/generate_system.py build-tsan/system300 --services 300 >/dev/null
for system in examples/*/ build-tsan/system300; do
  [[ $system == examples/broken/ ]] && continue
  status=0
  build-tsan/cli/policyc check "$system" --format json >/dev/null || status=$?
  if [[ $status -gt 1 ]]; then
    echo "TSan: policyc check $system exited $status" >&2
    exit 1
  fi
done

# Fuzz smoke: each libFuzzer target for a few seconds from its regression inputs and the
# test material (scripts/fuzz.sh; a finding fails the run).
if [[ ${POLICYC_SKIP_FUZZ:-0} != 1 ]] && command -v clang++ >/dev/null; then
  fuzz_log=$(mktemp)
  for target in json yaml rego blueprint eval; do
    echo "== fuzz $target (${POLICYC_FUZZ_SECONDS:-10} s)"
    status=0
    "$repo/scripts/fuzz.sh" "$target" "${POLICYC_FUZZ_SECONDS:-10}" >"$fuzz_log" 2>&1 || status=$?
    grep -E "DONE|seed_corpus" "$fuzz_log" || true
    if [[ $status -ne 0 ]]; then
      tail -60 "$fuzz_log"
      exit 1
    fi
  done
  rm -f "$fuzz_log"
fi
echo "== all tests passed"
