#!/usr/bin/env bash
# A few Gatekeeper library cases through `policyc eval`, as a user would run them.
# usage: gatekeeper_cli_test.sh <policyc binary> <gatekeeper corpus dir>
set -u
policyc=$1
root=$2
failures=0

# check <policy> <test>/<case> <package> <yes|no>: violations present or absent.
check() {
  local policy=$1 case=$2 package=$3 want=$4
  local output
  output=$("$policyc" eval --format values -d "$root/$policy/template.yaml" \
    -i "$root/$policy/tests/$case.input.json" "data.$package.violation" 2>&1)
  local code=$?
  local got=no
  [[ $output == *'"msg"'* ]] && got=yes
  if [[ $code -ne 0 || $got != "$want" ]]; then
    echo "FAIL: $policy/$case: exit $code, violations $got, expected $want"
    echo "$output" | head -20 | sed 's/^/  | /'
    failures=$((failures + 1))
  else
    echo "ok: $policy/$case"
  fi
}

check allowedrepos allowed-repos/example-allowed k8sallowedrepos no
check allowedrepos allowed-repos/container-disallowed k8sallowedrepos yes
check requiredlabels must-have-owner/example-allowed k8srequiredlabels no
check requiredlabels must-have-owner/example-disallowed-label-value k8srequiredlabels yes
check requiredlabels must-have-key/label-missing k8srequiredlabels yes

if [[ $failures -ne 0 ]]; then
  echo "$failures Gatekeeper CLI check(s) failed"
  exit 1
fi
