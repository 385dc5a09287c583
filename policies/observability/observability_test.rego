package policies.observability_test

import data.policies.observability

env(name, services) := {"environment": name, "services": services, "system": {}}

prod(services) := env("prod", services)

dev(services) := env("dev", services)

paths(results) := {r.path | some r in results}

# An API that satisfies the whole matrix.
complete := {
	"serviceType": "api",
	"runtimeProfile": {"type": "stateless", "probes": {"liveness": {"path": "/live"}, "readiness": {"path": "/ready"}}},
	"observability": {
		"otel": {"enabled": true, "exporter": "otlp", "samplingRate": 0.2},
		"metrics": ["http_requests_total", "http_requests_failed_total", "http_request_duration_seconds"],
		"logs": ["structured"],
		"traces": ["w3c"],
		"dashboardTemplate": "grafana/api.json",
		"alertRules": [{"name": "error-rate", "condition": "error_rate > 0.05", "severity": "warning"}],
	},
}

with_obs(obs) := object.union(complete, {"observability": obs})

# --- the coverage report ----------------------------------------------------------------

test_coverage_complete if {
	c := observability.coverage with input as prod({"api": complete})
	c.api == {
		"component": "api",
		"telemetryCoverage": {"metrics": "100%", "logs": "100%", "traces": "100%", "probes": {"liveness": "OK", "readiness": "OK"}},
		"issues": [],
	}
}

test_coverage_partial if {
	svc := {
		"serviceType": "api",
		"runtimeProfile": {"type": "stateless", "probes": {"liveness": {"path": "/live"}, "startup": {"path": "/started"}}},
		"observability": {"otel": {"enabled": true}, "metrics": ["http_requests_total"], "traces": ["w3c"]},
	}
	c := observability.coverage with input as prod({"api": svc})
	c.api.telemetryCoverage == {"metrics": "33%", "logs": "0%", "traces": "66%", "probes": {"liveness": "OK", "readiness": "MISSING", "startup": "OK"}}
	c.api.issues == [
		{"type": "metric-missing", "detail": "no error or failure counter (a metric name containing error or fail)", "severity": "warning"},
		{"type": "metric-missing", "detail": "no latency histogram (a metric name containing duration, latency, _ms or _seconds)", "severity": "warning"},
		{"type": "log-missing", "detail": "no structured JSON logs to stdout (logs lists structured or json)", "severity": "warning"},
		{"type": "trace-missing", "detail": "no OpenTelemetry exporter (observability.otel.exporter or endpoint)", "severity": "warning"},
		{"type": "probe-missing", "detail": "no readiness probe", "severity": "error"},
	]
}

test_coverage_cron_needs_no_probes if {
	job := {"serviceType": "function", "runtimeProfile": {"type": "cron", "schedule": "0 * * * *"}}
	c := observability.coverage with input as dev({"job": job, "lib": {"serviceType": "library"}})
	c.job.telemetryCoverage.probes == {"liveness": "N/A", "readiness": "N/A"}
	c.lib.telemetryCoverage == {"metrics": "100%", "logs": "100%", "traces": "100%", "probes": {"liveness": "N/A", "readiness": "N/A"}}
	c.lib.issues == []
}

# --- the checks computed once per service ----------------------------------------------

test_required_checks_by_profile_and_type if {
	inp := dev({
		"api": complete,
		"job": {"serviceType": "worker", "runtimeProfile": {"type": "cron"}},
		"fn": {"serviceType": "function"},
		"lib": {"serviceType": "library"},
	})
	r := observability.required_checks with input as inp
	r.api.metrics == ["throughput", "errors", "latency"]
	r.job.probes == []
	r.job.metrics == ["throughput", "errors"]
	r.fn.probes == []
	r.lib == {"metrics": [], "logs": [], "traces": [], "probes": []}

	# one matrix lookup per (runtime profile, service type) pair
	kinds := observability.service_kinds with input as inp
	kinds == {["stateless", "api"], ["cron", "worker"], ["", "function"], ["", "library"]}
}

test_missing_checks_by_category if {
	svc := {
		"serviceType": "api",
		"runtimeProfile": {"probes": {"liveness": {"path": "/live"}}},
		"observability": {"otel": {"enabled": true}, "metrics": ["orders_total"], "logs": ["json"]},
	}
	m := observability.missing_checks with input as dev({"api": svc})
	m.api == {"metrics": {"errors", "latency"}, "logs": set(), "traces": {"exporter", "propagation"}, "probes": {"readiness"}}
}

