// The Rego parser: v1 syntax by default, v0 with `v0 = true`.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "policyc/core/diagnostic.hpp"
#include "policyc/dsl/ast.hpp"

namespace policyc::dsl {

struct ParseOptions {
  bool v0 = false;
};

// Parses a module. On failure returns null and appends rego_parse_error diagnostics.
std::unique_ptr<ast::Module> parse_module(std::shared_ptr<ast::SourceFile> file,
                                          const ParseOptions& options,
                                          std::vector<Diagnostic>& errors);

// Parses a query: one or more literals separated by `;` or newlines.
std::unique_ptr<ast::Body> parse_query(std::shared_ptr<ast::SourceFile> file,
                                       std::vector<Diagnostic>& errors);

}  // namespace policyc::dsl
