# Derived facts for generation: what the seed calls derived properties, computed from a
# resolved service blueprint and its environment. Templates (generate.templates.*) turn these
# facts into artifacts; override or extend a rule here with `policyc generate --policy DIR`.
package generate.derive

import data.policies.lib
import data.policies.security

# Facts of each service that is deployed (a library emits no runtime artifacts), for the
# environment being generated and for the base blueprint (no environment overlay).
services[name] := facts(name, svc, production) if {
	some name, svc in input.services
	lib.deployable(svc)
}

default production := false

production if lib.is_prod

base_services[name] := facts(name, svc, false) if {
	some name, svc in input.base_services
	lib.deployable(svc)
}

facts(name, svc, prod) := {
	"name": name,
	"namespace": namespace(name, svc),
	"system": system_name,
	"kind": workload_kind(svc),
	"serviceType": object.get(svc, "serviceType", "api"),
	"image": image(name, svc),
	"port": container_port,
	"replicas": replicas(svc, prod),
	"autoscaling": autoscaling(svc, prod),
	"resources": resources(svc),
	"probes": probes(svc),
	"config": config(svc),
	"secretEnv": secret_env(name, svc),
	"secretStore": secret_store(svc),
	"secrets": secret_names(svc),
	"ingress": ingress(name, svc),
	"network": network(svc),
	"serviceAccount": service_account(name, svc),
	"identityClientId": object.get(svc, ["security", "identity", "clientId"], ""),
	"roles": roles(svc),
	"otel": otel(name, svc),
	"labels": labels(name),
	"disruptionBudget": replicas(svc, prod) >= 2,
}

default system_name := "system"

system_name := input.system.name

container_port := 8080

namespace(name, svc) := object.get(svc, ["runtimeTarget", "namespace"], system_name)

labels(name) := {
	"app.kubernetes.io/name": name,
	"app.kubernetes.io/part-of": system_name,
	"app.kubernetes.io/managed-by": "policyc",
}

# Durable runtime profiles keep state: a StatefulSet.
workload_kind(svc) := "StatefulSet" if {
	object.get(svc, ["runtimeProfile", "type"], "") == "durable"
} else := "Deployment"

# The image: the system's registry path, the service name and its blueprint version.
image(name, svc) := sprintf("%s/%s:%s", [system_name, name, image_tag(svc)])

image_tag(svc) := trim_prefix(v, "v") if {
	v := svc.metadata.version
	is_string(v)
} else := trim_prefix(v, "v") if {
	v := svc.metadata.templateVersion
	is_string(v)
} else := "0.1.0"

# Replicas: the blueprint's count or scaling minimum, else two in production and one
# elsewhere.
replicas(svc, prod) := lib.base_replicas(svc) if {
	object.get(svc, "replicas", null) != null
} else := lib.base_replicas(svc) if {
	object.get(svc, ["runtimeProfile", "scaling", "minReplicas"], null) != null
} else := 2 if {
	prod == true
} else := 1

autoscaling(svc, prod) := {
	"minReplicas": replicas(svc, prod),
	"maxReplicas": lib.max_replicas(svc),
	"targetCpuUtilization": object.get(svc, ["runtimeProfile", "scaling", "targetCpuUtilization"], 70),
} if {
	lib.max_replicas(svc) > replicas(svc, prod)
} else := null

# Requests and limits: the blueprint's, else by cost tier (an edition overlay may change the
# tier).
tier_resources := {
	"basic": {"cpu": "100m", "memory": "128Mi", "cpuLimit": "250m", "memoryLimit": "256Mi"},
	"standard": {"cpu": "250m", "memory": "256Mi", "cpuLimit": "500m", "memoryLimit": "512Mi"},
	"premium": {"cpu": "500m", "memory": "512Mi", "cpuLimit": "1", "memoryLimit": "1Gi"},
}

resources(svc) := {
	"requests": {"cpu": quantity(r.cpu), "memory": quantity(r.memory)},
	"limits": {"cpu": quantity(r.cpuLimit), "memory": quantity(r.memoryLimit)},
} if {
	tier := object.get(svc, ["costProfile", "tier"], "standard")
	defaults := object.get(tier_resources, tier, tier_resources.standard)
	r := object.union(defaults, object.get(svc, "resources", {}))
}

quantity(q) := sprintf("%v", [q])

# Probes: the blueprint's, else the seed's default paths.
default_probe_paths := {"readiness": "/healthz", "liveness": "/livez", "startup": "/startz"}

probes(svc) := {kind: probe(svc, kind) | some kind, _ in default_probe_paths}

probe(svc, kind) := {
	"path": probe_path(p, kind),
	"periodSeconds": seconds(object.get(p, "interval", "10s")),
	"initialDelaySeconds": seconds(object.get(p, "initialDelay", "0s")),
} if {
	p := probe_object(lib.probe(svc, kind))
}

probe_object(p) := {"path": p} if is_string(p)

probe_object(p) := p if is_object(p)

probe_object(p) := {} if {
	not is_string(p)
	not is_object(p)
}

probe_path(p, kind) := object.get(p, "path", default_probe_paths[kind])

seconds(d) := round(s) if {
	s := lib.duration_seconds(d)
} else := 10

