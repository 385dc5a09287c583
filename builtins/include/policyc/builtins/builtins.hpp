// OPA's built-in function library, registered into the engine's BuiltinRegistry.
#pragma once

#include <string>
#include <vector>

#include "policyc/core/builtin.hpp"

namespace policyc {

// Registers every supported builtin (names, OPA type signatures, descriptions, functions).
void register_standard_builtins(BuiltinRegistry& registry);

// OPA builtins policyc deliberately leaves out, each with the reason shown to users.
const std::vector<UnsupportedBuiltin>& unsupported_builtins();

// Markdown reference of the registry, by category, plus the unsupported list (docs/builtins.md).
std::string builtins_markdown(const BuiltinRegistry& registry);

}  // namespace policyc
