package policies.security_test

import data.policies.security

# An input document for one environment with the given services.
env(name, services) := {"environment": name, "services": services, "system": {}}

prod(services) := env("prod", services)

staging(services) := env("staging", services)

dev(services) := env("dev", services)

paths(results) := {r.path | some r in results}

# --- SEC-001 ----------------------------------------------------------------------------

test_plaintext_secret_fires if {
	r := security.deny_plaintext_secret with input as dev({"api": {"runtimeConfig": {"environment": {
		"DB_PASSWORD": "hunter2",
		"STORAGE": "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=abc123==",
		"LOG_LEVEL": "Information",
	}}}})
	paths(r) == {"runtimeConfig.environment.DB_PASSWORD", "runtimeConfig.environment.STORAGE"}
	some f in r
	f == {"msg": "runtimeConfig.environment.DB_PASSWORD holds a literal value where a secret reference is required", "service": "api", "path": "runtimeConfig.environment.DB_PASSWORD"}
	every f2 in r {
		msg := f2.msg
		not contains(msg, "hunter2")
		not contains(msg, "abc123")
	}
}

test_plaintext_secret_passes if {
	r := security.deny_plaintext_secret with input as dev({"api": {"runtimeConfig": {"environment": {
		"DB_PASSWORD": "${{ secrets:DbPassword }}",
		"DB_CONNECTION": "Server=db;Password=${{ secrets:DbPassword }}",
		"KEY_VAULT_NAME": "cs-kv",
		"AUTH_TOKEN": "@context.auth.token",
		"LOG_LEVEL": "Information",
	}}}})
	count(r) == 0
}

test_secret_looking_key if {
	security.secret_looking_key("db_password")
	security.secret_looking_key("STRIPE_API_KEY")
	security.secret_looking_key("SERVICEBUS_CONNECTION")
	not security.secret_looking_key("KEY_VAULT_NAME")
	not security.secret_looking_key("TOKEN_ISSUER")
	not security.secret_looking_key("LOG_LEVEL")
}

# --- SEC-002 ----------------------------------------------------------------------------

test_undeclared_secret_reference_fires if {
	r := security.deny_undeclared_secret_reference with input as dev({"api": {
		"runtimeConfig": {"environment": {"BUS": "${{ secrets:BusConn }}"}},
		"storage": {"cache": [{"name": "c", "connectionSecret": "CacheConn"}]},
		"secrets": [{"name": "Other", "source": "AzureKeyVault"}],
	}})
	r == {
		{"msg": "runtimeConfig.environment.BUS references secret BusConn, which is not declared in secrets", "service": "api", "path": "runtimeConfig.environment.BUS"},
		{"msg": "storage.cache[0].connectionSecret references secret CacheConn, which is not declared in secrets", "service": "api", "path": "storage.cache[0].connectionSecret"},
	}
}

test_undeclared_secret_reference_passes if {
	r := security.deny_undeclared_secret_reference with input as dev({"api": {
		"runtimeConfig": {"environment": {"BUS": "${{ secrets:BusConn }}"}},
		"messaging": {"connectionSecret": "${{ secrets:BusConn }}"},
		"secrets": [{"name": "BusConn", "source": "AzureKeyVault"}],
	}})
	count(r) == 0
}

# --- SEC-003 ----------------------------------------------------------------------------

test_local_secret_source_fires if {
	r := security.deny_local_secret_source with input as staging({"api": {"secrets": [
		{"name": "A", "source": "AzureKeyVault"},
		{"name": "B", "source": "local"},
	]}})
	r == {{"msg": "secret B uses source local in staging", "service": "api", "path": "secrets[1].source"}}
}

test_local_secret_source_passes if {
	r := security.deny_local_secret_source with input as dev({"api": {"secrets": [{"name": "B", "source": "local"}]}})
	count(r) == 0
}

# --- SEC-004 ----------------------------------------------------------------------------

