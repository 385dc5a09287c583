# Kubernetes objects from a service's derived facts (generate.derive.facts): one object per
# file name, shared by the kubernetes, kustomize and helm templates. Structural values only:
# the emitter writes them as YAML, so every manifest is well formed.
package generate.k8s

import data.generate.derive

# The objects of one service: {file name: object}. Optional objects appear only when the
# facts call for them.
objects(f) := {file: obj | some file, obj in candidates(f); obj != null}

# Each service's objects for the environment and for the base blueprint, computed once per
# evaluation: templates read these rather than call objects() again.
service_objects[name] := objects(f) if some name, f in derive.services

base_objects[name] := objects(f) if some name, f in derive.base_services

candidates(f) := {
	sprintf("%s.yaml", [lower(f.kind)]): workload(f),
	"service.yaml": service(f),
	"configmap.yaml": configmap(f),
	"serviceaccount.yaml": service_account(f),
	"role.yaml": role(f),
	"rolebinding.yaml": role_binding(f),
	"networkpolicy.yaml": network_policy(f),
	"ingress.yaml": ingress(f),
	"secrets.yaml": secret_source(f),
	"hpa.yaml": autoscaler(f),
	"pdb.yaml": disruption_budget(f),
	"otel-collector-config.yaml": otel_config_map(f),
}

metadata(f, name) := {"name": name, "namespace": f.namespace, "labels": f.labels}

selector(f) := {"app.kubernetes.io/name": f.name}

config_name(f) := sprintf("%s-config", [f.name])

secret_name(f) := sprintf("%s-secrets", [f.name])

otel_name(f) := sprintf("%s-otel-collector", [f.name])

# --- the workload ---------------------------------------------------------------------

workload(f) := {
	"apiVersion": "apps/v1",
	"kind": f.kind,
	"metadata": metadata(f, f.name),
	"spec": object.union(workload_spec(f), statefulset_spec(f)),
}

statefulset_spec(f) := {"serviceName": f.name} if f.kind == "StatefulSet"

else := {}

workload_spec(f) := {
	"replicas": f.replicas,
	"selector": {"matchLabels": selector(f)},
	"template": {
		"metadata": {"labels": f.labels},
		"spec": pod_spec(f),
	},
}

pod_spec(f) := object.union(
	{
		"serviceAccountName": f.serviceAccount,
		"automountServiceAccountToken": false,
		"securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
		"containers": array.concat([app_container(f)], sidecars(f)),
	},
	volumes(f),
)

app_container(f) := object.union(
	{
		"name": f.name,
		"image": f.image,
		"ports": [{"name": "http", "containerPort": f.port, "protocol": "TCP"}],
		"envFrom": [{"configMapRef": {"name": config_name(f)}}],
		"resources": f.resources,
		"readinessProbe": http_probe(f.probes.readiness),
		"livenessProbe": http_probe(f.probes.liveness),
		"startupProbe": http_probe(f.probes.startup),
		"securityContext": container_security,
	},
	object.union(env(f), mounts(f)),
)

env(f) := {"env": [{"name": e.name, "valueFrom": {"secretKeyRef": {"name": e.secret, "key": e.key}}} | some e in f.secretEnv]} if {
	count(f.secretEnv) > 0
} else := {}

container_security := {
	"allowPrivilegeEscalation": false,
	"privileged": false,
	"readOnlyRootFilesystem": true,
	"runAsNonRoot": true,
	"capabilities": {"drop": ["ALL"]},
}

http_probe(p) := {
	"httpGet": {"path": p.path, "port": "http"},
	"periodSeconds": p.periodSeconds,
	"initialDelaySeconds": p.initialDelaySeconds,
}

# Key Vault secrets arrive through the Secrets Store CSI driver, which needs a volume.
key_vault(f) if {
	f.secretStore.kind == "azure-key-vault"
	count(f.secrets) > 0
}

mounts(f) := {"volumeMounts": [{"name": "secrets-store", "mountPath": "/mnt/secrets-store", "readOnly": true}]} if {
	key_vault(f)
} else := {}

volumes(f) := {"volumes": array.concat(secret_volumes(f), otel_volumes(f))} if {
	count(array.concat(secret_volumes(f), otel_volumes(f))) > 0
} else := {}

