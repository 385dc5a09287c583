#!/usr/bin/env bash
# `policyc resolve` and `policyc graph` as a user runs them on the bundled examples:
# byte-identical resolved documents, exit codes, and for each broken blueprint the exact
# first error line (file:line:col: code: message) from examples/broken/*/expected-error.txt.
# usage: blueprint_cli_test.sh <policyc binary> <examples dir>
set -u
policyc=$1
examples=$2
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

for system in "$examples"/*/; do
  [[ -d $system/expected ]] || continue
  for expected in "$system"/expected/*.json; do
    env=$(basename "$expected" .json)
    if ! out=$("$policyc" resolve "$system" --env "$env" --format json); then
      fail "resolve $system --env $env exited $?"
      continue
    fi
    if ! diff -q <(printf '%s\n' "$out") "$expected" >/dev/null; then
      fail "resolve $system --env $env differs from $expected"
      diff <(printf '%s\n' "$out") "$expected" | head -10 | sed 's/^/  | /'
    fi
    # Same inputs, same bytes.
    again=$("$policyc" resolve "$system" --env "$env" --format json)
    [[ $again == "$out" ]] || fail "resolve $system --env $env is not deterministic"
  done
  "$policyc" graph "$system" --format dot >/dev/null || fail "graph $system exited $?"
  "$policyc" resolve "$system" --env prod --provenance >/dev/null || fail "resolve --provenance $system exited $?"
done

for dir in "$examples"/broken/*/; do
  dir=${dir%/}
  [[ -f $dir/expected-error.txt ]] || continue
  env=dev
  [[ -f $dir/environment ]] && env=$(tr -d '[:space:]' <"$dir/environment")
  code=$(sed -n 's/^code: //p' "$dir/expected-error.txt")
  location=$(sed -n 's/^location: //p' "$dir/expected-error.txt")
  message=$(sed -n 's/^message: //p' "$dir/expected-error.txt")
  output=$("$policyc" resolve "$dir" --env "$env" 2>&1 >/dev/null)
  status=$?
  first=$(printf '%s\n' "$output" | head -1)
  want="$dir/$location: $code: $message"
  if [[ $status -ne 2 ]]; then
    fail "$(basename "$dir"): exit $status, expected 2"
  elif [[ $first != "$want" ]]; then
    fail "$(basename "$dir"): got '$first', expected '$want'"
  fi
done

if [[ $failures -ne 0 ]]; then
  echo "$failures blueprint CLI check(s) failed"
  exit 1
fi
echo "blueprint CLI checks passed"
