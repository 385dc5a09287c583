#!/usr/bin/env bash
# `policyc generate` as a platform team and a CI drift check run it: byte-identical trees run
# to run, golden files for each artifact kind, --check passing on a fresh tree and failing
# with a diff after an edit of a generated file or of the blueprint, refusal of a blueprint
# that fails check, templates replaced by id, paths kept inside the output, no secret value
# in any file, every YAML document parsed (and yamllint-clean), every Kubernetes object valid
# against the Kubernetes schemas (kubernetes-models, from tests/tools).
# usage: generate_cli_test.sh <policyc binary> <repository root>
# Set UPDATE_EXPECTED=1 to rewrite the golden files after an intended change.
set -u
policyc=$1
cd "$2" || exit 2
fixtures=tests/e2e/fixtures/generate
golden=$fixtures/expected-notifications
source tests/e2e/lib.sh

# --- Every example, twice: the same bytes. ---
for example in examples/*/; do
  name=$(basename "$example")
  [[ $name == broken ]] && continue
  expect_status 0 "generate $name" -- "$policyc" generate "$example" --force -o "$scratch/$name.1"
  expect_status 0 "generate $name again" -- "$policyc" generate "$example" --force -o "$scratch/$name.2"
  diff -r "$scratch/$name.1" "$scratch/$name.2" >/dev/null || fail "generate $name is not deterministic"
  [[ -n $(find "$scratch/$name.1" -type f) ]] || fail "generate $name wrote nothing"
done

# --- Golden files: each artifact kind of the notifications example, as reviewed. ---
tree=$scratch/notifications.1
golden_files=(
  infrastructure/notifications/prod/deployment.yaml
  infrastructure/notifications/prod/service.yaml
  infrastructure/notifications/prod/ingress.yaml
  infrastructure/notifications/prod/configmap.yaml
  infrastructure/notifications/prod/secrets.yaml
  infrastructure/notifications/prod/serviceaccount.yaml
  infrastructure/notifications/prod/role.yaml
  infrastructure/notifications/prod/rolebinding.yaml
  infrastructure/notifications/prod/networkpolicy.yaml
  infrastructure/notifications/prod/hpa.yaml
  infrastructure/notifications/prod/pdb.yaml
  infrastructure/notifications/prod/otel-collector.yaml
  infrastructure/notifications/prod/otel-collector-config.yaml
  infrastructure/email-sender/prod/statefulset.yaml
  infrastructure/email-sender/dev/statefulset.yaml
  kustomize/notifications/base/kustomization.yaml
  kustomize/notifications/base/deployment.yaml
  kustomize/notifications/overlays/prod/kustomization.yaml
  kustomize/notifications/overlays/prod/deployment.yaml
  kustomize/notifications/overlays/dev/kustomization.yaml
  helm/notifications/Chart.yaml
  helm/notifications/templates/objects.yaml
  helm/notifications/values-dev.yaml
  infrastructure/notifications/prod/provisioning-triggers.json
)
# The policyBundle header hashes every stock rule, so any policy change moves it: it is
# compared by shape here, the rest byte for byte.
bundle='^\(# \|    "\)policyBundle\(: \|": "\)sha256:[0-9a-f]\{16\}"\?,\?$'
without_bundle() { sed "/$bundle/d" "$1"; }
for file in "${golden_files[@]}"; do
  grep -q "$bundle" "$tree/$file" || fail "$file: no policyBundle header"
  if [[ ${UPDATE_EXPECTED:-0} == 1 ]]; then
    mkdir -p "$(dirname "$golden/$file")"
    without_bundle "$tree/$file" >"$golden/$file"
  elif ! diff -q <(without_bundle "$tree/$file") "$golden/$file" >/dev/null 2>&1; then
    fail "$file differs from the golden file"
    diff <(without_bundle "$tree/$file") "$golden/$file" | head -10 | sed 's/^/  | /'
  fi
done

# --- --check: the seed's CI drift check. ---
work=$scratch/work
cp -r examples/notifications "$work"
expect_status 0 "generate into a tree" -- "$policyc" generate "$work" -o "$scratch/out"
expect_status 0 "--check on a fresh tree" -- "$policyc" generate "$work" -o "$scratch/out" --check
grep -q "is up to date" <<<"$out" || fail "--check on a fresh tree: $out"
sed -i 's/^  replicas: 4$/  replicas: 5/' "$scratch/out/infrastructure/notifications/prod/deployment.yaml"
expect_status 1 "--check after editing a generated file" -- "$policyc" generate "$work" -o "$scratch/out" --check
grep -q '^-  replicas: 5$' <<<"$out" && grep -q '^+  replicas: 4$' <<<"$out" ||
  fail "--check diff does not show the edit: $(head -20 <<<"$out")"
grep -q '^--- a/infrastructure/notifications/prod/deployment.yaml$' <<<"$out" || fail "--check diff names no file"
expect_status 0 "regenerate" -- "$policyc" generate "$work" -o "$scratch/out"
blueprint=$work/services/notifications/infrastructure-blueprint.yaml
sed -i 's/^    LOG_LEVEL: Information$/    LOG_LEVEL: Debug/' "$blueprint"
grep -q '^    LOG_LEVEL: Debug$' "$blueprint" || fail "the blueprint edit did not apply"
expect_status 1 "--check after editing the blueprint" -- "$policyc" generate "$work" -o "$scratch/out" --check
grep -q '^+  LOG_LEVEL: Debug$' <<<"$out" || fail "--check diff after a blueprint edit: $(head -20 <<<"$out")"
touch "$scratch/out/stray.yaml"
expect_status 1 "--check with a stray file" -- "$policyc" generate "$work" -o "$scratch/out" --check
grep -q '^--- a/stray.yaml$' <<<"$out" || fail "--check does not report a file only on disk"

# --- A blueprint that fails check is refused, unless --force. ---
expect_status 1 "refuse a failing blueprint" -- "$policyc" generate examples/ecommerce -o "$scratch/refused"
grep -q "fails check at error level" "$scratch/stderr" || fail "refusal message: $(tail -2 "$scratch/stderr")"
[[ ! -e $scratch/refused ]] || fail "a refused generation wrote a tree"
# The previous tree survives a failed generation.
expect_status 2 "generation error" -- "$policyc" generate "$work" -o "$scratch/out" --templates "$fixtures/escaping-template"
grep -q "must be relative and stay inside the output" "$scratch/stderr" ||
  fail "an escaping path: $(cat "$scratch/stderr")"
[[ -f $scratch/out/infrastructure/notifications/prod/deployment.yaml ]] || fail "a failed generation damaged the previous tree"
[[ ! -e $scratch/escaped ]] || fail "a template wrote outside the output directory"

# --- Templates replaced by id: a user "helm" template instead of the stock one. ---
expect_status 0 "--templates" -- "$policyc" generate "$work" -o "$scratch/custom" --templates "$fixtures/custom-helm"
[[ -f $scratch/custom/helm/notifications/README.md ]] || fail "--templates: the user template did not run"
[[ ! -e $scratch/custom/helm/notifications/Chart.yaml ]] || fail "--templates: the stock helm template still ran"
[[ -f $scratch/custom/infrastructure/notifications/prod/deployment.yaml ]] || fail "--templates: other templates stopped"

# --- check --generated: the Kubernetes manifest pack on what generate renders. ---
expect_status 0 "check --generated" -- "$policyc" check examples/notifications --generated --no-color
grep -q "79 rules: 0 errors, 0 warnings" <<<"$out" || fail "check --generated on the stock templates: $(tail -1 <<<"$out")"
expect_status 1 "check --generated, insecure template" -- "$policyc" check examples/notifications --generated \
  --templates "$fixtures/insecure-kubernetes" --env prod --no-color
for id in K8S-001 K8S-002 K8S-003 K8S-004 K8S-005 K8S-006; do
  grep -q " $id: " <<<"$out" || fail "check --generated: no $id finding"
done
grep -q -- "--> infrastructure/notifications/prod/deployment.yaml:30:23 (spec.template.spec.containers\[0\].securityContext.privileged)" <<<"$out" ||
  fail "check --generated: the privileged finding is not at the manifest's line"
expect_status 1 "check --generated json" -- "$policyc" check examples/notifications --generated \
  --templates "$fixtures/insecure-kubernetes" --env prod --format json
python3 -c 'import json,sys
r = [f for f in json.load(sys.stdin)["results"] if f["id"] == "K8S-005"]
assert r and r[0]["location"]["file"].startswith("infrastructure/") and r[0]["path"].endswith(".image"), r' <<<"$out" ||
  fail "check --generated --format json: K8S-005 not located"

# --- No secret value in any generated file. ---
expect_status 0 "generate with secrets" -- "$policyc" generate tests/e2e/fixtures/explain/system --force -o "$scratch/secrets"
if grep -rq "hunter2" "$scratch/secrets"; then fail "a secret value is in a generated file"; fi
grep -q "LOG_LEVEL: info" "$scratch/secrets/infrastructure/web/prod/configmap.yaml" || fail "plain configuration is missing"

# --- Every YAML document parses; yamllint (relaxed) finds no error. ---
python3 - "$scratch/ecommerce.1" "$scratch/objects.json" <<'EOF' || fail "a generated YAML file does not parse"
import glob, json, sys, yaml
items = []
for path in sorted(glob.glob(sys.argv[1] + "/**/*.yaml", recursive=True)):
    if "/templates/" in path:
        continue
    for doc in yaml.safe_load_all(open(path)):
        if not isinstance(doc, dict):
            raise SystemExit(path + ": not a mapping")
        if "kind" in doc and doc["kind"] != "Kustomization" and "$patch" not in doc:
            items.append({"file": path, "object": doc})
        for name, obj in doc.get("objects", {}).items():
            items.append({"file": path + ":" + name, "object": obj})
        for env in doc.get("environments", {}).values():
            for name, obj in env["objects"].items():
                items.append({"file": path + ":" + name, "object": obj})
json.dump(items, open(sys.argv[2], "w"))
EOF
if command -v yamllint >/dev/null 2>&1; then
  find "$scratch/ecommerce.1" -name '*.yaml' -not -path '*/templates/*' -print0 |
    xargs -0 yamllint -d relaxed -f parsable >"$scratch/yamllint.txt" || fail "yamllint: $(grep error "$scratch/yamllint.txt" | head -3)"
else
  echo "SKIP: yamllint not installed (scripts/setup.sh installs it)"
fi

# --- Every Kubernetes object validates against the Kubernetes schemas. ---
validator=tests/tools/validate_k8s.js
if command -v node >/dev/null 2>&1 && [[ -d tests/tools/node_modules/kubernetes-models ]]; then
  node "$validator" "$scratch/objects.json" >"$scratch/validate.txt" || fail "kubernetes-models: $(head -5 "$scratch/validate.txt")"
  tail -1 "$scratch/validate.txt"
else
  echo "SKIP: Kubernetes schema validation (node or tests/tools/node_modules missing; scripts/setup.sh installs them)"
fi

finish "generate CLI"
