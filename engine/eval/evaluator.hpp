// The evaluator: backtracking, continuation-passing evaluation of compiled bodies.
// Continuations return true to stop the enumeration (a solution was enough).
#pragma once

#include <array>
#include <memory>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>

#include "internal.hpp"

namespace policyc::eval {

// A non-owning reference to a callable; continuations live on the caller's stack.
template <typename Sig>
class FnRef;
template <typename R, typename... A>
class FnRef<R(A...)> {
 public:
  // Passing a FnRef on copies it; only other callables get wrapped (a FnRef wrapping a
  // FnRef would add an indirect call at every level of the continuation chain).
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FnRef>>>
  FnRef(F& f)
      : obj_(const_cast<void*>(static_cast<const void*>(&f))),  // NOLINT
        call_([](void* o, A... a) -> R { return (*static_cast<F*>(o))(a...); }) {}
  // Only named callables bind: a temporary is gone at the end of the full expression that
  // made it, and a FnRef kept past that (in a variable or a member) would call freed stack.
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FnRef> &&
                                                    !std::is_lvalue_reference_v<F>>>
  FnRef(F&& f) = delete;
  R operator()(A... a) const { return call_(obj_, a...); }

 private:
  void* obj_;
  R (*call_)(void*, A...);
};

using KValue = FnRef<bool(const Value&)>;
using KDone = FnRef<bool()>;

// The evaluator recurses once per expression of a body and per term of an array, set, object or
// call, so a rule of tens of thousands of them could overflow the thread's stack. Past the
// thread's stack floor (a quarter of its stack from the end) evaluation stops with an error.
// constinit: read without a call, as the check runs for every body entered and function called.
extern thread_local constinit const char* t_stack_floor;
const char* find_stack_floor();
[[noreturn]] void stack_exhausted(const Location& loc);
// The bytes of stack left above the floor (negative below it).
inline std::ptrdiff_t stack_left() {
  char probe;
  const char* floor = t_stack_floor;
  if (!floor) [[unlikely]]
    floor = find_stack_floor();
  return &probe - floor;
}
inline void check_stack(const Location& loc) {
  if (stack_left() < 0) [[unlikely]]
    stack_exhausted(loc);
}
// Room for a body of this many expressions: a level takes a few hundred bytes (more under
// sanitizers); 2 KiB each keeps a body of a few thousand within the stack's first three quarters.
[[noreturn]] void body_exhausts_stack(const Body& body);
[[gnu::always_inline]] inline void check_stack_for(const Body& body) {
  constexpr std::ptrdiff_t kBytesPerExpression = 2048;
  if (stack_left() < static_cast<std::ptrdiff_t>(body.size()) * kBytesPerExpression) [[unlikely]]
    body_exhausts_stack(body);
}

// The binding rule, checked where FnRef is defined.
namespace fnref_check {
struct Callable {
  bool operator()(const Value&) const { return true; }
};
static_assert(std::is_constructible_v<KValue, Callable&>);
static_assert(std::is_constructible_v<KValue, const Callable&>);
static_assert(!std::is_constructible_v<KValue, Callable>, "a temporary must not bind");
static_assert(!std::is_constructible_v<KValue, Callable&&>, "a temporary must not bind");
static_assert(std::is_copy_constructible_v<KValue>);
}  // namespace fnref_check

// A `with` replacement of a function: a value, a builtin (fn is its BuiltinDecl) or a user
// function (fn is its RuleNode).
struct Mock {
  enum class Kind { Value, Builtin, Function };
  Kind kind = Kind::Value;
  Value value;
  const void* fn = nullptr;
};

struct DataOverride {
  std::vector<std::string> path;
  Value value;
};

// Shared by the evaluator's files.
bool is_constant_term(const TermPtr& t);
TraceLocation trace_loc(const Location& l);
Value set_path(const Value& base, const std::vector<Value>& path, size_t i, const Value& v);
extern const Value kTrue;
// The value of an object comprehension from its entries; false when a key has two values.
bool object_from_comprehension(ObjectEntries entries, Value& out);

class Evaluator {
 public:
  Evaluator(EngineState& st, const EvalOptions& opts);
  ~Evaluator();

  // Runs a compiled query; calls on_solution with the frame for each solution.
  void run_query(const CompiledQuery& q, FnRef<bool(Frame&)> on_solution);

  BuiltinContext& builtin_context() { return bctx_; }

