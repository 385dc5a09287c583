#!/usr/bin/env bash
# `policyc explain`, `check --explain`, `eval --explain` and `test -v` as a developer runs them:
# byte-identical explanations of the fixture system's rules (helpers, not, every,
# comprehensions, with, partial rules, functions with several definitions, else, default,
# undefined against false, overlay and data values), a stock-pack rule on examples/ecommerce,
# a Gatekeeper policy, exit codes, and no secret value in any output.
# usage: explain_cli_test.sh <policyc binary> <repository root>
# Set UPDATE_EXPECTED=1 to rewrite the expected outputs after an intended change.
set -u
policyc=$1
cd "$2" || exit 2
fixtures=tests/e2e/fixtures/explain
expected=$fixtures/expected
corpus=../shared/corpus
source tests/e2e/lib.sh

# contains TEXT NEEDLE DESCRIPTION
contains() {
  grep -qF -- "$2" <<<"$1" || fail "$3: no \"$2\" in the output"
}

explain=("$policyc" explain "$fixtures/system" --no-default-policies -p "$fixtures/policies")

# situation NAME EXIT ARGS...: one explanation, text byte for byte.
situation() {
  local name=$1 status=$2
  shift 2
  expect_status "$status" "$name" -- "${explain[@]}" "$@"
  compare_expected "$out" "$expected/$name.txt"
  [[ $out != *hunter2* ]] || fail "$name: a secret value is printed"
}

# --- The fixture's rules, one situation each. ---
# A fired deny through helper rules, a function with two definitions, a value an overlay set
# (its file, line and the base value) and a value from data.
situation fired-helpers 1 --env prod --rule EX-001 --service web
# `not` that failed because its operand was true (false, not undefined), with --why-not.
situation not-false 0 --env prod --rule EX-002 --service api
# A reference with a missing key: undefined, and which key.
situation undefined-key 0 --env prod --rule EX-002 --service worker
# `every`, each element's pass.
situation every 1 --env prod --rule EX-004 --service web
# A comprehension over a secret-bearing map: the secret stays masked.
situation comprehension-secret 1 --env prod --rule EX-005 --service web
# `with`: a rule evaluated with input.environment replaced.
situation with 1 --env dev --rule EX-006 --service worker
# A partial object rule, an else chain and a default used in prod (the default is not used).
situation partial-object-else 1 --env prod --rule EX-007 --service api
# The same rule in dev: the default's value, and why not.
situation default-why-not 0 --env dev --rule EX-007 --service api
# An else chain: the value came from the else, after the first body failed.
situation else-chain 1 --env dev --rule EX-008 --service worker
# A partial set rule, in a rule that never fires.
situation partial-set-why-not 0 --env prod --rule deny_internal_admits_public --service api
# A rule that fired, with the attempts that failed for the same service as well.
situation fired-with-why-not 1 --env prod --rule EX-002 --service web --why-not

# JSON: a tree an editor renders; the same decisions as the text.
expect_status 1 "json" -- "${explain[@]}" --env prod --rule EX-001 --service web --format json
compare_expected "$out" "$expected/fired-helpers.json"
printf '%s' "$out" >"$scratch/out.json"
python3 - "$scratch/out.json" <<'EOF' || fail "explain --format json: not the documented tree"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["fired"] is True and doc["rule"]["id"] == "EX-001", doc["rule"]
finding = doc["findings"][0]
tree = finding["explanation"]
assert tree["rule"] == "data.policies.explain.deny_few_replicas"
proof = tree["bodies"][0]["proofs"][0]
steps = {s["text"]: s for s in proof["steps"]}
compare = steps["replicas(svc) < minimum_replicas"]
assert compare["outcome"] == "held"
calls = {c["rule"]: c for c in compare["calls"]}
replicas = calls["data.policies.explain.replicas"]
head = replicas["bodies"][0]["proofs"][0]["steps"][-1]
assert head["outcome"] == "value", head
source = head["values"][0]["source"]
assert source["file"].endswith("web/overlays/prod.yaml") and source["line"] == 1, source
assert source["set_by"] == "overlays/prod.yaml:1" and source["base_value"] == "3", source
EOF
again=$("${explain[@]}" --env prod --rule EX-001 --service web --format json)
[[ $again == "$out" ]] || fail "explain --format json is not deterministic"