test_probe_status if {
	observability.probe_status({}, "readiness", ["liveness", "readiness"], {"readiness"}) == "MISSING"
	observability.probe_status({}, "liveness", ["liveness", "readiness"], {"readiness"}) == "OK"
	observability.probe_status({"observability": {"probes": ["startup"]}}, "startup", [], set()) == "OK"
	observability.probe_status({}, "liveness", [], set()) == "N/A"
}

# --- OBS-001 / OBS-002 ------------------------------------------------------------------

test_required_metrics_missing_fires if {
	r := observability.warn_required_metrics_missing with input as dev({
		"api": with_obs({"metrics": ["http_requests_total"]}),
		"w": {"serviceType": "worker"},
	})
	r == {
		{"msg": "observability.metrics has no error or failure counter (a metric name containing error or fail)", "service": "api", "path": "observability.metrics"},
		{"msg": "observability.metrics has no latency histogram (a metric name containing duration, latency, _ms or _seconds)", "service": "api", "path": "observability.metrics"},
		{"msg": "observability.metrics has no request or message counter (a metric named *_total or *_count)", "service": "w", "path": "observability"},
		{"msg": "observability.metrics has no error or failure counter (a metric name containing error or fail)", "service": "w", "path": "observability"},
	}
}

test_required_metrics_missing_passes if {
	worker := {"serviceType": "worker", "observability": {"metrics": ["emails_sent_total", "emails_failed_total"]}}
	r := observability.warn_required_metrics_missing with input as dev({"api": complete, "w": worker, "lib": {"serviceType": "library"}})
	count(r) == 0
}

test_structured_logs_missing_fires if {
	r := observability.warn_structured_logs_missing with input as dev({"api": with_obs({"logs": ["text"]})})
	r == {{"msg": "observability.logs does not declare structured JSON logs", "service": "api", "path": "observability.logs"}}
}

test_structured_logs_missing_passes if {
	r := observability.warn_structured_logs_missing with input as dev({"api": with_obs({"logs": ["json", "audit"]})})
	count(r) == 0
}

# --- OBS-003 / OBS-004 / OBS-005 --------------------------------------------------------

test_readiness_probe_missing_fires if {
	svc := json.remove(complete, ["runtimeProfile/probes/readiness"])
	r := observability.deny_readiness_probe_missing with input as prod({"api": svc})
	r == {{"msg": "service declares no readiness probe in production", "service": "api", "path": "runtimeProfile.probes"}}
}

test_readiness_probe_missing_passes if {
	svc := json.remove(complete, ["runtimeProfile/probes/readiness"])
	r := observability.deny_readiness_probe_missing with input as dev({"api": svc})
	count(r) == 0
	r2 := observability.deny_readiness_probe_missing with input as prod({"api": complete, "job": {"serviceType": "function", "runtimeProfile": {"type": "cron"}}})
	count(r2) == 0
}

test_readiness_probe_missing_non_prod_fires if {
	svc := json.remove(complete, ["runtimeProfile/probes"])
	r := observability.warn_readiness_probe_missing_non_prod with input as dev({"api": svc})
	r == {{"msg": "service declares no readiness probe in dev", "service": "api", "path": "runtimeProfile"}}
}

test_readiness_probe_missing_non_prod_passes if {
	svc := json.remove(complete, ["runtimeProfile/probes"])
	r := observability.warn_readiness_probe_missing_non_prod with input as prod({"api": svc})
	count(r) == 0
	r2 := observability.warn_readiness_probe_missing_non_prod with input as dev({"api": complete})
	count(r2) == 0
}

test_liveness_probe_missing_fires if {
	svc := json.remove(complete, ["runtimeProfile/probes/liveness"])
	r := observability.warn_liveness_probe_missing with input as dev({"api": svc})
	r == {{"msg": "service declares no liveness probe", "service": "api", "path": "runtimeProfile.probes"}}
}

test_liveness_probe_missing_passes if {
	svc := object.union(json.remove(complete, ["runtimeProfile/probes"]), {"resilience": {"probes": {"liveness": {"path": "/live"}}}})
	r := observability.warn_liveness_probe_missing with input as dev({"api": svc})
	count(r) == 0
}

# --- OBS-006 / OBS-007 / OBS-008 / OBS-009 ----------------------------------------------

test_otel_disabled_fires if {
	r := observability.warn_otel_disabled with input as dev({"api": with_obs({"otel": {"enabled": false}})})
	r == {{"msg": "OpenTelemetry is not enabled for the service", "service": "api", "path": "observability.otel.enabled"}}
}