secret_volumes(f) := [{
	"name": "secrets-store",
	"csi": {
		"driver": "secrets-store.csi.k8s.io",
		"readOnly": true,
		"volumeAttributes": {"secretProviderClass": secret_name(f)},
	},
}] if {
	key_vault(f)
} else := []

otel_volumes(f) := [{"name": "otel-config", "configMap": {"name": otel_name(f)}}] if {
	f.otel.sidecar
} else := []

sidecars(f) := [{
	"name": "otel-collector",
	"image": "otel/opentelemetry-collector-contrib:0.96.0",
	"args": ["--config=/etc/otel/config.yaml"],
	"ports": [{"name": "otlp-grpc", "containerPort": 4317, "protocol": "TCP"}],
	"resources": {
		"requests": {"cpu": "50m", "memory": "64Mi"},
		"limits": {"cpu": "200m", "memory": "256Mi"},
	},
	"securityContext": container_security,
	"volumeMounts": [{"name": "otel-config", "mountPath": "/etc/otel", "readOnly": true}],
}] if {
	f.otel.sidecar
} else := []

# --- around the workload ----------------------------------------------------------------

service(f) := {
	"apiVersion": "v1",
	"kind": "Service",
	"metadata": metadata(f, f.name),
	"spec": {
		"selector": selector(f),
		"ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
	},
}

configmap(f) := {
	"apiVersion": "v1",
	"kind": "ConfigMap",
	"metadata": metadata(f, config_name(f)),
	"data": f.config,
}

service_account(f) := {
	"apiVersion": "v1",
	"kind": "ServiceAccount",
	"metadata": object.union(metadata(f, f.serviceAccount), identity_annotations(f)),
	"automountServiceAccountToken": false,
}

identity_annotations(f) := {"annotations": {"azure.workload.identity/client-id": f.identityClientId}} if {
	f.identityClientId != ""
} else := {}

# Least privilege: the service may read its own configuration and secrets, nothing else.
role(f) := {
	"apiVersion": "rbac.authorization.k8s.io/v1",
	"kind": "Role",
	"metadata": metadata(f, f.name),
	"rules": array.concat(
		[{"apiGroups": [""], "resources": ["configmaps"], "resourceNames": [config_name(f)], "verbs": ["get"]}],
		secret_rules(f),
	),
}

secret_rules(f) := [{"apiGroups": [""], "resources": ["secrets"], "resourceNames": [secret_name(f)], "verbs": ["get"]}] if {
	count(f.secrets) > 0
} else := []

role_binding(f) := {
	"apiVersion": "rbac.authorization.k8s.io/v1",
	"kind": "RoleBinding",
	"metadata": metadata(f, f.name),
	"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": f.name},
	"subjects": [{"kind": "ServiceAccount", "name": f.serviceAccount, "namespace": f.namespace}],
}

