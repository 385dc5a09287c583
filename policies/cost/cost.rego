# Cost pack: projected monthly cost against the budget, tier constraints and SKUs.
# Prices come from prices.json (data.cost.prices); policies/README.md explains the model.
package policies.cost

import data.policies.lib

prices := data.cost.prices

# --- the cost model ---------------------------------------------------------------------

sku(svc) := svc.costProfile.sku

known_compute_sku(svc) if sku(svc) in compute_skus

# Monthly price of one replica: the costProfile.sku plan, else the pod's CPU and memory
# requests at node prices. An unknown SKU costs 0 here and gets COST-009.
replica_price(svc) := prices.compute[sku(svc)] if known_compute_sku(svc)

replica_price(svc) := 0 if {
	sku(svc)
	not known_compute_sku(svc)
}

# Pods are priced from the table of the input's pod sizes (pod_prices, end of file).
replica_price(svc) := pod_prices[pod_size(svc)] if not sku(svc)

# A pod's [cpu, memory] requests, with the price table's defaults.
pod_size(svc) := [
	object.get(svc, ["resources", "cpu"], prices.kubernetes.defaultCpu),
	object.get(svc, ["resources", "memory"], prices.kubernetes.defaultMemory),
]

billed_replicas(svc) := lib.max_replicas(svc) if lib.deployable(svc)

billed_replicas(svc) := 0 if not lib.deployable(svc)

compute_cost(svc) := replica_price(svc) * billed_replicas(svc)

# A database: its SKU's price (or its tier's typical price), doubled by a high-availability
# standby and once more by a geo replica, plus provisioned storage.
database_cost(db) := (base * copies) + storage if {
	base := database_base(db)
	copies := (1 + count({1 | db.highAvailability == true})) + count({1 | db.geoReplication == true})
	storage := database_storage_gib(db) * prices.databaseStorageGiBMonthly
}

database_storage_gib(db) := lib.size_gib(db.size) if db.size

database_storage_gib(db) := 0 if not db.size

database_base(db) := prices.database[db.sku] if db.sku

database_base(db) := 0 if {
	db.sku
	not db.sku in database_skus
}

database_base(db) := prices.databaseTier[object.get(db, "tier", "standard")] if not db.sku

cache_cost(cache) := object.get(prices.cache, object.get(cache, "sku", prices.defaultCacheSku), 0)

blob_cost(store) := prices.blob[object.get(store, "tier", prices.defaultBlobTier)]

# A bus namespace is shared: its price is split between the services declaring it (the
# share is divided once per bus, in bus_shares).
bus_cost(svc) := bus_shares[svc.messaging.bus]

bus_cost(svc) := 0 if not svc.messaging.bus

# Databases are priced from the table of the input's database shapes (database_costs).
store_cost(svc) := sum([
	sum([database_costs[database_shape(db)] | some db in object.get(svc, ["storage", "databases"], [])]),
	sum([cache_cost(c) | some c in object.get(svc, ["storage", "cache"], [])]),
	sum([blob_cost(b) | some b in object.get(svc, ["storage", "blobStores"], [])]),
	bus_cost(svc),
])

# Budgets are converted to dollars per month once per distinct budgetLimit (budgets).

near_budget_ratio := 0.8

# --- recommendations --------------------------------------------------------------------

# Compute SKUs of the same family (App Service plans, or Standard_* VM sizes) that are
# cheaper than the current one, cost something, and fit the budget at the same replicas.
fitting_skus(id, svc) := {s |
	some s, price in prices.compute
	price > 0
	price < current
	startswith(s, "Standard_") == family
	(price * replicas) + stores[id] <= budgets[id]
} if {
	current := replica_price(svc)
	replicas := billed_replicas(svc)
	family := startswith(sku(svc), "Standard_")
}

# The priciest SKU that fits (ties broken by name).
downsize_target(id, svc) := best if {
	candidates := fitting_skus(id, svc)
	count(candidates) > 0
	top := max({prices.compute[s] | some s in candidates})
	best := min({s | some s in candidates; prices.compute[s] == top})
}

