package policies.graph_test

import data.policies.graph

env(services) := {"environment": "dev", "services": services, "system": {}}

paths(results) := {r.path | some r in results}

svc(deps) := {"serviceType": "api", "dependencies": deps}

# --- GRAPH-001 --------------------------------------------------------------------------

test_unknown_dependency_fires if {
	r := graph.deny_unknown_dependency with input as env({"api": svc([{"name": "api", "dependsOn": ["redis", "database:Orders"], "tier": "edge-facing"}])})
	r == {
		{"msg": "dependency redis of api does not exist", "service": "api", "path": "dependencies[0].dependsOn[0]"},
		{"msg": "dependency database:Orders of api does not exist", "service": "api", "path": "dependencies[0].dependsOn[1]"},
	}
}

test_unknown_dependency_passes if {
	api := object.union(svc([
		{"name": "redis", "dependsOn": [], "tier": "core"},
		{"name": "api", "dependsOn": ["redis", "worker", "database:Orders", "bus:kafka", "keyvault:kv"], "tier": "edge-facing"},
	]), {"storage": {"databases": [{"name": "Orders"}]}, "messaging": {"bus": "kafka"}, "keyVault": {"name": "kv"}})
	r := graph.deny_unknown_dependency with input as env({"api": api, "worker": {"serviceType": "worker"}})
	count(r) == 0
}

# --- GRAPH-002 --------------------------------------------------------------------------

test_dependency_cycle_fires if {
	r := graph.deny_dependency_cycle with input as env({
		"a": svc([{"name": "a", "dependsOn": ["b"], "tier": "internal-api"}]),
		"b": svc([{"name": "b", "dependsOn": ["c"], "tier": "internal-api"}]),
		"c": svc([{"name": "c", "dependsOn": ["a"], "tier": "internal-api"}]),
		"d": svc([{"name": "d", "dependsOn": ["a"], "tier": "edge-facing"}]),
	})
	r == {
		{"msg": "dependency a -> b closes a cycle", "service": "a", "path": "dependencies[0].dependsOn[0]"},
		{"msg": "dependency b -> c closes a cycle", "service": "b", "path": "dependencies[0].dependsOn[0]"},
		{"msg": "dependency c -> a closes a cycle", "service": "c", "path": "dependencies[0].dependsOn[0]"},
	}
}

test_dependency_cycle_passes if {
	r := graph.deny_dependency_cycle with input as env({
		"a": svc([{"name": "a", "dependsOn": ["b", "c"], "tier": "edge-facing"}]),
		"b": svc([{"name": "b", "dependsOn": ["c"], "tier": "internal-api"}]),
		"c": svc([{"name": "c", "dependsOn": [], "tier": "core"}]),
	})
	count(r) == 0
}

# The loader's boot order spares the search when every edge (of the loader's graph and of
# the entries) points at a node booted earlier.
two_services := {
	"a": svc([{"name": "a", "dependsOn": ["b"], "tier": "edge-facing"}]),
	"b": svc([{"name": "b", "dependsOn": [], "tier": "core"}]),
}

with_graph(order, edges) := object.union(env(two_services), {"graph": {"order": order, "edges": edges}})

test_order_is_topological if {
	graph.order_is_topological with input as with_graph(["database:db", "b", "a"], [["b", "database:db"]])
	not graph.order_is_topological with input as with_graph(["a", "b"], [])
	not graph.order_is_topological with input as with_graph(["b", "a"], [["b", "database:db"]])
	not graph.order_is_topological with input as env(two_services)
}

# --- GRAPH-003 --------------------------------------------------------------------------

test_health_probe_path_missing_fires if {
	r := graph.warn_health_probe_path_missing with input as env({
		"api": svc([{"name": "api", "dependsOn": ["worker", "bus"], "tier": "edge-facing"}, {"name": "bus", "tier": "core"}]),
		"worker": svc([{"name": "worker", "dependsOn": [], "tier": "internal-api"}]),
	})
	r == {{"msg": "worker is a dependency of other components but declares no healthProbePath", "service": "worker", "path": "dependencies[0]"}}
}

test_health_probe_path_missing_passes if {
	r := graph.warn_health_probe_path_missing with input as env({
		"api": svc([{"name": "api", "dependsOn": ["worker"], "tier": "edge-facing"}, {"name": "worker", "tier": "internal-api"}]),
		"worker": svc([{"name": "worker", "dependsOn": [], "tier": "internal-api", "healthProbePath": "/health/ready"}]),
	})
	count(r) == 0
}

# --- GRAPH-004 / GRAPH-005 / GRAPH-006 --------------------------------------------------

test_dependency_tier_inversion_fires if {
	r := graph.warn_dependency_tier_inversion with input as env({"api": svc([
		{"name": "cache-warmer", "dependsOn": ["api"], "tier": "core"},
		{"name": "api", "dependsOn": [], "tier": "internal-api"},
	])})
	r == {{"msg": "cache-warmer (core) depends on api (internal-api), a higher tier", "service": "api", "path": "dependencies[0].dependsOn[0]"}}
}

test_dependency_tier_inversion_passes if {
	r := graph.warn_dependency_tier_inversion with input as env({"api": svc([
		{"name": "gw", "dependsOn": ["api"], "tier": "entrypoint"},
		{"name": "api", "dependsOn": ["redis"], "tier": "internal-api"},
		{"name": "redis", "dependsOn": [], "tier": "core"},
	])})
	count(r) == 0
}

test_conflicting_dependency_tier_fires if {
	r := graph.deny_conflicting_dependency_tier with input as env({
		"api": svc([{"name": "worker", "tier": "core"}]),
		"worker": svc([{"name": "worker", "tier": "internal-api"}]),
	})
	r == {
		{"msg": "worker is declared with tier core here and internal-api elsewhere", "service": "api", "path": "dependencies[0].tier"},
		{"msg": "worker is declared with tier internal-api here and core elsewhere", "service": "worker", "path": "dependencies[0].tier"},
	}
}

test_conflicting_dependency_tier_passes if {
	r := graph.deny_conflicting_dependency_tier with input as env({
		"api": svc([{"name": "worker", "tier": "internal-api"}]),
		"worker": svc([{"name": "worker", "tier": "internal-api"}, {"name": "other"}]),
	})
	count(r) == 0
}

test_service_tier_missing_fires if {
	r := graph.warn_service_tier_missing with input as env({
		"a": {"serviceType": "api"},
		"b": svc([{"name": "b", "dependsOn": []}]),
	})
	r == {
		{"msg": "service a has no tier in the dependency graph", "service": "a", "path": "dependencies"},
		{"msg": "service b has no tier in the dependency graph", "service": "b", "path": "dependencies"},
	}
}

test_service_tier_missing_passes if {
	r := graph.warn_service_tier_missing with input as env({
		"a": svc([{"name": "a", "tier": "edge-facing"}, {"name": "b", "tier": "internal-api"}]),
		"b": {"serviceType": "worker"},
		"lib": {"serviceType": "library"},
	})
	count(r) == 0
}
