# Observability pack: the seed's Observability-First Validation Matrix (required metrics,
# logs, traces and probes per service type and runtime profile, from matrix.json at
# data.observability.matrix), the coverage report, OTEL, alerting and dashboards.
package policies.observability

import data.policies.lib

matrix := data.observability.matrix

categories := ["metrics", "logs", "traces", "probes"]

# --- the matrix -------------------------------------------------------------------------

# What the matrix looks at: the runtime profile and the service type ("" when absent).
service_kind(svc) := [object.get(svc, ["runtimeProfile", "type"], ""), object.get(svc, "serviceType", "")]

# Required checks of a category for a service of that kind: the runtime profile's entry,
# else the service type's, else the default. Libraries are not deployed and need nothing.
matrix_checks(kind, category) := [] if kind[1] == "library"

matrix_checks(kind, category) := checks if {
	kind[1] != "library"
	checks := matrix.runtimeProfiles[kind[0]][category]
} else := checks if {
	kind[1] != "library"
	checks := matrix.serviceTypes[kind[1]][category]
} else := matrix["default"][category] if kind[1] != "library"

metric_names(svc) := object.get(svc, ["observability", "metrics"], [])

metric_patterns := {
	"throughput": `(_total|_count)$`,
	"errors": `(?i)(error|fail)`,
	"latency": `(?i)(duration|latency|_ms$|_seconds)`,
}

satisfied(svc, "metrics", check) if {
	pattern := metric_patterns[check]
	some name in metric_names(svc)
	regex.match(pattern, name)
}

satisfied(svc, "logs", "structured") if {
	some log in object.get(svc, ["observability", "logs"], [])
	lower(log) in {"structured", "json"}
}

satisfied(svc, "traces", "otel") if otel_enabled(svc)

satisfied(svc, "traces", "exporter") if otel_exporter(svc)

satisfied(svc, "traces", "propagation") if w3c_propagation(svc)

satisfied(svc, "probes", kind) if lib.has_probe(svc, kind)

otel_enabled(svc) if svc.observability.otel.enabled == true

otel_exporter(svc) := true if {
	lib.nonempty_string(object.get(svc, ["observability", "otel", "exporter"], ""))
} else := true if {
	lib.nonempty_string(object.get(svc, ["observability", "otel", "endpoint"], ""))
}

w3c_propagation(svc) if {
	some t in object.get(svc, ["observability", "traces"], [])
	lower(t) in {"w3c", "tracecontext", "w3c-tracecontext"}
}

# --- the coverage report ----------------------------------------------------------------

# "83%": the share of required checks a service satisfies, rounded down.
percentage(required, missing) := "100%" if {
	count(required) == 0
} else := sprintf("%d%%", [floor((100 * done) / total)]) if {
	total := count(required)
	done := total - count(missing)
}

# Liveness and readiness always, startup when required or declared. A required probe is OK
# unless it is missing; one that is not required is OK when declared, else N/A.
probe_statuses(svc, required, missing) := {kind: probe_status(svc, kind, required, missing) |
	some kind in {"liveness", "readiness"} | {"startup" | "startup" in required} | {"startup" | lib.has_probe(svc, "startup")}
}

probe_status(svc, kind, required, missing) := "MISSING" if {
	kind in missing
} else := "OK" if {
	kind in required
} else := "OK" if {
	lib.has_probe(svc, kind)
} else := "N/A"

issue_types := {"metrics": "metric-missing", "logs": "log-missing", "traces": "trace-missing", "probes": "probe-missing"}

# A missing readiness probe is an error in production, everything else a warning.
issue_severity(category, check) := "error" if {
	[category, check] == ["probes", "readiness"]
	lib.is_prod
} else := "warning"

# Ordered by category (metrics, logs, traces, probes), then check name; `missing` holds the
# unmet checks by category.
issues(missing) := [issue |
	some [_, _, issue] in {[n, check, i] |
		some n, category in categories
		some check in missing[category]
		i := {
			"type": issue_types[category],
			"detail": sprintf("no %s", [matrix.checks[category][check]]),
			"severity": issue_severity(category, check),
		}
	}
]

# Per service, as in the seed's Coverage Report Example. policyc check reads it as a
# report (custom.report below); it is not a rule.
# METADATA
# title: Observability coverage report
# custom:
#   report: observability
#   report_key: component
coverage[id] := report if {
	some id, svc in input.services
	required := required_checks[id]
	missing := missing_checks[id]
	report := {
		"component": id,
		"telemetryCoverage": {
			"metrics": percentage(required.metrics, missing.metrics),
			"logs": percentage(required.logs, missing.logs),
			"traces": percentage(required.traces, missing.traces),
			"probes": probe_statuses(svc, required.probes, missing.probes),
		},
		"issues": issues(missing),
	}
}

# --- rules: the matrix ------------------------------------------------------------------

