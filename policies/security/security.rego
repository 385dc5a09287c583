# Security pack: secrets, Key Vault, ingress, zones, mesh, network, RBAC, storage and
# tenancy. Each rule yields {"msg", "service", "path"} objects (see policies/README.md).
package policies.security

import data.policies.lib

# --- secrets in runtime configuration ---------------------------------------------------

# METADATA
# title: Words that make a configuration key secret-looking
# description: policyc check masks the values of such keys in everything it prints.
# custom:
#   mask: key_words
secret_key_words := ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY", "CONNECTION", "CONN_STR", "CONNSTR", "CREDENTIAL"]

# Keys that contain a secret word but name something that is not itself secret
# (KEY_VAULT_NAME, TOKEN_ISSUER, SECRET_FILE, ...).
benign_key_suffixes := [
	"_NAME", "_URI", "_URL", "_ENDPOINT", "_HOST", "_HEADER", "_PREFIX", "_ID", "_PATH",
	"_FILE", "_TTL", "_SECONDS", "_MINUTES", "_TIMEOUT", "_ENABLED", "_LENGTH", "_SIZE",
	"_ISSUER", "_AUDIENCE", "_VERSION",
]

# Each list as one pattern, built once: a regex match per key instead of a contains or an
# endswith per word (the lists hold letters and underscores only).
secret_word_pattern := concat("|", secret_key_words)

benign_suffix_pattern := sprintf("(%s)$", [concat("|", benign_key_suffixes)])

secret_looking_key(key) if {
	k := upper(key)
	regex.match(secret_word_pattern, k)
	not regex.match(benign_suffix_pattern, k)
}

# Connection strings or URLs carrying a credential that is not a secret reference.
# METADATA
# title: Values that embed a credential
# description: policyc check masks such values in everything it prints.
# custom:
#   mask: value_pattern
credential_pattern := `(?i)((password|pwd|accountkey|sharedaccesskey|sharedaccesssignature)\s*=\s*[^\s;$]|[a-z][a-z0-9+.-]*://[^/\s:@]+:[^\s@/$][^\s@/]*@)`

# A value with no secret reference in it (a connection string may embed one).
literal_value(v) if {
	is_string(v)
	v != ""
	not regex.match(lib.secret_ref_pattern, v)
	not lib.is_context_ref(v)
}

literal_value(v) if is_number(v)

plaintext_secret(key, v) if {
	secret_looking_key(key)
	literal_value(v)
}

plaintext_secret(_, v) if {
	is_string(v)
	regex.match(credential_pattern, v)
}

# METADATA
# title: Secret-looking config values must be secret references
# description: Values of runtimeConfig.environment keys that look like secrets (PASSWORD, SECRET, TOKEN, KEY, CONNECTION, CONN_STR, CREDENTIAL) and values that embed a credential (Password=, AccountKey=, user:password@ in a URL) must be ${{ secrets:Name }} references, never literals.
# custom:
#   id: SEC-001
#   severity: error
#   domain: security
#   remediation: Move the value to a secret store, declare it under secrets and reference it as ${{ secrets:Name }}.
deny_plaintext_secret contains result if {
	some id, svc in input.services
	some key, v in object.get(svc, ["runtimeConfig", "environment"], {})
	plaintext_secret(key, v)
	path := sprintf("runtimeConfig.environment.%s", [key])
	result := lib.finding(id, path, sprintf("%s holds a literal value where a secret reference is required", [path]))
}

# Secret names a service references: ${{ secrets:Name }} in runtimeConfig values and the
# connectionSecret fields of its stores, each with the path of the referencing value.
secret_reference(svc) := {[path, name] |
	some key, v in object.get(svc, ["runtimeConfig", "environment"], {})
	some name in lib.secret_refs(v)
	path := sprintf("runtimeConfig.environment.%s", [key])
} | {[path, name] |
	some kind in ["databases", "blobStores", "cache"]
	some i, store in object.get(svc, ["storage", kind], [])
	some name in connection_secret_names(store.connectionSecret)
	path := sprintf("storage.%s[%d].connectionSecret", [kind, i])
} | {["messaging.connectionSecret", name] |
	some name in connection_secret_names(svc.messaging.connectionSecret)
}

