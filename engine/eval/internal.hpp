// Shared structures of the compiler and the evaluator.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "plan.hpp"
#include "policyc/core/builtin.hpp"
#include "policyc/core/diagnostic.hpp"
#include "policyc/dsl/ast.hpp"
#include "policyc/engine/engine.hpp"
#include "policyc/engine/tracer.hpp"

namespace policyc::eval {

using ast::ExprKind;
using ast::Location;
using ast::TermKind;
using plan::Body;
using plan::Expr;
using plan::Term;
using plan::TermPtr;

// An error that aborts evaluation (conflicts, strict builtin errors, ...).
struct EvalError : std::runtime_error {
  EvalError(std::string code, const std::string& msg, Location loc)
      : std::runtime_error(msg), code(std::move(code)), loc(loc) {}
  std::string code;
  Location loc;
};

struct RuleNode;

// A compiled rule definition (one head + body, with its else chain).
struct CompiledRule {
  plan::Rule rule;  // owned: lowered from the module's rule
  const ast::Module* module = nullptr;
  RuleNode* node = nullptr;             // where its ground prefix ends
  std::vector<TermPtr> rest;            // head ref segments after the ground prefix
  int num_slots = 0;                    // frame size
  std::vector<std::string> slot_names;  // for tracing and bindings
  // Rule index (compile_index.cpp): references into input or base data that OPA's index
  // resolves before the body runs. When one is undefined or does not match, OPA leaves the
  // definition out, so its body is not evaluated at all (not merely failed: what it would
  // raise is never seen).
  struct Guard {
    bool data = false;                // below base data; else below input
    std::vector<Value> path;          // constant segments
    Value value;                      // a scalar it must equal; undefined: any value
    bool is_array = false;            // an array of `elements`' length instead
    ValueVec elements;                // scalars it must equal; undefined: any scalar
    const plan::Term* ref = nullptr;  // the reference, for base data under `with`
  };
  std::vector<Guard> guards;                    // of the body
  std::vector<std::vector<Guard>> else_guards;  // of each else clause
};

struct RuleNode {
  std::string name;
  std::vector<std::string> path;  // from data
  RuleNode* parent = nullptr;
  std::map<std::string, std::unique_ptr<RuleNode>> children;
  std::vector<std::unique_ptr<CompiledRule>> rules;     // non-default
  std::vector<std::unique_ptr<CompiledRule>> defaults;  // default rules
  bool is_function = false;
  bool is_multi_value = false;
  bool has_dynamic_rest = false;
  int arity = -1;
  int state = 0;  // recursion check: 0 unvisited, 1 in progress, 2 done
};

struct Package {
  std::vector<std::string> path;
  std::vector<const ast::Module*> modules;
};

// Frame: the variable slots of one rule body evaluation.
using Frame = std::vector<Value>;

}  // namespace policyc::eval

namespace policyc::eval {

// A comparison (kSpecialEqual..kSpecialGte) or kSpecialMember2 of two values.
bool special_test(int id, const Value& a, const Value& b);

// OPA's comprehension indexing. A comprehension whose only references to variables of the
// enclosing body are equalities `outer == term` (term built from the comprehension's own
// variables) is evaluated once for all values of those variables and grouped by them; each
// later evaluation is a lookup. Grouping idioms such as
// `{x | some e in entries; e.name == name; x := e.tier}` inside a loop or a function become
// linear instead of quadratic. A comprehension that references no outer variable at all
// is computed once.
struct ComprehensionIndexPlan {
  int start = 0;  // the comprehension's own slots: [start, end)
  int end = 0;
  std::vector<int> key_slots;      // the outer variables
  std::vector<TermPtr> key_terms;  // what each must equal, evaluated inside
  std::vector<Expr> reduced_body;  // the body without those equalities
};

// Plans (or forgets) the index of a compiled comprehension term.
void plan_comprehension_index(struct EngineState& st, const Term& t, int start, int end);

struct EngineState {
  explicit EngineState(const BuiltinRegistry& r) : registry(r) {}
  const BuiltinRegistry& registry;
  std::vector<std::unique_ptr<const ast::Module>> modules;  // as parsed; never written
  Value data = Value::empty_object();
  Value input;
  bool compiled = false;
  std::unique_ptr<RuleNode> root;
  // Slot counts for comprehension/every scopes: slots >= start are local to them.
  std::unordered_map<const void*, int> scope_start;
  std::unordered_map<const Term*, ComprehensionIndexPlan> comprehension_plans;
  // Dotted names that some `with` replaces (for unsupported builtins).
  std::set<std::string> mocked_names;
  // Parsed METADATA blocks of rules and packages.
  std::unordered_map<const ast::Annotations*, Value> annotations;
  // What the last compile found questionable but valid (code "warning"), in module order.
  std::vector<Diagnostic> warnings;
  // The rules' and functions' types, for checking queries (compile_typecheck.cpp).
  std::shared_ptr<const struct RuleTypes> rule_types;
};

// Compiles all modules into the rule tree. False on errors.
bool compile_modules(EngineState& st, std::vector<Diagnostic>& errors);

struct CompiledQuery {
  std::unique_ptr<Body> body;
  int num_slots = 0;
  std::vector<std::string> slot_names;
  std::vector<int> output_slots;  // user variables, sorted by name
  std::shared_ptr<ast::SourceFile> file;
  // OPA reports a term expression's value even when it is false, unless the query iterates
  // (a reference with a variable in it) or has several expressions: then false drops the row.
  bool false_fails = false;
};

bool compile_query(EngineState& st, CompiledQuery& q, std::vector<Diagnostic>& errors);

// The rule nodes (with rules or defaults), in rule-tree order, and the rule nodes each one's
// definitions read through data references and function calls.
struct RuleDependencies {
  std::vector<RuleNode*> nodes;
  std::map<RuleNode*, std::set<RuleNode*>> deps;
};
RuleDependencies rule_dependencies(EngineState& st);

// Depth first over the dependencies, each rule once, with an explicit stack (a chain of
// thousands of rules would overflow a recursive walk): `done(n)` runs once everything n
// depends on is done; `cycle(path, d)` when a rule depends on d, a rule on the path being
// explored (path ends with the rule); returning false from it stops the walk, and walk returns
// false.
bool walk_dependencies(
    const RuleDependencies& graph, const std::function<void(RuleNode*)>& done,
    const std::function<bool(const std::vector<RuleNode*>& path, RuleNode* d)>& cycle);

// After names are resolved: reports a rule that depends on itself (rego_recursion_error).
bool check_recursion(const RuleDependencies& graph, std::vector<Diagnostic>& errors);

// After the recursion check: OPA's type checker (compile_typecheck.cpp), rego_type_error.
// Keeps the rules' types in `st.rule_types` for check_query_types.
bool check_types(EngineState& st, const RuleDependencies& graph, std::vector<Diagnostic>& errors);
bool check_query_types(EngineState& st, const Body& query, std::vector<Diagnostic>& errors);

RuleNode* find_node(RuleNode* root, const std::vector<std::string>& path);
bool is_string_scalar(const Term& t);
std::string join_path(const std::vector<std::string>& path);  // "data.a.b"

Diagnostic make_diag(const std::string& code, const std::string& msg, const Location& loc);

}  // namespace policyc::eval
