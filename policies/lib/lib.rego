# Shared helpers for the stock policy packs: environment kinds, parsing of the blueprint's
# string formats (durations, sizes, CPU, budgets), secret references, probes and paths.
package policies.lib

# The kind of the current environment: the `kind` of the system.yaml entry named like
# input.environment, else the environment name itself ("prod", "staging", ...).
env_kind := kinds[0] if {
	kinds := [object.get(e, "kind", input.environment) |
		some e in object.get(input, ["system", "environments"], [])
		e.name == input.environment
	]
	count(kinds) > 0
} else := input.environment

# hotfix environments patch production, so they get production rules.
prod_kinds := {"prod", "hotfix"}

non_prod_kinds := {"dev", "qa", "test", "preview"}

is_prod if env_kind in prod_kinds

is_prod_or_staging if env_kind in prod_kinds

is_prod_or_staging if env_kind == "staging"

# dev, qa, test and preview: environments that must stay cheap.
is_non_prod if env_kind in non_prod_kinds

# --- paths in the loader's syntax -------------------------------------------------------

index_path(prefix, i) := sprintf("%s[%d]", [prefix, i])

key_path(prefix, key) := sprintf("%s.%s", [prefix, key])

# --- durations, sizes, CPU and budgets ----------------------------------------------------

# Milliseconds per unit: integers, so that sums stay exact (500 * 0.001 is not 0.5 in
# OPA's 64-bit-mantissa arithmetic).
unit_milliseconds := {"ms": 1, "s": 1000, "m": 60000, "h": 3600000, "d": 86400000, "w": 604800000}

# "30s", "500ms", "1h30m", "7d" -> seconds; undefined for anything else.
duration_seconds(s) := total / 1000 if {
	is_string(s)
	regex.match(`^([0-9]+(ms|s|m|h|d|w))+$`, s)
	parts := regex.find_all_string_submatch_n(`([0-9]+)(ms|s|m|h|d|w)`, s, -1)
	total := sum([x | some p in parts; x := to_number(p[1]) * unit_milliseconds[p[2]]])
}

duration_seconds(n) := n if is_number(n)

duration_days(s) := duration_seconds(s) / 86400

# "512Mi", "1Gi", "256M" or a plain byte count -> bytes.
size_bytes(s) := units.parse_bytes(s) if is_string(s)

size_bytes(n) := n if is_number(n)

size_gib(s) := size_bytes(s) / 1073741824

# "500m" -> 0.5, "2" -> 2, 1.5 -> 1.5 (CPU cores).
cpu_cores(s) := to_number(trim_suffix(s, "m")) / 1000 if {
	is_string(s)
	endswith(s, "m")
}

cpu_cores(s) := to_number(s) if {
	is_string(s)
	not endswith(s, "m")
}

cpu_cores(n) := n if is_number(n)

budget_periods_per_month := {"hour": 730, "day": 30, "week": 52 / 12, "month": 1, "year": 1 / 12}

# "$40/month" -> 40, "$1.50/day" -> 45, "$1200/year" -> 100 (dollars per month).
budget_monthly(s) := amount * budget_periods_per_month[period] if {
	is_string(s)
	m := regex.find_all_string_submatch_n(`^\$([0-9]+(?:\.[0-9]+)?)/(hour|day|week|month|year)$`, s, 1)
	count(m) == 1
	amount := to_number(m[0][1])
	period := m[0][2]
}

# 36.924 -> "$36.92", 485 -> "$485.00". A whole amount goes through %d: sprintf's %.2f of an
# integer is Go's "%!f(int=485)" in OPA.
money(x) := sprintf("$%d.00", [round(x)]) if {
	x == round(x)
} else := sprintf("$%.2f", [x])

round2(x) := round(x * 100) / 100

# --- secrets ----------------------------------------------------------------------------

secret_ref_pattern := `\$\{\{\s*secrets:([A-Za-z0-9_.-]+)\s*\}\}`

# Names of the ${{ secrets:Name }} references inside a value (any position).
secret_refs(v) := {m[1] | some m in regex.find_all_string_submatch_n(secret_ref_pattern, v, -1)} if {
	is_string(v)
} else := set()

# A value that is exactly one secret reference.
is_secret_ref(v) if {
	is_string(v)
	regex.match(sprintf(`^\s*%s\s*$`, [secret_ref_pattern]), v)
}

# A value resolved by the agent context at generation time (@context.path).
is_context_ref(v) if {
	is_string(v)
	startswith(v, "@context.")
}

vault_sources := {"AzureKeyVault", "HashiCorpVault", "AWSSecretsManager"}

