// Checks of builtin calls made while names are resolved: deprecated names and arity. Argument
// types are the type checker's (compile_typecheck.cpp), which runs after the safety checks as
// OPA's does.
#include "compile_stages.hpp"

namespace policyc::eval {

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
