// Type and arity checks of calls against the builtins' declarations.
#include "compile_stages.hpp"

namespace policyc::eval {

bool literal_fits(const Term& arg, const std::string& type) {
  const char* kind = nullptr;
  switch (arg.kind) {
    case TermKind::Scalar:
      kind = kind_name(arg.value.kind());
      break;
    case TermKind::Array:
    case TermKind::ArrayCompr:
      kind = "array";
      break;
    case TermKind::Set:
    case TermKind::SetCompr:
      kind = "set";
      break;
    case TermKind::Object:
    case TermKind::ObjectCompr:
      kind = "object";
      break;
    default:
      return true;
  }
  size_t start = 0;
  int depth = 0;
  for (size_t i = 0; i <= type.size(); ++i) {
    char c = i < type.size() ? type[i] : '|';
    if (c == '[' || c == '<') ++depth;
    if (c == ']' || c == '>') --depth;
    if (c != '|' || depth != 0) continue;
    std::string alt = type.substr(start, i - start);
    start = i + 1;
    size_t end = alt.find_first_of("[<");
    std::string base = alt.substr(0, end);
    while (!base.empty() && base.front() == ' ') base.erase(0, 1);
    if (base == "any" || base == kind || base.empty()) return true;
  }
  return false;
}

bool is_deprecated_builtin(const std::string& n) {
  static const std::set<std::string> d = {
      "any",      "all",         "re_match",     "net.cidr_overlap", "set_diff",   "cast_array",
      "cast_set", "cast_string", "cast_boolean", "cast_null",        "cast_object"};
  return d.count(n) > 0;
}

[[noreturn]] void arity_error(const std::string& name, int arity, size_t nargs,
                              const Location& loc) {
  throw CompileError{make_diag("rego_type_error",
                               name + ": arity mismatch: expected " + std::to_string(arity) +
                                   " arguments, got " + std::to_string(nargs),
                               loc)};
}

}  // namespace policyc::eval
