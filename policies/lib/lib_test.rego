package policies.lib_test

import data.policies.lib

test_env_kind_from_system if {
	inp := {"environment": "live", "system": {"environments": [{"name": "dev", "kind": "dev"}, {"name": "live", "kind": "prod"}]}}
	lib.env_kind == "prod" with input as inp
	lib.is_prod with input as inp
	lib.is_prod_or_staging with input as inp
	not lib.is_non_prod with input as inp
}

test_env_kind_defaults_to_the_name if {
	lib.env_kind == "staging" with input as {"environment": "staging", "system": {}}
	lib.is_prod_or_staging with input as {"environment": "staging"}
	not lib.is_prod with input as {"environment": "staging"}
	lib.is_non_prod with input as {"environment": "qa"}
	lib.is_prod with input as {"environment": "hotfix"}
}

test_durations if {
	lib.duration_seconds("500ms") == 0.5
	lib.duration_seconds("1h30m") == 5400
	lib.duration_days("35d") == 35
	lib.duration_days("72h") == 3
	not lib.duration_seconds("7 days")
}

test_sizes_and_cpu if {
	lib.size_bytes("512Mi") == 536870912
	lib.size_gib("1Gi") == 1
	lib.cpu_cores("250m") == 0.25
	lib.cpu_cores("2") == 2
	lib.cpu_cores(1.5) == 1.5
}

test_budgets if {
	lib.budget_monthly("$40/month") == 40
	lib.budget_monthly("$1200/year") == 100
	lib.budget_monthly("$1.50/day") == 45
	not lib.budget_monthly("40 dollars")
	lib.money(36.924) == "$36.92"
	lib.money(485) == "$485.00"
	lib.money(485.0) == "$485.00"
}

test_secret_references if {
	lib.secret_refs("Server=db;Password=${{ secrets:DbPw }};Key=${{secrets:Other}}") == {"DbPw", "Other"}
	lib.is_secret_ref("${{ secrets:Foo }}")
	not lib.is_secret_ref("x ${{ secrets:Foo }}")
	lib.declared_secret_names({"secrets": [{"name": "a"}], "storage": {"databases": [{"name": "d", "secrets": [{"name": "b"}]}]}}) == {"a", "b"}
}

test_replicas if {
	lib.max_replicas({"replicas": 2, "costProfile": {"autoscaling": {"enabled": true, "maxReplicas": 5}}}) == 5
	lib.max_replicas({"replicas": 4, "costProfile": {"autoscaling": {"enabled": true, "maxReplicas": 3}}}) == 4
	lib.max_replicas({"replicas": 2, "runtimeProfile": {"scaling": {"maxReplicas": 8}}}) == 2
	lib.max_replicas({"runtimeProfile": {"scaling": {"minReplicas": 3}}}) == 3
	lib.max_replicas({}) == 1
}

test_nearest_path if {
	lib.nearest({"ingress": {"tls": {}}}, "", ["ingress", "tls", "certificateRef"]) == "ingress.tls"
	lib.nearest({}, "", ["security", "identity"]) == "security"
	lib.nearest({"name": "db"}, "storage.databases[0]", ["backupRetention"]) == "storage.databases[0]"
}

test_secret_refs_of_non_strings if {
	lib.secret_refs(42) == set()
	lib.secret_refs("no reference") == set()
}

test_has_probe if {
	lib.has_probe({"runtimeProfile": {"probes": {"liveness": {"path": "/live"}}}}, "liveness")
	lib.has_probe({"resilience": {"probes": {"readiness": {"path": "/ready"}}}}, "readiness")
	lib.has_probe({"observability": {"probes": ["startup"]}}, "startup")
	not lib.has_probe({"runtimeProfile": {"probes": {"liveness": null}}}, "liveness")
	not lib.has_probe({"observability": {"probes": ["liveness"]}}, "readiness")
}