# A connectionSecret is a secret name or holds ${{ secrets:Name }} references.
connection_secret_names(ref) := refs if {
	refs := lib.secret_refs(ref)
	count(refs) > 0
} else := {ref} if is_string(ref)

# METADATA
# title: Secret references must be declared
# description: Every ${{ secrets:Name }} reference in runtimeConfig.environment and every connectionSecret must name an entry of the service's secrets list (or of a database's secrets), so the injector knows its source.
# custom:
#   id: SEC-002
#   severity: error
#   domain: security
#   remediation: Add a secrets entry with that name, its source (a vault) and key, or fix the reference's spelling.
deny_undeclared_secret_reference contains result if {
	some id, svc in input.services
	some [path, name] in secret_reference(svc)
	not name in lib.declared_secret_names(svc)
	result := lib.finding(id, path, sprintf("%s references secret %s, which is not declared in secrets", [path, name]))
}

# --- secret sources and rotation --------------------------------------------------------

# METADATA
# title: Staging and production secrets must come from a vault
# description: In staging and prod every secret's source must be a vault (AzureKeyVault, HashiCorpVault, AWSSecretsManager or KubernetesSecret), never local, which only exists on a developer machine.
# custom:
#   id: SEC-003
#   severity: error
#   domain: security
#   remediation: Store the secret in the environment's vault and set source to AzureKeyVault, HashiCorpVault or AWSSecretsManager with its key or path.
deny_local_secret_source contains result if {
	lib.is_prod_or_staging
	some id, entries in service_secrets
	some [path, s] in entries
	s.source == "local"
	result := lib.finding(id, sprintf("%s.source", [path]), sprintf("secret %s uses source local in %s", [s.name, input.environment]))
}

# METADATA
# title: Production secrets should not be plain Kubernetes secrets
# description: Kubernetes Secrets are only base64-encoded in etcd and have no rotation or audit trail; production secrets should come from a vault.
# custom:
#   id: SEC-004
#   severity: warning
#   domain: security
#   remediation: Move the secret to AzureKeyVault, HashiCorpVault or AWSSecretsManager (the CSI driver can still mount it).
warn_kubernetes_secret_in_prod contains result if {
	lib.is_prod
	some id, entries in service_secrets
	some [path, s] in entries
	s.source == "KubernetesSecret"
	result := lib.finding(id, sprintf("%s.source", [path]), sprintf("secret %s uses source KubernetesSecret in production", [s.name]))
}

# METADATA
# title: Production secrets need a rotation policy
# description: Every secret used in prod must declare rotationPolicy (for example 30d), so expiry alerts and rotation jobs are generated.
# custom:
#   id: SEC-005
#   severity: error
#   domain: security
#   remediation: Set rotationPolicy on the secret (in the prod overlay if other environments do not rotate), for example rotationPolicy 90d.
deny_secret_rotation_missing contains result if {
	lib.is_prod
	some id, entries in service_secrets
	some [path, s] in entries
	not s.rotationPolicy
	result := lib.finding(id, path, sprintf("secret %s has no rotationPolicy in production", [s.name]))
}

# --- ingress ----------------------------------------------------------------------------

# METADATA
# title: Staging and production ingress must use TLS
# description: A service exposed through an ingress in staging or prod must set ingress.tls.enabled to true.
# custom:
#   id: SEC-006
#   severity: error
#   domain: security
#   remediation: Set ingress.tls.enabled true with a certificateRef in the staging and prod overlays.
deny_ingress_tls_disabled contains result if {
	lib.is_prod_or_staging
	some id, svc in input.services
	lib.has_ingress(svc)
	object.get(svc, ["ingress", "tls", "enabled"], false) != true
	path := lib.nearest(svc, "", ["ingress", "tls", "enabled"])
	result := lib.finding(id, path, sprintf("ingress %s has TLS disabled in %s", [object.get(svc.ingress, "host", id), input.environment]))
}

