// The shared compiled-pattern cache (regex and glob builtins).
#pragma once

#include <memory>
#include <string>

namespace re2 {
class RE2;
}

namespace policyc::builtins {

// Compiles (or fetches) a pattern; on failure returns null and sets *error to Go's message
// ("error parsing regexp: ...").
std::shared_ptr<const re2::RE2> compile_regex(const std::string& pattern, std::string* error);

}  // namespace policyc::builtins
