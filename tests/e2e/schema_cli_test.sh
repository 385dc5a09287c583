#!/usr/bin/env bash
# `policyc schema`: the JSON Schema editors use. Another validator (Ajv, from tests/tools)
# must accept every example and test blueprint with it and reject the broken examples that
# are schema errors; the environments shorthand of system.yaml resolves as its long form.
# usage: schema_cli_test.sh <policyc binary> <repository root>
set -u
policyc=$1
cd "$2" || exit 2
source tests/e2e/lib.sh

expect_status 0 "schema" -- "$policyc" schema
printf '%s\n' "$out" >"$scratch/service.schema.json"
expect_status 0 "schema --kind system" -- "$policyc" schema --kind system
printf '%s\n' "$out" >"$scratch/system.schema.json"
expect_status 0 "schema --kind history" -- "$policyc" schema --kind history
printf '%s\n' "$out" >"$scratch/history.schema.json"
python3 -c 'import json,sys
def keywords(node, found):
    # Schema keywords only: a property may be named "format" (a log'"'"'s format).
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "format" and isinstance(v, str): found.append(v)
            if k.startswith("x-"): found.append(k)
            for child in (v.values() if k in ("properties", "definitions") and isinstance(v, dict) else [v]):
                keywords(child, found)
    elif isinstance(node, list):
        for item in node: keywords(item, found)
for f in sys.argv[1:]:
    d = json.load(open(f))
    assert d["$schema"] == "http://json-schema.org/draft-07/schema#" and d["$id"], f
    left = []
    keywords(d, left)
    assert not left, f + ": policyc-only keywords are left: " + ", ".join(sorted(set(left)))
    # Editors show descriptions: every top-level key has one, and other spellings are named.
    bare = [k for k, v in d.get("properties", {}).items() if "description" not in v]
    assert not bare, f + ": no description for " + ", ".join(bare)
    if "service" in f:
        zone = d["properties"]["security"]["properties"]["zone"]
        assert "Also accepted: DMZ (dmz)" in zone["description"] and "DMZ" in zone["enum"], zone' \
  "$scratch/service.schema.json" "$scratch/system.schema.json" "$scratch/history.schema.json" || fail "schema: not a portable draft-07 schema"

# --- The environments shorthand: names resolve as {name} objects. ---
mkdir -p "$scratch/short" "$scratch/long"
for form in short long; do
  cp -r examples/notifications/services "$scratch/$form/"
done
printf 'name: shorthand\nenvironments: [dev, prod]\n' >"$scratch/short/system.yaml"
printf 'name: shorthand\nenvironments:\n  - name: dev\n  - name: prod\n' >"$scratch/long/system.yaml"
expect_status 0 "resolve the shorthand" -- "$policyc" resolve "$scratch/short" --env prod --format json
short=$out
expect_status 0 "resolve the long form" -- "$policyc" resolve "$scratch/long" --env prod --format json
[[ $short == "$out" ]] || fail "the environments shorthand does not resolve as the long form"
out=$("$policyc" check "$scratch/short" --no-color 2>"$scratch/stderr")
[[ $? -ne 2 ]] || fail "check of the shorthand: $(head -3 "$scratch/stderr")"
grep -q "2 environments" <<<"$out" || fail "check does not see the shorthand's environments: $(tail -1 <<<"$out")"

# --- Service shorthands: a probe as its path, `exporters` without `exporter`. ---
for form in short long; do
  mkdir -p "$scratch/svc-$form/services/api"
  printf 'name: shorthands\nenvironments: [prod]\n' >"$scratch/svc-$form/system.yaml"
done
cat >"$scratch/svc-short/services/api/infrastructure-blueprint.yaml" <<'EOF'
metadata:
  serviceId: api
serviceType: api
runtimeProfile:
  type: stateless
  probes:
    liveness: /livez
    readiness: {path: /ready, interval: 5s}
observability:
  otel:
    enabled: true
    exporters: [prometheus]
EOF
# The long form of the same blueprint.
sed -e 's|liveness: /livez|liveness: {path: /livez}|' \
  -e 's|^    exporters: \[prometheus\]$|    exporter: prometheus\n    exporters: [prometheus]|' \
  "$scratch/svc-short/services/api/infrastructure-blueprint.yaml" \
  >"$scratch/svc-long/services/api/infrastructure-blueprint.yaml"