# METADATA
# title: Required metrics are declared
# description: Per the validation matrix every deployable service declares a throughput counter (*_total or *_count) and an error counter; APIs and gateways also a latency histogram (duration, latency, _ms or _seconds).
# custom:
#   id: OBS-001
#   severity: warning
#   domain: observability
#   remediation: Add the missing metric to observability.metrics (for example http_requests_total, http_requests_failed_total, http_request_duration_seconds).
warn_required_metrics_missing contains result if {
	some id, svc in input.services
	some check in missing_checks[id].metrics
	path := lib.nearest(svc, "", ["observability", "metrics"])
	result := lib.finding(id, path, sprintf("observability.metrics has no %s", [matrix.checks.metrics[check]]))
}

# METADATA
# title: Logs are structured
# description: Per the validation matrix every deployable service writes structured JSON logs to stdout (observability.logs lists structured or json).
# custom:
#   id: OBS-002
#   severity: warning
#   domain: observability
#   remediation: Add structured to observability.logs and log JSON to stdout.
warn_structured_logs_missing contains result if {
	some id, svc in input.services
	"structured" in missing_checks[id].logs
	path := lib.nearest(svc, "", ["observability", "logs"])
	result := lib.finding(id, path, "observability.logs does not declare structured JSON logs")
}

# METADATA
# title: Production services declare a readiness probe
# description: In prod a service that the matrix requires to have a readiness probe (all but cron jobs, functions and libraries) must declare one, or traffic reaches replicas that are not ready.
# custom:
#   id: OBS-003
#   severity: error
#   domain: observability
#   remediation: Add runtimeProfile.probes.readiness with the health endpoint path.
deny_readiness_probe_missing contains result if {
	lib.is_prod
	some id, svc in input.services
	"readiness" in missing_checks[id].probes
	result := lib.finding(id, lib.probe_path(svc, "readiness"), "service declares no readiness probe in production")
}

# METADATA
# title: Services declare a readiness probe
# description: Outside prod a missing readiness probe required by the matrix is a warning (it is an error in prod, OBS-003).
# custom:
#   id: OBS-004
#   severity: warning
#   domain: observability
#   remediation: Add runtimeProfile.probes.readiness with the health endpoint path.
warn_readiness_probe_missing_non_prod contains result if {
	not lib.is_prod
	some id, svc in input.services
	"readiness" in missing_checks[id].probes
	result := lib.finding(id, lib.probe_path(svc, "readiness"), sprintf("service declares no readiness probe in %s", [input.environment]))
}

# METADATA
# title: Services declare a liveness probe
# description: A service that the matrix requires to have a liveness probe (all but cron jobs, functions and libraries) must declare one, so hung replicas are restarted.
# custom:
#   id: OBS-005
#   severity: warning
#   domain: observability
#   remediation: Add runtimeProfile.probes.liveness with the health endpoint path.
warn_liveness_probe_missing contains result if {
	some id, svc in input.services
	"liveness" in missing_checks[id].probes
	result := lib.finding(id, lib.probe_path(svc, "liveness"), "service declares no liveness probe")
}

# --- rules: OpenTelemetry and tracing ---------------------------------------------------

# METADATA
# title: OpenTelemetry is enabled
# description: Every deployable service is instrumented with OpenTelemetry (observability.otel.enabled true), so traces and metrics flow to the shared backend.
# custom:
#   id: OBS-006
#   severity: warning
#   domain: observability
#   remediation: Set observability.otel.enabled true with an exporter (otlp).
warn_otel_disabled contains result if {
	some id, svc in input.services
	"otel" in missing_checks[id].traces
	path := lib.nearest(svc, "", ["observability", "otel", "enabled"])
	result := lib.finding(id, path, "OpenTelemetry is not enabled for the service")
}

# METADATA
# title: Enabled OpenTelemetry has an exporter
# description: With observability.otel.enabled true the service must name an exporter (e.g. otlp) or an endpoint; otherwise telemetry is collected and dropped.
# custom:
#   id: OBS-007
#   severity: error
#   domain: observability
#   remediation: Set observability.otel.exporter to otlp (and endpoint if not the collector default).
deny_otel_exporter_missing contains result if {
	some id, svc in input.services
	otel_enabled(svc)
	not otel_exporter(svc)
	result := lib.finding(id, "observability.otel", "OpenTelemetry is enabled without an exporter or endpoint")
}

# METADATA
# title: OpenTelemetry sampling rate is a usable ratio
# description: observability.otel.samplingRate is a ratio above 0 and at most 1; 0 records no traces and values above 1 are invalid.
# custom:
#   id: OBS-008
#   severity: error
#   domain: observability
#   remediation: Set samplingRate between 0.01 and 1 (e.g. 0.1 in prod, 1 in dev).
deny_otel_sampling_rate_invalid contains result if {
	some id, svc in input.services
	otel_enabled(svc)
	rate := svc.observability.otel.samplingRate
	not valid_sampling_rate(rate)
	result := lib.finding(id, "observability.otel.samplingRate", sprintf("OpenTelemetry samplingRate %v is outside (0, 1]", [rate]))
}

