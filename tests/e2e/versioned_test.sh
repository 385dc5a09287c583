#!/usr/bin/env bash
# Versioned service blueprints (fixtures/versioned): infrastructure-blueprint.vN.yaml beside
# history.log.json. resolve and check load the highest version or --version vN, say which on
# stderr, and give the service its anchors as `history`; a bad history file is an error at
# its line with a caret.
# usage: versioned_test.sh <policyc binary> <repository root>
set -u
policyc=$1
cd "$2" || exit 2
source tests/e2e/lib.sh

system=tests/e2e/fixtures/versioned
history=$system/services/auth-service/history.log.json

expect_status 0 "resolve the highest version" -- "$policyc" resolve "$system" --env prod --format json
grep -qF "policyc: note: services/auth-service: infrastructure-blueprint.v3.yaml (v3, the highest of v1, v2, v3)" "$scratch/stderr" ||
  fail "resolve does not say which version it loaded: $(cat "$scratch/stderr")"
python3 - "$out" <<'PY' || fail "the anchors of v3 are not the service's history"
import json, sys
d = json.loads(sys.argv[1])
a = d["services"]["auth-service"]
assert a["replicas"] == 3, a
assert a["history"] == {"version": "v3", "file": "infrastructure-blueprint.v3.yaml", "versions": ["v1", "v2", "v3"],
                        "hash": "9f31a76b9d7a", "createdAt": "2025-06-09T11:01:12Z",
                        "generatedBy": "infrastructure-engineer-agent",
                        "originTrace": "microservice-blueprint:auth-service:v5"}, a["history"]
assert "history" not in d["services"]["web"], d["services"]["web"]
PY

expect_status 0 "resolve --version v2" -- "$policyc" resolve "$system" --env prod --version v2 --provenance
grep -qF "infrastructure-blueprint.v2.yaml (v2 as asked, of v1, v2, v3)" "$scratch/stderr" || fail "--version v2: $(cat "$scratch/stderr")"
for want in "services.auth-service.replicas = 2  # $system/services/auth-service/infrastructure-blueprint.v2.yaml:5:11" \
  "services.auth-service.history.hash = \"5be17d0c93aa\"  # $history:11:13" \
  "services.auth-service.history.version = \"v2\"  # $history:10:16"; do
  grep -qF "$want" <<<"$out" || fail "provenance: no '$want'"
done

expect_status 2 "resolve --version v7" -- "$policyc" resolve "$system" --version v7
grep -qF "no infrastructure-blueprint.v7.yaml (or .yml, .json) for --version v7 (versions: v1, v2, v3)" "$scratch/stderr" ||
  fail "--version v7: $(cat "$scratch/stderr")"

out=$("$policyc" check "$system" --version v1 --no-color 2>"$scratch/stderr")
status=$?
[[ $status -eq 0 || $status -eq 1 ]] || fail "check --version v1: exit $status ($(head -3 "$scratch/stderr"))"
[[ $(grep -c "policyc: note: services/auth-service: infrastructure-blueprint.v1.yaml" "$scratch/stderr") -eq 1 ]] ||
  fail "check says once which version it loaded: $(cat "$scratch/stderr")"

for command in "explain $system --rule SEC-001 --service auth-service" "generate $system --force -o $scratch/tree"; do
  "$policyc" $command --version v1 >/dev/null 2>"$scratch/stderr"
  status=$?
  [[ $status -le 1 ]] || fail "${command%% *} --version v1: exit $status ($(head -3 "$scratch/stderr"))"
  [[ $(grep -c "policyc: note: services/auth-service: infrastructure-blueprint.v1.yaml (v1 as asked" "$scratch/stderr") -eq 1 ]] ||
    fail "${command%% *} says once which version it loaded: $(cat "$scratch/stderr")"
done
grep -qx "  replicas: 1" "$scratch/tree/infrastructure/auth-service/prod/deployment.yaml" ||
  fail "generate --version v1: the deployment is not v1's (replicas 1)"

# A bad history file: file:line:col, the line and a caret, "did you mean".
cp -r "$system" "$scratch/bad"
sed -i '0,/"hash"/s/"hash"/"hsah"/' "$scratch/bad/services/auth-service/history.log.json"
expect_status 2 "a bad history file" -- "$policyc" resolve "$scratch/bad"
grep -qF "$scratch/bad/services/auth-service/history.log.json:4:5: blueprint_schema_error: unknown key 'hsah' in '[0]'; did you mean 'hash'?" "$scratch/stderr" ||
  fail "bad history: $(cat "$scratch/stderr")"
grep -qxF '      ^' "$scratch/stderr" || fail "bad history: no caret: $(cat "$scratch/stderr")"
cp "$history" "$scratch/bad/services/auth-service/history.log.json"
sed -i 's/"version": "v3"/"version": "3"/' "$scratch/bad/services/auth-service/history.log.json"
expect_status 2 "a version not vN" -- "$policyc" resolve "$scratch/bad"
grep -qF "history.log.json:17:16: blueprint_schema_error: '[2].version' is '3'; expected a version such as 'v3'" "$scratch/stderr" ||
  fail "bad version: $(cat "$scratch/stderr")"
expect_status 0 "schema --kind history" -- "$policyc" schema --kind history
grep -qF '"pattern": "^v[0-9]+$"' <<<"$out" || fail "schema --kind history: no version pattern"
finish "versioned blueprints"
