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