expect_status 0 "resolve the service shorthands" -- "$policyc" resolve "$scratch/svc-short" --env prod --format json
short=$out
expect_status 0 "resolve their long form" -- "$policyc" resolve "$scratch/svc-long" --env prod --format json
[[ $short == "$out" ]] || fail "the service shorthands do not resolve as the long form"
expect_status 0 "provenance of a shorthand" -- "$policyc" resolve "$scratch/svc-short" --env prod --provenance
grep -q 'services.api.runtimeProfile.probes.liveness.path = "/livez"  # .*/svc-short/services/api/infrastructure-blueprint.yaml:7:15$' <<<"$out" ||
  fail "provenance does not point at the probe shorthand: $(grep liveness <<<"$out")"
mkdir -p "$scratch/svc-short/services/api/overlays"
printf 'runtimeProfile:\n  probes:\n    startup: /startz\n' >"$scratch/svc-short/services/api/overlays/prod.yaml"
expect_status 0 "a probe shorthand in an overlay" -- "$policyc" resolve "$scratch/svc-short" --env prod --provenance
grep -q 'services.api.runtimeProfile.probes.startup.path = "/startz"  # .*/overlays/prod.yaml:3:14$' <<<"$out" ||
  fail "an overlay's probe shorthand: $(grep startup <<<"$out")"

# --- Inline environment overlays and the seed's shapes (fixtures/shorthands): the inline
# form resolves as the long form (overlay files, names, {path} probes) in every environment,
# and provenance points at the inline lines. ---
fixtures=tests/e2e/fixtures/shorthands
for env in dev staging production; do
  expect_status 0 "resolve the inline form ($env)" -- "$policyc" resolve "$fixtures/inline" --env "$env" --format json
  short=$out
  expect_status 0 "resolve the long form ($env)" -- "$policyc" resolve "$fixtures/long" --env "$env" --format json
  [[ $short == "$out" ]] || fail "the inline form does not resolve as the long form in $env: $(diff <(printf '%s\n' "$short") <(printf '%s\n' "$out") | head -5)"
done
expect_status 0 "provenance of the inline overlay" -- "$policyc" resolve "$fixtures/inline" --env production --provenance
inline=$fixtures/inline/services/auth-service/infrastructure-blueprint.yaml
for want in "replicas = 4  # $inline:40:15 (base: 2)" \
  "resources.cpuLimit = \"1000m\"  # $inline:41:15" \
  "observability.telemetryLevel = \"full\"  # $inline:42:21" \
  "keyVault.name = \"prod-secrets\"  # $inline:43:17" \
  "observability.metrics[0] = \"auth_requests_total\"  # $inline:17:13" \
  "observability.logs[0] = \"json\"  # $inline:23:15" \
  "observability.traces[0] = \"ValidateToken\"  # $inline:26:17" \
  "runtimeProfile.probes.readiness.path = \"/healthz\"  # $inline:11:21" \
  "resources.cpu = \"250m\"  # $inline:6:6"; do
  grep -qF "services.auth-service.$want" <<<"$out" || fail "provenance: no 'services.auth-service.$want'"
done

# --- Ajv on every blueprint we ship or test with. ---
if ! command -v node >/dev/null 2>&1 || [[ ! -d tests/tools/node_modules/ajv ]]; then
  echo "SKIP: JSON Schema validation with Ajv (node or tests/tools/node_modules missing; scripts/setup.sh installs them)"
  finish "schema CLI"
fi
# YAML 1.2 as the blueprint loader reads it: yes/no/on/off and dates stay strings.
python3 - "$scratch" <<'EOF' || fail "could not collect the blueprints"
import glob, json, re, sys, yaml

class Loader(yaml.SafeLoader):
    pass

Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))

def load(path):
    return yaml.load(open(path), Loader=Loader)

scratch = sys.argv[1]
services, systems = [], []
def schema_broken(path):
    # Only the broken examples whose error is the schema's: the others do not parse (an
    # alias bomb among them) or fail a check across files.
    example = path.split("/")[2]
    return "blueprint_schema_error" in open("examples/broken/%s/expected-error.txt" % example).read()