valid_sampling_rate(rate) if {
	rate > 0
	rate <= 1
}

uses_messaging(svc) if svc.messaging.bus

uses_messaging(svc) if count(object.get(svc, ["messaging", "topics"], [])) > 0

uses_messaging(svc) if count(object.get(svc, ["messaging", "queues"], [])) > 0

# METADATA
# title: Messaging services propagate W3C trace context
# description: A service that publishes or consumes messages must propagate W3C trace context (observability.traces lists w3c), or traces break at every hop through the bus.
# custom:
#   id: OBS-009
#   severity: warning
#   domain: observability
#   remediation: Add w3c to observability.traces and enable the messaging instrumentation.
warn_trace_propagation_missing contains result if {
	some id, svc in input.services
	lib.deployable(svc)
	uses_messaging(svc)
	not w3c_propagation(svc)
	path := lib.nearest(svc, "", ["observability", "traces"])
	result := lib.finding(id, path, sprintf("service uses messaging (%s) without W3C trace propagation", [object.get(svc, ["messaging", "bus"], "topics and queues")]))
}

# --- rules: alerting and dashboards -----------------------------------------------------

# METADATA
# title: Production services have alert rules
# description: In prod every deployable service declares at least one alert rule (observability.alertRules), so failures page someone.
# custom:
#   id: OBS-010
#   severity: error
#   domain: observability
#   remediation: Add observability.alertRules, e.g. an error-rate alert with severity and action.
deny_alert_rules_missing contains result if {
	lib.is_prod
	some id, svc in input.services
	lib.deployable(svc)
	count(object.get(svc, ["observability", "alertRules"], [])) == 0
	path := lib.nearest(svc, "", ["observability", "alertRules"])
	result := lib.finding(id, path, "service declares no alert rules in production")
}

# METADATA
# title: Production services have a dashboard
# description: In prod every deployable service names its dashboard (observability.dashboardTemplate).
# custom:
#   id: OBS-011
#   severity: warning
#   domain: observability
#   remediation: Set observability.dashboardTemplate, e.g. grafana/<service>.json.
warn_dashboard_missing contains result if {
	lib.is_prod
	some id, svc in input.services
	lib.deployable(svc)
	not lib.nonempty_string(object.get(svc, ["observability", "dashboardTemplate"], ""))
	path := lib.nearest(svc, "", ["observability", "dashboardTemplate"])
	result := lib.finding(id, path, "service declares no dashboard in production")
}

cert_alert_types := {"certificate_expiry", "certificate-expiry", "cert_expiry", "cert-expiry", "certificateexpiry"}

cert_alert(alert) if lower(object.get(alert, "type", "")) in cert_alert_types

cert_alert(alert) if contains(lower(object.get(alert, "name", "")), "cert")

cert_alert(alert) if contains(lower(object.get(alert, "condition", "")), "cert")

cert_alert(alert) if contains(lower(object.get(alert, "expression", "")), "cert")

# Alert rules, and the seed's ingress alerts (observability.ingress.alerts).
alerts(svc) := array.concat(object.get(svc, ["observability", "alertRules"], []), object.get(svc, ["observability", "ingress", "alerts"], []))

# METADATA
# title: TLS certificates have an expiry alert
# description: A service whose ingress terminates TLS declares a certificate-expiry alert (an alert rule of type certificate_expiry, or one whose name or condition mentions the certificate), so renewal failures are caught before the certificate lapses.
# custom:
#   id: OBS-012
#   severity: warning
#   domain: observability
#   remediation: Add an alert rule with type certificate_expiry and thresholdDays (e.g. 14).
warn_certificate_expiry_alert_missing contains result if {
	some id, svc in input.services
	lib.has_ingress(svc)
	svc.ingress.tls.enabled == true
	not any_cert_alert(svc)
	path := lib.nearest(svc, "", ["observability", "alertRules"])
	result := lib.finding(id, path, sprintf("ingress %s terminates TLS but no certificate-expiry alert is declared", [object.get(svc.ingress, "host", id)]))
}

any_cert_alert(svc) if {
	some alert in alerts(svc)
	cert_alert(alert)
}

# --- per service, computed once ---------------------------------------------------------

# The coverage report and five rules look at the same checks of a service, so its
# required and unmet checks are computed once per service id (partial objects are
# evaluated once per evaluation) rather than left to the memo of function results.

# Services share a few runtime profile and service type pairs: the matrix is read once per
# pair, and each service's required checks (by category) are looked up.
service_kinds contains service_kind(svc) if some svc in input.services

required_by_kind[kind] := {category: matrix_checks(kind, category) | some category in categories} if {
	some kind in service_kinds
}

required_checks[id] := required_by_kind[service_kind(svc)] if some id, svc in input.services

# The required checks each service does not meet, by category (sets of check names).
missing_checks[id] := {category: unmet |
	some category, checks in required_checks[id]
	unmet := {check | some check in checks; not satisfied(svc, category, check)}
} if {
	some id, svc in input.services
}
