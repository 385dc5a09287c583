// The built-in function interface: what the evaluator calls and what builtins/ implements.
// A builtin is declared once (name, types, description, category); arity checks at compile
// time, the `policyc builtins` listing and docs/builtins.md all come from that declaration.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "policyc/core/limits.hpp"
#include "policyc/core/value.hpp"

namespace policyc {

// Thrown by a builtin for bad operands or failed operations. Non-strict evaluation turns it
// into "undefined"; with --strict-builtin-errors it is an eval_builtin_error (or the code given).
struct BuiltinError : std::runtime_error {
  explicit BuiltinError(const std::string& msg, std::string code = "eval_builtin_error")
      : std::runtime_error(msg), code(std::move(code)) {}
  std::string code;
};

// Thrown for errors that are errors even in non-strict mode (e.g. OPA's eval_type_error on
// operators is still only undefined, but a conflict inside walk is not): rarely used.
struct HardBuiltinError : std::runtime_error {
  HardBuiltinError(const std::string& msg, std::string code)
      : std::runtime_error(msg), code(std::move(code)) {}
  std::string code;
};

// Per-query state builtins may read or keep.
struct BuiltinContext {
  bool strict = false;
  int64_t now_ns = 0;                             // fixed per query (time.now_ns)
  uint64_t seed = 0;                              // rand.intn, uuid.rfc4122
  std::function<void(const std::string&)> print;  // print() output sink
  // Per-query caches keyed by builtin name + args (rand.intn, uuid.rfc4122 are memoised per
  // query, as OPA does). Builtins may use it freely.
  std::map<std::string, Value> cache;
  // The evaluation's limits (null: none). Builtins that build large values reserve() their
  // size before allocating, and long loops tick().
  LimitGuard* limits = nullptr;
  void reserve(size_t bytes) {
    if (limits) limits->reserve(bytes);
  }
  void tick() {
    if (limits) limits->tick();
  }
  bool memory_capped() const {
    return limits && limits->limits() && limits->limits()->max_memory > 0;
  }
};

// A function builtin: returns its value, an Undefined Value for "no result", or throws
// BuiltinError.
using BuiltinFn = Value (*)(std::span<const Value> args, BuiltinContext& ctx);

// Type declarations are strings in OPA's notation, used for messages, arity checks, docs:
// "any", "string", "number", "boolean", "null", "array[any]", "set[string]",
// "object[string: any]", "string|number", ...
struct BuiltinDecl {
  std::string name;
  std::vector<std::string> arg_types;
  std::string result_type;
  std::string description;
  std::string category;
  BuiltinFn fn = nullptr;
  bool nondeterministic = false;
  // A relation (OPA's `walk`) yields several outputs: fn returns an array of them and the
  // evaluator enumerates it.
  bool relation = false;
};

class BuiltinRegistry {
 public:
  void add(BuiltinDecl decl);
  const BuiltinDecl* find(std::string_view name) const;
  const std::map<std::string, BuiltinDecl, std::less<>>& all() const { return decls_; }
  // The known name nearest to `name` (edit distance), or empty.
  std::string suggest(std::string_view name) const;

  // OPA builtins policyc does not implement, with the reason.
  void add_unsupported(std::string name, std::string reason);
  const std::string* unsupported_reason(std::string_view name) const;

 private:
  std::map<std::string, BuiltinDecl, std::less<>> decls_;
  std::map<std::string, std::string, std::less<>> unsupported_;
};

// Builtins OPA has that policyc deliberately does not support; calling one is a compile
// error naming the reason.
struct UnsupportedBuiltin {
  std::string name;
  std::string reason;
};

}  // namespace policyc
