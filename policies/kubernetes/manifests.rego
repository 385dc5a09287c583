# Kubernetes manifest pack: rules on the manifests `policyc generate` renders, run by
# `policyc check --generated` over input.generated ({file: [documents]}, each environment's
# infrastructure/<service>/<environment>/ files). Each rule yields {"msg", "service", "file",
# "document", "path"}: the finding points at the generated file's line.
package policies.kubernetes

workload_kinds := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}

# Every generated object: [file, document index, object].
objects contains [file, i, obj] if {
	some file, docs in input.generated
	some i, obj in docs
	is_object(obj)
}

workloads contains w if {
	some w in objects
	w[2].kind in workload_kinds
}

pod_spec(obj) := object.get(obj, ["spec", "template", "spec"], {})

service_of(obj) := object.get(obj, ["metadata", "labels", "app.kubernetes.io/name"], object.get(obj, ["metadata", "name"], ""))

finding(w, path, msg) := {"msg": msg, "service": service_of(w[2]), "file": w[0], "document": w[1], "path": path}

containers(obj) := [[j, c] | some j, c in object.get(pod_spec(obj), "containers", [])]

container_path(j) := sprintf("spec.template.spec.containers[%d]", [j])

resource_fields := [["requests", "cpu"], ["requests", "memory"], ["limits", "cpu"], ["limits", "memory"]]

# METADATA
# title: Containers set resource requests and limits
# description: Every container of a generated workload sets CPU and memory requests and limits, so the scheduler can place it and a runaway container cannot starve its node.
# custom:
#   id: K8S-001
#   severity: error
#   domain: kubernetes
#   remediation: Set resources (or costProfile.tier) in the blueprint; a custom template must emit resources.requests and resources.limits.
deny_container_without_resources contains result if {
	some w in workloads
	some [j, c] in containers(w[2])
	missing := [concat(".", f) | some f in resource_fields; object.get(c, array.concat(["resources"], f), null) == null]
	count(missing) > 0
	result := finding(w, container_path(j), sprintf("container %s of %s %s sets no %s", [c.name, w[2].kind, w[2].metadata.name, concat(", ", missing)]))
}

# METADATA
# title: The main container has readiness and liveness probes
# description: The first container of a generated workload (the service itself) has a readiness and a liveness probe; sidecars may go without.
# custom:
#   id: K8S-002
#   severity: error
#   domain: kubernetes
#   remediation: Declare runtimeProfile.probes in the blueprint (the defaults are /healthz and /livez); a custom template must emit them.
deny_container_without_probes contains result if {
	some w in workloads
	c := pod_spec(w[2]).containers[0]
	some probe in ["readinessProbe", "livenessProbe"]
	not c[probe]
	result := finding(w, container_path(0), sprintf("container %s of %s %s has no %s", [c.name, w[2].kind, w[2].metadata.name, probe]))
}

# METADATA
# title: No privileged containers or privilege escalation
# description: Generated containers never run privileged and set allowPrivilegeEscalation to false.
# custom:
#   id: K8S-003
#   severity: error
#   domain: kubernetes
#   remediation: Remove privileged from the template; set securityContext.allowPrivilegeEscalation false.
deny_privileged_container contains result if {
	some w in workloads
	some [j, c] in containers(w[2])
	object.get(c, ["securityContext", "privileged"], false) == true
	result := finding(w, sprintf("%s.securityContext.privileged", [container_path(j)]), sprintf("container %s of %s %s runs privileged", [c.name, w[2].kind, w[2].metadata.name]))
}

deny_privileged_container contains result if {
	some w in workloads
	some [j, c] in containers(w[2])
	object.get(c, ["securityContext", "allowPrivilegeEscalation"], true) != false
	result := finding(w, container_path(j), sprintf("container %s of %s %s allows privilege escalation", [c.name, w[2].kind, w[2].metadata.name]))
}

# METADATA
# title: Containers run as non-root
# description: Every container runs with runAsNonRoot, set on the pod or on the container.
# custom:
#   id: K8S-004
#   severity: error
#   domain: kubernetes
#   remediation: Set securityContext.runAsNonRoot true on the pod (the stock template does).
deny_root_container contains result if {
	some w in workloads
	object.get(pod_spec(w[2]), ["securityContext", "runAsNonRoot"], false) != true
	some [j, c] in containers(w[2])
	object.get(c, ["securityContext", "runAsNonRoot"], false) != true
	result := finding(w, container_path(j), sprintf("container %s of %s %s may run as root (no runAsNonRoot)", [c.name, w[2].kind, w[2].metadata.name]))
}

# METADATA
# title: Images are pinned to a version
# description: A generated image names a tag other than latest (or a digest), so a deployment is reproducible.
# custom:
#   id: K8S-005
#   severity: error
#   domain: kubernetes
#   remediation: Set metadata.version in the blueprint; the image tag follows it.
deny_unpinned_image contains result if {
	some w in workloads
	some [j, c] in containers(w[2])
	unpinned(c.image)
	result := finding(w, sprintf("%s.image", [container_path(j)]), sprintf("container %s of %s %s uses image %s without a pinned tag", [c.name, w[2].kind, w[2].metadata.name, c.image]))
}

unpinned(image) if endswith(image, ":latest")

unpinned(image) if {
	not contains(image, "@")
	parts := split(image, "/")
	last := parts[count(parts) - 1]
	not contains(last, ":")
}

# METADATA
# title: Workloads are selected by a NetworkPolicy
# description: Every generated workload's pods are selected by a NetworkPolicy in the same environment's manifests, so its traffic is not open by default.
# custom:
#   id: K8S-006
#   severity: warning
#   domain: kubernetes
#   remediation: Keep the network policy template, or declare security.network in the blueprint.
warn_workload_without_network_policy contains result if {
	some w in workloads
	labels := object.get(w[2], ["spec", "template", "metadata", "labels"], {})
	namespace := object.get(w[2], ["metadata", "namespace"], "default")
	not selected(labels, namespace)
	result := finding(w, "spec.template.metadata.labels", sprintf("no NetworkPolicy selects the pods of %s %s", [w[2].kind, w[2].metadata.name]))
}

selected(labels, namespace) if {
	some p in objects
	p[2].kind == "NetworkPolicy"
	object.get(p[2], ["metadata", "namespace"], "default") == namespace
	every k, v in object.get(p[2], ["spec", "podSelector", "matchLabels"], {}) {
		labels[k] == v
	}
}
