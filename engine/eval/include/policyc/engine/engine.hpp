// The embedding API: add modules and data, compile once, evaluate queries many times.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "policyc/core/builtin.hpp"
#include "policyc/core/diagnostic.hpp"
#include "policyc/core/frozen.hpp"
#include "policyc/core/limits.hpp"
#include "policyc/core/value.hpp"

namespace policyc {

class Tracer;

// Rule values shared between evaluators on several threads, of engines compiled from the
// same policies and data over the same frozen input. A value one evaluator computes is frozen
// into `arena` and published; the others use it instead of computing it again, so work can
// move between them without repeating what it depends on. Rules under `with`, and traced
// evaluations, neither use nor publish. The arena outlives the evaluators (FrozenValues).
class SharedRuleValues {
 public:
  explicit SharedRuleValues(FrozenValues& arena) : arena_(arena) {}
  bool find(const std::string& path, Value& out) const;
  // Freezes `value` and publishes it, unless a value is published for `path` already (then
  // equal); returns the published value.
  Value publish(const std::string& path, Value value);

 private:
  FrozenValues& arena_;
  mutable std::mutex lock_;
  std::unordered_map<std::string, Value> values_;
};

struct EvalOptions {
  bool strict_builtin_errors = false;
  int64_t now_ns = 0;  // 0: the wall clock at the start of the query
  uint64_t seed = 0;
  Tracer* tracer = nullptr;                       // null: no tracing, full speed
  std::function<void(const std::string&)> print;  // print() sink; default stderr
  SharedRuleValues* shared_rules = nullptr;       // see SharedRuleValues
  // Evaluates as written, without the evaluator's shortcuts (rule index, comprehension
  // indexes, function memo, direct comparisons of simple terms): a reference for differential
  // tests, which must always agree with the default.
  bool plain = false;
  // Time and memory limits (null: none). Reaching one ends the evaluation with an error
  // naming the rule and expression being evaluated (eval_cancel_error, eval_memory_error).
  const ResourceLimits* limits = nullptr;
};

struct QueryExpression {
  Value value;
  std::string text;  // the expression's source text
  int row = 0;
  int col = 0;
};

struct QueryResult {
  std::vector<QueryExpression> expressions;
  // User variables of the query (not `_` or generated ones), sorted by name.
  std::vector<std::pair<std::string, Value>> bindings;
};

// A query parsed and compiled once, to be evaluated many times (prepare after all modules
// are added: adding modules later makes it stale, and eval() then reports an error).
class PreparedQuery {
 public:
  PreparedQuery();
  ~PreparedQuery();
  PreparedQuery(PreparedQuery&&) noexcept;
  PreparedQuery& operator=(PreparedQuery&&) noexcept;
  struct Impl;
  std::unique_ptr<Impl> impl;
};

class Engine {
 public:
  explicit Engine(const BuiltinRegistry& registry);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Parses a module. v0: OPA's v0 syntax (if/contains optional unless imported).
  bool add_module(const std::string& filename, std::string source, bool v0,
                  std::vector<Diagnostic>& errors);
  // Merges a document into the base data at `path` (empty: the root, must be an object).
  bool add_data(const std::vector<std::string>& path, const Value& doc,
                std::vector<Diagnostic>& errors);
  void set_input(Value input);
  void clear_input();

  // Name resolution, safety, recursion and type checks. Called by query() if needed.
  bool compile(std::vector<Diagnostic>& errors);
  // What compiling the modules found valid but likely not meant (code "warning"): a `not`
  // whose operand OPA evaluates outside the negation and that can be undefined.
  const std::vector<Diagnostic>& warnings() const;

  // Evaluates a query (e.g. `data.test.p = x`). Undefined yields no results.
  bool query(std::string_view query, const EvalOptions& options, std::vector<QueryResult>& results,
             std::vector<Diagnostic>& errors);

  bool prepare(std::string_view query, PreparedQuery& out, std::vector<Diagnostic>& errors);
  bool eval(const PreparedQuery& query, const EvalOptions& options,
            std::vector<QueryResult>& results, std::vector<Diagnostic>& errors);
  // Evaluates several queries against the same input and data as one evaluation: a rule
  // that more than one of them needs (a shared helper, a memoised complete rule) is
  // evaluated once. results[i] holds query i's results.
  bool eval_batch(const std::vector<const PreparedQuery*>& queries, const EvalOptions& options,
                  std::vector<std::vector<QueryResult>>& results, std::vector<Diagnostic>& errors);
  // As eval_batch, for the queries `next` hands out one index at a time until it returns
  // queries.size(); results must already hold queries.size() entries, and only the handed-out
  // ones are written. Engines compiled from the same policies on several threads, with one
  // frozen input (FrozenValues), can share out one list of queries this way.
  bool eval_pulled(const std::vector<const PreparedQuery*>& queries,
                   const std::function<size_t()>& next, const EvalOptions& options,
                   std::vector<std::vector<QueryResult>>& results, std::vector<Diagnostic>& errors);

  // Freezes the compiled set's values (constants, data, annotations) and those of `queries`
  // into `arena`, so that several threads may run eval_pulled on this engine at once: each
  // evaluation's state is its own, and nothing it reads is written. Compile, prepare and set
  // the input (frozen too) first; the arena outlives every result the evaluations return.
  void freeze(FrozenValues& arena, const std::vector<const PreparedQuery*>& queries);

  // Package paths of the added modules, and their rules, for tools (check, test). One entry
  // per definition, in module order.
  struct RuleInfo {
    std::vector<std::string> package;  // e.g. {"policies", "security"}
    std::string name;                  // e.g. "deny"
    std::string file;
    int line = 0;
    bool is_function = false;
    // The rule's `# METADATA` block as OPA's rego.metadata.rule() shows it (title,
    // description, custom, ...); Undefined when it has none or before compile().
    Value annotations;
  };
  std::vector<RuleInfo> rules() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace policyc
