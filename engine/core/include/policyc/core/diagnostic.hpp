// Errors are values with a source location; only cli/ prints them.
#pragma once

#include <string>
#include <vector>

namespace policyc {

struct Diagnostic {
  std::string code;     // rego_parse_error, rego_unsafe_var_error, eval_conflict_error, ...
  std::string message;  // without location
  std::string file;
  int line = 0;             // 1-based; 0 when unknown
  int col = 0;              // 1-based
  std::string source_line;  // the offending line, for the caret display
};

// "file:line:col: code: message\n  <line>\n  ^" (compiler style).
std::string format_diagnostic(const Diagnostic& d);

}  // namespace policyc
