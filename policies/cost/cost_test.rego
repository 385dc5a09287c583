package policies.cost_test

import data.policies.cost

env(name, services) := {"environment": name, "services": services, "system": {}}

prod(services) := env("prod", services)

dev(services) := env("dev", services)

paths(results) := {r.path | some r in results}

# B1 (13.14/month) at an autoscaling ceiling of `n` replicas with a budget.
b1(n, budget) := {
	"serviceType": "api",
	"replicas": 1,
	"costProfile": {"tier": "standard", "sku": "B1", "autoscaling": {"enabled": true, "maxReplicas": n}, "budgetLimit": budget},
}

# --- the projection report --------------------------------------------------------------

test_projection_entry if {
	p := cost.projection with input as dev({"api": b1(3, "$40/month")})
	p.api == {
		"service": "api",
		"projectedCost": "$39.42",
		"projectedMonthly": 39.42,
		"budget": "$40/month",
		"budgetMonthly": 40,
		"compliant": true,
		"recommendation": "Projected cost is 98% of the budget; cap costProfile.autoscaling.maxReplicas or choose a smaller SKU before load grows.",
	}
}

test_projection_counts_stores_and_shares_the_bus if {
	svc := {
		"serviceType": "api",
		"replicas": 2,
		"costProfile": {"sku": "B2", "budgetLimit": "$1000/month"},
		"storage": {
			"databases": [{"name": "db", "sku": "GP_Gen5_2", "highAvailability": true}],
			"cache": [{"name": "c"}],
			"blobStores": [{"name": "b", "tier": "cool"}],
		},
		"messaging": {"bus": "azure-service-bus"},
	}
	other := {"serviceType": "worker", "messaging": {"bus": "azure-service-bus"}}
	p := cost.projection with input as dev({"api": svc, "other": other})

	# 2 x 26.28 + 2 x 128.77 + 16.06 + 1.20 + 9.81 / 2
	p.api.projectedMonthly == 332.27
	p.api.projectedCost == "$332.27"
	p.api.recommendation == "Enable CPU-based HPA (costProfile.autoscaling) for better burst tolerance."
}

test_projection_prices_kubernetes_pods_without_sku if {
	svc := {"serviceType": "worker", "replicas": 2, "resources": {"cpu": "500m", "memory": "1Gi"}, "runtimeProfile": {"type": "durable"}}
	p := cost.projection with input as dev({"w": svc})

	# 2 x (0.5 x 29.20 + 1 x 3.65)
	p.w.projectedMonthly == 36.5
	p.w.budget == "none"
	p.w.compliant == true
	p.w.recommendation == "Set costProfile.budgetLimit so the projected cost can be checked."
}

test_projection_recommends_a_smaller_sku if {
	p := cost.projection with input as dev({"api": object.union(b1(2, "$30/month"), {"costProfile": {"sku": "P1v3"}})})
	p.api.compliant == false
	p.api.recommendation == "Downsize costProfile.sku from P1v3 to B1 to bring the projected cost within $30/month."
}

test_projection_recommends_fewer_replicas if {
	p := cost.projection with input as dev({"api": b1(6, "$40/month")})
	p.api.recommendation == "Lower costProfile.autoscaling.maxReplicas from 6 to 3 to bring the projected cost within $40/month."
}

test_projection_within_budget if {
	p := cost.projection with input as dev({"api": b1(2, "$40/month")})
	p.api.recommendation == "Within budget; no change needed."
}

# --- the tables computed once ---------------------------------------------------------

test_pod_prices_one_entry_per_distinct_size if {
	pod := {"serviceType": "worker", "resources": {"cpu": "500m", "memory": "1Gi"}}
	inp := dev({"a": pod, "b": pod, "c": {"serviceType": "worker"}, "d": b1(2, "$40/month")})
	prices := cost.pod_prices with input as inp

	# a and b share a size (0.5 x 29.20 + 1 x 3.65), c has the defaults, d has a SKU
	object.keys(prices) == {["500m", "1Gi"], ["250m", "256Mi"]}
	prices[["500m", "1Gi"]] == 18.25
}

test_database_shape_keeps_what_the_price_depends_on if {
	db := {"name": "orders", "engine": "PostgreSQL", "sku": "GP_Gen5_2", "highAvailability": true, "size": "32Gi", "backupRetention": "7d"}
	cost.database_shape(db) == {"sku": "GP_Gen5_2", "highAvailability": true, "size": "32Gi"}
}

with_database(name) := {"serviceType": "api", "storage": {"databases": [{"name": name, "sku": "GP_Gen5_2", "highAvailability": true}]}}

test_database_costs_priced_once_per_shape if {
	costs := cost.database_costs with input as dev({"a": with_database("a-db"), "b": with_database("b-db")})
	costs == {{"sku": "GP_Gen5_2", "highAvailability": true}: 257.54}
}

