// The stock policy packs (security, cost, runtime, observability, graph) and their data,
// embedded at build time so `policyc check` needs nothing beside the binary.
#pragma once

#include <span>
#include <string_view>

namespace policyc::policies {

struct EmbeddedFile {
  std::string_view path;  // as in the repository: "policies/security/security.rego"
  std::string_view text;
};

// Every .rego (except *_test.rego) and .json file under policies/, sorted by path.
std::span<const EmbeddedFile> stock_files();

}  // namespace policyc::policies
