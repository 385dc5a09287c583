# Graph pack: the deployment dependency graph (dependencies[].dependsOn between services,
# dependency entries and the stores services use).
package policies.graph

import data.policies.lib

# Every dependency entry with its path: [service id, path, entry].
entries := {[id, sprintf("dependencies[%d]", [i]), entry] |
	some id, svc in input.services
	some i, entry in object.get(svc, "dependencies", [])
}

entry_names := {entry.name | some [_, _, entry] in entries}

# Store nodes the loader adds for what services use ("database:AuthDb", "bus:kafka", ...).
store_nodes contains sprintf("%s:%s", [kind, store.name]) if {
	some svc in input.services
	some [key, kind] in [["databases", "database"], ["cache", "cache"], ["blobStores", "blob"]]
	some store in object.get(svc, ["storage", key], [])
}

store_nodes contains sprintf("bus:%s", [svc.messaging.bus]) if some svc in input.services

store_nodes contains sprintf("keyvault:%s", [svc.keyVault.name]) if some svc in input.services

store_nodes contains sprintf("secrets:%s", [s.source]) if {
	some svc in input.services
	some s in object.get(svc, "secrets", [])
}

service_ids := object.keys(input.services)

# METADATA
# title: Dependencies must exist
# description: Every name in dependencies[].dependsOn must be a service of the system, the name of a dependency entry in some service, or a store node a service declares (database:Name, cache:Name, blob:Name, bus:Type, keyvault:Name, secrets:Source).
# custom:
#   id: GRAPH-001
#   severity: error
#   domain: graph
#   remediation: Fix the name, add the missing service, or declare the dependency as an entry (name, tier, healthProbePath) in the service that owns it.
deny_unknown_dependency contains result if {
	some [id, path, entry] in entries
	some j, target in object.get(entry, "dependsOn", [])
	# in this order: store nodes are built only when some name is neither a service nor an entry
	not target in service_ids
	not target in entry_names
	not target in store_nodes
	result := lib.finding(id, sprintf("%s.dependsOn[%d]", [path, j]), sprintf("dependency %s of %s does not exist", [target, entry.name]))
}

# Edges from the dependency entries and, when present, the loader's graph edges.
edge_pairs := {[entry.name, to] |
	some [_, _, entry] in entries
	some to in object.get(entry, "dependsOn", [])
} | {[from, to] | some [from, to] in object.get(input, ["graph", "edges"], [])}

adjacency := {node: {to | some [from, to] in edge_pairs; from == node} |
	some pair in edge_pairs
	some node in pair
}

order_position := {node: i | some i, node in object.get(input, ["graph", "order"], [])}

# When the loader's boot order puts every dependency before its dependents, the graph has
# no cycle and the search below is skipped (it costs nodes x edges without that check).
# edge_against_boot_order is at the end of the file.
order_is_topological if not edge_against_boot_order

# The loader rejects cycles; this is defence in depth for inputs built elsewhere.

# METADATA
# title: The dependency graph has no cycles
# description: A dependsOn edge whose target can reach its source again closes a cycle, and no boot order exists.
# custom:
#   id: GRAPH-002
#   severity: error
#   domain: graph
#   remediation: Break the cycle, e.g. replace a synchronous dependency with an event on the bus.
deny_dependency_cycle contains result if {
	not order_is_topological
	some [id, path, entry] in entries
	some j, target in object.get(entry, "dependsOn", [])
	entry.name in graph.reachable(adjacency, {target})
	msg := sprintf("dependency %s -> %s closes a cycle", [entry.name, target])
	result := lib.finding(id, sprintf("%s.dependsOn[%d]", [path, j]), msg)
}

# Names that some dependency entry depends on.
depended_on := {target |
	some [_, _, entry] in entries
	some target in object.get(entry, "dependsOn", [])
}

probed_names := {entry.name |
	some [_, _, entry] in entries
	lib.nonempty_string(object.get(entry, "healthProbePath", ""))
}