 private:
  EngineState& st_;
  const EvalOptions& opts_;
  BuiltinContext bctx_;
  LimitGuard limits_;
  // Adds the rule being evaluated and the expression at `loc` to a limit reached there.
  void locate(LimitExceeded& e, const Location& loc) const;
  [[gnu::noinline]] void poll_limits(const Expr& e);
  Value input_;
  std::vector<std::unordered_map<const RuleNode*, Value>> caches_;
  std::vector<DataOverride> data_overrides_;
  std::unordered_map<const void*, Mock> mocks_;
  std::unordered_map<std::string, Mock> special_mocks_;
  std::vector<const RuleNode*> in_progress_;
  std::vector<const CompiledRule*> rule_stack_;  // for rego.metadata.*
  struct RuleScope {
    RuleScope(std::vector<const CompiledRule*>& s, const CompiledRule* r) : stack(s) {
      stack.push_back(r);
    }
    ~RuleScope() { stack.pop_back(); }
    std::vector<const CompiledRule*>& stack;
  };
  Value metadata(bool chain) const;
  const CompiledQuery* query_ = nullptr;
  static std::string node_path(const RuleNode* node);
  // A default rule's value, used because no definition produced one.
  void trace_default(const CompiledRule& d, const Value& value);
  int depth_ = 0;

  // A body from its first expression. Each expression then adds a level of continuation until
  // the body ends, so the stack must have room for all of them (see check_stack).
  bool eval_body(const Body& body, Frame& f, KDone k) {
    check_stack_for(body);
    return eval_body_from(body, 0, f, k);
  }
  bool eval_body_from(const Body& body, size_t i, Frame& f, KDone k);
  bool eval_expr(const Expr& e, Frame& f, KDone k);
  bool eval_expr_core(const Expr& e, Frame& f, KDone k);
  // What `with` replaces; the continuation after a with-expression runs in the state from
  // before it.
  struct WithState {
    Value input;
    std::vector<DataOverride> overrides;
    std::unordered_map<const void*, Mock> mocks;
    std::unordered_map<std::string, Mock> special_mocks;
    size_t cache_depth = 0;
  };
  bool eval_with(const Expr& e, size_t wi, Frame& f, KDone k, WithState& outer);
  bool eval_term(const Term& t, Frame& f, KValue k);
  bool eval_terms(const std::vector<TermPtr>& ts, size_t i, ValueVec& out, Frame& f,
                  FnRef<bool(ValueVec&)> k);
  bool eval_ref(const Term& t, Frame& f, KValue k);
  // Terms with at most one value that bind nothing (constants, bound variables, `input`,
  // and refs on those through constant or bound keys) are looked up in place, without a
  // continuation per step: most terms of a rule body are of this kind. Sets `simple` to
  // false for any other term; otherwise returns the value, or null when it is undefined.
  const Value* direct_value(const Term& t, const Frame& f, bool& simple) const;
  // An expression that is a comparison or `in` of simple terms, decided in place: false when
  // it is of another kind. `holds` is false when the test fails or is undefined.
  bool direct_test(const Expr& e, const Frame& f, bool& holds) const;
  bool index_rest(const Value& v, const Term& ref, size_t i, Frame& f, KValue k);
  bool eval_data(const Term& ref, size_t i, const RuleNode* node, const Value& base,
                 std::vector<std::string>& path, Frame& f, KValue k);
  bool eval_call(const Term& t, Frame& f, KValue k);
  bool eval_args(const Term& t, size_t i, size_t end, Value* buf, Frame& f,
                 FnRef<bool(std::span<const Value>)> k);
  bool eval_pairs(const Term& t, size_t i, ObjectEntries& entries, Frame& f, KValue k);
  bool call_with_args(const Term& t, std::span<const Value> args, Frame& f, KValue k);
  bool eval_compr(const Term& t, Frame& f, KValue k);
  bool eval_comprehension(const Term& t, Frame& f, KValue k);
  struct ComprehensionCache {
    struct ValueHash {
      size_t operator()(const Value& v) const { return v.hash(); }
    };
    struct Group {
      ValueVec items;
      ObjectEntries entries;
      bool conflict = false;
      Value value;
    };
    int uses = 0;
    bool built = false;
    bool unusable = false;
    std::unordered_map<Value, Group, ValueHash> groups;  // by the array of key values
    Value empty;
  };
  std::unordered_map<const Term*, std::unique_ptr<ComprehensionCache>> comprehension_caches_;
  // The comprehension's value from its index; false when it must be evaluated plainly.
  bool indexed_comprehension(const Term& t, const ComprehensionIndexPlan& plan, Frame& f,
                             Value& out);
  bool build_comprehension_index(const Term& t, const ComprehensionIndexPlan& plan, Frame& f,
                                 ComprehensionCache& cache);

  bool unify(const Term& a, const Term& b, Frame& f, KDone k);
  bool match(const Term& pattern, const Value& v, Frame& f, KDone k);
  bool is_ground(const Term& t, const Frame& f) const;