# METADATA
# title: TLS ingress needs a certificate reference
# description: In staging and prod an ingress with TLS enabled must name its certificate (ingress.tls.certificateRef), so the certificate binding and renewal can be generated.
# custom:
#   id: SEC-007
#   severity: error
#   domain: security
#   remediation: Set ingress.tls.certificateRef to the certificate's name in the key vault or cert-manager.
deny_ingress_certificate_missing contains result if {
	lib.is_prod_or_staging
	some id, svc in input.services
	lib.has_ingress(svc)
	svc.ingress.tls.enabled == true
	object.get(svc.ingress.tls, "certificateRef", "") == ""
	path := lib.nearest(svc, "", ["ingress", "tls", "certificateRef"])
	result := lib.finding(id, path, sprintf("ingress %s enables TLS without a certificateRef", [object.get(svc.ingress, "host", id)]))
}

outdated_tls_versions := {"1", "1.0", "1.1"}

normalized_tls_version(v) := trim_left(replace(replace(lower(v), "tls", ""), "_", "."), "v")

# METADATA
# title: Ingress TLS minimum version must be 1.2 or later
# description: TLS 1.0 and 1.1 are deprecated (RFC 8996); ingress.tls.minVersion must not allow them.
# custom:
#   id: SEC-008
#   severity: warning
#   domain: security
#   remediation: Set ingress.tls.minVersion to "1.2" (or "1.3").
warn_tls_min_version_outdated contains result if {
	some id, svc in input.services
	v := svc.ingress.tls.minVersion
	normalized_tls_version(v) in outdated_tls_versions
	result := lib.finding(id, "ingress.tls.minVersion", sprintf("ingress.tls.minVersion %s allows a deprecated TLS version", [v]))
}

# --- security zones ---------------------------------------------------------------------

edge_auth_methods := {"oidc", "jwt", "oauth2"}

# METADATA
# title: Perimeter and DMZ ingress must authenticate callers
# description: Services in the perimeter or dmz zone that expose an ingress must authenticate at the edge with ingress.auth.method oidc, jwt or oauth2.
# custom:
#   id: SEC-009
#   severity: error
#   domain: security
#   remediation: Add ingress.auth with method oidc (or jwt) and the identity provider.
deny_edge_ingress_without_auth contains result if {
	some id, svc in input.services
	svc.security.zone in {"perimeter", "dmz"}
	lib.has_ingress(svc)
	method := object.get(svc.ingress, ["auth", "method"], "none")
	not method in edge_auth_methods
	path := lib.nearest(svc, "", ["ingress", "auth", "method"])
	result := lib.finding(id, path, sprintf("%s-zone ingress %s uses auth method %s instead of oidc or jwt", [svc.security.zone, object.get(svc.ingress, "host", id), method]))
}

# Ingress types that are Internet-facing by construction.
public_ingress_types := {"azure-front-door", "application-gateway", "api-management"}

# Host names that only resolve inside a cluster or a private network.
private_host_suffixes := [".internal", ".local", ".svc", ".cluster.local", ".lan", ".private"]

private_host(host) if not contains(host, ".")

private_host(host) if {
	some suffix in private_host_suffixes
	endswith(host, suffix)
}

public_sources := {"0.0.0.0/0", "::/0", "*", "internet", "any"}

# An internal service is exposed publicly when its ingress is an edge product, or its
# ingress host is a public DNS name, or its network policy admits any source.
public_exposure(svc) := ["ingress.type", sprintf("ingress type %s", [svc.ingress.type])] if {
	lib.has_ingress(svc)
	svc.ingress.type in public_ingress_types
}

public_exposure(svc) := ["ingress.host", sprintf("public ingress host %s", [host])] if {
	lib.has_ingress(svc)
	not object.get(svc, ["ingress", "type"], "") in public_ingress_types
	host := svc.ingress.host
	not private_host(host)
}

