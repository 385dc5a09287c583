# Runtime pack: runtime profiles (stateless, durable, real-time, cron, long-running),
# scaling triggers, runtime targets and resources.
#
# The blueprint schema has no keys for volumes or the deployment strategy; the generator
# derives them from the runtime profile (Recreate for durable, RollingUpdate otherwise).
# Blueprints that override them use the extension keys `x-volumes` (a list of volumes)
# and `x-deployment.strategy`, which these rules read.
package policies.runtime

import data.policies.lib

profile(svc) := object.get(svc, ["runtimeProfile", "type"], "")

volumes(svc) := object.get(svc, "x-volumes", [])

# --- durable and stateless --------------------------------------------------------------

persistent_store_count(svc) := (count(object.get(svc, ["storage", "databases"], [])) + count(object.get(svc, ["storage", "blobStores"], []))) + count(volumes(svc))

# METADATA
# title: Durable workloads need persistent storage
# description: A durable service keeps state, so it must be backed by a database, a blob store or a volume (x-volumes); a cache is not persistent.
# custom:
#   id: RT-001
#   severity: error
#   domain: runtime
#   remediation: Declare the database or blob store the service persists to, or a volume under x-volumes; or use the stateless or long-running profile.
deny_durable_without_storage contains result if {
	some id, svc in input.services
	svc.runtimeProfile.type == "durable"
	persistent_store_count(svc) == 0
	result := lib.finding(id, "runtimeProfile.type", "durable service declares no database, blob store or volume")
}

rolling_strategies := {"rolling", "rollingupdate", "rolling-update"}

# METADATA
# title: Durable workloads are not rolled
# description: A rolling update runs old and new replicas of a durable service side by side against the same state; durable services deploy with Recreate or blue-green (x-deployment.strategy).
# custom:
#   id: RT-002
#   severity: error
#   domain: runtime
#   remediation: Set x-deployment.strategy to Recreate or blue-green, or remove the override.
deny_durable_rolling_strategy contains result if {
	some id, svc in input.services
	svc.runtimeProfile.type == "durable"
	strategy := svc["x-deployment"].strategy
	lower(strategy) in rolling_strategies
	result := lib.finding(id, "x-deployment.strategy", sprintf("durable service uses the %s deployment strategy", [strategy]))
}

has_initial_delay(probe) if probe.initialDelay

has_initial_delay(probe) if probe.initialDelaySeconds > 0

# METADATA
# title: Durable workloads restart slowly
# description: A durable service's liveness probe needs a grace period (initialDelay or initialDelaySeconds) or a startup probe, so a replica recovering its state is not killed in a restart loop.
# custom:
#   id: RT-003
#   severity: warning
#   domain: runtime
#   remediation: Add initialDelay to the liveness probe or declare a startup probe.
warn_durable_liveness_grace contains result if {
	some id, svc in input.services
	svc.runtimeProfile.type == "durable"
	lib.has_probe(svc, "liveness")
	not lib.has_probe(svc, "startup")
	not has_initial_delay(lib.probe(svc, "liveness"))
	result := lib.finding(id, lib.probe_path(svc, "liveness"), "durable service's liveness probe has no initial delay and there is no startup probe")
}

# METADATA
# title: Stateless workloads have no volumes
# description: A stateless service is ephemeral and horizontally scaled; declaring volumes (x-volumes) means it keeps state and should use the durable profile.
# custom:
#   id: RT-004
#   severity: error
#   domain: runtime
#   remediation: Remove the volumes, or change runtimeProfile.type to durable.
deny_stateless_with_volumes contains result if {
	some id, svc in input.services
	svc.runtimeProfile.type == "stateless"
	count(volumes(svc)) > 0
	result := lib.finding(id, "x-volumes", sprintf("stateless service declares %d volume(s)", [count(volumes(svc))]))
}

# --- real-time --------------------------------------------------------------------------