# Every secret declaration of a service with its path: secrets[i] and the per-database
# storage.databases[i].secrets[j].
secret_entries(svc) := {[index_path("secrets", i), s] | some i, s in object.get(svc, "secrets", [])} | {[sprintf("storage.databases[%d].secrets[%d]", [i, j]), s] |
	some i, db in object.get(svc, ["storage", "databases"], [])
	some j, s in object.get(db, "secrets", [])
}

# The names of a service's secret declarations (those of secret_entries, without building
# their paths).
declared_secret_names(svc) := {s.name | some s in object.get(svc, "secrets", [])} | {s.name |
	some db in object.get(svc, ["storage", "databases"], [])
	some s in object.get(db, "secrets", [])
}

# --- ingress, probes, replicas ----------------------------------------------------------

# An ingress that actually exposes the service (present and not type "none").
has_ingress(svc) if {
	is_object(svc.ingress)
	object.get(svc.ingress, "type", "") != "none"
}

probe_kinds := {"liveness", "readiness", "startup"}

# A probe is declared in runtimeProfile.probes, resilience.probes or as a name in the
# observability.probes list. An else chain stops at the first place that declares it
# (separate definitions would all be evaluated on every call).
has_probe(svc, kind) := true if {
	object.get(svc, ["runtimeProfile", "probes", kind], null) != null
} else := true if {
	object.get(svc, ["resilience", "probes", kind], null) != null
} else := true if {
	kind in object.get(svc, ["observability", "probes"], [])
}

probe(svc, kind) := p if {
	p := object.get(svc, ["runtimeProfile", "probes", kind], null)
	p != null
} else := object.get(svc, ["resilience", "probes", kind], {})

# Path of the probe declaration, or of the nearest existing parent.
probe_path(svc, kind) := sprintf("runtimeProfile.probes.%s", [kind]) if {
	object.get(svc, ["runtimeProfile", "probes", kind], null) != null
} else := sprintf("resilience.probes.%s", [kind]) if {
	object.get(svc, ["resilience", "probes", kind], null) != null
} else := "runtimeProfile.probes" if {
	object.get(svc, ["runtimeProfile", "probes"], null) != null
} else := "runtimeProfile" if {
	object.get(svc, "runtimeProfile", null) != null
} else := "serviceType"

autoscaling_enabled(svc) if object.get(svc, ["costProfile", "autoscaling", "enabled"], false) == true

# The replica count a service runs with when it does not autoscale.
base_replicas(svc) := r if {
	r := svc.replicas
	is_number(r)
} else := r if {
	r := svc.runtimeProfile.scaling.minReplicas
	is_number(r)
} else := 1

# The most replicas a service can run: with costProfile autoscaling enabled the autoscaling
# maximum (or runtimeProfile.scaling.maxReplicas), never less than the fixed count.
max_replicas(svc) := max({base_replicas(svc), m}) if {
	autoscaling_enabled(svc)
	m := object.get(svc, ["costProfile", "autoscaling", "maxReplicas"], object.get(svc, ["runtimeProfile", "scaling", "maxReplicas"], base_replicas(svc)))
} else := base_replicas(svc)

# Services whose code is not deployed on its own.
deployable(svc) if object.get(svc, "serviceType", "") != "library"

# Regions a service runs in: its own `regions`, else the system's.
regions(svc) := r if {
	r := svc.regions
} else := object.get(input, ["system", "regions"], {})

multi_region(svc) if count(object.get(regions(svc), "list", [])) > 1

multi_region(svc) if object.get(regions(svc), "strategy", "single") in {"active-active", "active-passive", "follow-the-sun", "geo-aware"}

tenancy_mode(svc) := m if {
	m := svc.tenancy.mode
} else := object.get(input, ["system", "tenancy", "mode"], "shared")

# --- findings ---------------------------------------------------------------------------

finding(id, path, msg) := {"msg": msg, "service": id, "path": path}

system_finding(path, msg) := {"msg": msg, "path": path}

join_path(prefix, segs) := concat(".", segs) if prefix == ""

join_path(prefix, segs) := concat(".", array.concat([prefix], segs)) if prefix != ""

# The path of the deepest value that exists along `segs` (object keys) below `obj`, which
# sits at `prefix`; at least the first segment when `obj` is the service itself (prefix "").
nearest(obj, prefix, segs) := join_path(prefix, array.slice(segs, 0, n)) if {
	floor_depth := {1 | prefix == ""} | {0 | prefix != ""}
	depths := {i |
		some i in numbers.range(1, count(segs))
		object.get(obj, array.slice(segs, 0, i), null) != null
	}
	n := max(depths | floor_depth)
}

# Sorted, comma-separated list for messages.
list_text(xs) := concat(", ", sort([sprintf("%v", [x]) | some x in xs]))

nonempty_string(x) if {
	is_string(x)
	x != ""
}
