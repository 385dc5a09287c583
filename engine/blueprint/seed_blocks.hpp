// Blocks of the seed's that read as keys elsewhere in the blueprint:
// - the vault block of secrets,
//     secrets: {vault: connectsoft-kv, managedIdentity: svc-user-api,
//               values: [{name: DB_CONNECTION_STRING, path: secrets/db/connection, injectAs: env}]}
//   read as the list of secret references policies see;
// - the Overlay Structure, infrastructure: {base: {...}, overlays: {<env>: {...}}}, whose base
//   reads as top-level keys and whose overlays the loader applies as inline overlays.
#pragma once

#include "policyc/blueprint/blueprint.hpp"

namespace policyc::blueprint {

// The service with its vault block as a list: each value a reference whose source is the
// block's (AzureKeyVault when it names none), `vault` as keyVault.name, `managedIdentity` as
// security.identity {type: managed, name}. Moves say where each value was written (earlier
// moves inside the block follow it); a key also given in its long form is a conflict.
Value secrets_from_vault_block(const Value& service, ShorthandMoves& moves);

// The service with infrastructure.base's keys at its top (a key also written at the top is a
// conflict); the block itself stays, for the loader to apply infrastructure.overlays.<env>.
Value lift_infrastructure_base(const Value& service, ShorthandMoves& moves);

// The block's overlay for `environment` (or null), and the path it was written at.
const Value* infrastructure_overlay(const Value& service, const std::string& environment);

// The service without its `infrastructure` block.
Value without_infrastructure_block(const Value& service);

}  // namespace policyc::blueprint