test_bus_shares_split_between_users if {
	users := {"a": {"messaging": {"bus": "azure-service-bus"}}, "b": {"messaging": {"bus": "azure-service-bus"}}, "c": {"messaging": {"bus": "kafka"}}}
	shares := cost.bus_shares with input as dev(users)
	shares == {"azure-service-bus": 4.905, "kafka": 22.27}
}

test_over_and_near_budget_sets if {
	inp := dev({"over": b1(4, "$40/month"), "near": b1(3, "$40/month"), "fine": b1(1, "$40/month"), "none": {"serviceType": "api"}})
	cost.over_budget == {"over"} with input as inp
	cost.near_budget == {"near"} with input as inp
	cost.budgets == {"over": 40, "near": 40, "fine": 40} with input as inp
}

test_budgets_converted_once_per_limit if {
	inp := dev({"a": b1(1, "$1.50/day"), "b": b1(2, "$1.50/day"), "c": b1(1, "$1200/year"), "d": b1(1, "40 dollars")})
	cost.budget_limits == {"$1.50/day", "$1200/year", "40 dollars"} with input as inp
	cost.monthly_budgets == {"$1.50/day": 45, "$1200/year": 100} with input as inp
	cost.near_budget_thresholds == {"$1.50/day": 36, "$1200/year": 80} with input as inp
	cost.budgets == {"a": 45, "b": 45, "c": 100} with input as inp
}

# --- COST-001 / COST-002 ----------------------------------------------------------------

test_over_budget_fires if {
	r := cost.deny_over_budget with input as dev({"api": b1(4, "$40/month")})
	r == {{"msg": "projected cost $52.56/month exceeds the budget $40/month", "service": "api", "path": "costProfile.budgetLimit"}}
}

test_over_budget_passes if {
	r := cost.deny_over_budget with input as dev({"api": b1(3, "$40/month"), "lib": {"serviceType": "library"}})
	count(r) == 0
}

test_near_budget_fires if {
	r := cost.warn_near_budget with input as dev({"api": b1(3, "$40/month")})
	r == {{"msg": "projected cost $39.42/month is 98% of the budget $40/month", "service": "api", "path": "costProfile.budgetLimit"}}
}

test_near_budget_passes if {
	r := cost.warn_near_budget with input as dev({"api": b1(3, "$50/month"), "b": b1(4, "$40/month")})
	count(r) == 0
}

# --- COST-003 / COST-004 ----------------------------------------------------------------

test_free_tier_autoscaling_fires if {
	svc := {"serviceType": "api", "costProfile": {"tier": "free", "autoscaling": {"enabled": true, "maxReplicas": 2}}}
	r := cost.deny_free_tier_autoscaling with input as dev({"a": svc})
	r == {{"msg": "free-tier service enables autoscaling", "service": "a", "path": "costProfile.autoscaling.enabled"}}
}

test_free_tier_autoscaling_passes if {
	r := cost.deny_free_tier_autoscaling with input as dev({
		"a": {"serviceType": "api", "costProfile": {"tier": "free", "autoscaling": {"enabled": false}}},
		"b": {"serviceType": "api", "costProfile": {"tier": "basic", "autoscaling": {"enabled": true}}},
	})
	count(r) == 0
}

test_free_tier_replicas_fires if {
	svc := {"serviceType": "api", "replicas": 2, "runtimeProfile": {"scaling": {"minReplicas": 1, "maxReplicas": 3}}, "costProfile": {"tier": "free"}}
	r := cost.deny_free_tier_replicas with input as dev({"a": svc})
	paths(r) == {"replicas", "runtimeProfile.scaling.maxReplicas"}
}

test_free_tier_replicas_passes if {
	r := cost.deny_free_tier_replicas with input as dev({"a": {"serviceType": "api", "replicas": 1, "costProfile": {"tier": "free"}}})
	count(r) == 0
}

# --- COST-005 ---------------------------------------------------------------------------

test_multi_region_tier_fires if {
	inp := {"environment": "prod", "system": {"regions": {"strategy": "active-active", "list": ["westeurope", "northeurope"]}}, "services": {
		"a": {"serviceType": "api", "costProfile": {"tier": "standard"}},
		"b": {"serviceType": "api", "regions": {"strategy": "active-passive", "list": ["westeurope", "northeurope"]}},
	}}
	r := cost.deny_multi_region_tier with input as inp
	r == {
		{"msg": "service runs active-active across 2 regions on tier standard", "service": "a", "path": "costProfile.tier"},
		{"msg": "service runs active-passive across 2 regions on tier standard", "service": "b", "path": "costProfile"},
	}
}

test_multi_region_tier_passes if {
	inp := {"environment": "prod", "system": {"regions": {"strategy": "single", "list": ["westeurope"]}}, "services": {
		"a": {"serviceType": "api", "costProfile": {"tier": "standard"}},
		"b": {"serviceType": "api", "costProfile": {"tier": "premium"}, "regions": {"strategy": "active-active", "list": ["westeurope", "northeurope"]}},
	}}
	r := cost.deny_multi_region_tier with input as inp
	count(r) == 0
}