# METADATA
# title: Internal services must not be publicly exposed
# description: A service in the internal zone is reached through the private network or the mesh only. It must not have an Internet-facing ingress (an edge ingress type such as azure-front-door, application-gateway or api-management, or an ingress host that is a public DNS name rather than a cluster-local or .internal name), and its allowedSources must not admit any address (0.0.0.0/0, ::/0, *).
# custom:
#   id: SEC-010
#   severity: error
#   domain: security
#   remediation: Move the service to the perimeter zone with authentication, or remove the public ingress (type none or an internal host) and restrict allowedSources.
deny_internal_public_ingress contains result if {
	some id, svc in input.services
	svc.security.zone == "internal"
	[path, what] := public_exposure(svc)
	result := lib.finding(id, path, sprintf("internal-zone service exposes %s", [what]))
}

deny_internal_public_ingress contains result if {
	some id, svc in input.services
	svc.security.zone == "internal"
	some i, source in object.get(svc, ["security", "network", "ingress", "allowedSources"], [])
	lower(source) in public_sources
	path := sprintf("security.network.ingress.allowedSources[%d]", [i])
	result := lib.finding(id, path, sprintf("internal-zone service admits traffic from %s", [source]))
}

# METADATA
# title: Isolated-zone services have no ingress
# description: The isolated zone is air-gapped or event-only; a service there must not declare an ingress.
# custom:
#   id: SEC-011
#   severity: error
#   domain: security
#   remediation: Remove the ingress (or set ingress.type none) and communicate through the message bus, or move the service to another zone.
deny_isolated_zone_ingress contains result if {
	some id, svc in input.services
	svc.security.zone == "isolated"
	lib.has_ingress(svc)
	result := lib.finding(id, "ingress", sprintf("isolated-zone service declares an ingress of type %s", [object.get(svc.ingress, "type", "unspecified")]))
}

# --- service mesh and network -----------------------------------------------------------

# METADATA
# title: Production mesh traffic must use strict mTLS
# description: When the service mesh is enabled in prod, serviceMesh.mTLS.mode must be strict; permissive mode accepts plaintext traffic.
# custom:
#   id: SEC-012
#   severity: error
#   domain: security
#   remediation: Set serviceMesh.mTLS.mode to strict in the prod overlay.
deny_mesh_mtls_not_strict contains result if {
	lib.is_prod
	some id, svc in input.services
	svc.serviceMesh.enabled == true
	mode := object.get(svc.serviceMesh, ["mTLS", "mode"], "unset")
	mode != "strict"
	path := lib.nearest(svc, "", ["serviceMesh", "mTLS", "mode"])
	result := lib.finding(id, path, sprintf("service mesh mTLS mode is %s in production", [mode]))
}

any_destinations := {"*", "0.0.0.0/0", "::/0", "*.*"}

egress_destinations(svc) := object.get(svc, ["security", "network", "egress", "allowedDestinations"], [])

# METADATA
# title: No unrestricted egress in production
# description: In prod, security.network.egress.allowedDestinations must not contain a bare wildcard (*, 0.0.0.0/0, ::/0); name the destinations.
# custom:
#   id: SEC-013
#   severity: error
#   domain: security
#   remediation: Replace the wildcard with the hosts or services the workload calls.
deny_wildcard_egress contains result if {
	lib.is_prod
	some id, svc in input.services
	some i, dest in egress_destinations(svc)
	dest in any_destinations
	path := sprintf("security.network.egress.allowedDestinations[%d]", [i])
	result := lib.finding(id, path, sprintf("egress destination %s allows any destination in production", [dest]))
}

# A wildcard subdomain (*.servicebus.windows.net) is narrower than *, but on a provider's
# shared domain it admits every customer's namespace, which is an exfiltration path.

# METADATA
# title: Avoid wildcard-subdomain egress in production
# description: In prod an egress destination of the form *.domain (e.g. *.servicebus.windows.net) admits every host under that domain, including other tenants' namespaces on shared cloud domains; name the exact host.
# custom:
#   id: SEC-014
#   severity: warning
#   domain: security
#   remediation: Replace *.domain with the exact host, e.g. mynamespace.servicebus.windows.net.
warn_wildcard_subdomain_egress contains result if {
	lib.is_prod
	some id, svc in input.services
	some i, dest in egress_destinations(svc)
	startswith(dest, "*.")
	not dest in any_destinations
	path := sprintf("security.network.egress.allowedDestinations[%d]", [i])
	result := lib.finding(id, path, sprintf("egress destination %s is a wildcard subdomain", [dest]))
}