broken_services = [p for p in glob.glob("examples/broken/*/services/*/infrastructure-blueprint.yaml") if schema_broken(p)]
broken_systems = [p for p in glob.glob("examples/broken/*/system.yaml") if schema_broken(p)]
for path in sorted(glob.glob("examples/*/services/*/infrastructure-blueprint.yaml") + broken_services +
                   glob.glob("tests/e2e/fixtures/*/*/services/*/infrastructure-blueprint.yaml") +
                   glob.glob("tests/e2e/fixtures/*/services/*/infrastructure-blueprint.*")):
    services.append({"file": path, "document": load(path)})
for path in sorted(glob.glob("examples/*/system.yaml") + broken_systems +
                   glob.glob("tests/e2e/fixtures/*/*/system.yaml") +
                   glob.glob("tests/e2e/fixtures/*/system.yaml")):
    systems.append({"file": path, "document": load(path)})
systems.append({"file": "shorthand/system.yaml", "document": load(scratch + "/short/system.yaml")})
# Shorthands the schema must still refuse: an unknown key in an inline environment overlay,
# an environment name that is none, a log object without its name, one item of a wrong type.
base = {"metadata": {"serviceId": "a"}, "serviceType": "api"}
for name, extra in [("inline-unknown-key", {"environments": [{"name": "prod", "replica": 3}]}),
                    ("inline-bad-name", {"environments": ["prdo"]}),
                    ("log-without-name", {"observability": {"logs": [{"required": True}]}}),
                    ("single-wrong-type", {"dependencies": [{"name": "a", "dependsOn": {"b": 1}}]}),
                    ("alias-bad-value", {"cpuLimit": "lots"})]:
    services.append({"file": "negative/" + name, "document": dict(base, **extra)})
histories = [{"file": p, "document": json.load(open(p))}
             for p in sorted(glob.glob("tests/e2e/fixtures/*/services/*/history.log.json"))]
histories.append({"file": "negative/history-bad-version", "document": [{"version": "3"}]})
histories.append({"file": "negative/history-unknown-key", "document": [{"version": "v3", "hsah": "x"}]})
json.dump(histories, open(scratch + "/histories.json", "w"))
json.dump(services, open(scratch + "/services.json", "w"))
json.dump(systems, open(scratch + "/systems.json", "w"))
EOF
node tests/tools/validate_schema.js "$scratch/service.schema.json" "$scratch/services.json" >"$scratch/services.txt"
node tests/tools/validate_schema.js "$scratch/system.schema.json" "$scratch/systems.json" >"$scratch/systems.txt"
node tests/tools/validate_schema.js "$scratch/history.schema.json" "$scratch/histories.json" >"$scratch/histories.txt"
grep -q "^tests/e2e/fixtures/versioned/services/auth-service/history.log.json: VALID$" "$scratch/histories.txt" ||
  fail "Ajv rejects the history file: $(head -3 "$scratch/histories.txt")"
for name in history-bad-version history-unknown-key; do
  grep -q "^negative/$name: INVALID" "$scratch/histories.txt" || fail "Ajv accepts the wrong history $name"
done
valid=$(grep -c ': VALID$' "$scratch/services.txt" "$scratch/systems.txt" | awk -F: '{n += $2} END {print n}')
while IFS= read -r line; do
  case $line in
    examples/broken/* | negative/*) ;;
    *": VALID") ;;
    *) fail "Ajv rejects a valid blueprint: $line" ;;
  esac
done < <(cat "$scratch/services.txt" "$scratch/systems.txt")
# The broken examples whose error is the schema's (not a parse, graph or cross-file check).
for name in bad-budget bad-cost-tier bad-cpu bad-dependency-tier bad-duration \
  bad-runtime-profile-enum bad-secret-source bad-size bad-tls-flag missing-service-type \
  negative-replicas not-a-mapping secret-missing-source unknown-nested-key unknown-top-level-key \
  wrong-type-depends-on wrong-type-replicas system-unknown-key; do
  grep -q "^examples/broken/$name/[^:]*: INVALID" "$scratch/services.txt" "$scratch/systems.txt" ||
    fail "Ajv accepts the broken example $name"
done
for name in inline-unknown-key inline-bad-name log-without-name single-wrong-type alias-bad-value; do
  grep -q "^negative/$name: INVALID" "$scratch/services.txt" || fail "Ajv accepts the wrong shorthand $name"
done
echo "Ajv: $valid blueprints valid; the broken schema examples rejected"
finish "schema CLI"