test_kubernetes_secret_in_prod_fires if {
	r := security.warn_kubernetes_secret_in_prod with input as prod({"api": {"storage": {"databases": [{"name": "db", "secrets": [{"name": "Pw", "source": "KubernetesSecret"}]}]}}})
	paths(r) == {"storage.databases[0].secrets[0].source"}
}

test_kubernetes_secret_in_prod_passes if {
	r := security.warn_kubernetes_secret_in_prod with input as prod({"api": {"secrets": [{"name": "Pw", "source": "HashiCorpVault"}]}})
	count(r) == 0
}

# --- SEC-005 ----------------------------------------------------------------------------

test_secret_rotation_missing_fires if {
	r := security.deny_secret_rotation_missing with input as prod({"api": {"secrets": [
		{"name": "A", "source": "AzureKeyVault", "rotationPolicy": "30d"},
		{"name": "B", "source": "AzureKeyVault"},
	]}})
	r == {{"msg": "secret B has no rotationPolicy in production", "service": "api", "path": "secrets[1]"}}
}

test_secret_rotation_missing_passes if {
	r := security.deny_secret_rotation_missing with input as prod({"api": {"secrets": [{"name": "A", "source": "AzureKeyVault", "rotationPolicy": "30d"}]}})
	count(r) == 0
	r2 := security.deny_secret_rotation_missing with input as staging({"api": {"secrets": [{"name": "B", "source": "AzureKeyVault"}]}})
	count(r2) == 0
}

# Computed once per service and per distinct retention value.
test_service_secrets_and_short_retentions if {
	svc := {
		"secrets": [{"name": "a", "source": "local"}],
		"storage": {"databases": [{"name": "d", "backupRetention": "3d", "secrets": [{"name": "b"}]}, {"name": "e", "backupRetention": "7d"}]},
	}
	inp := {"environment": "prod", "system": {}, "services": {"x": svc, "y": svc}}
	s := security.service_secrets with input as inp
	s.x == {["secrets[0]", {"name": "a", "source": "local"}], ["storage.databases[0].secrets[0]", {"name": "b"}]}
	security.backup_retentions == {"3d", "7d"} with input as inp
	security.short_backup_retentions == {"3d"} with input as inp
}

# --- SEC-006 ----------------------------------------------------------------------------

test_ingress_tls_disabled_fires if {
	r := security.deny_ingress_tls_disabled with input as prod({
		"a": {"ingress": {"type": "nginx", "host": "a.example.com", "tls": {"enabled": false}}},
		"b": {"ingress": {"type": "nginx", "host": "b.example.com"}},
	})
	r == {
		{"msg": "ingress a.example.com has TLS disabled in prod", "service": "a", "path": "ingress.tls.enabled"},
		{"msg": "ingress b.example.com has TLS disabled in prod", "service": "b", "path": "ingress"},
	}
}

test_ingress_tls_disabled_passes if {
	r := security.deny_ingress_tls_disabled with input as staging({
		"a": {"ingress": {"type": "nginx", "host": "a.example.com", "tls": {"enabled": true, "certificateRef": "c"}}},
		"b": {"ingress": {"type": "none"}},
	})
	count(r) == 0
	r2 := security.deny_ingress_tls_disabled with input as dev({"a": {"ingress": {"type": "nginx", "tls": {"enabled": false}}}})
	count(r2) == 0
}

# --- SEC-007 ----------------------------------------------------------------------------

test_ingress_certificate_missing_fires if {
	r := security.deny_ingress_certificate_missing with input as prod({"a": {"ingress": {"type": "nginx", "host": "a.example.com", "tls": {"enabled": true}}}})
	r == {{"msg": "ingress a.example.com enables TLS without a certificateRef", "service": "a", "path": "ingress.tls"}}
}

test_ingress_certificate_missing_passes if {
	r := security.deny_ingress_certificate_missing with input as prod({"a": {"ingress": {"type": "nginx", "tls": {"enabled": true, "certificateRef": "wildcard"}}}})
	count(r) == 0
}

# --- SEC-008 ----------------------------------------------------------------------------