  // Virtual documents.
  Value node_value(const RuleNode* node);
  Value compute_node(const RuleNode* node);
  Value materialize(const RuleNode* node, const Value& base, const std::vector<std::string>& path);
  bool override_at(const std::vector<std::string>& path, Value& out) const;
  Value apply_overrides_below(const std::vector<std::string>& path, Value v) const;
  bool guards_pass(const std::vector<CompiledRule::Guard>& guards, const Location& body_loc);
  bool guard_failed(const CompiledRule::Guard& g, const Location& body_loc);
  // Whether indexes, memos, shared values and direct comparisons may stand in for evaluation
  // as written: not when traced, since a trace shows the evaluation as written (plain
  // evaluation is traced evaluation without a listener, see engine.cpp).
  bool shortcuts() const { return !opts_.tracer; }
  // The tracer to tell, if any: none while the trace's own operands are evaluated.
  Tracer* tracer() const {
    Tracer* t = opts_.tracer;
    return t && !trace_muted_ ? t : nullptr;
  }
  void eval_complete_rule(const CompiledRule& cr, ValueVec& values, bool& found);
  bool call_function(const RuleNode* node, std::span<const Value> args, const Term& call, KValue k);
  bool match_args(const std::vector<TermPtr>& patterns, std::span<const Value> args, size_t i,
                  Frame& f, KDone k);
  // Function results by arguments, for the evaluation's own input and data (OPA caches
  // them too): the packs call the same helpers on the same service from many rules.
  // Collections match by payload identity (a cheap test, and arguments usually come
  // straight from the input); the memo keeps them alive, so an address is never reused
  // for another value while it is a key.
  static constexpr size_t kMemoMaxArgs = 4;
  struct CallMemoKey {
    const RuleNode* node;
    std::span<const Value> args;
    size_t hash;
  };
  // Arguments inline: a miss costs one allocation, not two.
  struct CallMemoEntry {
    const RuleNode* node;
    std::array<Value, kMemoMaxArgs> arg_values;
    size_t nargs;
    size_t hash;
    Value result;  // undefined: the call is undefined
    std::span<const Value> args() const { return {arg_values.data(), nargs}; }
  };
  struct CallMemoHash {
    using is_transparent = void;
    size_t operator()(const CallMemoKey& k) const { return k.hash; }
    size_t operator()(const CallMemoEntry& e) const { return e.hash; }
  };
  struct CallMemoEq {
    using is_transparent = void;
    static bool same(const RuleNode* an, std::span<const Value> a, const RuleNode* bn,
                     std::span<const Value> b);
    static std::span<const Value> args_of(const CallMemoKey& k) { return k.args; }
    static std::span<const Value> args_of(const CallMemoEntry& e) { return e.args(); }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return same(a.node, args_of(a), b.node, args_of(b));
    }
  };
  std::unordered_set<CallMemoEntry, CallMemoHash, CallMemoEq> call_memo_;
  // Per function: whether it may be memoised, and how often the memo answered. A function
  // whose calls keep missing (each call has new arguments) stops being memoised: the
  // lookups and entries would only cost.
  struct MemoStats {
    bool pure = false;
    uint32_t hits = 0;
    uint32_t misses = 0;
  };
  std::unordered_map<const RuleNode*, MemoStats> memo_stats_;
  // True for functions whose result depends on their arguments, input and data only: no
  // print or trace (each call shows), no non-deterministic builtin, in them or in the
  // functions they call.
  bool memoisable(const RuleNode* node);
  // Frames of function calls come from a pool: most calls are small helpers, and a fresh
  // vector per call was a good share of all allocations.
  std::vector<Frame> frame_pool_;
  struct PooledFrame {
    PooledFrame(std::vector<Frame>& pool, size_t slots) : pool(pool) {
      if (!pool.empty()) {
        frame = std::move(pool.back());
        pool.pop_back();
      }
      frame.resize(slots);
    }
    ~PooledFrame() {
      frame.clear();
      pool.push_back(std::move(frame));
    }
    std::vector<Frame>& pool;
    Frame frame;
  };
  Value merge_rule_values(const Value& a, const Value& b, const Location& loc);
  Value call_builtin(const BuiltinDecl* decl, std::span<const Value> args, const Term& call);

  [[noreturn]] void conflict(const std::string& msg, const Location& loc);
  // Tells the tracer an expression held or failed, with its operands when it wants them
  // (evaluator_trace.cpp).
  void trace_expr(const Expr& e, Frame& f, TraceOutcome outcome);
  bool eval_expr_traced(const Expr& e, Frame& f, KDone k);
  // A body produced `value` from its head term `head` (null: true): the head's operands are
  // the last step of the proof.
  void trace_produced(const TermPtr& head, Frame& f, const Value& value);
  // Set while an expression with `with` is traced: its operands are read after the `with`
  // ended, so only its variables show what it saw.
  bool trace_variables_only_ = false;
  void trace_operands(const Term& t, Frame& f, std::vector<TraceOperand>& out);
  void trace_operand(const Term& t, Frame& f, std::vector<TraceOperand>& out);
  // Set when the expression being traced failed because its value was false (not undefined).
  bool false_seen_ = false;
  // Operands are evaluated again for the trace; what that evaluation does is not traced.
  bool trace_muted_ = false;
};

}  // namespace policyc::eval
