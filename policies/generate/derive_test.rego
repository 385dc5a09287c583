package generate.derive_test

import data.generate.derive
import data.generate.k8s

svc := {
	"metadata": {"serviceId": "api", "version": "v1.4.2"},
	"serviceType": "api",
	"runtimeConfig": {"environment": {
		"LOG_LEVEL": "info",
		"DB_PASSWORD": "hunter2",
		"API_TOKEN": "${{ secrets:ApiToken }}",
		"KEY_VAULT_NAME": "kv-main",
	}},
	"costProfile": {"tier": "basic"},
}

facts(s, prod) := derive.facts("api", s, prod)

test_replicas_default_by_environment if {
	facts(svc, true).replicas == 2
	facts(svc, false).replicas == 1
	facts(object.union(svc, {"replicas": 5}), true).replicas == 5
}

test_probes_default_to_the_seed_paths if {
	p := facts(svc, false).probes
	p.readiness.path == "/healthz"
	p.liveness.path == "/livez"
	p.startup.path == "/startz"
}

test_probe_given_as_a_path if {
	s := object.union(svc, {"runtimeProfile": {"probes": {"liveness": "/alive"}}})
	facts(s, false).probes.liveness.path == "/alive"
}

test_config_holds_no_secret if {
	c := facts(svc, false).config
	c == {"LOG_LEVEL": "info", "KEY_VAULT_NAME": "kv-main"}
}

test_secret_references_become_secret_env if {
	facts(svc, false).secretEnv == [{"name": "API_TOKEN", "secret": "api-secrets", "key": "ApiToken"}]
}

test_resources_from_the_cost_tier if {
	facts(svc, false).resources == {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "250m", "memory": "256Mi"}}
}

test_durable_runs_as_statefulset if {
	facts(object.union(svc, {"runtimeProfile": {"type": "durable"}}), false).kind == "StatefulSet"
	facts(svc, false).kind == "Deployment"
}

test_image_tag_from_the_version if {
	endswith(facts(svc, false).image, "/api:1.4.2")
}

test_library_has_no_runtime_artifacts if {
	count(derive.services) == 0 with input as {"environment": "dev", "services": {"lib": {"serviceType": "library"}}}
}

test_objects_follow_the_facts if {
	objs := k8s.objects(facts(svc, true))
	objs["deployment.yaml"].spec.replicas == 2
	objs["pdb.yaml"].spec.minAvailable == 1
	not objs["ingress.yaml"]
	not objs["hpa.yaml"]
}

test_provisioning_triggers_by_environment if {
	s := {"provisioningTriggers": [
		{"type": "onManualTag", "tag": "requires-bus", "action": "provision-service-bus"},
		{"type": "onEnvironmentSwitch", "environment": "production", "action": "inject-secrets"},
	]}
	count(derive.provisioning_triggers(s, "prod")) == 2
	[t.action | some t in derive.provisioning_triggers(s, "dev")] == ["provision-service-bus"]
}