replica_ceiling_path(svc) := "costProfile.autoscaling.maxReplicas" if lib.autoscaling_enabled(svc)

replica_ceiling_path(svc) := "replicas" if not lib.autoscaling_enabled(svc)

# Most replicas that fit the budget at the current replica price.
fitting_replicas(id, svc) := floor((budgets[id] - stores[id]) / replica_price(svc)) if replica_price(svc) > 0

# The first that applies: advice for a service over its budget, a warning close to it, a
# budget to set, autoscaling to enable, else nothing to do.
recommendation(id, svc) := over_budget_advice(id, svc) if {
	id in over_budget
} else := msg if {
	id in near_budget
	pct := floor((100 * monthly[id]) / budgets[id])
	msg := sprintf("Projected cost is %d%% of the budget; cap %s or choose a smaller SKU before load grows.", [pct, replica_ceiling_path(svc)])
} else := "Set costProfile.budgetLimit so the projected cost can be checked." if {
	not budgets[id]
} else := "Enable CPU-based HPA (costProfile.autoscaling) for better burst tolerance." if {
	lib.deployable(svc)
	not lib.autoscaling_enabled(svc)
	object.get(svc, ["costProfile", "tier"], "standard") != "free"
	object.get(svc, ["runtimeProfile", "type"], "stateless") in {"stateless", "real-time"}
} else := "Within budget; no change needed."

over_budget_advice(id, svc) := msg if {
	target := downsize_target(id, svc)
	msg := sprintf("Downsize costProfile.sku from %s to %s to bring the projected cost within %s.", [sku(svc), target, svc.costProfile.budgetLimit])
} else := msg if {
	n := fitting_replicas(id, svc)
	n >= 1
	n < billed_replicas(svc)
	msg := sprintf("Lower %s from %d to %d to bring the projected cost within %s.", [replica_ceiling_path(svc), billed_replicas(svc), n, svc.costProfile.budgetLimit])
} else := msg if {
	at_least := lib.money(ceil(monthly[id]))
	msg := sprintf("Raise costProfile.budgetLimit to at least %s/month or move storage and cache to cheaper tiers (they cost %s).", [at_least, lib.money(stores[id])])
}

# --- the projection report --------------------------------------------------------------

# For each service: the projected monthly cost (compute at the replica ceiling plus
# databases, caches, blob stores and a share of the bus), its budget, whether it is within
# budget and a recommendation. policyc check reads it as a report (custom.report below); it
# is not a rule.
# METADATA
# title: Cost projection report
# custom:
#   report: cost
#   report_key: service
projection[id] := entry if {
	some id, svc in input.services
	cost := monthly[id]
	fields := {
		"service": id,
		"projectedCost": lib.money(cost),
		"projectedMonthly": cost,
		"compliant": compliant(id),
		"recommendation": recommendation(id, svc),
	}
	entry := object.union(fields, budget_fields(id, svc))
}

budget_fields(id, svc) := {"budget": svc.costProfile.budgetLimit, "budgetMonthly": lib.round2(budgets[id])} if budgets[id]

budget_fields(id, _) := {"budget": "none", "budgetMonthly": null} if not budgets[id]

# Within its budget, or without a budget to exceed.
compliant(id) := false if id in over_budget else := true

# --- rules ------------------------------------------------------------------------------

# METADATA
# title: Projected cost must stay within the budget
# description: The projected monthly cost (price table x replicas at the autoscaling maximum, plus databases, caches, blob stores and the service's share of the bus) must not exceed costProfile.budgetLimit.
# custom:
#   id: COST-001
#   severity: error
#   domain: cost
#   remediation: Downsize the SKU, lower the replica ceiling, or raise the budget with the budget owner's approval (see the projection's recommendation).
deny_over_budget contains result if {
	some id in over_budget
	cost := monthly[id]
	limit := input.services[id].costProfile.budgetLimit
	msg := sprintf("projected cost %s/month exceeds the budget %s", [lib.money(cost), limit])
	result := lib.finding(id, "costProfile.budgetLimit", msg)
}

