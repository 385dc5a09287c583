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

test_good_workload_passes if {
	count(kubernetes.deny_container_without_resources) == 0 with input.generated as generated(good)
	count(kubernetes.deny_container_without_probes) == 0 with input.generated as generated(good)
	count(kubernetes.deny_privileged_container) == 0 with input.generated as generated(good)
	count(kubernetes.deny_root_container) == 0 with input.generated as generated(good)
	count(kubernetes.deny_unpinned_image) == 0 with input.generated as generated(good)
	count(kubernetes.warn_workload_without_network_policy) == 0 with input.generated as generated(good)
}

test_missing_limits_fire if {
	w := with_container(object.remove(container({}), ["resources"]))
	some r in kubernetes.deny_container_without_resources with input.generated as generated(w)
	r.path == "spec.template.spec.containers[0]"
	r.file == "infrastructure/api/prod/deployment.yaml"
	r.service == "api"
}

test_missing_probe_fires if {
	w := with_container(object.remove(container({}), ["livenessProbe"]))
	some r in kubernetes.deny_container_without_probes with input.generated as generated(w)
	contains(r.msg, "livenessProbe")
}

test_privileged_fires if {
	w := with_container(container({"securityContext": {"privileged": true, "allowPrivilegeEscalation": false}}))
	some r in kubernetes.deny_privileged_container with input.generated as generated(w)
	r.path == "spec.template.spec.containers[0].securityContext.privileged"
}

test_escalation_fires if {
	w := json.patch(good, [{"op": "replace", "path": "/spec/template/spec/containers/0/securityContext", "value": {}}])
	count(kubernetes.deny_privileged_container) == 1 with input.generated as generated(w)
}

test_root_fires if {
	w := json.patch(good, [{"op": "remove", "path": "/spec/template/spec/securityContext"}])
	count(kubernetes.deny_root_container) == 1 with input.generated as generated(w)
}

test_container_level_non_root_passes if {
	w := json.patch(with_container(container({"securityContext": {"allowPrivilegeEscalation": false, "runAsNonRoot": true}})), [{"op": "remove", "path": "/spec/template/spec/securityContext"}])
	count(kubernetes.deny_root_container) == 0 with input.generated as generated(w)
}

test_latest_and_untagged_images_fire if {
	count(kubernetes.deny_unpinned_image) == 1 with input.generated as generated(with_container(container({"image": "shop/api:latest"})))
	count(kubernetes.deny_unpinned_image) == 1 with input.generated as generated(with_container(container({"image": "registry:5000/shop/api"})))
	count(kubernetes.deny_unpinned_image) == 0 with input.generated as generated(with_container(container({"image": "registry:5000/shop/api:2.0"})))
	count(kubernetes.deny_unpinned_image) == 0 with input.generated as generated(with_container(container({"image": "shop/api@sha256:abc"})))
}

test_workload_without_network_policy_warns if {
	some r in kubernetes.warn_workload_without_network_policy with input.generated as {"infrastructure/api/prod/deployment.yaml": [good]}
	r.path == "spec.template.metadata.labels"
}