# --finding N names the rule, service and environment of check's N-th JSON result.
check_json=$("$policyc" check "$fixtures/system" --no-default-policies -p "$fixtures/policies" --format json)
index=$(python3 -c 'import json,sys
r = json.load(sys.stdin)["results"]
print(next(i for i, f in enumerate(r) if f["id"] == "EX-001" and f["service"] == "web"))' <<<"$check_json")
expect_status 1 "--finding" -- "${explain[@]}" --finding "$index"
compare_expected "$out" "$expected/fired-helpers.txt"

# --- Usage and input errors: exit 2 with a message. ---
expect_status 2 "unknown rule" -- "${explain[@]}" --rule NOPE-1
grep -q 'no decision rule' "$scratch/stderr" || fail "unknown rule: $(cat "$scratch/stderr")"
expect_status 2 "neither --rule nor --finding" -- "${explain[@]}"
expect_status 2 "--finding out of range" -- "${explain[@]}" --finding 999
grep -q 'out of range' "$scratch/stderr" || fail "--finding 999: $(cat "$scratch/stderr")"
expect_status 2 "missing blueprint" -- "$policyc" explain "$scratch/none" --rule EX-001

# --- The stock packs on the bundled example. ---
expect_status 1 "ecommerce SEC-009" -- "$policyc" explain examples/ecommerce --env prod --rule SEC-009 --service storefront-web
compare_expected "$out" "$expected/ecommerce-sec-009.txt"
contains "$out" "policies/security/security.rego:239:2: held: not method in edge_auth_methods" "SEC-009 policy line"
contains "$out" "examples/ecommerce/services/storefront-web/infrastructure-blueprint.yaml:30:9 (security.zone)" "SEC-009 blueprint line"
expect_status 0 "ecommerce SEC-006 why not" -- "$policyc" explain examples/ecommerce --env prod --rule SEC-006 --service storefront-web
compare_expected "$out" "$expected/ecommerce-sec-006-why-not.txt"
contains "$out" 'false: object.get(svc, ["ingress", "tls", "enabled"], false) != true' "SEC-006 condition"

# --- check --explain: the proof under each finding, in every format. ---
check_explain=("$policyc" check "$fixtures/system" --no-default-policies -p "$fixtures/policies" --env prod --explain)
expect_status 1 "check --explain text" -- "${check_explain[@]}" --no-color
compare_expected "$out" "$expected/check-explain.txt"
[[ $out != *hunter2* ]] || fail "check --explain: a secret value is printed"
expect_status 1 "check --explain json" -- "${check_explain[@]}" --format json
python3 -c 'import json,sys
r = json.load(sys.stdin)["results"]
assert r and all(f["explanation"]["bodies"][0]["proofs"] for f in r), "a finding without its proof"' <<<"$out" ||
  fail "check --explain --format json: a result without an explanation"
[[ $out != *hunter2* ]] || fail "check --explain json: a secret value is printed"
expect_status 1 "check --explain sarif" -- "${check_explain[@]}" --format sarif
python3 -c 'import json,sys
r = json.load(sys.stdin)["runs"][0]["results"]
assert r and all("explanation" in f["properties"] for f in r)' <<<"$out" ||
  fail "check --explain --format sarif: a result without an explanation property"
[[ $out != *hunter2* ]] || fail "check --explain sarif: a secret value is printed"

# --- eval --explain on a Gatekeeper library policy (needs the shared corpus). ---
gatekeeper=$corpus/gatekeeper/allowedrepos
if [[ -d $gatekeeper ]]; then
  expect_status 0 "eval --explain fails" -- "$policyc" eval --format pretty --explain full \
    -d "$gatekeeper/template.yaml" -i "$gatekeeper/tests/allowed-repos/container-disallowed.input.json" \
    data.k8sallowedrepos.violation
  contains "$out" "held: not strings.any_prefix_match(container.image, input.parameters.repos)" "gatekeeper proof"
  contains "$out" 'input.review.object.spec.initContainers[_] is undefined: input.review.object.spec has no key "initContainers"' "gatekeeper why not"
  expect_status 0 "eval --explain json" -- "$policyc" eval --format json --explain fails \
    -d "$gatekeeper/template.yaml" -i "$gatekeeper/tests/allowed-repos/container-disallowed.input.json" \
    data.k8sallowedrepos.violation
  python3 -c 'import json,sys
d = json.load(sys.stdin); assert d["explanation"][0]["rule"] == "data.k8sallowedrepos.violation"
assert d["result"][0]["expressions"][0]["value"]' <<<"$out" || fail "eval --explain --format json"
else
  echo "SKIP: Gatekeeper explain case ($corpus not found)"
fi

# --- test -v: a failing test's failed expression with its values. ---
expect_status 1 "test -v" -- "$policyc" test -v tests/e2e/fixtures/check/tests
contains "$out" "tests/e2e/fixtures/check/tests/failing_test.rego:5:15: false: 1 == 2" "test -v explanation"

finish "explain CLI"
