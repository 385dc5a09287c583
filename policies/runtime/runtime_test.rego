package policies.runtime_test

import data.policies.runtime

env(name, services) := {"environment": name, "services": services, "system": {}}

prod(services) := env("prod", services)

dev(services) := env("dev", services)

paths(results) := {r.path | some r in results}

probes := {"liveness": {"path": "/health/live", "initialDelay": "20s"}, "readiness": {"path": "/health/ready"}}

svc(type, extra) := object.union({"serviceType": "worker", "runtimeProfile": {"type": type}}, extra)

# --- RT-001 / RT-002 / RT-003 / RT-004 --------------------------------------------------

test_durable_without_storage_fires if {
	r := runtime.deny_durable_without_storage with input as dev({"w": svc("durable", {"storage": {"cache": [{"name": "c"}]}})})
	r == {{"msg": "durable service declares no database, blob store or volume", "service": "w", "path": "runtimeProfile.type"}}
}

test_durable_without_storage_passes if {
	r := runtime.deny_durable_without_storage with input as dev({
		"a": svc("durable", {"storage": {"databases": [{"name": "db"}]}}),
		"b": svc("durable", {"x-volumes": [{"name": "outbox", "size": "1Gi"}]}),
		"c": svc("stateless", {}),
	})
	count(r) == 0
}

test_durable_rolling_strategy_fires if {
	r := runtime.deny_durable_rolling_strategy with input as dev({"w": svc("durable", {"x-deployment": {"strategy": "RollingUpdate"}})})
	r == {{"msg": "durable service uses the RollingUpdate deployment strategy", "service": "w", "path": "x-deployment.strategy"}}
}

test_durable_rolling_strategy_passes if {
	r := runtime.deny_durable_rolling_strategy with input as dev({
		"a": svc("durable", {"x-deployment": {"strategy": "Recreate"}}),
		"b": svc("durable", {}),
		"c": svc("stateless", {"x-deployment": {"strategy": "RollingUpdate"}}),
	})
	count(r) == 0
}

test_durable_liveness_grace_fires if {
	r := runtime.warn_durable_liveness_grace with input as dev({"w": svc("durable", {"runtimeProfile": {"type": "durable", "probes": {"liveness": {"path": "/live", "interval": "15s"}}}})})
	r == {{"msg": "durable service's liveness probe has no initial delay and there is no startup probe", "service": "w", "path": "runtimeProfile.probes.liveness"}}
}

test_durable_liveness_grace_passes if {
	r := runtime.warn_durable_liveness_grace with input as dev({
		"a": svc("durable", {"runtimeProfile": {"type": "durable", "probes": probes}}),
		"b": svc("durable", {"runtimeProfile": {"type": "durable", "probes": {"liveness": {"path": "/live"}, "startup": {"path": "/started"}}}}),
		"c": svc("durable", {"resilience": {"probes": {"liveness": {"path": "/live", "initialDelaySeconds": 30}}}}),
	})
	count(r) == 0
}

test_stateless_with_volumes_fires if {
	r := runtime.deny_stateless_with_volumes with input as dev({"api": svc("stateless", {"x-volumes": [{"name": "data"}]})})
	r == {{"msg": "stateless service declares 1 volume(s)", "service": "api", "path": "x-volumes"}}
}

test_stateless_with_volumes_passes if {
	r := runtime.deny_stateless_with_volumes with input as dev({
		"api": svc("stateless", {"storage": {"databases": [{"name": "db"}]}}),
		"w": svc("durable", {"x-volumes": [{"name": "data"}]}),
	})
	count(r) == 0
}

# --- RT-005 / RT-006 --------------------------------------------------------------------

test_realtime_probes_missing_fires if {
	r := runtime.deny_realtime_probes_missing with input as dev({
		"a": svc("real-time", {}),
		"b": svc("real-time", {"runtimeProfile": {"type": "real-time", "probes": {"liveness": {"path": "/live"}}}}),
	})
	r == {
		{"msg": "real-time service declares no liveness probe", "service": "a", "path": "runtimeProfile"},
		{"msg": "real-time service declares no readiness probe", "service": "a", "path": "runtimeProfile"},
		{"msg": "real-time service declares no readiness probe", "service": "b", "path": "runtimeProfile.probes"},
	}
}

