// The seed's second secrets shape, a vault block:
//   secrets: {vault: connectsoft-kv, managedIdentity: svc-user-api,
//             values: [{name: DB_CONNECTION_STRING, path: secrets/db/connection, injectAs: env}]}
// read as the list of secret references policies see.
#pragma once

#include "policyc/blueprint/blueprint.hpp"

namespace policyc::blueprint {

// Whether a (validated) service document gives `secrets` as a vault block.
bool has_vault_block(const Value& service);

// The service with its vault block as a list: each value a reference whose source is the
// block's (AzureKeyVault when it names none), `vault` as keyVault.name, `managedIdentity` as
// security.identity {type: managed, name}. Moves say where each value was written (earlier
// moves inside the block follow it); a key also given in its long form is a conflict.
Value secrets_from_vault_block(const Value& service, ShorthandMoves& moves);

}  // namespace policyc::blueprint