test_tls_min_version_outdated_fires if {
	r := security.warn_tls_min_version_outdated with input as dev({
		"a": {"ingress": {"tls": {"enabled": true, "minVersion": "TLS1_0"}}},
		"b": {"ingress": {"tls": {"enabled": true, "minVersion": "1.1"}}},
	})
	paths(r) == {"ingress.tls.minVersion"}
	count(r) == 2
}

test_tls_min_version_outdated_passes if {
	r := security.warn_tls_min_version_outdated with input as dev({
		"a": {"ingress": {"tls": {"enabled": true, "minVersion": "1.2"}}},
		"b": {"ingress": {"tls": {"enabled": true, "minVersion": "TLSv1.3"}}},
	})
	count(r) == 0
}

# --- SEC-009 ----------------------------------------------------------------------------

test_edge_ingress_without_auth_fires if {
	r := security.deny_edge_ingress_without_auth with input as dev({
		"a": {"security": {"zone": "dmz"}, "ingress": {"type": "nginx", "host": "a.example.com"}},
		"b": {"security": {"zone": "perimeter"}, "ingress": {"type": "nginx", "host": "b.example.com", "auth": {"method": "api-key"}}},
	})
	r == {
		{"msg": "dmz-zone ingress a.example.com uses auth method none instead of oidc or jwt", "service": "a", "path": "ingress"},
		{"msg": "perimeter-zone ingress b.example.com uses auth method api-key instead of oidc or jwt", "service": "b", "path": "ingress.auth.method"},
	}
}

test_edge_ingress_without_auth_passes if {
	r := security.deny_edge_ingress_without_auth with input as dev({
		"a": {"security": {"zone": "dmz"}, "ingress": {"type": "nginx", "auth": {"method": "oidc"}}},
		"b": {"security": {"zone": "internal"}, "ingress": {"type": "nginx", "host": "b.internal"}},
	})
	count(r) == 0
}

# --- SEC-010 ----------------------------------------------------------------------------

test_internal_public_ingress_fires if {
	r := security.deny_internal_public_ingress with input as dev({
		"a": {"security": {"zone": "internal"}, "ingress": {"type": "nginx", "host": "a.example.com"}},
		"b": {"security": {"zone": "internal"}, "ingress": {"type": "azure-front-door"}},
		"c": {"security": {"zone": "internal", "network": {"ingress": {"allowedSources": ["api-gateway", "0.0.0.0/0"]}}}},
	})
	r == {
		{"msg": "internal-zone service exposes public ingress host a.example.com", "service": "a", "path": "ingress.host"},
		{"msg": "internal-zone service exposes ingress type azure-front-door", "service": "b", "path": "ingress.type"},
		{"msg": "internal-zone service admits traffic from 0.0.0.0/0", "service": "c", "path": "security.network.ingress.allowedSources[1]"},
	}
}

test_internal_public_ingress_passes if {
	r := security.deny_internal_public_ingress with input as dev({
		"a": {"security": {"zone": "internal"}, "ingress": {"type": "nginx", "host": "a.shop.svc.cluster.local"}},
		"b": {"security": {"zone": "internal", "network": {"ingress": {"allowedSources": ["api-gateway"]}}}},
		"c": {"security": {"zone": "perimeter"}, "ingress": {"type": "nginx", "host": "c.example.com"}},
	})
	count(r) == 0
}

# --- SEC-011 ----------------------------------------------------------------------------

test_isolated_zone_ingress_fires if {
	r := security.deny_isolated_zone_ingress with input as dev({"pay": {"security": {"zone": "isolated"}, "ingress": {"type": "nginx"}}})
	r == {{"msg": "isolated-zone service declares an ingress of type nginx", "service": "pay", "path": "ingress"}}
}

test_isolated_zone_ingress_passes if {
	r := security.deny_isolated_zone_ingress with input as dev({"pay": {"security": {"zone": "isolated"}, "ingress": {"type": "none"}}})
	count(r) == 0
}

# --- SEC-012 ----------------------------------------------------------------------------