# METADATA
# title: Projected cost is close to the budget
# description: A projected monthly cost above 80% of costProfile.budgetLimit leaves no headroom for bursts or price changes.
# custom:
#   id: COST-002
#   severity: warning
#   domain: cost
#   remediation: Cap the replica ceiling or choose a smaller SKU, or raise the budget.
warn_near_budget contains result if {
	# within the budget but above near_budget_ratio of it
	some id in near_budget
	cost := monthly[id]
	pct := floor((100 * cost) / budgets[id])
	limit := input.services[id].costProfile.budgetLimit
	msg := sprintf("projected cost %s/month is %d%% of the budget %s", [lib.money(cost), pct, limit])
	result := lib.finding(id, "costProfile.budgetLimit", msg)
}

tier(svc) := object.get(svc, ["costProfile", "tier"], "standard")

# METADATA
# title: Free tier does not autoscale
# description: The free tier has minimal resources and no scaling; costProfile.autoscaling.enabled must not be true.
# custom:
#   id: COST-003
#   severity: error
#   domain: cost
#   remediation: Disable autoscaling or move the service to the basic or standard tier.
deny_free_tier_autoscaling contains result if {
	some id, svc in input.services
	svc.costProfile.tier == "free"
	lib.autoscaling_enabled(svc)
	result := lib.finding(id, "costProfile.autoscaling.enabled", "free-tier service enables autoscaling")
}

# METADATA
# title: Free tier runs one replica
# description: The free tier runs a single replica; replicas and runtimeProfile.scaling.maxReplicas must not exceed 1.
# custom:
#   id: COST-004
#   severity: error
#   domain: cost
#   remediation: Set replicas to 1 or move the service to the basic or standard tier.
deny_free_tier_replicas contains result if {
	some id, svc in input.services
	svc.costProfile.tier == "free"
	some [path, n] in [["replicas", object.get(svc, "replicas", 1)], ["runtimeProfile.scaling.maxReplicas", object.get(svc, ["runtimeProfile", "scaling", "maxReplicas"], 1)]]
	n > 1
	result := lib.finding(id, path, sprintf("free-tier service asks for %d replicas at %s", [n, path]))
}

multi_region_tiers := {"premium", "enterprise"}

# METADATA
# title: Multi-region deployments need the premium or enterprise tier
# description: In prod, a service deployed to more than one region (its regions, else system.yaml's; strategy active-active, active-passive or follow-the-sun, or more than one region listed) must be on the premium or enterprise tier, which carry the SLA and DR budget.
# custom:
#   id: COST-005
#   severity: error
#   domain: cost
#   remediation: Set costProfile.tier to premium (or enterprise) in the prod overlay, or deploy to a single region.
deny_multi_region_tier contains result if {
	lib.is_prod
	some id, svc in input.services
	lib.deployable(svc)
	lib.multi_region(svc)
	not tier(svc) in multi_region_tiers
	regions := lib.regions(svc)
	path := lib.nearest(svc, "", ["costProfile", "tier"])
	msg := sprintf("service runs %s across %d regions on tier %s", [object.get(regions, "strategy", "multi-region"), count(object.get(regions, "list", [])), tier(svc)])
	result := lib.finding(id, path, msg)
}

# Premium SKUs a service uses, with their paths.
premium_skus(svc) := {[path, s] |
	s := sku(svc)
	s in prices.premiumSkus.compute
	path := "costProfile.sku"
} | {[path, s] |
	some i, db in object.get(svc, ["storage", "databases"], [])
	s := db.sku
	s in prices.premiumSkus.database
	path := sprintf("storage.databases[%d].sku", [i])
} | {[path, t] |
	some i, db in object.get(svc, ["storage", "databases"], [])
	t := db.tier
	t in {"premium", "hyperscale"}
	path := sprintf("storage.databases[%d].tier", [i])
} | {[path, s] |
	some i, c in object.get(svc, ["storage", "cache"], [])
	s := c.sku
	s in prices.premiumSkus.cache
	path := sprintf("storage.cache[%d].sku", [i])
}

