# Template "helm": a chart per service. values.yaml holds the objects of the base blueprint;
# values-<env>.yaml holds the environment's objects under environments.<env> (selected by
# `environment`), so nothing of the base merges into them. One template renders the objects.
package generate.templates.helm

import data.generate.derive
import data.generate.k8s

template := {"id": "helm", "version": "1.0.0"}

chart_version(f) := v if {
	parts := split(split(f.image, ":")[1], ".")
	count(parts) == 3
	v := concat(".", parts)
} else := "0.1.0"

objects_template := `{{- $objects := .Values.objects }}
{{- if .Values.environment }}
{{- $objects = (index .Values.environments .Values.environment).objects }}
{{- end }}
{{- range $file, $object := $objects }}
---
# Source: {{ $file }}
{{ toYaml $object }}
{{- end }}
`

artifacts[artifact.path] := artifact if {
	some name, f in derive.base_services
	some file, content in {
		"Chart.yaml": {
			"apiVersion": "v2",
			"name": name,
			"description": sprintf("%s of %s, generated from its infrastructure blueprint", [name, f.system]),
			"type": "application",
			"version": chart_version(f),
			"appVersion": split(f.image, ":")[1],
		},
		"values.yaml": {"environment": "", "objects": k8s.base_objects[name]},
	}
	artifact := {
		"path": sprintf("helm/%s/%s", [name, file]),
		"format": "yaml",
		"content": content,
		"service": name,
		"base": true,
		"template": template,
	}
}

artifacts[artifact.path] := artifact if {
	some name, _ in derive.base_services
	artifact := {
		"path": sprintf("helm/%s/templates/objects.yaml", [name]),
		"format": "text",
		"content": objects_template,
		"service": name,
		"base": true,
		"template": template,
	}
}

artifacts[artifact.path] := artifact if {
	some name, objects in k8s.service_objects
	derive.base_services[name]
	artifact := {
		"path": sprintf("helm/%s/values-%s.yaml", [name, input.environment]),
		"format": "yaml",
		"content": {
			"environment": input.environment,
			"environments": {input.environment: {"objects": objects}},
		},
		"service": name,
		"template": template,
	}
}
