#!/usr/bin/env bash
# A system written only from the seed's sections and words (fixtures/seed-vocabulary): it
# loads and checks with no schema error in every environment (exit 0 or 1, never 2), its
# findings point at the lines the user wrote (shorthands included), and the seed's spellings
# resolve to the schema's values.
# usage: seed_vocabulary_test.sh <policyc binary> <repository root>
set -u
policyc=$1
cd "$2" || exit 2
source tests/e2e/lib.sh

system=tests/e2e/fixtures/seed-vocabulary
for env in "" dev staging production; do
  args=(check "$system" --no-color)
  [[ -n $env ]] && args+=(--env "$env")
  out=$("$policyc" "${args[@]}" 2>"$scratch/stderr")
  status=$?
  [[ $status -eq 0 || $status -eq 1 ]] || fail "check ${env:-all environments}: exit $status ($(head -3 "$scratch/stderr"))"
  ! grep -q 'blueprint_' "$scratch/stderr" || fail "check ${env:-all environments}: $(head -3 "$scratch/stderr")"
done

out=$("$policyc" check "$system" --env production --no-color 2>/dev/null)
auth=$system/services/auth-service/infrastructure-blueprint.yaml
notifications=$system/services/notifications/infrastructure-blueprint.json
# A value set by an inline environment overlay, a probe given as its path, traces as objects.
for want in "COST-011: replicas 4 exceeds costProfile.autoscaling.maxReplicas 3|$auth:119:15" \
  "RT-003: durable service's liveness probe|$notifications:20:19" \
  "OBS-009: service uses messaging (azure-service-bus) without W3C trace propagation|$notifications:54:15"; do
  finding=${want%%|*}
  where=${want#*|}
  grep -A1 -F "$finding" <<<"$out" | grep -qF -- "--> ./${where#"$system/"}" ||
    grep -A1 -F "$finding" <<<"$out" | grep -qF -- "--> $where" ||
    fail "no '$finding' at $where: $(grep -A1 -F "$finding" <<<"$out" | tail -1)"
done

# The seed's spellings, in the one shape policies see.
expect_status 0 "resolve production" -- "$policyc" resolve "$system" --env production --format json
python3 - "$out" <<'PY' || fail "the seed's words do not resolve to the schema's values"
import json, sys
d = json.loads(sys.argv[1])
s, sy = d["services"], d["system"]
want = [
    (sy["tenancy"]["mode"], "hybrid"),
    (sy["regions"]["strategy"], "active-passive"),
    (sy["clusterProfiles"]["production-k8s"]["kind"], "kubernetes"),
    (s["auth-service"]["security"]["zone"], "dmz"),
    (s["auth-service"]["runtimeTarget"]["kind"], "app-service"),
    (s["auth-service"]["runtimeTarget"]["fallback"], "container-apps"),
    (s["auth-service"]["runtimeProfile"]["probes"]["readiness"], {"path": "/healthz"}),
    (s["auth-service"]["runtimeProfile"]["probes"]["startup"], {"path": "/startz"}),
    (s["auth-service"]["observability"]["metrics"], ["auth_requests_total"]),
    (s["auth-service"]["observability"]["logs"], ["json"]),
    (s["auth-service"]["observability"]["traces"], ["ValidateToken"]),
    (s["auth-service"]["observability"]["telemetryLevel"], "full"),
    (s["auth-service"]["resources"]["cpuLimit"], "1000m"),
    (s["auth-service"]["keyVault"]["name"], "prod-secrets"),
    (s["auth-service"]["replicas"], 4),
    (s["auth-service"]["costProfile"]["tier"], "standard"),
    (s["auth-service"]["environments"], ["dev", "staging", "production"]),
    (s["auth-service"]["dependencies"][2]["dependsOn"], ["auth-service"]),
    (s["auth-service"]["security"]["rbac"]["scopes"], ["subscriptions/abc123/resourceGroups/infra-dev"]),
    (s["notifications"]["messaging"]["bus"], "azure-service-bus"),
    (s["notifications"]["runtimeProfile"]["probes"]["liveness"], {"path": "/livez"}),
    (s["email-worker"]["replicas"], 3),
    (s["email-worker"]["resources"], {"cpu": 1}),
    (s["email-worker"]["observability"], {"logLevel": "warn"}),
    ("infrastructure" in s["email-worker"], False),
    (s["user-service"]["tenancy"]["mode"], "isolated"),
    (s["user-service"]["regions"]["strategy"], "geo-aware"),
    (s["user-service"]["storage"]["cache"][0]["type"], "Redis"),
    (s["user-service"]["secrets"][0]["source"], "AzureKeyVault"),
    (s["user-service"]["secrets"][0]["injection"], "env"),
    (s["user-service"]["secrets"][1], {"name": "JWT_SIGNING_KEY", "path": "secrets/jwt/key", "injection": "file", "source": "AzureKeyVault"}),
    (s["user-service"]["keyVault"]["name"], "connectsoft-kv"),
    (s["user-service"]["runtimeConfig"], {"environment": {"ASPNETCORE_ENVIRONMENT": "Production", "FEATURE_CACHE_ENABLED": "true",
                                                          "SERVICE_TIMEOUT_SECONDS": "6", "LOG_LEVEL": "Warning"}}),
    (s["user-service"]["security"]["identity"], {"type": "managed", "name": "svc-user-api"}),
    (s["user-service"]["cicd"]["platform"], "github"),
]
bad = [(got, expected) for got, expected in want if got != expected]
for got, expected in bad:
    print("got %r, expected %r" % (got, expected))
sys.exit(1 if bad else 0)
PY
finish "seed vocabulary"
