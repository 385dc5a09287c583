# Template "kubernetes": each deployed service's manifests for the environment, one object
# per file, under infrastructure/<service>/<environment>/, and the OpenTelemetry collector's
# configuration beside them when the sidecar is on.
package generate.templates.kubernetes

import data.generate.derive
import data.generate.k8s

template := {"id": "kubernetes", "version": "1.0.0"}

artifacts[artifact.path] := artifact if {
	some name, objects in k8s.service_objects
	some file, obj in objects
	artifact := {
		"path": sprintf("infrastructure/%s/%s/%s", [name, input.environment, file]),
		"format": "yaml",
		"content": obj,
		"service": name,
		"template": template,
	}
}

artifacts[artifact.path] := artifact if {
	some name, f in derive.services
	f.otel.sidecar
	artifact := {
		"path": sprintf("infrastructure/%s/%s/otel-collector.yaml", [name, input.environment]),
		"format": "yaml",
		"content": k8s.otel_collector_config(f),
		"service": name,
		"template": template,
	}
}

# The provisioning triggers that apply to this environment, for the pipeline that acts on
# them (JSON: the header is its x-policyc-generated key).
artifacts[artifact.path] := artifact if {
	some name, _ in derive.services
	triggers := derive.provisioning_triggers(input.services[name], input.environment)
	count(triggers) > 0
	artifact := {
		"path": sprintf("infrastructure/%s/%s/provisioning-triggers.json", [name, input.environment]),
		"format": "json",
		"content": {"service": name, "environment": input.environment, "triggers": triggers},
		"service": name,
		"template": template,
	}
}
