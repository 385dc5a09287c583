#!/usr/bin/env python3
"""Writes a synthetic blueprint directory with N services, for scale benchmarks.

Services form layers (core stores, infra services, internal APIs, edge gateways); each one
depends on 1-4 services of lower layers, so the graph is acyclic with realistic fan-out.
Every service has a dev and a prod overlay. The fleet is what a CI gate mostly sees: services
that pass the stock policy packs, with one in ten carrying a deliberate mistake (a literal
secret, a missing readiness probe, TLS off in prod). Deterministic for a given --seed.

    generate_system.py OUT_DIR --services 10000 [--seed 1]
"""
import argparse
import os
import random

TIERS = ["core", "infra-service", "internal-api", "edge-facing"]
TYPES = {"core": "worker", "infra-service": "api", "internal-api": "api", "edge-facing": "gateway"}

SERVICE = """metadata:
  serviceId: {id}
  traceId: trace-{id}
  agentId: infrastructure-engineer-agent
  templateVersion: v2.7.1
serviceType: {type}
runtimeProfile:
  type: stateless
  scaling:
    minReplicas: 1
    maxReplicas: 6
  probes:
    liveness:
      path: /health/live
      interval: 15s
{readiness}runtimeTarget:
  kind: kubernetes
  clusterProfile: shared-aks
resources:
  cpu: 250m
  memory: 256Mi
replicas: 2
runtimeConfig:
  environment:
    LOG_LEVEL: Information
    DB_CONNECTION: ${{{{ secrets:{id}-db }}}}
{mistake}secrets:
  - name: {id}-db
    source: AzureKeyVault
    key: {id}-db-conn
    injection: env
    required: true
    rotationPolicy: 90d
keyVault:
  name: kv-{id}
  accessPolicies:
    - principalId: {id}
      permissions:
        secrets: [get, list]
storage:
  databases:
    - name: {id}-db
      engine: PostgreSQL
      sku: B2
      backupRetention: 7d
messaging:
  bus: azure-service-bus
  topics:
    - name: {id}-events
      access: publish
      retention: 7d
{ingress}security:
  zone: {zone}
  network:
    ingress:
      allowedSources: [api-gateway]
  identity:
    type: managed
    name: {id}
observability:
  otel:
    enabled: true
    exporter: otlp
  metrics: [requests_total, errors_total, request_duration_seconds]
  logs: [structured]
  traces: [w3c]
  dashboardTemplate: grafana/service.json
  alertRules:
    - name: high-error-rate
      condition: error_rate > 0.05
      severity: warning
{cert_alert}costProfile:
  tier: standard
  budgetLimit: $60/month
dependencies:
  - name: {id}
    dependsOn: [{deps}]
    tier: {tier}
    healthProbePath: /health/ready
"""

READINESS = """    readiness:
      path: /health/ready
"""

GATEWAY_INGRESS = """ingress:
  type: nginx
  host: {id}.example.com
  tls:
    enabled: true
    certificateRef: wildcard-cert
  auth:
    method: oidc
    provider: example-auth
"""

CERT_ALERT = """    - name: certificate-expiry
      type: certificate_expiry
      thresholdDays: 14
      severity: warning
"""

DEV = "replicas: 1\nresources:\n  cpu: 100m\n"
PROD = """replicas: 4
resources:
  cpu: 500m
  memory: 512Mi
secrets:
  - name: {id}-db
    key: {id}-db-conn-prod
costProfile:
  tier: premium
  autoscaling:
    maxReplicas: 6
  budgetLimit: $400/month
{prod_mistake}"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out")
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    ids = [f"svc-{i:05d}" for i in range(args.services)]
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "system.yaml"), "w") as f:
        f.write("name: synthetic\nenvironments:\n  - name: dev\n    kind: dev\n"
                "  - name: prod\n    kind: prod\n    approvalRequired: true\n"
                "clusterProfiles:\n  shared-aks:\n    kind: kubernetes\n    provider: Azure\n")
    for index, service_id in enumerate(ids):
        layer = min(3, index * 4 // max(1, args.services))
        tier = TIERS[layer]
        lower = ids[: index] if layer > 0 else []
        deps = rng.sample(lower[-200:], min(len(lower[-200:]), rng.randint(1, 4))) if lower else []
        gateway = TYPES[tier] == "gateway"
        # One service in ten carries a mistake the stock packs report.
        mistake = index % 10 == 3
        kind = index // 10 % 3
        fields = {
            "id": service_id,
            "type": TYPES[tier],
            "tier": tier,
            "deps": ", ".join(deps),
            "readiness": "" if mistake and kind == 1 else READINESS,
            "mistake": "    DB_PASSWORD: hunter2\n" if mistake and kind == 0 else "",
            "ingress": GATEWAY_INGRESS.format(id=service_id) if gateway else "",
            "zone": "perimeter" if gateway else "internal",
            "cert_alert": CERT_ALERT if gateway else "",
        }
        prod_mistake = "ingress:\n  tls:\n    enabled: false\n" if mistake and kind == 2 and gateway else ""
        folder = os.path.join(args.out, "services", service_id)
        os.makedirs(os.path.join(folder, "overlays"), exist_ok=True)
        with open(os.path.join(folder, "infrastructure-blueprint.yaml"), "w") as f:
            f.write(SERVICE.format(**fields))
        with open(os.path.join(folder, "overlays", "dev.yaml"), "w") as f:
            f.write(DEV)
        with open(os.path.join(folder, "overlays", "prod.yaml"), "w") as f:
            f.write(PROD.format(id=service_id, prod_mistake=prod_mistake))


if __name__ == "__main__":
    main()