test_mesh_mtls_not_strict_fires if {
	r := security.deny_mesh_mtls_not_strict with input as prod({
		"a": {"serviceMesh": {"enabled": true, "mTLS": {"mode": "permissive"}}},
		"b": {"serviceMesh": {"enabled": true}},
	})
	r == {
		{"msg": "service mesh mTLS mode is permissive in production", "service": "a", "path": "serviceMesh.mTLS.mode"},
		{"msg": "service mesh mTLS mode is unset in production", "service": "b", "path": "serviceMesh"},
	}
}

test_mesh_mtls_not_strict_passes if {
	r := security.deny_mesh_mtls_not_strict with input as prod({
		"a": {"serviceMesh": {"enabled": true, "mTLS": {"mode": "strict"}}},
		"b": {"serviceMesh": {"enabled": false, "mTLS": {"mode": "permissive"}}},
	})
	count(r) == 0
}

# --- SEC-013 / SEC-014 ------------------------------------------------------------------

egress(dests) := {"a": {"security": {"network": {"egress": {"allowedDestinations": dests}}}}}

test_wildcard_egress_fires if {
	r := security.deny_wildcard_egress with input as prod(egress(["api.sendgrid.com", "*"]))
	r == {{"msg": "egress destination * allows any destination in production", "service": "a", "path": "security.network.egress.allowedDestinations[1]"}}
}

test_wildcard_egress_passes if {
	r := security.deny_wildcard_egress with input as prod(egress(["api.sendgrid.com", "*.servicebus.windows.net"]))
	count(r) == 0
}

test_wildcard_subdomain_egress_fires if {
	r := security.warn_wildcard_subdomain_egress with input as prod(egress(["*.servicebus.windows.net", "*"]))
	paths(r) == {"security.network.egress.allowedDestinations[0]"}
}

test_wildcard_subdomain_egress_passes if {
	r := security.warn_wildcard_subdomain_egress with input as prod(egress(["ns1.servicebus.windows.net"]))
	count(r) == 0
	r2 := security.warn_wildcard_subdomain_egress with input as dev(egress(["*.servicebus.windows.net"]))
	count(r2) == 0
}

# --- SEC-015 / SEC-016 ------------------------------------------------------------------

rbac(roles, scopes) := {"a": {"security": {"rbac": {"roles": roles, "scopes": scopes}}}}

test_privileged_rbac_role_fires if {
	r := security.deny_privileged_rbac_role with input as prod(rbac(["Reader", "Owner", "Microsoft.Storage/*"], []))
	paths(r) == {"security.rbac.roles[1]", "security.rbac.roles[2]"}
}

test_privileged_rbac_role_passes if {
	r := security.deny_privileged_rbac_role with input as prod(rbac(["Reader", "KeyVaultSecretsUser"], []))
	count(r) == 0
}

test_subscription_wide_rbac_scope_fires if {
	r := security.deny_subscription_wide_rbac_scope with input as prod(rbac([], ["subscriptions/abc123/resourceGroups/rg", "/subscriptions/abc123"]))
	r == {{"msg": "RBAC scope /subscriptions/abc123 spans a whole subscription or more", "service": "a", "path": "security.rbac.scopes[1]"}}
}

test_subscription_wide_rbac_scope_passes if {
	r := security.deny_subscription_wide_rbac_scope with input as prod(rbac([], ["subscriptions/abc123/resourceGroups/rg"]))
	count(r) == 0
}

# --- SEC-017 / SEC-018 / SEC-019 --------------------------------------------------------

vault(perms) := {"a": {"keyVault": {"name": "kv", "accessPolicies": [{"principalId": "svc-a", "permissions": perms}]}}}

test_keyvault_secret_permissions_excessive_fires if {
	r := security.deny_keyvault_secret_permissions_excessive with input as dev(vault({"secrets": ["get", "list", "set", "delete"]}))
	paths(r) == {"keyVault.accessPolicies[0].permissions.secrets[2]", "keyVault.accessPolicies[0].permissions.secrets[3]"}
	some f in r
	f.msg == "Key Vault access policy for svc-a grants secrets permission set"
}