# --- RBAC -------------------------------------------------------------------------------

privileged_roles := {"owner", "user access administrator", "*"}

# METADATA
# title: No Owner or wildcard RBAC roles in production
# description: In prod a workload identity must not hold Owner, User Access Administrator or wildcard roles; grant data-plane roles such as KeyVaultSecretsUser.
# custom:
#   id: SEC-015
#   severity: error
#   domain: security
#   remediation: Replace the role with the least-privileged built-in role the workload needs.
deny_privileged_rbac_role contains result if {
	lib.is_prod
	some id, svc in input.services
	some i, role in object.get(svc, ["security", "rbac", "roles"], [])
	privileged_role(role)
	result := lib.finding(id, sprintf("security.rbac.roles[%d]", [i]), sprintf("RBAC role %s is too broad for a production workload", [role]))
}

privileged_role(role) if lower(role) in privileged_roles

privileged_role(role) if contains(role, "*")

# METADATA
# title: No subscription-wide RBAC scopes in production
# description: In prod RBAC scopes must be a resource group or a resource, not a whole subscription, a management group or *.
# custom:
#   id: SEC-016
#   severity: error
#   domain: security
#   remediation: Narrow the scope to the resource group (subscriptions/<id>/resourceGroups/<rg>) or the resource.
deny_subscription_wide_rbac_scope contains result if {
	lib.is_prod
	some id, svc in input.services
	some i, scope in object.get(svc, ["security", "rbac", "scopes"], [])
	broad_scope(scope)
	result := lib.finding(id, sprintf("security.rbac.scopes[%d]", [i]), sprintf("RBAC scope %s spans a whole subscription or more", [scope]))
}

broad_scope(scope) if scope in {"*", "/"}

broad_scope(scope) if regex.match(`(?i)^/?subscriptions/[^/]+/?$`, scope)

broad_scope(scope) if regex.match(`(?i)^/?providers/microsoft\.management/managementgroups/`, scope)

# --- Key Vault --------------------------------------------------------------------------

read_secret_permissions := {"get", "list"}

# METADATA
# title: Key Vault secret permissions are read-only
# description: A Key Vault access policy for a workload grants secrets permissions get and list only; set, delete, purge, backup, restore or all belong to the pipeline identity.
# custom:
#   id: SEC-017
#   severity: error
#   domain: security
#   remediation: Reduce permissions.secrets to [get, list].
deny_keyvault_secret_permissions_excessive contains result if {
	some id, svc in input.services
	some i, policy in object.get(svc, ["keyVault", "accessPolicies"], [])
	some j, perm in object.get(policy, ["permissions", "secrets"], [])
	not lower(perm) in read_secret_permissions
	path := sprintf("keyVault.accessPolicies[%d].permissions.secrets[%d]", [i, j])
	result := lib.finding(id, path, sprintf("Key Vault access policy for %s grants secrets permission %s", [policy.principalId, perm]))
}

workload_key_permissions := {"get", "list", "sign", "verify", "wrapkey", "unwrapkey", "encrypt", "decrypt"}

workload_certificate_permissions := {"get", "list", "getissuers", "listissuers"}

allowed_permissions := {"keys": workload_key_permissions, "certificates": workload_certificate_permissions}

# METADATA
# title: Key Vault key and certificate permissions are use-only
# description: A workload's access policy may use keys (get, list, sign, verify, wrapKey, unwrapKey, encrypt, decrypt) and read certificates (get, list, getIssuers, listIssuers); create, import, delete, purge and management permissions belong to the pipeline identity.
# custom:
#   id: SEC-018
#   severity: warning
#   domain: security
#   remediation: Remove the management permission from the workload's access policy.
warn_keyvault_management_permissions contains result if {
	some id, svc in input.services
	some i, policy in object.get(svc, ["keyVault", "accessPolicies"], [])
	some kind, allowed in allowed_permissions
	some j, perm in object.get(policy, ["permissions", kind], [])
	not lower(perm) in allowed
	path := sprintf("keyVault.accessPolicies[%d].permissions.%s[%d]", [i, kind, j])
	result := lib.finding(id, path, sprintf("Key Vault access policy for %s grants %s permission %s", [policy.principalId, kind, perm]))
}