# METADATA
# title: Real-time workloads need liveness and readiness probes
# description: A real-time service is health-sensitive and must declare liveness and readiness probes (runtimeProfile.probes or resilience.probes).
# custom:
#   id: RT-005
#   severity: error
#   domain: runtime
#   remediation: Add runtimeProfile.probes.liveness and runtimeProfile.probes.readiness with their paths.
deny_realtime_probes_missing contains result if {
	some id, svc in input.services
	svc.runtimeProfile.type == "real-time"
	some kind in ["liveness", "readiness"]
	not lib.has_probe(svc, kind)
	result := lib.finding(id, lib.probe_path(svc, kind), sprintf("real-time service declares no %s probe", [kind]))
}

# METADATA
# title: Real-time workloads run at least two replicas in production
# description: In prod a real-time service must never run a single replica; replicas and runtimeProfile.scaling.minReplicas must be at least 2.
# custom:
#   id: RT-006
#   severity: error
#   domain: runtime
#   remediation: Set replicas and runtimeProfile.scaling.minReplicas to 2 or more in the prod overlay.
deny_realtime_single_replica_prod contains result if {
	lib.is_prod
	some id, svc in input.services
	svc.runtimeProfile.type == "real-time"
	some [path, n] in replica_floors(svc)
	n < 2
	result := lib.finding(id, path, sprintf("real-time service can run %d replica(s) in production (%s)", [n, path]))
}

replica_floors(svc) := {["replicas", n] | n := svc.replicas} | {["runtimeProfile.scaling.minReplicas", n] | n := svc.runtimeProfile.scaling.minReplicas} | {["replicas", 1] |
	not svc.replicas
	not svc.runtimeProfile.scaling.minReplicas
}

# --- cron -------------------------------------------------------------------------------

cron_ranges := [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]]

cron_names := [set(), set(), set(), {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}, {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}]

cron_field_pattern := `^(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(/[1-9][0-9]*)?(,(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(/[1-9][0-9]*)?)*$`

cron_fields(schedule) := [f | some f in split(trim_space(schedule), " "); f != ""]

valid_cron_field(i, field) if {
	regex.match(cron_field_pattern, field)
	values := regex.find_all_string_submatch_n(`[0-9A-Za-z]+`, regex.replace(field, `/[0-9]+`, ""), -1)
	every v in values {
		valid_cron_value(i, v[0])
	}
}

valid_cron_value(i, v) if {
	regex.match(`^[0-9]+$`, v)
	to_number(v) >= cron_ranges[i][0]
	to_number(v) <= cron_ranges[i][1]
}

valid_cron_value(i, v) if upper(v) in cron_names[i]

valid_cron(schedule) if {
	fields := cron_fields(schedule)
	count(fields) == 5
	every i, f in fields {
		valid_cron_field(i, f)
	}
}

# METADATA
# title: Cron workloads need a valid five-field schedule
# description: A cron service must declare runtimeProfile.schedule as a standard five-field cron expression (minute hour day-of-month month day-of-week) with values in range.
# custom:
#   id: RT-007
#   severity: error
#   domain: runtime
#   remediation: Set runtimeProfile.schedule, e.g. "0 */4 * * *" for every four hours.
deny_cron_schedule_invalid contains result if {
	some id, svc in input.services
	svc.runtimeProfile.type == "cron"
	not svc.runtimeProfile.schedule
	result := lib.finding(id, "runtimeProfile", "cron service declares no runtimeProfile.schedule")
}

deny_cron_schedule_invalid contains result if {
	some id, svc in input.services
	svc.runtimeProfile.type == "cron"
	schedule := svc.runtimeProfile.schedule
	not valid_cron(schedule)
	result := lib.finding(id, "runtimeProfile.schedule", sprintf("cron schedule %q is not a valid five-field cron expression", [schedule]))
}

# METADATA
# title: Cron workloads have no ingress
# description: A scheduled job is started by its schedule, not by requests; it must not expose an ingress.
# custom:
#   id: RT-008
#   severity: error
#   domain: runtime
#   remediation: Remove the ingress, or split the HTTP endpoint into its own stateless service.
deny_cron_with_ingress contains result if {
	some id, svc in input.services
	svc.runtimeProfile.type == "cron"
	lib.has_ingress(svc)
	result := lib.finding(id, "ingress", sprintf("cron service exposes an ingress (%s)", [object.get(svc.ingress, "host", object.get(svc.ingress, "type", "unnamed"))]))
}