test_keyvault_secret_permissions_excessive_passes if {
	r := security.deny_keyvault_secret_permissions_excessive with input as dev(vault({"secrets": ["Get", "list"]}))
	count(r) == 0
}

test_keyvault_management_permissions_fires if {
	r := security.warn_keyvault_management_permissions with input as dev(vault({"keys": ["get", "purge"], "certificates": ["create"]}))
	paths(r) == {"keyVault.accessPolicies[0].permissions.keys[1]", "keyVault.accessPolicies[0].permissions.certificates[0]"}
}

test_keyvault_management_permissions_passes if {
	r := security.warn_keyvault_management_permissions with input as dev(vault({"keys": ["get", "unwrapKey", "sign"], "certificates": ["get"]}))
	count(r) == 0
}

test_keyvault_not_declared_fires if {
	r := security.warn_keyvault_not_declared with input as dev({"a": {"secrets": [{"name": "K", "source": "AzureKeyVault"}]}, "b": {"serviceType": "api"}})
	r == {{"msg": "secret K comes from AzureKeyVault but no service declares a keyVault", "service": "a", "path": "secrets[0].source"}}
}

test_keyvault_not_declared_passes if {
	r := security.warn_keyvault_not_declared with input as dev({
		"a": {"secrets": [{"name": "K", "source": "AzureKeyVault"}]},
		"b": {"secrets": [{"name": "K", "source": "HashiCorpVault"}]},
		"vault-owner": {"keyVault": {"name": "kv"}},
	})
	count(r) == 0
}

# --- SEC-020 / SEC-021 / SEC-022 --------------------------------------------------------

test_public_blob_store_fires if {
	r := security.deny_public_blob_store with input as dev({"a": {"storage": {"blobStores": [{"name": "media", "publicAccess": true}]}}})
	r == {{"msg": "blob store media allows public access", "service": "a", "path": "storage.blobStores[0].publicAccess"}}
}

test_public_blob_store_passes if {
	r := security.deny_public_blob_store with input as dev({"a": {"storage": {"blobStores": [{"name": "media", "publicAccess": false}, {"name": "x"}]}}})
	count(r) == 0
}

test_backup_retention_short_fires if {
	r := security.deny_backup_retention_short with input as prod({"a": {"storage": {"databases": [
		{"name": "Ok", "backupRetention": "35d"},
		{"name": "Short", "backupRetention": "72h"},
		{"name": "None"},
	]}}})
	r == {
		{"msg": "database Short keeps backups for 72h, less than 7 days", "service": "a", "path": "storage.databases[1].backupRetention"},
		{"msg": "database None declares no backupRetention in production", "service": "a", "path": "storage.databases[2]"},
	}
}

test_backup_retention_short_passes if {
	r := security.deny_backup_retention_short with input as prod({"a": {"storage": {"databases": [{"name": "Ok", "backupRetention": "7d"}]}}})
	count(r) == 0
	r2 := security.deny_backup_retention_short with input as dev({"a": {"storage": {"databases": [{"name": "None"}]}}})
	count(r2) == 0
}

test_cache_tls_disabled_fires if {
	r := security.deny_cache_tls_disabled with input as staging({"a": {"storage": {"cache": [{"name": "c", "tls": false}]}}})
	r == {{"msg": "cache c has TLS disabled in staging", "service": "a", "path": "storage.cache[0].tls"}}
}

test_cache_tls_disabled_passes if {
	r := security.deny_cache_tls_disabled with input as prod({"a": {"storage": {"cache": [{"name": "c"}, {"name": "d", "tls": true}]}}})
	count(r) == 0
}

# --- SEC-023 / SEC-024 ------------------------------------------------------------------

