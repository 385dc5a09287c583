// Builtins the evaluator implements itself (they need its state: bindings, the rule being
// evaluated, print output). Declared here so that `policyc builtins`, the docs and arity
// checks know them like any other; their function is never reached through a call.
#include "internal.hpp"

namespace policyc::builtins {
namespace {

Value evaluator_only(Args, BuiltinContext&) {
  throw HardBuiltinError("this builtin is implemented by the evaluator and cannot replace another",
                         "eval_builtin_error");
}

}  // namespace

void register_evaluator_builtins(BuiltinRegistry& r) {
  const char* c = "evaluator";
  def(r, c, "print", {"any"}, "boolean",
      "Writes its arguments, space separated, to the print output; undefined ones as <undefined>.",
      evaluator_only);
  def(r, c, "internal.member_2", {"any", "any"}, "boolean", "The `x in xs` operator.",
      evaluator_only);
  def(r, c, "internal.member_3", {"any", "any", "any"}, "boolean", "The `k, v in xs` operator.",
      evaluator_only);
  def(r, c, "rego.metadata.rule", {}, "any",
      "The METADATA annotations of the rule being evaluated.", evaluator_only);
  def(r, c, "rego.metadata.chain", {}, "array[any]",
      "The METADATA annotations of the rule and its package, innermost first.", evaluator_only);
}

}  // namespace policyc::builtins