# METADATA
# title: No premium SKUs in dev, qa, test or preview
# description: Development-kind environments (dev, qa, test, preview) must not use premium compute plans (P*v2, P*v3, EP*), premium or hyperscale databases, Business Critical or memory-optimised database SKUs, or premium caches.
# custom:
#   id: COST-006
#   severity: error
#   domain: cost
#   remediation: Override the SKU in the environment's overlay with a basic or standard one.
deny_premium_sku_non_prod contains result if {
	lib.is_non_prod
	some id, svc in input.services
	some [path, s] in premium_skus(svc)
	result := lib.finding(id, path, sprintf("%s uses premium %s in %s", [path, s, input.environment]))
}

# METADATA
# title: Premium tiers belong to production
# description: costProfile.tier premium or enterprise in a development-kind environment (dev, qa, test, preview) usually means a prod setting leaked into the base blueprint.
# custom:
#   id: COST-007
#   severity: warning
#   domain: cost
#   remediation: Keep the base blueprint on standard and raise the tier in the prod overlay.
warn_premium_tier_non_prod contains result if {
	lib.is_non_prod
	some id, svc in input.services
	tier(svc) in multi_region_tiers
	result := lib.finding(id, "costProfile.tier", sprintf("costProfile.tier is %s in %s", [tier(svc), input.environment]))
}

# METADATA
# title: Replica bounds must not be inverted
# description: maxReplicas must be at least minReplicas in runtimeProfile.scaling and in costProfile.autoscaling.
# custom:
#   id: COST-008
#   severity: error
#   domain: cost
#   remediation: Swap or fix the bounds so that minReplicas <= maxReplicas.
deny_replica_bounds_inverted contains result if {
	some id, svc in input.services
	some block in [["runtimeProfile", "scaling"], ["costProfile", "autoscaling"]]
	bounds := object.get(svc, block, {})
	bounds.maxReplicas < bounds.minReplicas
	path := concat(".", array.concat(block, ["maxReplicas"]))
	result := lib.finding(id, path, sprintf("%s %d is below minReplicas %d", [path, bounds.maxReplicas, bounds.minReplicas]))
}

# SKUs that the price table does not know, with their paths and table.
unknown_skus(svc) := {[path, s, "compute"] |
	s := sku(svc)
	not known_compute_sku(svc)
	path := "costProfile.sku"
} | {[path, s, "database"] |
	some i, db in object.get(svc, ["storage", "databases"], [])
	s := db.sku
	not s in database_skus
	path := sprintf("storage.databases[%d].sku", [i])
} | {[path, s, "cache"] |
	some i, c in object.get(svc, ["storage", "cache"], [])
	s := c.sku
	not s in cache_skus
	path := sprintf("storage.cache[%d].sku", [i])
} | {[path, s, "bus"] |
	s := svc.messaging.bus
	not s in bus_types
	path := "messaging.bus"
}

# METADATA
# title: SKUs must be in the price table
# description: A compute, database, cache or bus SKU that policies/cost/prices.json does not list cannot be priced; the projection counts it as 0.
# custom:
#   id: COST-009
#   severity: warning
#   domain: cost
#   remediation: Fix the SKU name or add the SKU and its monthly price to policies/cost/prices.json.
warn_unknown_sku contains result if {
	some id, svc in input.services
	some [path, s, table] in unknown_skus(svc)
	result := lib.finding(id, path, sprintf("%s SKU %s is not in the price table", [table, s]))
}

# METADATA
# title: Deployable services declare a budget
# description: Every deployable service needs costProfile.budgetLimit (e.g. $40/month) so its projected cost can be checked.
# custom:
#   id: COST-010
#   severity: warning
#   domain: cost
#   remediation: Add costProfile.budgetLimit with the monthly budget agreed for the service.
warn_budget_missing contains result if {
	some id, svc in input.services
	lib.deployable(svc)
	not budgets[id]
	path := lib.nearest(svc, "", ["costProfile", "budgetLimit"])
	result := lib.finding(id, path, "service declares no costProfile.budgetLimit")
}