# --- scaling ----------------------------------------------------------------------------

queue_triggers := {"queue-length", "queuelength", "queue", "queue_length"}

consumes_messages(svc) if count(object.get(svc, ["messaging", "queues"], [])) > 0

consumes_messages(svc) if {
	some topic in object.get(svc, ["messaging", "topics"], [])
	object.get(topic, "access", "") in {"subscribe", "both"}
}

# METADATA
# title: Queue-length scaling needs a queue
# description: runtimeProfile.scaling.trigger queue-length scales on a backlog, so the service must consume one (messaging.queues, or a topic with access subscribe or both).
# custom:
#   id: RT-009
#   severity: error
#   domain: runtime
#   remediation: Declare the queue or the topic subscription the service consumes, or scale on cpu.
deny_queue_scaling_without_queue contains result if {
	some id, svc in input.services
	trigger := svc.runtimeProfile.scaling.trigger
	lower(trigger) in queue_triggers
	not consumes_messages(svc)
	result := lib.finding(id, "runtimeProfile.scaling.trigger", sprintf("scaling trigger %s has no queue or subscribed topic to measure", [trigger]))
}

# METADATA
# title: The free tier does not run real-time workloads
# description: The free tier allows cold starts and no scaling, which a real-time service cannot tolerate.
# custom:
#   id: RT-010
#   severity: error
#   domain: runtime
#   remediation: Move the service to the standard tier or above, or change its runtime profile.
deny_free_tier_realtime contains result if {
	some id, svc in input.services
	svc.runtimeProfile.type == "real-time"
	object.get(svc, ["costProfile", "tier"], "") == "free"
	result := lib.finding(id, "runtimeProfile.type", "real-time service is on the free tier")
}

# --- targets ----------------------------------------------------------------------------

preview_cluster(svc) if contains(lower(svc.runtimeTarget.clusterProfile), "preview")

# METADATA
# title: No durable workloads on preview clusters
# description: Preview environments and clusters are short-lived; a durable service must not run in an environment of kind preview or on a cluster profile whose name contains preview.
# custom:
#   id: RT-011
#   severity: error
#   domain: runtime
#   remediation: Run the durable service in a regular environment, or use a stateless stub in preview.
deny_durable_on_preview contains result if {
	some id, svc in input.services
	svc.runtimeProfile.type == "durable"
	preview_cluster(svc)
	result := lib.finding(id, "runtimeTarget.clusterProfile", sprintf("durable service runs on preview cluster profile %s", [svc.runtimeTarget.clusterProfile]))
}

deny_durable_on_preview contains result if {
	lib.env_kind == "preview"
	some id, svc in input.services
	svc.runtimeProfile.type == "durable"
	not preview_cluster(svc)
	result := lib.finding(id, "runtimeProfile.type", sprintf("durable service is deployed to preview environment %s", [input.environment]))
}

# METADATA
# title: Function services run on a function target
# description: A service of serviceType function must set runtimeTarget.kind function.
# custom:
#   id: RT-012
#   severity: error
#   domain: runtime
#   remediation: Set runtimeTarget.kind to function, or change serviceType to worker or api.
deny_function_target_mismatch contains result if {
	some id, svc in input.services
	svc.serviceType == "function"
	kind := object.get(svc, ["runtimeTarget", "kind"], "unset")
	kind != "function"
	path := lib.nearest(svc, "", ["runtimeTarget", "kind"])
	result := lib.finding(id, path, sprintf("function service has runtime target kind %s", [kind]))
}

# METADATA
# title: Libraries are not deployed
# description: A library is linked into other services; it must not declare a runtimeTarget, an ingress or replicas.
# custom:
#   id: RT-013
#   severity: error
#   domain: runtime
#   remediation: Remove the deployment keys, or change serviceType if this is a deployable service.
deny_library_deployed contains result if {
	some id, svc in input.services
	svc.serviceType == "library"
	some key in ["runtimeTarget", "ingress", "replicas"]
	object.get(svc, key, null) != null
	result := lib.finding(id, key, sprintf("library declares %s", [key]))
}