# METADATA
# title: Depended-on components declare a health probe path
# description: A dependency entry that other entries depend on and whose tier is not core must declare healthProbePath (in at least one of its entries), so the orchestrator can wait for it before booting its dependents. Core infrastructure (buses, caches, vaults) is probed by its provider.
# custom:
#   id: GRAPH-003
#   severity: warning
#   domain: graph
#   remediation: Add healthProbePath (e.g. /health/ready) to the dependency entry.
warn_health_probe_path_missing contains result if {
	some [id, path, entry] in entries
	entry.name in depended_on
	object.get(entry, "tier", "") != "core"
	not entry.name in probed_names
	result := lib.finding(id, path, sprintf("%s is a dependency of other components but declares no healthProbePath", [entry.name]))
}

tier_rank := {"core": 0, "infra-service": 1, "internal-api": 2, "edge-facing": 3, "entrypoint": 3}

# Tiers declared for each dependency name.
tiers_by_name := {name: tiers |
	some name in entry_names
	tiers := {entry.tier | some [_, _, entry] in entries; entry.name == name; entry.tier}
}

declared_tiers(name) := object.get(tiers_by_name, name, set())

# METADATA
# title: Dependencies point down the tiers
# description: A component may depend on components of its own tier or a lower one (core < infra-service < internal-api < edge-facing, entrypoint); a core component depending on an API inverts the boot order.
# custom:
#   id: GRAPH-004
#   severity: warning
#   domain: graph
#   remediation: Reverse the dependency (publish an event instead) or correct the tiers.
warn_dependency_tier_inversion contains result if {
	some [id, path, entry] in entries
	from := tier_rank[entry.tier]
	some j, target in object.get(entry, "dependsOn", [])
	some target_tier in declared_tiers(target)
	tier_rank[target_tier] > from
	msg := sprintf("%s (%s) depends on %s (%s), a higher tier", [entry.name, entry.tier, target, target_tier])
	result := lib.finding(id, sprintf("%s.dependsOn[%d]", [path, j]), msg)
}

# METADATA
# title: A dependency's tier is declared consistently
# description: When several services declare a dependency entry with the same name, they must agree on its tier; the boot order uses one.
# custom:
#   id: GRAPH-005
#   severity: error
#   domain: graph
#   remediation: Use the same tier in every entry with that name.
deny_conflicting_dependency_tier contains result if {
	some [id, path, entry] in entries
	tiers := declared_tiers(entry.name)
	count(tiers) > 1
	entry.tier
	others := tiers - {entry.tier}
	msg := sprintf("%s is declared with tier %s here and %s elsewhere", [entry.name, entry.tier, lib.list_text(others)])
	result := lib.finding(id, sprintf("%s.tier", [path]), msg)
}

# METADATA
# title: Services have a tier in the dependency graph
# description: Every deployable service needs a dependency entry with its own name and a tier, so the boot order can place it (core, infra-service, internal-api, edge-facing or entrypoint).
# custom:
#   id: GRAPH-006
#   severity: warning
#   domain: graph
#   remediation: Add a dependencies entry named after the service with its tier and dependsOn list.
warn_service_tier_missing contains result if {
	some id, svc in input.services
	lib.deployable(svc)
	count(declared_tiers(id)) == 0
	path := lib.nearest(svc, "", ["dependencies"])
	result := lib.finding(id, path, sprintf("service %s has no tier in the dependency graph", [id]))
}

# --- the boot order check ---------------------------------------------------------------

# An edge (of the loader's graph or of a dependency entry) whose target does not boot before
# its source, or is not in the boot order. The edges are read where they are rather than
# from edge_pairs, which only the cycle search needs; `position` holds order_position once.
# Whether `a` is in the boot order before `b` (both in it). A helper rule, so that `not` covers
# a node missing from the order: OPA evaluates a `not` expression's operands outside it.
boots_before(position, a, b) if position[a] < position[b]

edge_against_boot_order if {
	position := order_position
	some [from, to] in object.get(input, ["graph", "edges"], [])
	not boots_before(position, to, from)
}

edge_against_boot_order if {
	position := order_position
	some [_, _, entry] in entries
	from := entry.name
	some to in object.get(entry, "dependsOn", [])
	not boots_before(position, to, from)
}