declared_vaults := {svc.keyVault.name | some svc in input.services}

# METADATA
# title: Azure Key Vault secrets need a declared vault
# description: A secret with source AzureKeyVault needs a vault that the system provisions, so some service of the system (this one or another, for a shared vault) must declare keyVault with its name and access policies.
# custom:
#   id: SEC-019
#   severity: warning
#   domain: security
#   remediation: Add keyVault with the vault name and an accessPolicies entry for the service's identity with secrets [get, list], in this service or in the service that owns the shared vault.
warn_keyvault_not_declared contains result if {
	count(declared_vaults) == 0
	some id, entries in service_secrets
	some [path, s] in entries
	s.source == "AzureKeyVault"
	result := lib.finding(id, sprintf("%s.source", [path]), sprintf("secret %s comes from AzureKeyVault but no service declares a keyVault", [s.name]))
}

# --- storage ----------------------------------------------------------------------------

# METADATA
# title: Blob stores are never public
# description: storage.blobStores[].publicAccess must not be true; serve public content through a CDN or signed URLs.
# custom:
#   id: SEC-020
#   severity: error
#   domain: security
#   remediation: Set publicAccess false and hand out SAS URLs or put a CDN in front.
deny_public_blob_store contains result if {
	some id, svc in input.services
	some i, store in object.get(svc, ["storage", "blobStores"], [])
	store.publicAccess == true
	result := lib.finding(id, sprintf("storage.blobStores[%d].publicAccess", [i]), sprintf("blob store %s allows public access", [store.name]))
}

min_backup_retention_days := 7

# METADATA
# title: Production databases keep backups for at least 7 days
# description: In prod every database must declare backupRetention of at least 7 days.
# custom:
#   id: SEC-021
#   severity: error
#   domain: security
#   remediation: Set backupRetention to 7d or more (35d for regulated data) in the prod overlay.
deny_backup_retention_short contains result if {
	lib.is_prod
	some id, svc in input.services
	some i, db in object.get(svc, ["storage", "databases"], [])
	not db.backupRetention
	result := lib.finding(id, sprintf("storage.databases[%d]", [i]), sprintf("database %s declares no backupRetention in production", [db.name]))
}

deny_backup_retention_short contains result if {
	lib.is_prod
	some id, svc in input.services
	some i, db in object.get(svc, ["storage", "databases"], [])
	db.backupRetention in short_backup_retentions
	path := sprintf("storage.databases[%d].backupRetention", [i])
	result := lib.finding(id, path, sprintf("database %s keeps backups for %s, less than 7 days", [db.name, db.backupRetention]))
}

# METADATA
# title: Caches use TLS in staging and production
# description: A cache with tls false sends session data and keys in clear text; in staging and prod caches must not disable TLS.
# custom:
#   id: SEC-022
#   severity: error
#   domain: security
#   remediation: Remove tls false (TLS is the default) or set tls true and use port 6380.
deny_cache_tls_disabled contains result if {
	lib.is_prod_or_staging
	some id, svc in input.services
	some i, cache in object.get(svc, ["storage", "cache"], [])
	cache.tls == false
	result := lib.finding(id, sprintf("storage.cache[%d].tls", [i]), sprintf("cache %s has TLS disabled in %s", [cache.name, input.environment]))
}

# --- tenancy ----------------------------------------------------------------------------

store_kinds := {"databases", "cache", "blobStores"}

# Services other than `id` that declare a store of the same kind and name, looked up in
# store_owners (end of file), which groups the services by store in one pass; a pass over
# every service per store would be quadratic in the number of services.
sharing_services(id, kind, name) := {other |
	some other in store_owners[kind][name]
	other != id
}