test_realtime_probes_missing_passes if {
	r := runtime.deny_realtime_probes_missing with input as dev({
		"a": svc("real-time", {"runtimeProfile": {"type": "real-time", "probes": probes}}),
		"b": svc("real-time", {"observability": {"probes": ["liveness", "readiness"]}}),
		"c": svc("stateless", {}),
	})
	count(r) == 0
}

test_realtime_single_replica_prod_fires if {
	r := runtime.deny_realtime_single_replica_prod with input as prod({
		"a": svc("real-time", {"replicas": 4, "runtimeProfile": {"type": "real-time", "scaling": {"minReplicas": 1, "maxReplicas": 6}}}),
		"b": svc("real-time", {}),
	})
	r == {
		{"msg": "real-time service can run 1 replica(s) in production (runtimeProfile.scaling.minReplicas)", "service": "a", "path": "runtimeProfile.scaling.minReplicas"},
		{"msg": "real-time service can run 1 replica(s) in production (replicas)", "service": "b", "path": "replicas"},
	}
}

test_realtime_single_replica_prod_passes if {
	r := runtime.deny_realtime_single_replica_prod with input as prod({"a": svc("real-time", {"replicas": 2, "runtimeProfile": {"type": "real-time", "scaling": {"minReplicas": 2}}})})
	count(r) == 0
	r2 := runtime.deny_realtime_single_replica_prod with input as dev({"a": svc("real-time", {"replicas": 1})})
	count(r2) == 0
}

# --- RT-007 / RT-008 --------------------------------------------------------------------

cron(schedule) := svc("cron", {"serviceType": "function", "runtimeProfile": {"type": "cron", "schedule": schedule}})

test_cron_schedule_invalid_fires if {
	r := runtime.deny_cron_schedule_invalid with input as dev({
		"a": cron("0 */4 * *"),
		"b": cron("61 * * * *"),
		"c": cron("0 9 * * MON-FRX"),
		"d": svc("cron", {}),
	})
	r == {
		{"msg": "cron schedule \"0 */4 * *\" is not a valid five-field cron expression", "service": "a", "path": "runtimeProfile.schedule"},
		{"msg": "cron schedule \"61 * * * *\" is not a valid five-field cron expression", "service": "b", "path": "runtimeProfile.schedule"},
		{"msg": "cron schedule \"0 9 * * MON-FRX\" is not a valid five-field cron expression", "service": "c", "path": "runtimeProfile.schedule"},
		{"msg": "cron service declares no runtimeProfile.schedule", "service": "d", "path": "runtimeProfile"},
	}
}

test_cron_schedule_invalid_passes if {
	r := runtime.deny_cron_schedule_invalid with input as dev({
		"a": cron("0 */4 * * *"),
		"b": cron("30 2 1,15 JAN-JUN mon-fri"),
		"c": cron("*/15 0-6 * * 0"),
	})
	count(r) == 0
}

test_cron_with_ingress_fires if {
	r := runtime.deny_cron_with_ingress with input as dev({"job": object.union(cron("0 * * * *"), {"ingress": {"type": "nginx", "host": "job.example.com"}})})
	r == {{"msg": "cron service exposes an ingress (job.example.com)", "service": "job", "path": "ingress"}}
}

test_cron_with_ingress_passes if {
	r := runtime.deny_cron_with_ingress with input as dev({
		"job": object.union(cron("0 * * * *"), {"ingress": {"type": "none"}}),
		"api": svc("stateless", {"ingress": {"type": "nginx"}}),
	})
	count(r) == 0
}

# --- RT-009 / RT-010 --------------------------------------------------------------------

queue_scaled(messaging) := svc("durable", {"runtimeProfile": {"type": "durable", "scaling": {"trigger": "queue-length"}}, "messaging": messaging})

