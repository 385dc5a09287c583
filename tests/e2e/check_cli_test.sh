#!/usr/bin/env bash
# `policyc check` and `policyc test` as a CI gate runs them: byte-identical reports for the
# bundled examples and a fixture system, exit codes, waivers, every output format checked by
# the tool its consumers use (SARIF multitool, xmllint with a JUnit schema), and no secret
# value in any format.
# usage: check_cli_test.sh <policyc binary> <repository root>
# Set UPDATE_EXPECTED=1 to rewrite the expected reports after an intended change.
set -u
policyc=$1
cd "$2" || exit 2
fixtures=tests/e2e/fixtures/check
multitool=tests/tools/node_modules/.bin/sarif-multitool
source tests/e2e/lib.sh
# Waiver expiry is judged against this date, so the expected reports never age.
export SOURCE_DATE_EPOCH=1798761600 # 2027-01-01

fixture_args=(check "$fixtures/system" --no-default-policies -p "$fixtures/policies"
  --waivers "$fixtures/waivers.yaml")

# --- The fixture system with a user pack: text and JSON byte for byte. ---
expect_status 1 "fixture text" -- "$policyc" "${fixture_args[@]}" --no-color
compare_expected "$out" "$fixtures/expected.txt"
expect_status 1 "fixture json" -- "$policyc" "${fixture_args[@]}" --format json
compare_expected "$out" "$fixtures/expected.json"
again=$("$policyc" "${fixture_args[@]}" --format json)
[[ $again == "$out" ]] || fail "check --format json is not deterministic"

# --- Fail levels and environment selection. ---
expect_status 0 "only dev at fail level error" -- "$policyc" "${fixture_args[@]}" --env dev
expect_status 1 "only dev at fail level warning" -- "$policyc" "${fixture_args[@]}" --env dev --fail-level warning
expect_status 0 "no policies at all" -- "$policyc" check "$fixtures/system" --no-default-policies
grep -q "0 rules: 0 errors" <<<"$out" || fail "no policies: unexpected summary: $out"

# --- A conftest policy (package main) runs unchanged with --namespace main. ---
printf 'package main\n\ndeny contains "prod needs review" if input.environment == "prod"\n' >"$scratch/main.rego"
expect_status 0 "package main outside the default namespace" -- "$policyc" check "$fixtures/system" --no-default-policies -p "$scratch/main.rego"
expect_status 1 "package main with --namespace main" -- "$policyc" check "$fixtures/system" --no-default-policies -p "$scratch/main.rego" -n main --format github
[[ $out == "::error file=tests/e2e/fixtures/check/system/system.yaml,line=2,col=1,title=main.deny [prod]::prod needs review" ]] ||
  fail "conftest namespace: '$out'"

# --- Usage and input errors exit 2 with a positioned message. ---
expect_status 2 "unknown format" -- "$policyc" check "$fixtures/system" --format xml
expect_status 2 "missing blueprint" -- "$policyc" check "$fixtures/no-such-dir"
expect_status 2 "waiver without justification" -- "$policyc" "${fixture_args[@]:0:5}" --waivers "$fixtures/bad-waivers.yaml"
first=$(head -1 "$scratch/stderr")
[[ $first == "$fixtures/bad-waivers.yaml:2:5: waiver_error: a waiver needs a \`justification\`" ]] ||
  fail "bad waiver error: '$first'"
expect_status 2 "broken blueprint" -- "$policyc" check examples/broken/bad-runtime-profile-enum
grep -q "^examples/broken/bad-runtime-profile-enum/.*:[0-9]*:[0-9]*: blueprint_schema_error: " "$scratch/stderr" ||
  fail "broken blueprint: no positioned schema error: $(head -1 "$scratch/stderr")"
printf 'package policies.bad\n\ndeny_x contains msg if {\n\tmsg := \n}\n' >"$scratch/bad.rego"
expect_status 2 "policy parse error" -- "$policyc" check "$fixtures/system" -p "$scratch/bad.rego"
# OPA's position: the body's error (the missing right-hand side at `}`), not `:=` of a set.
grep -q "bad.rego:5:1: rego_parse_error" "$scratch/stderr" || fail "policy parse error: $(head -1 "$scratch/stderr")"

# --- No secret value in any format. ---
for format in text json sarif junit github; do
  "$policyc" "${fixture_args[@]}" --format "$format" >"$scratch/out.$format" 2>&1
  if grep -q "hunter2" "$scratch/out.$format"; then fail "--format $format shows a secret value"; fi
done

# --- SARIF: the reference validator, when installed (scripts/setup.sh). ---
python3 - "$scratch/out.sarif" <<'EOF' || fail "SARIF structure"
import json, sys
log = json.load(open(sys.argv[1]))
assert log["version"] == "2.1.0", log["version"]
run = log["runs"][0]
rules = run["tool"]["driver"]["rules"]
assert rules and all(r["id"] and r["shortDescription"]["text"] and r["help"]["text"] for r in rules)
for result in run["results"]:
    assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    assert result["level"] in ("error", "warning", "note")
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] >= 1 and region["startColumn"] >= 1
assert any("suppressions" in r for r in run["results"]), "the waived finding has no suppression"
EOF
if [[ -x $multitool ]]; then
  "$multitool" validate "$scratch/out.sarif" -o "$scratch/validation.sarif" >"$scratch/multitool.log" 2>&1 ||
    fail "sarif-multitool did not run: $(tail -3 "$scratch/multitool.log")"
  findings=$(python3 -c 'import json,sys; print(sum(len(r.get("results",[])) for r in json.load(open(sys.argv[1]))["runs"]))' "$scratch/validation.sarif" 2>/dev/null || echo unreadable)
  [[ $findings == 0 ]] || fail "sarif-multitool reports $findings problem(s): $(grep -E 'error|warning' "$scratch/multitool.log" | head -3)"