# METADATA
# title: Isolated tenancy must not share data stores
# description: With tenancy mode isolated (the service's tenancy, else system.yaml's), a service's databases, caches and blob stores must not be declared by any other service, because shared stores break tenant isolation.
# custom:
#   id: SEC-023
#   severity: error
#   domain: security
#   remediation: Give the service its own store (or a per-tenant store) or switch tenancy to hybrid with row-level tenant isolation.
deny_isolated_tenancy_shared_store contains result if {
	some id, svc in input.services
	lib.tenancy_mode(svc) == "isolated"
	some kind in store_kinds
	some i, store in object.get(svc, ["storage", kind], [])
	others := sharing_services(id, kind, store.name)
	count(others) > 0
	path := sprintf("storage.%s[%d].name", [kind, i])
	result := lib.finding(id, path, sprintf("store %s is shared with %s although tenancy is isolated", [store.name, lib.list_text(others)]))
}

# METADATA
# title: Isolated tenancy states its isolation level
# description: tenancy.mode isolated must say how tenants are isolated (isolationLevel namespace, resource-group or subscription), in the service or in system.yaml.
# custom:
#   id: SEC-024
#   severity: warning
#   domain: security
#   remediation: Set tenancy.isolationLevel, e.g. namespace or resource-group.
warn_isolation_level_missing contains result if {
	some id, svc in input.services
	svc.tenancy.mode == "isolated"
	not svc.tenancy.isolationLevel
	not input.system.tenancy.isolationLevel
	result := lib.finding(id, "tenancy", "tenancy mode isolated declares no isolationLevel")
}

warn_isolation_level_missing contains result if {
	input.system.tenancy.mode == "isolated"
	not input.system.tenancy.isolationLevel
	result := lib.system_finding("system.tenancy", "system tenancy mode isolated declares no isolationLevel")
}

# --- identity and approvals -------------------------------------------------------------

# METADATA
# title: Production workloads run under their own identity
# description: In prod every deployable service must declare security.identity with a type other than none (managed or workload identity), so vault and data access is granted to the workload and not to shared credentials.
# custom:
#   id: SEC-025
#   severity: warning
#   domain: security
#   remediation: Add security.identity with type managed (or workload) and a name.
warn_workload_identity_missing contains result if {
	lib.is_prod
	some id, svc in input.services
	lib.deployable(svc)
	object.get(svc, ["security", "identity", "type"], "none") == "none"
	object.get(svc, ["security", "identity", "managedIdentity"], false) != true
	path := lib.nearest(svc, "", ["security", "identity", "type"])
	result := lib.finding(id, path, "service declares no workload or managed identity in production")
}

# METADATA
# title: Production environments require approval
# description: The system.yaml entry of a prod environment must set approvalRequired true so promotions are gated. Reported once, when checking that environment.
# custom:
#   id: SEC-026
#   severity: error
#   domain: security
#   remediation: Set approvalRequired true on the environment in system.yaml.
deny_prod_approval_missing contains result if {
	lib.is_prod
	some i, e in object.get(input, ["system", "environments"], [])
	e.name == input.environment
	object.get(e, "approvalRequired", false) != true
	path := lib.nearest(e, sprintf("system.environments[%d]", [i]), ["approvalRequired"])
	result := lib.system_finding(path, sprintf("production environment %s does not require approval", [e.name]))
}

# --- per service and per value, computed once -------------------------------------------

# Every secret declaration of each service with its path (lib.secret_entries), computed
# once per service id: four rules read them.
service_secrets[id] := lib.secret_entries(svc) if some id, svc in input.services

# Backup retentions repeat across databases ("7d", "35d"): each distinct value is parsed
# once, and the rule looks it up.
backup_retentions contains db.backupRetention if {
	some svc in input.services
	some db in object.get(svc, ["storage", "databases"], [])
}

short_backup_retentions contains retention if {
	some retention in backup_retentions
	lib.duration_days(retention) < min_backup_retention_days
}

# The services declaring each store, by kind and name (SEC-023).
store_owners[kind][name] contains owner if {
	some owner, svc in input.services
	some kind in store_kinds
	some store in object.get(svc, ["storage", kind], [])
	name := store.name
}