test_queue_scaling_without_queue_fires if {
	r := runtime.deny_queue_scaling_without_queue with input as dev({"w": queue_scaled({"bus": "azure-service-bus", "topics": [{"name": "T", "access": "publish"}]})})
	r == {{"msg": "scaling trigger queue-length has no queue or subscribed topic to measure", "service": "w", "path": "runtimeProfile.scaling.trigger"}}
}

test_queue_scaling_without_queue_passes if {
	r := runtime.deny_queue_scaling_without_queue with input as dev({
		"a": queue_scaled({"topics": [{"name": "T", "access": "subscribe"}]}),
		"b": queue_scaled({"queues": [{"name": "work"}]}),
	})
	count(r) == 0
}

test_free_tier_realtime_fires if {
	r := runtime.deny_free_tier_realtime with input as dev({"rt": svc("real-time", {"costProfile": {"tier": "free"}})})
	r == {{"msg": "real-time service is on the free tier", "service": "rt", "path": "runtimeProfile.type"}}
}

test_free_tier_realtime_passes if {
	r := runtime.deny_free_tier_realtime with input as dev({
		"rt": svc("real-time", {"costProfile": {"tier": "standard"}}),
		"api": svc("stateless", {"costProfile": {"tier": "free"}}),
	})
	count(r) == 0
}

# --- RT-011 -----------------------------------------------------------------------------

test_durable_on_preview_fires if {
	r := runtime.deny_durable_on_preview with input as dev({"w": svc("durable", {"runtimeTarget": {"kind": "kubernetes", "clusterProfile": "preview-aks"}})})
	r == {{"msg": "durable service runs on preview cluster profile preview-aks", "service": "w", "path": "runtimeTarget.clusterProfile"}}
	inp := {"environment": "pr-42", "system": {"environments": [{"name": "pr-42", "kind": "preview"}]}, "services": {"w": svc("durable", {})}}
	r2 := runtime.deny_durable_on_preview with input as inp
	r2 == {{"msg": "durable service is deployed to preview environment pr-42", "service": "w", "path": "runtimeProfile.type"}}
}

test_durable_on_preview_passes if {
	r := runtime.deny_durable_on_preview with input as dev({
		"w": svc("durable", {"runtimeTarget": {"kind": "kubernetes", "clusterProfile": "dev-aks"}}),
		"api": svc("stateless", {"runtimeTarget": {"kind": "kubernetes", "clusterProfile": "preview-aks"}}),
	})
	count(r) == 0
}

# --- RT-012 / RT-013 / RT-014 / RT-015 --------------------------------------------------

test_function_target_mismatch_fires if {
	r := runtime.deny_function_target_mismatch with input as dev({
		"f": {"serviceType": "function", "runtimeTarget": {"kind": "kubernetes"}},
		"g": {"serviceType": "function"},
	})
	r == {
		{"msg": "function service has runtime target kind kubernetes", "service": "f", "path": "runtimeTarget.kind"},
		{"msg": "function service has runtime target kind unset", "service": "g", "path": "runtimeTarget"},
	}
}

test_function_target_mismatch_passes if {
	r := runtime.deny_function_target_mismatch with input as dev({
		"f": {"serviceType": "function", "runtimeTarget": {"kind": "function"}},
		"api": {"serviceType": "api", "runtimeTarget": {"kind": "kubernetes"}},
	})
	count(r) == 0
}

test_library_deployed_fires if {
	r := runtime.deny_library_deployed with input as dev({"lib": {"serviceType": "library", "runtimeTarget": {"kind": "kubernetes"}, "replicas": 2}})
	paths(r) == {"runtimeTarget", "replicas"}
}

test_library_deployed_passes if {
	r := runtime.deny_library_deployed with input as dev({
		"lib": {"serviceType": "library", "metadata": {"serviceId": "lib"}},
		"api": {"serviceType": "api", "replicas": 2},
	})
	count(r) == 0
}

test_gateway_without_ingress_fires if {
	r := runtime.deny_gateway_without_ingress with input as dev({
		"gw": {"serviceType": "gateway"},
		"gw2": {"serviceType": "gateway", "ingress": {"type": "none"}},
	})
	r == {
		{"msg": "gateway service declares no ingress", "service": "gw", "path": "ingress"},
		{"msg": "gateway service declares no ingress", "service": "gw2", "path": "ingress.type"},
	}
}