# Plain configuration: every environment value that is neither a secret nor secret-looking.
environment(svc) := object.get(svc, ["runtimeConfig", "environment"], {})

config(svc) := {key: sprintf("%v", [v]) |
	some key, v in environment(svc)
	plain_config(key, v)
}

plain_config(key, v) if {
	not security.secret_looking_key(key)
	not security.plaintext_secret(key, v)
	count(lib.secret_refs(v)) == 0
}

# Environment variables read from secrets: ${{ secrets:Name }} values, and declared secrets
# injected as environment variables. Values never appear, only secret names.
secret_env(name, svc) := sort({e |
	some key, v in environment(svc)
	lib.is_secret_ref(v)
	some ref in lib.secret_refs(v)
	e := {"name": key, "secret": secret_object_name(name), "key": ref}
} | {e |
	some s in object.get(svc, "secrets", [])
	object.get(s, "injection", "env") == "env"
	e := {"name": object.get(s, "envVar", upper(replace(s.name, "-", "_"))), "secret": secret_object_name(name), "key": s.name}
})

secret_object_name(name) := sprintf("%s-secrets", [name])

secret_names(svc) := sort(lib.declared_secret_names(svc) | {ref |
	some _, v in environment(svc)
	lib.is_secret_ref(v)
	some ref in lib.secret_refs(v)
})

# Where secrets come from: an Azure Key Vault (a SecretProviderClass) or an external store
# (an ExternalSecret through a ClusterSecretStore named after the source).
secret_store(svc) := {"kind": "azure-key-vault", "vault": svc.keyVault.name} if {
	is_string(svc.keyVault.name)
} else := {"kind": "azure-key-vault", "vault": ""} if {
	some s in object.get(svc, "secrets", [])
	s.source == "AzureKeyVault"
} else := {"kind": "external", "store": store} if {
	some s in object.get(svc, "secrets", [])
	s.source in {"HashiCorpVault", "AWSSecretsManager"}
	store := lower(s.source)
} else := {"kind": "external", "store": "default"}

ingress_classes := {
	"nginx": "nginx",
	"traefik": "traefik",
	"kubernetes": "nginx",
	"istio-gateway": "istio",
	"application-gateway": "azure-application-gateway",
	"azure-front-door": "azure-application-gateway",
	"api-management": "azure-application-gateway",
}

ingress(name, svc) := {
	"host": object.get(svc.ingress, "host", sprintf("%s.local", [name])),
	"path": object.get(svc.ingress, "path", "/"),
	"className": object.get(ingress_classes, object.get(svc.ingress, "type", "kubernetes"), "nginx"),
	"tls": object.get(svc.ingress, ["tls", "enabled"], false) == true,
	"certificateRef": object.get(svc.ingress, ["tls", "certificateRef"], sprintf("%s-tls", [name])),
	"annotations": object.get(svc.ingress, "annotations", {}),
} if {
	lib.has_ingress(svc)
} else := null

# Network policy sources and destinations: CIDRs become ipBlocks, names select pods.
network(svc) := {
	"ingressCidrs": sort([s | some s in sources(svc); contains(s, "/")]),
	"ingressServices": sort([s | some s in sources(svc); not contains(s, "/")]),
	"egressCidrs": sort([d | some d in destinations(svc); contains(d, "/")]),
	"egressServices": sort([d | some d in destinations(svc); not contains(d, "/"); not contains(d, ".")]),
	"egressHosts": sort([d | some d in destinations(svc); not contains(d, "/"); contains(d, ".")]),
}

sources(svc) := [s | some s in object.get(svc, ["security", "network", "ingress", "allowedSources"], []); is_string(s)]

destinations(svc) := [d | some d in object.get(svc, ["security", "network", "egress", "allowedDestinations"], []); is_string(d)]

service_account(name, svc) := n if {
	n := svc.security.identity.name
	is_string(n)
} else := name

roles(svc) := [r | some r in object.get(svc, ["security", "rbac", "roles"], []); is_string(r)]

# The OpenTelemetry collector sidecar, on when the observability profile enables OTel.
otel(name, svc) := {
	"sidecar": object.get(o, ["sidecar", "enabled"], true),
	"exporter": object.get(o, "exporter", "otlp"),
	"endpoint": object.get(o, "endpoint", "http://otel-collector.observability:4317"),
	"samplingRate": object.get(o, "samplingRate", 1),
	"serviceName": name,
} if {
	o := svc.observability.otel
	object.get(o, "enabled", false) == true
} else := null

# Provisioning triggers that apply to an environment: all but the environment-switch ones of
# other environments (the seed writes "production" where the system says "prod").
provisioning_triggers(svc, environment) := [t |
	some t in object.get(svc, "provisioningTriggers", [])
	trigger_applies(t, environment)
]

trigger_applies(t, _) if t.type != "onEnvironmentSwitch"

trigger_applies(t, environment) if {
	t.type == "onEnvironmentSwitch"
	same_environment(object.get(t, "environment", ""), environment)
}

environment_aliases := {"production": "prod", "development": "dev", "stage": "staging"}

same_environment(a, b) if object.get(environment_aliases, a, a) == object.get(environment_aliases, b, b)
