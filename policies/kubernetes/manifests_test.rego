package policies.kubernetes_test

import data.policies.kubernetes

good := {
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": {"name": "api", "namespace": "shop", "labels": {"app.kubernetes.io/name": "api"}},
	"spec": {"template": {
		"metadata": {"labels": {"app.kubernetes.io/name": "api"}},
		"spec": {
			"securityContext": {"runAsNonRoot": true},
			"containers": [{
				"name": "api",
				"image": "shop/api:1.2.0",
				"resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "200m", "memory": "256Mi"}},
				"readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}},
				"livenessProbe": {"httpGet": {"path": "/livez", "port": "http"}},
				"securityContext": {"allowPrivilegeEscalation": false},
			}],
		},
	}},
}

policy := {
	"apiVersion": "networking.k8s.io/v1",
	"kind": "NetworkPolicy",
	"metadata": {"name": "api", "namespace": "shop"},
	"spec": {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "api"}}},
}

generated(workload) := {"infrastructure/api/prod/deployment.yaml": [workload], "infrastructure/api/prod/networkpolicy.yaml": [policy]}

container(changes) := object.union(good.spec.template.spec.containers[0], changes)

with_container(c) := json.patch(good, [{"op": "replace", "path": "/spec/template/spec/containers/0", "value": c}])

passes(rule) if count(rule) == 0

test_container_without_resources_fires if {
	w := with_container(object.remove(container({}), ["resources"]))
	some r in kubernetes.deny_container_without_resources with input.generated as generated(w)
	r.path == "spec.template.spec.containers[0]"
	r.file == "infrastructure/api/prod/deployment.yaml"
	r.service == "api"
}

test_container_without_resources_passes if {
	passes(kubernetes.deny_container_without_resources) with input.generated as generated(good)
}

test_container_without_probes_fires if {
	w := with_container(object.remove(container({}), ["livenessProbe"]))
	some r in kubernetes.deny_container_without_probes with input.generated as generated(w)
	contains(r.msg, "livenessProbe")
}

test_container_without_probes_passes if {
	passes(kubernetes.deny_container_without_probes) with input.generated as generated(good)
}

test_privileged_container_fires if {
	w := with_container(container({"securityContext": {"privileged": true, "allowPrivilegeEscalation": false}}))
	some r in kubernetes.deny_privileged_container with input.generated as generated(w)
	r.path == "spec.template.spec.containers[0].securityContext.privileged"
	escalating := json.patch(good, [{"op": "replace", "path": "/spec/template/spec/containers/0/securityContext", "value": {}}])
	count(kubernetes.deny_privileged_container) == 1 with input.generated as generated(escalating)
}

test_privileged_container_passes if {
	passes(kubernetes.deny_privileged_container) with input.generated as generated(good)
}

test_root_container_fires if {
	w := json.patch(good, [{"op": "remove", "path": "/spec/template/spec/securityContext"}])
	count(kubernetes.deny_root_container) == 1 with input.generated as generated(w)
}

test_root_container_passes if {
	passes(kubernetes.deny_root_container) with input.generated as generated(good)
	container_level := json.patch(with_container(container({"securityContext": {"allowPrivilegeEscalation": false, "runAsNonRoot": true}})), [{"op": "remove", "path": "/spec/template/spec/securityContext"}])
	passes(kubernetes.deny_root_container) with input.generated as generated(container_level)
}

test_unpinned_image_fires if {
	count(kubernetes.deny_unpinned_image) == 1 with input.generated as generated(with_container(container({"image": "shop/api:latest"})))
	count(kubernetes.deny_unpinned_image) == 1 with input.generated as generated(with_container(container({"image": "registry:5000/shop/api"})))
}

test_unpinned_image_passes if {
	passes(kubernetes.deny_unpinned_image) with input.generated as generated(good)
	passes(kubernetes.deny_unpinned_image) with input.generated as generated(with_container(container({"image": "registry:5000/shop/api:2.0"})))
	passes(kubernetes.deny_unpinned_image) with input.generated as generated(with_container(container({"image": "shop/api@sha256:abc"})))
}

test_workload_without_network_policy_fires if {
	some r in kubernetes.warn_workload_without_network_policy with input.generated as {"infrastructure/api/prod/deployment.yaml": [good]}
	r.path == "spec.template.metadata.labels"
}

test_workload_without_network_policy_passes if {
	passes(kubernetes.warn_workload_without_network_policy) with input.generated as generated(good)
}