# METADATA
# title: Gateways need an ingress
# description: A gateway service is the entry point of the system and must declare an ingress.
# custom:
#   id: RT-014
#   severity: error
#   domain: runtime
#   remediation: Add an ingress with its type, host and TLS settings, or change serviceType to api.
deny_gateway_without_ingress contains result if {
	some id, svc in input.services
	svc.serviceType == "gateway"
	not lib.has_ingress(svc)
	result := lib.finding(id, lib.nearest(svc, "", ["ingress", "type"]), "gateway service declares no ingress")
}

# METADATA
# title: App Service hosts stateless workloads only
# description: Azure App Service recycles instances freely and has no volumes or ordered shutdown; only stateless services may target runtimeTarget.kind app-service.
# custom:
#   id: RT-015
#   severity: error
#   domain: runtime
#   remediation: Target kubernetes or container-apps, or make the service stateless.
deny_app_service_not_stateless contains result if {
	some id, svc in input.services
	svc.runtimeTarget.kind == "app-service"
	profile(svc) != ""
	profile(svc) != "stateless"
	result := lib.finding(id, "runtimeProfile.type", sprintf("%s service targets app-service", [profile(svc)]))
}

# --- resources and clusters -------------------------------------------------------------

# METADATA
# title: Resource limits are not below requests
# description: resources.cpuLimit and resources.memoryLimit must be at least resources.cpu and resources.memory; Kubernetes rejects such pods.
# custom:
#   id: RT-016
#   severity: error
#   domain: runtime
#   remediation: Raise the limit or lower the request.
deny_limit_below_request contains result if {
	some id, svc in input.services
	some [request, limit, parse] in [["cpu", "cpuLimit", "cpu"], ["memory", "memoryLimit", "size"]]
	r := svc.resources[request]
	l := svc.resources[limit]
	quantity(parse, l) < quantity(parse, r)
	result := lib.finding(id, sprintf("resources.%s", [limit]), sprintf("resources.%s %v is below the request %v", [limit, l, r]))
}

quantity("cpu", v) := lib.cpu_cores(v)

quantity("size", v) := lib.size_bytes(v)

# METADATA
# title: Cluster profiles must exist
# description: runtimeTarget.clusterProfile must name one of system.yaml's clusterProfiles (checked when system.yaml declares any).
# custom:
#   id: RT-017
#   severity: error
#   domain: runtime
#   remediation: Fix the profile name or add the profile to clusterProfiles in system.yaml.
deny_unknown_cluster_profile contains result if {
	profiles := object.get(input, ["system", "clusterProfiles"], {})
	count(profiles) > 0
	some id, svc in input.services
	name := svc.runtimeTarget.clusterProfile
	not profiles[name]
	result := lib.finding(id, "runtimeTarget.clusterProfile", sprintf("cluster profile %s is not declared in system.yaml (known: %s)", [name, lib.list_text(object.keys(profiles))]))
}

env_cluster_profile := p if {
	some e in object.get(input, ["system", "environments"], [])
	e.name == input.environment
	p := e.clusterProfile
}

# METADATA
# title: Services run on their environment's cluster
# description: A service's runtimeTarget.clusterProfile should match the clusterProfile that system.yaml assigns to the environment; a mismatch usually means an overlay for the environment is missing.
# custom:
#   id: RT-018
#   severity: warning
#   domain: runtime
#   remediation: Set runtimeTarget.clusterProfile in the environment's overlay, or fix the environment in system.yaml.
warn_cluster_profile_mismatch contains result if {
	expected := env_cluster_profile
	some id, svc in input.services
	name := svc.runtimeTarget.clusterProfile
	name != expected
	result := lib.finding(id, "runtimeTarget.clusterProfile", sprintf("cluster profile %s differs from %s, the cluster of environment %s", [name, expected, input.environment]))
}