# --- COST-006 / COST-007 ----------------------------------------------------------------

premium := {
	"serviceType": "api",
	"costProfile": {"tier": "premium", "sku": "P1v3"},
	"storage": {"databases": [{"name": "db", "tier": "premium", "sku": "BC_Gen5_2"}], "cache": [{"name": "c", "sku": "Premium"}]},
}

test_premium_sku_non_prod_fires if {
	r := cost.deny_premium_sku_non_prod with input as env("qa", {"a": premium})
	paths(r) == {"costProfile.sku", "storage.databases[0].tier", "storage.databases[0].sku", "storage.cache[0].sku"}
	some f in r
	f.msg == "costProfile.sku uses premium P1v3 in qa"
}

test_premium_sku_non_prod_passes if {
	r := cost.deny_premium_sku_non_prod with input as prod({"a": premium})
	count(r) == 0
	r2 := cost.deny_premium_sku_non_prod with input as dev({"a": b1(2, "$40/month")})
	count(r2) == 0
}

test_premium_tier_non_prod_fires if {
	r := cost.warn_premium_tier_non_prod with input as dev({"a": premium})
	r == {{"msg": "costProfile.tier is premium in dev", "service": "a", "path": "costProfile.tier"}}
}

test_premium_tier_non_prod_passes if {
	r := cost.warn_premium_tier_non_prod with input as env("staging", {"a": premium})
	count(r) == 0
}

# --- COST-008 ---------------------------------------------------------------------------

test_replica_bounds_inverted_fires if {
	svc := {
		"serviceType": "api",
		"runtimeProfile": {"scaling": {"minReplicas": 4, "maxReplicas": 2}},
		"costProfile": {"autoscaling": {"enabled": true, "minReplicas": 3, "maxReplicas": 1}},
	}
	r := cost.deny_replica_bounds_inverted with input as dev({"a": svc})
	r == {
		{"msg": "runtimeProfile.scaling.maxReplicas 2 is below minReplicas 4", "service": "a", "path": "runtimeProfile.scaling.maxReplicas"},
		{"msg": "costProfile.autoscaling.maxReplicas 1 is below minReplicas 3", "service": "a", "path": "costProfile.autoscaling.maxReplicas"},
	}
}

test_replica_bounds_inverted_passes if {
	svc := {"serviceType": "api", "runtimeProfile": {"scaling": {"minReplicas": 2, "maxReplicas": 2}}, "costProfile": {"autoscaling": {"enabled": true, "maxReplicas": 3}}}
	r := cost.deny_replica_bounds_inverted with input as dev({"a": svc})
	count(r) == 0
}

# --- COST-009 ---------------------------------------------------------------------------

test_unknown_sku_fires if {
	svc := {
		"serviceType": "api",
		"costProfile": {"sku": "X9"},
		"storage": {"databases": [{"name": "db", "sku": "Huge"}], "cache": [{"name": "c", "sku": "Premium"}]},
		"messaging": {"bus": "carrier-pigeon"},
	}
	r := cost.warn_unknown_sku with input as dev({"a": svc})
	paths(r) == {"costProfile.sku", "storage.databases[0].sku", "messaging.bus"}
	some f in r
	f.msg == "compute SKU X9 is not in the price table"
}

test_unknown_sku_passes if {
	svc := {"serviceType": "api", "costProfile": {"sku": "F1"}, "storage": {"databases": [{"name": "db", "sku": "GP_Gen5_2"}]}, "messaging": {"bus": "kafka"}}
	r := cost.warn_unknown_sku with input as dev({"a": svc})
	count(r) == 0
}

# --- COST-010 / COST-011 ----------------------------------------------------------------

test_budget_missing_fires if {
	r := cost.warn_budget_missing with input as dev({"a": {"serviceType": "api", "costProfile": {"tier": "basic"}}, "b": {"serviceType": "worker"}})
	r == {
		{"msg": "service declares no costProfile.budgetLimit", "service": "a", "path": "costProfile"},
		{"msg": "service declares no costProfile.budgetLimit", "service": "b", "path": "costProfile"},
	}
}

test_budget_missing_passes if {
	r := cost.warn_budget_missing with input as dev({"a": b1(1, "$10/month"), "lib": {"serviceType": "library"}})
	count(r) == 0
}

test_replicas_exceed_autoscaling_max_fires if {
	r := cost.warn_replicas_exceed_autoscaling_max with input as dev({"a": object.union(b1(3, "$100/month"), {"replicas": 4})})
	r == {{"msg": "replicas 4 exceeds costProfile.autoscaling.maxReplicas 3", "service": "a", "path": "replicas"}}
}

test_replicas_exceed_autoscaling_max_passes if {
	r := cost.warn_replicas_exceed_autoscaling_max with input as dev({"a": object.union(b1(3, "$100/month"), {"replicas": 3})})
	count(r) == 0
}
