#!/usr/bin/env bash
# No output of policyc shows a secret literal from a blueprint: every format of check (with
# and without --explain), explain, evaluation errors during check, load errors that show the
# offending line, and generate (the tree, its listing and --check's diff).
#   secrets_test.sh POLICYC REPO
set -uo pipefail
policyc=$1
repo=$2
source "$(dirname "$0")/lib.sh"
system=$repo/tests/e2e/fixtures/explain/system
secret=hunter2-do-not-print
grep -rq "$secret" "$system" || fail "the fixture no longer holds the secret literal"

# no_secret NAME WANT -- command...: exit WANT; neither stdout, stderr nor files it names hold
# the secret.
no_secret() {
  local name=$1 want=$2
  shift 3
  timeout 120 "$@" >"$scratch/out" 2>"$scratch/err"
  local status=$?
  [[ $status -eq $want ]] || fail "$name: exit $status, expected $want ($(head -c 200 "$scratch/err"))"
  [[ -s $scratch/out || -s $scratch/err ]] || fail "$name: printed nothing"
  grep -q "$secret" "$scratch/out" "$scratch/err" && fail "$name: the secret is printed"
}

for format in text json sarif junit github; do
  no_secret "check -f $format" 1 -- "$policyc" check "$system" -f "$format"
  no_secret "check --explain -f $format" 1 -- "$policyc" check "$system" -f "$format" --explain
  "$policyc" check "$system" -f "$format" -o "$scratch/report" 2>"$scratch/err"
  [[ $? -eq 1 && -s $scratch/report ]] || fail "check -o -f $format: no report"
  grep -q "$secret" "$scratch/report" "$scratch/err" && fail "check -o -f $format: the report holds the secret"
done
for format in text json; do
  no_secret "explain SEC-001 -f $format" 1 -- "$policyc" explain "$system" --rule SEC-001 --service web -f "$format"
  no_secret "explain --why-not -f $format" 1 -- "$policyc" explain "$system" --rule SEC-001 --service web --why-not -f "$format"
  no_secret "explain a rule that did not fire -f $format" 0 -- "$policyc" explain "$system" --rule SEC-006 --service web -e dev -f "$format"
done

# Evaluation errors during check: a conflict and a time limit inside rules reading the secret.
mkdir -p "$scratch/policy"
cat >"$scratch/policy/leaky.rego" <<'EOPOLICY'
package policies.leaky

import rego.v1

value := v if {
	some svc in input.services
	some _, v in svc.runtimeConfig.environment
}

deny contains value
EOPOLICY
no_secret "check: a conflict over secret values" 2 -- "$policyc" check "$system" -p "$scratch/policy"
cat >"$scratch/policy/leaky.rego" <<'EOPOLICY'
package policies.leaky

import rego.v1

deny contains v if {
	some svc in input.services
	some _, v in svc.runtimeConfig.environment
	count([1 | some a in numbers.range(1, 100000); some b in numbers.range(1, 100000)]) > 0
}
EOPOLICY
no_secret "check: a time limit while holding a secret" 2 -- "$policyc" check "$system" -p "$scratch/policy" --timeout 1s

# A load error whose caret line is the secret's.
cp -r "$system" "$scratch/broken"
sed -i "s|    DB_PASSWORD: $secret|    DB_PASSWORD: $secret\n    DB_PASSWORD: $secret|" \
  "$scratch/broken/services/web/infrastructure-blueprint.yaml"
no_secret "check: duplicate key on the secret's line" 2 -- "$policyc" check "$scratch/broken"
no_secret "explain: duplicate key on the secret's line" 2 -- "$policyc" explain "$scratch/broken" --rule SEC-001 --service web
no_secret "generate: duplicate key on the secret's line" 2 -- "$policyc" generate "$scratch/broken" -o "$scratch/never"
grep -q "DB_PASSWORD: \*\*\*\*\*\*\*\*" "$scratch/err" || fail "generate: the masked line is not shown"

# Generate: the tree, its listing and --check's diff against an empty directory.
no_secret "generate --force" 0 -- "$policyc" generate "$system" --force -o "$scratch/tree"
grep -rq "$secret" "$scratch/tree" && fail "generate: a generated file holds the secret"
no_secret "generate --force -f json" 0 -- "$policyc" generate "$system" --force -o "$scratch/tree2" -f json
mkdir -p "$scratch/empty"
no_secret "generate --check" 1 -- "$policyc" generate "$system" --force --check -o "$scratch/empty"

finish "secrets"