test_otel_disabled_passes if {
	r := observability.warn_otel_disabled with input as dev({"api": complete, "lib": {"serviceType": "library"}})
	count(r) == 0
}

test_otel_exporter_missing_fires if {
	r := observability.deny_otel_exporter_missing with input as dev({"api": with_obs({"otel": {"enabled": true, "exporter": null}})})
	r == {{"msg": "OpenTelemetry is enabled without an exporter or endpoint", "service": "api", "path": "observability.otel"}}
}

test_otel_exporter_missing_passes if {
	r := observability.deny_otel_exporter_missing with input as dev({
		"a": complete,
		"b": with_obs({"otel": {"enabled": true, "exporter": null, "endpoint": "http://otel-collector:4317"}}),
		"c": with_obs({"otel": {"enabled": false, "exporter": null}}),
	})
	count(r) == 0
}

test_otel_sampling_rate_invalid_fires if {
	r := observability.deny_otel_sampling_rate_invalid with input as dev({
		"a": with_obs({"otel": {"samplingRate": 0}}),
		"b": with_obs({"otel": {"samplingRate": 5}}),
	})
	r == {
		{"msg": "OpenTelemetry samplingRate 0 is outside (0, 1]", "service": "a", "path": "observability.otel.samplingRate"},
		{"msg": "OpenTelemetry samplingRate 5 is outside (0, 1]", "service": "b", "path": "observability.otel.samplingRate"},
	}
}

test_otel_sampling_rate_invalid_passes if {
	r := observability.deny_otel_sampling_rate_invalid with input as dev({"a": with_obs({"otel": {"samplingRate": 1}}), "b": complete})
	count(r) == 0
}

test_trace_propagation_missing_fires if {
	svc := object.union(with_obs({"traces": ["b3"]}), {"messaging": {"bus": "azure-service-bus"}})
	r := observability.warn_trace_propagation_missing with input as dev({"api": svc})
	r == {{"msg": "service uses messaging (azure-service-bus) without W3C trace propagation", "service": "api", "path": "observability.traces"}}
}

test_trace_propagation_missing_passes if {
	r := observability.warn_trace_propagation_missing with input as dev({
		"a": object.union(complete, {"messaging": {"bus": "azure-service-bus"}}),
		"b": with_obs({"traces": []}),
	})
	count(r) == 0
}

# --- OBS-010 / OBS-011 / OBS-012 --------------------------------------------------------

test_alert_rules_missing_fires if {
	r := observability.deny_alert_rules_missing with input as prod({"api": with_obs({"alertRules": []}), "w": {"serviceType": "worker"}})
	r == {
		{"msg": "service declares no alert rules in production", "service": "api", "path": "observability.alertRules"},
		{"msg": "service declares no alert rules in production", "service": "w", "path": "observability"},
	}
}

test_alert_rules_missing_passes if {
	r := observability.deny_alert_rules_missing with input as prod({"api": complete})
	count(r) == 0
	r2 := observability.deny_alert_rules_missing with input as dev({"w": {"serviceType": "worker"}})
	count(r2) == 0
}

test_dashboard_missing_fires if {
	r := observability.warn_dashboard_missing with input as prod({"api": json.remove(complete, ["observability/dashboardTemplate"])})
	r == {{"msg": "service declares no dashboard in production", "service": "api", "path": "observability"}}
}

test_dashboard_missing_passes if {
	r := observability.warn_dashboard_missing with input as prod({"api": complete, "lib": {"serviceType": "library"}})
	count(r) == 0
}

tls := {"ingress": {"type": "nginx", "host": "api.example.com", "tls": {"enabled": true, "certificateRef": "wildcard"}}}

test_certificate_expiry_alert_missing_fires if {
	r := observability.warn_certificate_expiry_alert_missing with input as prod({"api": object.union(complete, tls)})
	r == {{"msg": "ingress api.example.com terminates TLS but no certificate-expiry alert is declared", "service": "api", "path": "observability.alertRules"}}
}

test_certificate_expiry_alert_missing_passes if {
	rules := {"observability": {"alertRules": [{"name": "tls", "type": "certificate_expiry", "thresholdDays": 14}]}}
	ingress_alert := {"observability": {"ingress": {"alerts": [{"type": "certificate_expiry", "thresholdDays": 10}]}}}
	r := observability.warn_certificate_expiry_alert_missing with input as prod({
		"a": object.union(object.union(complete, tls), rules),
		"b": object.union(object.union(complete, tls), ingress_alert),
		"c": complete,
	})
	count(r) == 0
}