else
  echo "SKIP: SARIF multitool not installed (run scripts/setup.sh with node/npm present)"
fi

# --- JUnit: well-formed, and valid against the schema kept in tests/e2e. ---
if command -v xmllint >/dev/null 2>&1; then
  xmllint --noout --schema tests/e2e/junit.xsd "$scratch/out.junit" 2>"$scratch/xmllint.log" ||
    fail "JUnit XML invalid: $(head -3 "$scratch/xmllint.log")"
else
  python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$scratch/out.junit" ||
    fail "JUnit XML not well-formed"
  echo "SKIP: xmllint not installed; JUnit checked for well-formedness only"
fi
grep -q '<testsuite name="prod/web" tests="4" failures="1"' "$scratch/out.junit" ||
  fail "JUnit: unexpected prod/web suite: $(grep 'prod/web' "$scratch/out.junit")"

# --- GitHub annotations: one workflow command per unwaived finding. ---
bad_lines=$(grep -cvE '^::(error|warning|notice) (file=[^,]+,line=[0-9]+,(col=[0-9]+,)?)?title=[^:]+::.+$' "$scratch/out.github")
[[ $bad_lines == 0 ]] || fail "github: $bad_lines malformed line(s)"
grep -q '^::error file=tests/e2e/fixtures/check/system/services/web/infrastructure-blueprint.yaml,line=14,col=14,title=CUS-001 web \[prod\]::web serves www.example.com without TLS$' "$scratch/out.github" ||
  fail "github: the prod TLS error is missing"

# --- -o writes the report to a file. ---
expect_status 1 "-o FILE" -- "$policyc" "${fixture_args[@]}" --format json -o "$scratch/report.json"
[[ -z $out ]] || fail "-o FILE still printed to stdout"
cmp -s "$scratch/report.json" "$fixtures/expected.json" || fail "-o FILE content differs from expected.json"

# --- The examples with the stock packs: expected reports, and one clean system. ---
for system in examples/*/; do
  system=${system%/}
  # Beside expected/, whose *.json files are resolved documents named by environment.
  expected=$system/expected-check.json
  [[ -d $system/expected ]] || continue
  out=$("$policyc" check "$system" --format json)
  status=$?
  [[ $status -le 1 ]] || fail "check $system exited $status"
  compare_expected "$out" "$expected"
done
expect_status 0 "the clean example passes every stock pack" -- "$policyc" check examples/notifications --fail-level info
grep -q '"failed": false' <<<"$("$policyc" check examples/notifications --format json --fail-level info)" ||
  fail "examples/notifications is not clean"

# --- Every stock rule has a failing and a passing unit test (run by ctest policies.unit). ---
for pack in policies/*/*.rego; do
  [[ $pack == *_test.rego ]] && continue
  tests=${pack%.rego}_test.rego
  for rule in $(grep -oE '^(deny|warn)_[a-z0-9_]+' "$pack" | sort -u); do
    slug=${rule#deny_}
    slug=${slug#warn_}
    grep -q "^test_${slug}_fires" "$tests" 2>/dev/null || fail "$rule ($pack) has no test_${slug}_fires in $tests"
    grep -q "^test_${slug}_passes" "$tests" 2>/dev/null || fail "$rule ($pack) has no test_${slug}_passes in $tests"
  done
done

# --- policyc test ---
expect_status 0 "policyc test on the fixture pack" -- "$policyc" test "$fixtures/policies"
[[ $out == "PASS: 2/2" ]] || fail "policyc test fixture: '$out'"
expect_status 1 "policyc test with failures" -- "$policyc" test "$fixtures/tests"
want=$'tests/e2e/fixtures/check/tests/failing_test.rego:\ndata.failing.test_fails: FAIL [tests/e2e/fixtures/check/tests/failing_test.rego:5]'
[[ $out == "$want"* ]] || fail "policyc test failure report: '$out'"
grep -q "^data.failing.test_errors: ERROR" <<<"$out" || fail "policyc test: no ERROR for a test that fails to evaluate"
grep -q "^PASS: 1/4$" <<<"$out" && grep -q "^FAIL: 1/4$" <<<"$out" && grep -q "^ERROR: 1/4$" <<<"$out" &&
  grep -q "^SKIPPED: 1/4$" <<<"$out" || fail "policyc test counts: '$out'"
expect_status 0 "policyc test --run" -- "$policyc" test "$fixtures/tests" --run 'test_passes$'
[[ $out == "PASS: 1/1" ]] || fail "policyc test --run: '$out'"

finish "check CLI"