test_gateway_without_ingress_passes if {
	r := runtime.deny_gateway_without_ingress with input as dev({"gw": {"serviceType": "gateway", "ingress": {"type": "nginx", "host": "api.example.com"}}})
	count(r) == 0
}

test_app_service_not_stateless_fires if {
	r := runtime.deny_app_service_not_stateless with input as dev({"w": svc("durable", {"runtimeTarget": {"kind": "app-service"}})})
	r == {{"msg": "durable service targets app-service", "service": "w", "path": "runtimeProfile.type"}}
}

test_app_service_not_stateless_passes if {
	r := runtime.deny_app_service_not_stateless with input as dev({
		"api": svc("stateless", {"runtimeTarget": {"kind": "app-service"}}),
		"w": svc("durable", {"runtimeTarget": {"kind": "kubernetes"}}),
	})
	count(r) == 0
}

# --- RT-016 / RT-017 / RT-018 -----------------------------------------------------------

test_limit_below_request_fires if {
	r := runtime.deny_limit_below_request with input as dev({"a": {"serviceType": "api", "resources": {"cpu": "500m", "cpuLimit": "250m", "memory": "1Gi", "memoryLimit": "512Mi"}}})
	r == {
		{"msg": "resources.cpuLimit 250m is below the request 500m", "service": "a", "path": "resources.cpuLimit"},
		{"msg": "resources.memoryLimit 512Mi is below the request 1Gi", "service": "a", "path": "resources.memoryLimit"},
	}
}

test_limit_below_request_passes if {
	r := runtime.deny_limit_below_request with input as dev({
		"a": {"serviceType": "api", "resources": {"cpu": "500m", "cpuLimit": 1, "memory": "512Mi", "memoryLimit": "1Gi"}},
		"b": {"serviceType": "api", "resources": {"cpu": 0.25}},
	})
	count(r) == 0
}

clusters := {"clusterProfiles": {"dev-aks": {"kind": "kubernetes"}, "prod-aks": {"kind": "kubernetes"}}, "environments": [{"name": "dev", "clusterProfile": "dev-aks"}]}

test_unknown_cluster_profile_fires if {
	inp := {"environment": "dev", "system": clusters, "services": {"a": {"serviceType": "api", "runtimeTarget": {"clusterProfile": "dev-ask"}}}}
	r := runtime.deny_unknown_cluster_profile with input as inp
	r == {{"msg": "cluster profile dev-ask is not declared in system.yaml (known: dev-aks, prod-aks)", "service": "a", "path": "runtimeTarget.clusterProfile"}}
}

test_unknown_cluster_profile_passes if {
	inp := {"environment": "dev", "system": clusters, "services": {"a": {"serviceType": "api", "runtimeTarget": {"clusterProfile": "dev-aks"}}}}
	r := runtime.deny_unknown_cluster_profile with input as inp
	count(r) == 0
	r2 := runtime.deny_unknown_cluster_profile with input as dev({"a": {"serviceType": "api", "runtimeTarget": {"clusterProfile": "anything"}}})
	count(r2) == 0
}

test_cluster_profile_mismatch_fires if {
	inp := {"environment": "dev", "system": clusters, "services": {"a": {"serviceType": "api", "runtimeTarget": {"clusterProfile": "prod-aks"}}}}
	r := runtime.warn_cluster_profile_mismatch with input as inp
	r == {{"msg": "cluster profile prod-aks differs from dev-aks, the cluster of environment dev", "service": "a", "path": "runtimeTarget.clusterProfile"}}
}

test_cluster_profile_mismatch_passes if {
	inp := {"environment": "dev", "system": clusters, "services": {"a": {"serviceType": "api", "runtimeTarget": {"clusterProfile": "dev-aks"}}, "b": {"serviceType": "api"}}}
	r := runtime.warn_cluster_profile_mismatch with input as inp
	count(r) == 0
}
