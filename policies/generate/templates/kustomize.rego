# Template "kustomize": a base per service from the base blueprint (no environment overlay)
# and one overlay per environment holding only what differs: changed objects as patches,
# new ones as resources, and a delete patch for objects the environment does not have.
package generate.templates.kustomize

import data.generate.k8s

template := {"id": "kustomize", "version": "1.0.0"}

kustomization(fields) := object.union({"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization"}, fields)

base_objects(name) := k8s.base_objects[name] if {
	k8s.base_objects[name]
} else := {}

artifacts[artifact.path] := artifact if {
	some name, objects in k8s.base_objects
	some file, obj in objects
	artifact := {
		"path": sprintf("kustomize/%s/base/%s", [name, file]),
		"format": "yaml",
		"content": obj,
		"service": name,
		"base": true,
		"template": template,
	}
}

artifacts[artifact.path] := artifact if {
	some name, objects in k8s.base_objects
	artifact := {
		"path": sprintf("kustomize/%s/base/kustomization.yaml", [name]),
		"format": "yaml",
		"content": kustomization({"resources": sort([file | some file, _ in objects])}),
		"service": name,
		"base": true,
		"template": template,
	}
}

# The overlay's files: the environment's version of every object that differs from the base
# or is not in it, and a delete patch for every base object it lacks.
overlay_files[name] := object.union(
	{file: obj |
		some file, obj in objects
		object.get(base_objects(name), file, null) != obj
	},
	{file: delete_patch(obj) |
		some file, obj in base_objects(name)
		not objects[file]
	},
) if {
	some name, objects in k8s.service_objects
}

delete_patch(obj) := {
	"$patch": "delete",
	"apiVersion": obj.apiVersion,
	"kind": obj.kind,
	"metadata": {"name": obj.metadata.name, "namespace": obj.metadata.namespace},
}

artifacts[artifact.path] := artifact if {
	some name, files in overlay_files
	some file, obj in files
	artifact := {
		"path": sprintf("kustomize/%s/overlays/%s/%s", [name, input.environment, file]),
		"format": "yaml",
		"content": obj,
		"service": name,
		"template": template,
	}
}

artifacts[artifact.path] := artifact if {
	some name, files in overlay_files
	new := sort([file | some file, _ in files; not base_objects(name)[file]])
	patches := sort([file | some file, _ in files; base_objects(name)[file]])
	artifact := {
		"path": sprintf("kustomize/%s/overlays/%s/kustomization.yaml", [name, input.environment]),
		"format": "yaml",
		"content": kustomization({
			"resources": array.concat(["../../base"], new),
			"patches": [{"path": p} | some p in patches],
		}),
		"service": name,
		"template": template,
	}
}
