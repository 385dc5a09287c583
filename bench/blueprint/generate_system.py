#!/usr/bin/env python3
"""Writes a synthetic blueprint directory with N services, for scale benchmarks.

Services form layers (core stores, infra services, internal APIs, edge gateways); each one
depends on 1-4 services of lower layers, so the graph is acyclic with realistic fan-out.
Every service has a dev and a prod overlay. Deterministic for a given --seed.

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
runtimeTarget:
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
secrets:
  - name: {id}-db
    source: AzureKeyVault
    key: {id}-db-conn
    injection: env
    required: true
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
security:
  zone: internal
  network:
    ingress:
      allowedSources: [api-gateway]
observability:
  otel:
    enabled: true
  metrics: [requests_total, errors_total]
costProfile:
  tier: standard
  budgetLimit: $40/month
dependencies:
  - name: {id}
    dependsOn: [{deps}]
    tier: {tier}
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
  budgetLimit: $120/month
"""


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
        f.write("name: synthetic\nenvironments:\n  - name: dev\n  - name: prod\n"
                "clusterProfiles:\n  shared-aks:\n    kind: kubernetes\n    provider: Azure\n")
    for index, service_id in enumerate(ids):
        layer = min(3, index * 4 // max(1, args.services))
        tier = TIERS[layer]
        lower = ids[: index] if layer > 0 else []
        deps = rng.sample(lower[-200:], min(len(lower[-200:]), rng.randint(1, 4))) if lower else []
        folder = os.path.join(args.out, "services", service_id)
        os.makedirs(os.path.join(folder, "overlays"), exist_ok=True)
        with open(os.path.join(folder, "infrastructure-blueprint.yaml"), "w") as f:
            f.write(SERVICE.format(id=service_id, type=TYPES[tier], tier=tier, deps=", ".join(deps)))
        with open(os.path.join(folder, "overlays", "dev.yaml"), "w") as f:
            f.write(DEV)
        with open(os.path.join(folder, "overlays", "prod.yaml"), "w") as f:
            f.write(PROD.format(id=service_id))


if __name__ == "__main__":
    main()