# METADATA
# title: Fixed replicas should not exceed the autoscaling maximum
# description: With costProfile.autoscaling enabled, replicas above autoscaling.maxReplicas are scaled down at once and make the budget ceiling meaningless.
# custom:
#   id: COST-011
#   severity: warning
#   domain: cost
#   remediation: Raise costProfile.autoscaling.maxReplicas or lower replicas.
warn_replicas_exceed_autoscaling_max contains result if {
	some id, svc in input.services
	lib.autoscaling_enabled(svc)
	ceiling := svc.costProfile.autoscaling.maxReplicas
	svc.replicas > ceiling
	result := lib.finding(id, "replicas", sprintf("replicas %d exceeds costProfile.autoscaling.maxReplicas %d", [svc.replicas, ceiling]))
}

# --- per service, computed once ---------------------------------------------------------

# Function results are memoised only by identical arguments, and the rules and projection
# need the same numbers for a service: they are computed once per service id (partial
# objects are evaluated once per evaluation) and looked up.

# The stores' cost and the rounded monthly total (compute at the replica ceiling plus stores).
stores[id] := store_cost(svc) if some id, svc in input.services

monthly[id] := lib.round2(compute_cost(svc) + stores[id]) if some id, svc in input.services

# The budget in dollars per month, for services whose budgetLimit parses. Budget limits
# repeat across services ("$400/month"): each distinct one is converted once, and so is
# the threshold above which it is nearly spent (COST-002).
budget_limits contains svc.costProfile.budgetLimit if some svc in input.services

monthly_budgets[limit] := lib.budget_monthly(limit) if some limit in budget_limits

near_budget_thresholds[limit] := near_budget_ratio * amount if some limit, amount in monthly_budgets

budgets[id] := monthly_budgets[svc.costProfile.budgetLimit] if some id, svc in input.services

# Services whose projected cost exceeds their budget (COST-001), and those within it but
# above 80% of it (COST-002).
over_budget contains id if {
	some id, cost in monthly
	cost > budgets[id]
}

near_budget contains id if {
	some id, cost in monthly
	limit := input.services[id].costProfile.budgetLimit
	cost <= monthly_budgets[limit]
	cost > near_budget_thresholds[limit]
}

# --- price tables, computed once ---------------------------------------------------------

# The SKUs each price table knows (object.keys in a function body builds a new set on
# every call).
compute_skus := object.keys(prices.compute)

database_skus := object.keys(prices.database)

cache_skus := object.keys(prices.cache)

bus_types := object.keys(prices.bus)

# Services share a handful of pod sizes and database shapes, and parsing sizes and
# arithmetic on non-integers cost far more than a lookup: each distinct pod size and
# database shape of the input is priced once.
pod_sizes contains pod_size(svc) if {
	some svc in input.services
	not sku(svc)
}

pod_prices[size] := (cpu * k8s.vcpuMonthly) + (memory * k8s.memoryGiBMonthly) if {
	some size in pod_sizes
	k8s := prices.kubernetes
	cpu := lib.cpu_cores(size[0])
	memory := lib.size_gib(size[1])
}

# The fields a database's price depends on.
database_shape(db) := object.filter(db, ["sku", "tier", "highAvailability", "geoReplication", "size"])

database_shapes contains database_shape(db) if {
	some svc in input.services
	some db in object.get(svc, ["storage", "databases"], [])
}

database_costs[shape] := database_cost(shape) if some shape in database_shapes

# The number of services declaring each bus, and each one's share of the bus's price.
bus_users := {bus: count(ids) |
	some svc in input.services
	bus := svc.messaging.bus
	ids := {id | some id, other in input.services; other.messaging.bus == bus}
}

bus_shares := {bus: share |
	some bus, n in bus_users
	share := object.get(prices.bus, bus, 0) / n
}