network_policy(f) := {
	"apiVersion": "networking.k8s.io/v1",
	"kind": "NetworkPolicy",
	"metadata": object.union(metadata(f, f.name), egress_host_annotations(f)),
	"spec": {
		"podSelector": {"matchLabels": selector(f)},
		"policyTypes": ["Ingress", "Egress"],
		"ingress": [{
			"from": array.concat(
				[{"ipBlock": {"cidr": c}} | some c in f.network.ingressCidrs],
				[{"podSelector": {"matchLabels": {"app.kubernetes.io/name": s}}} | some s in f.network.ingressServices],
			),
			"ports": [{"port": "http", "protocol": "TCP"}],
		} |
			count(f.network.ingressCidrs) + count(f.network.ingressServices) > 0
		],
		"egress": array.concat(
			[{"to": [{"namespaceSelector": {}}], "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]}],
			[{"to": array.concat(
				[{"ipBlock": {"cidr": c}} | some c in f.network.egressCidrs],
				[{"podSelector": {"matchLabels": {"app.kubernetes.io/name": s}}} | some s in f.network.egressServices],
			)} |
				count(f.network.egressCidrs) + count(f.network.egressServices) > 0
			],
		),
	},
}

# Host names cannot be selected by a NetworkPolicy: they are recorded for an egress gateway.
egress_host_annotations(f) := {"annotations": {"policyc.dev/egress-hosts": concat(",", f.network.egressHosts)}} if {
	count(f.network.egressHosts) > 0
} else := {}

ingress(f) := {
	"apiVersion": "networking.k8s.io/v1",
	"kind": "Ingress",
	"metadata": object.union(metadata(f, f.name), ingress_annotations(f)),
	"spec": object.union(
		{
			"ingressClassName": f.ingress.className,
			"rules": [{
				"host": f.ingress.host,
				"http": {"paths": [{
					"path": f.ingress.path,
					"pathType": "Prefix",
					"backend": {"service": {"name": f.name, "port": {"name": "http"}}},
				}]},
			}],
		},
		ingress_tls(f),
	),
} if {
	f.ingress != null
} else := null

ingress_annotations(f) := {"annotations": f.ingress.annotations} if {
	count(f.ingress.annotations) > 0
} else := {}

ingress_tls(f) := {"tls": [{"hosts": [f.ingress.host], "secretName": f.ingress.certificateRef}]} if {
	f.ingress.tls
} else := {}

# References to secrets, never their values: a SecretProviderClass for Azure Key Vault, an
# ExternalSecret for other stores.
secret_source(f) := {
	"apiVersion": "secrets-store.csi.x-k8s.io/v1",
	"kind": "SecretProviderClass",
	"metadata": metadata(f, secret_name(f)),
	"spec": {
		"provider": "azure",
		"parameters": {
			"keyvaultName": f.secretStore.vault,
			"usePodIdentity": "false",
			"clientID": f.identityClientId,
			"objects": yaml.marshal({"array": [yaml.marshal({"objectName": s, "objectType": "secret"}) | some s in f.secrets]}),
		},
		"secretObjects": [{
			"secretName": secret_name(f),
			"type": "Opaque",
			"data": [{"objectName": s, "key": s} | some s in f.secrets],
		}],
	},
} if {
	key_vault(f)
} else := {
	"apiVersion": "external-secrets.io/v1beta1",
	"kind": "ExternalSecret",
	"metadata": metadata(f, secret_name(f)),
	"spec": {
		"refreshInterval": "1h",
		"secretStoreRef": {"kind": "ClusterSecretStore", "name": f.secretStore.store},
		"target": {"name": secret_name(f)},
		"data": [{"secretKey": s, "remoteRef": {"key": s}} | some s in f.secrets],
	},
} if {
	count(f.secrets) > 0
} else := null

autoscaler(f) := {
	"apiVersion": "autoscaling/v2",
	"kind": "HorizontalPodAutoscaler",
	"metadata": metadata(f, f.name),
	"spec": {
		"scaleTargetRef": {"apiVersion": "apps/v1", "kind": f.kind, "name": f.name},
		"minReplicas": f.autoscaling.minReplicas,
		"maxReplicas": f.autoscaling.maxReplicas,
		"metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": f.autoscaling.targetCpuUtilization}}}],
	},
} if {
	f.autoscaling != null
} else := null

disruption_budget(f) := {
	"apiVersion": "policy/v1",
	"kind": "PodDisruptionBudget",
	"metadata": metadata(f, f.name),
	"spec": {"minAvailable": 1, "selector": {"matchLabels": selector(f)}},
} if {
	f.disruptionBudget
} else := null

# --- OpenTelemetry -----------------------------------------------------------------------

# The collector's own configuration (also written as otel-collector.yaml).
otel_collector_config(f) := {
	"receivers": {"otlp": {"protocols": {"grpc": {"endpoint": "0.0.0.0:4317"}, "http": {"endpoint": "0.0.0.0:4318"}}}},
	"processors": {
		"batch": {},
		"probabilistic_sampler": {"sampling_percentage": f.otel.samplingRate * 100},
		"resource": {"attributes": [{"key": "service.name", "value": f.otel.serviceName, "action": "upsert"}]},
	},
	"exporters": {"otlp": {"endpoint": f.otel.endpoint}},
	"service": {"pipelines": {
		"traces": {"receivers": ["otlp"], "processors": ["probabilistic_sampler", "resource", "batch"], "exporters": ["otlp"]},
		"metrics": {"receivers": ["otlp"], "processors": ["resource", "batch"], "exporters": ["otlp"]},
		"logs": {"receivers": ["otlp"], "processors": ["resource", "batch"], "exporters": ["otlp"]},
	}},
}

otel_config_map(f) := {
	"apiVersion": "v1",
	"kind": "ConfigMap",
	"metadata": metadata(f, otel_name(f)),
	"data": {"config.yaml": yaml.marshal(otel_collector_config(f))},
} if {
	f.otel.sidecar
} else := null
