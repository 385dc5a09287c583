// The compiler's stages after lowering, as functions and classes of their own (compiler.cpp
// runs them; docs/architecture.md lists them in order). Each works on the compiled form
// (plan.hpp) and reports a mistake by throwing CompileError with OPA's code and position.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "internal.hpp"

namespace policyc::eval {

struct CompileError {
  Diagnostic diag;
};

// ----- constant folding (compile_fold.cpp)

// A scalar, or an array, set or object whose value was built at compile time.
bool is_folded(const Term& t);
// Builds an array, set or object of folded terms once: its value is kept in the term
// (composite terms have no other use for it) and used wherever the term is evaluated.
void fold_constant(Term& t);

// ----- builtin call checks while resolving names (compile_types.cpp)

// Builtins that v1 rejects (`any`, `re_match`, `cast_*`, ...).
bool is_deprecated_builtin(const std::string& name);
[[noreturn]] void arity_error(const std::string& name, int arity, size_t nargs,
                              const Location& loc);

// ----- safety and reordering (compile_order.cpp)

// Which frame slots terms and expressions need bound and which they bind, and the order of a
// body's expressions in which every variable is bound before it is used (OPA's safety rules:
// an expression that can never run is rego_unsafe_var_error at its first unbound variable).
class BodyOrder {
 public:
  BodyOrder(const EngineState& st, const std::vector<std::string>& slot_names,
            const std::vector<Location>& slot_locs)
      : st_(st), slot_names_(slot_names), slot_locs_(slot_locs) {}

  // Slots `t` reads (`needs`) and, as a pattern, binds (`outs`).
  void collect(const Term& t, std::set<int>& needs, std::set<int>& outs, bool pattern) const;
  void collect_body_vars(const Body& body, std::set<int>& needs, std::set<int>& outs) const;
  void collect_expr_all(const Expr& e, std::set<int>& needs, std::set<int>& outs) const;
  // Reorders `body` given the slots bound on entry; returns the slots bound after it.
  std::set<int> reorder(Body& body, std::set<int> bound);
  void check_safe_terms(const std::vector<TermPtr>& terms, const std::set<int>& bound);
  [[noreturn]] void unsafe(int slot);

 private:
  static bool subset(const std::set<int>& a, const std::set<int>& b);
  bool unify_ready(const Term& a, const Term& b, const std::set<int>& bound) const;
  bool expr_ready(const Expr& e, const std::set<int>& bound,
                  const std::set<int>& others_bind) const;
  void expr_outputs(const Expr& e, std::set<int>& bound) const;
  [[noreturn]] void unsafe_first(const Expr& e, const std::set<int>& bound);

  const EngineState& st_;
  const std::vector<std::string>& slot_names_;
  const std::vector<Location>& slot_locs_;
};

// ----- negation (compile_negation.cpp)

// Binds to fresh variables, before each negated expression and outside its negation, the terms
// OPA evaluates there: calls nested in its operands and the references among them (see the
// file's comment). Runs on a body after reordering; `new_slot` gives a fresh frame slot. `warn`
// hears of each negation with such a term that can be undefined (its first one): most authors
// expect `not` to cover it.
using NegationWarning = std::function<void(const Expr& negation, const Term& operand)>;
// `in_rule`: a rule's body (false: a query's), where OPA reads `==` as `=`.
void hoist_negated_operands(Body& body, const std::function<int(const Location&)>& new_slot,
                            bool in_rule, const NegationWarning& warn);

// ----- rule indexing (compile_index.cpp)

// What OPA's rule index tests of a body and its head terms before evaluating it (see the
// file's comment). `root`: the rule tree, to tell base data from rules (null: input only).
std::vector<CompiledRule::Guard> index_guards(const Body& body,
                                              const std::vector<const Term*>& head_terms = {},
                                              const RuleNode* root = nullptr);

}  // namespace policyc::eval
