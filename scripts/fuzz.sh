#!/usr/bin/env bash
# Builds one fuzz target with clang (libFuzzer, AddressSanitizer, UndefinedBehaviorSanitizer)
# in build-fuzz/ and runs it for SECONDS.
#
#   scripts/fuzz.sh TARGET [SECONDS]     TARGET: json yaml rego blueprint eval
#
# The run starts from the target's regression inputs (tests/fuzz/regressions/TARGET), the
# repository's own test material and, when it sits beside the repository, ../shared/corpus.
# New inputs go to build-fuzz/corpus/TARGET; a crash, hang or sanitizer report is written to
# build-fuzz/findings/TARGET/ (copy it into tests/fuzz/regressions/TARGET/ once fixed: ctest
# replays that directory in every build). Exit status: 0 clean, 1 a finding, 2 usage.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
target=${1:-}
seconds=${2:-60}
case $target in
  json | yaml | rego | blueprint | eval) ;;
  *)
    echo "usage: scripts/fuzz.sh json|yaml|rego|blueprint|eval [SECONDS]" >&2
    exit 2
    ;;
esac
if ! command -v clang++ >/dev/null; then
  echo "fuzz.sh: needs clang++ with libFuzzer (Debian: apt-get install clang)" >&2
  exit 2
fi
jobs=${POLICYC_JOBS:-2}
build=${POLICYC_FUZZ_BUILD:-build-fuzz}

cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPOLICYC_FUZZ=ON -DPOLICYC_WERROR=OFF -DPOLICYC_BENCH=OFF \
  >/dev/null
cmake --build "$build" -j"$jobs" --target "fuzz_$target" >/dev/null

corpus=$build/corpus/$target
findings=$build/findings/$target
mkdir -p "$corpus" "$findings"
if [[ -z $(ls -A "$corpus") ]]; then
  python3 "$repo/tests/fuzz/seed_corpus.py" "$target" "$corpus" "$repo" "$repo/../shared/corpus"
fi

options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=3072 -print_final_stats=1
  -artifact_prefix="$findings/")
[[ $target == eval ]] && options+=(-max_len=16)
[[ $target == json || $target == yaml ]] && options+=(-max_len=8192)
[[ $target == rego || $target == blueprint ]] && options+=(-max_len=16384)
status=0
"$build/tests/fuzz/fuzz_$target" "${options[@]}" "$corpus" "tests/fuzz/regressions/$target" ||
  status=$?
if [[ $status -ne 0 ]]; then
  echo "fuzz.sh: fuzz_$target found a problem; inputs in $findings" >&2
  exit 1
fi