test_isolated_tenancy_shared_store_fires if {
	inp := {"environment": "prod", "system": {"tenancy": {"mode": "isolated", "isolationLevel": "namespace"}}, "services": {
		"a": {"storage": {"databases": [{"name": "Shared"}]}},
		"b": {"storage": {"databases": [{"name": "Shared"}], "cache": [{"name": "Own"}]}},
	}}
	r := security.deny_isolated_tenancy_shared_store with input as inp
	r == {
		{"msg": "store Shared is shared with b although tenancy is isolated", "service": "a", "path": "storage.databases[0].name"},
		{"msg": "store Shared is shared with a although tenancy is isolated", "service": "b", "path": "storage.databases[0].name"},
	}
}

test_isolated_tenancy_shared_store_passes if {
	inp := {"environment": "prod", "system": {"tenancy": {"mode": "shared"}}, "services": {
		"a": {"storage": {"databases": [{"name": "Shared"}]}},
		"b": {"storage": {"databases": [{"name": "Shared"}]}},
		"c": {"tenancy": {"mode": "isolated"}, "storage": {"databases": [{"name": "Own"}]}},
	}}
	r := security.deny_isolated_tenancy_shared_store with input as inp
	count(r) == 0
}

test_store_owners_by_kind_and_name if {
	inp := {"environment": "prod", "system": {}, "services": {
		"a": {"storage": {"databases": [{"name": "Shared"}], "cache": [{"name": "Shared"}]}},
		"b": {"storage": {"databases": [{"name": "Shared"}, {"engine": "unnamed"}], "blobStores": [{"name": "Files"}]}},
	}}
	owners := security.store_owners with input as inp
	owners == {"databases": {"Shared": {"a", "b"}}, "cache": {"Shared": {"a"}}, "blobStores": {"Files": {"b"}}}
	security.sharing_services("a", "databases", "Shared") == {"b"} with input as inp
	security.sharing_services("a", "cache", "Shared") == set() with input as inp
}

test_isolation_level_missing_fires if {
	inp := {"environment": "prod", "system": {"tenancy": {"mode": "isolated"}}, "services": {"a": {"tenancy": {"mode": "isolated"}}}}
	r := security.warn_isolation_level_missing with input as inp
	r == {
		{"msg": "tenancy mode isolated declares no isolationLevel", "service": "a", "path": "tenancy"},
		{"msg": "system tenancy mode isolated declares no isolationLevel", "path": "system.tenancy"},
	}
}

test_isolation_level_missing_passes if {
	inp := {"environment": "prod", "system": {"tenancy": {"mode": "isolated", "isolationLevel": "namespace"}}, "services": {"a": {"tenancy": {"mode": "isolated"}}}}
	r := security.warn_isolation_level_missing with input as inp
	count(r) == 0
}

# --- SEC-025 / SEC-026 ------------------------------------------------------------------

test_workload_identity_missing_fires if {
	r := security.warn_workload_identity_missing with input as prod({
		"a": {"serviceType": "api"},
		"b": {"serviceType": "worker", "security": {"identity": {"type": "none"}}},
	})
	r == {
		{"msg": "service declares no workload or managed identity in production", "service": "a", "path": "security"},
		{"msg": "service declares no workload or managed identity in production", "service": "b", "path": "security.identity.type"},
	}
}

test_workload_identity_missing_passes if {
	r := security.warn_workload_identity_missing with input as prod({
		"a": {"serviceType": "api", "security": {"identity": {"type": "managed"}}},
		"b": {"serviceType": "api", "security": {"identity": {"managedIdentity": true}}},
		"lib": {"serviceType": "library"},
	})
	count(r) == 0
}

test_prod_approval_missing_fires if {
	inp := {"environment": "live", "services": {}, "system": {"environments": [
		{"name": "dev", "kind": "dev"},
		{"name": "live", "kind": "prod"},
	]}}
	r := security.deny_prod_approval_missing with input as inp
	r == {{"msg": "production environment live does not require approval", "path": "system.environments[1]"}}
}

test_prod_approval_missing_passes if {
	inp := {"environment": "live", "services": {}, "system": {"environments": [{"name": "live", "kind": "prod", "approvalRequired": true}]}}
	r := security.deny_prod_approval_missing with input as inp
	count(r) == 0
}
