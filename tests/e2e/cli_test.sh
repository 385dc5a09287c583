#!/usr/bin/env bash
# End-to-end checks of `policyc` exit codes and output shapes.
# usage: cli_test.sh <policyc binary> <fixtures dir> [false-values]
# With `false-values`, only checks that a query whose value is `false` is still a result
# (OPA captures the value of term queries), which the evaluator does not do yet.
set -u
policyc=$1
fixtures=$2
section=${3:-main}
failures=0
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

# run <expected exit> <args...>: runs policyc, keeps stdout/stderr, checks the exit code.
run() {
  local want=$1
  shift
  "$policyc" "$@" >"$out" 2>"$err"
  local got=$?
  if [[ $got -ne $want ]]; then
    echo "FAIL: policyc $* exited $got, expected $want"
    sed 's/^/  stdout: /' "$out" | head -20
    sed 's/^/  stderr: /' "$err" | head -20
    failures=$((failures + 1))
    return 1
  fi
  return 0
}

# expect <file> <fixed string>: the last run's stdout or stderr contains the string.
expect() {
  if ! grep -qF -- "$2" "$1"; then
    echo "FAIL: expected '$2' in output of the last command"
    sed 's/^/  | /' "$1" | head -30
    failures=$((failures + 1))
  fi
}

if [[ $section == false-values ]]; then
  run 0 eval -d "$fixtures/policy" -i "$fixtures/input.yaml" --format values data.example.allow &&
    expect "$out" "false"
  run 0 eval --fail -d "$fixtures/policy" data.example.allow
  run 1 eval --fail-defined -d "$fixtures/policy" data.example.allow
  if [[ $failures -ne 0 ]]; then exit 1; fi
  echo "all false-value checks passed"
  exit 0
fi

run 0 version && expect "$out" "policyc "

# JSON output in OPA's shape.
if run 0 eval -d "$fixtures/policy" -i "$fixtures/input.json" data.example.allow; then
  expect "$out" '"result": ['
  expect "$out" '"expressions": ['
  expect "$out" '"value": true'
  expect "$out" '"text": "data.example.allow"'
  expect "$out" '"row": 1'
fi

# Options after the query, and repeated -d (a directory given to -d is the data root).
run 0 eval -d "$fixtures/policy/example.rego" -d "$fixtures/policy/config" data.region \
  --format values && expect "$out" '"westeurope"'

# Data files land under data at their directory path.
if run 0 eval -d "$fixtures/policy" 'x := data.config.region'; then
  expect "$out" '"bindings": {'
  expect "$out" '"x": "westeurope"'
fi

# Values and pretty formats; YAML input.
run 0 eval -d "$fixtures/policy" -i "$fixtures/input.json" --format values data.example.allow &&
  expect "$out" "true"
run 0 eval -d "$fixtures/policy" -i "$fixtures/input.yaml" --format pretty data.example.deny &&
  expect "$out" "server legacy listens on plain HTTP"

# Undefined results: {} and the --fail/--fail-defined exit codes.
run 0 eval -d "$fixtures/policy" data.example.missing && expect "$out" "{}"
run 1 eval --fail -d "$fixtures/policy" data.example.missing
run 0 eval --fail -d "$fixtures/policy" -i "$fixtures/input.json" data.example.allow
run 1 eval --fail-defined -d "$fixtures/policy" -i "$fixtures/input.json" data.example.allow
run 0 eval --fail-defined -d "$fixtures/policy" data.example.missing

# Rego v0 modules with --v0-compatible.
run 0 eval --v0-compatible -d "$fixtures/v0" -i "$fixtures/input.json" --format values \
  data.legacy.names && expect "$out" "api"

# Errors: exit 2, JSON errors on stdout, compiler style with a caret on stderr.
if run 2 eval -d "$fixtures/bad" data.bad.p; then
  expect "$out" '"errors": ['
  expect "$out" '"code": "rego_parse_error"'
fi
if run 2 eval --format pretty -d "$fixtures/bad" data.bad.p; then
  expect "$err" "bad.rego:6:"
  expect "$err" "^"
fi
run 2 eval -d "$fixtures/does-not-exist" data.x
run 2 eval -d "$fixtures/policy" -i "$fixtures/policy/example.rego" data.x
run 2 eval -d "$fixtures/policy"
run 2 eval --format xml data.x
run 2 no-such-command

# The builtin listing.
run 0 builtins && expect "$out" '"builtins": ['
run 0 builtins --format table

if [[ $failures -ne 0 ]]; then
  echo "$failures CLI check(s) failed"
  exit 1
fi
echo "all CLI checks passed"
