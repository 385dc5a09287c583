// Output shapes of `policyc eval` and `policyc builtins`, matching `opa eval` and OPA's
// capabilities file, so scripts written against OPA read policyc's output unchanged.
#pragma once

#include <string>
#include <vector>

#include "policyc/core/builtin.hpp"
#include "policyc/core/diagnostic.hpp"
#include "policyc/engine/engine.hpp"

namespace policyc {

// {"result":[{"expressions":[{"value","text","location"}],"bindings":{...}}]}, indented by
// two spaces like `opa eval`; `{}` when there are no results. Ends with a newline. With an
// explanation (eval --explain), it comes first, under "explanation".
std::string results_to_json(const std::vector<QueryResult>& results,
                            const Value* explanation = nullptr);

// {"errors":[{"code","message","location":{"file","row","col"}}]}. Ends with a newline.
std::string errors_to_json(const std::vector<Diagnostic>& errors);

// {"builtins":[{"name","decl":{"args":[...],"result":...},"description","categories":[...]}]}
std::string builtins_to_json(const BuiltinRegistry& registry);

// One line per builtin: name, signature, category.
std::string builtins_to_table(const BuiltinRegistry& registry);

}  // namespace policyc
