// Calls: builtins, user functions, the evaluator's own operators, and their mocks.
#include <functional>
#include <iostream>

#include "evaluator.hpp"

namespace policyc::eval {

// rego.metadata.rule() and rego.metadata.chain() for the rule being evaluated.
Value Evaluator::metadata(bool chain) const {
  const CompiledRule* cr = rule_stack_.empty() ? nullptr : rule_stack_.back();
  if (!chain) {
    if (!cr || cr->rule.annotations.is_undefined()) return Value::empty_object();
    return cr->rule.annotations;
  }
  ValueVec entries;
  if (!cr) return Value::array({});
  auto path_value = [](const std::vector<std::string>& p) {
    ValueVec items;
    for (const auto& s : p) items.push_back(Value::string(s));
    return Value::array(std::move(items));
  };
  ObjectEntries rule_entry{{Value::string("path"), path_value(cr->node->path)}};
  if (cr->rule.annotations.is_defined())
    rule_entry.emplace_back(Value::string("annotations"), cr->rule.annotations);
  entries.push_back(Value::object(std::move(rule_entry)));
  for (const auto& a : cr->module->package_annotations) {
    entries.push_back(Value::object({{Value::string("path"), path_value(cr->module->package)},
                                     {Value::string("annotations"), st_.annotations.at(a.get())}}));
  }
  return Value::array(std::move(entries));
}

Value Evaluator::call_builtin(const BuiltinDecl* decl, std::span<const Value> args,
                              const Term& call) {
  try {
    return decl->fn(args, bctx_);
  } catch (const BuiltinError& e) {
    if (bctx_.strict) throw EvalError(e.code, e.what(), call.loc);
    return Value();
  } catch (const HardBuiltinError& e) {
    throw EvalError(e.code, e.what(), call.loc);
  } catch (LimitExceeded& e) {
    locate(e, call.loc);
    throw;
  } catch (const std::bad_alloc&) {
    // A builtin asked for more memory than the machine gives: the same stop as the cap.
    LimitExceeded e(LimitExceeded::Kind::Memory, "evaluation stopped: " + decl->name +
                                                     " could not allocate the value it builds");
    locate(e, call.loc);
    throw e;
  }
}

bool special_test(int id, const Value& a, const Value& b) {
  switch (id) {
    case kSpecialEqual:
      return a == b;
    case kSpecialNeq:
      return a != b;
    case kSpecialLt:
      return compare(a, b) < 0;
    case kSpecialLte:
      return compare(a, b) <= 0;
    case kSpecialGt:
      return compare(a, b) > 0;
    case kSpecialGte:
      return compare(a, b) >= 0;
    case kSpecialMember2:
      if (b.is_set()) return b.contains(a);
      if (b.is_array()) {
        for (const auto& i : b.items())
          if (i == a) return true;
      } else if (b.is_object()) {
        for (const auto& [key, val] : b.entries())
          if (val == a) return true;
      }
      return false;
    default:
      return false;
  }
}

bool Evaluator::direct_test(const Expr& e, const Frame& f, bool& holds) const {
  const Term& call = *e.a;
  if (call.kind != TermKind::Call || call.target.kind != CallKind::Special ||
      call.items.size() != 3 || !special_mocks_.empty())
    return false;
  int id = call.target.special;
  if (id != kSpecialMember2 && (id < kSpecialEqual || id > kSpecialGte)) return false;
  bool simple;
  const Value* a = direct_value(*call.items[1], f, simple);
  if (!simple) return false;
  if (!a) {
    holds = false;  // undefined
    return true;
  }
  const Value* b = direct_value(*call.items[2], f, simple);
  if (!simple) return false;
  holds = b && special_test(id, *a, *b);
  return true;
}

bool Evaluator::eval_call(const Term& t, Frame& f, KValue k) {
  size_t nargs = t.items.size() - 1;
  int arity = t.slot;
  bool has_output = arity >= 0 && nargs == static_cast<size_t>(arity) + 1;
  if (t.target.kind == CallKind::Special) {
    int id = t.target.special;
    if (!special_mocks_.empty()) {
      auto it = special_mocks_.find(t.target.name);
      if (it != special_mocks_.end() && it->second.kind == Mock::Kind::Value)
        return k(it->second.value);
    }
    if (id == kSpecialPrint) {
      std::string line;
      for (size_t i = 1; i < t.items.size(); ++i) {
        std::string part = "<undefined>";
        auto on_value = [&](const Value& v) {
          part = v.is_string() ? v.str() : v.to_rego();
          return true;
        };
        eval_term(*t.items[i], f, on_value);
        if (i > 1) line += " ";
        line += part;
      }
      if (bctx_.print) {
        bctx_.print(line);
      } else {
        std::cerr << line << "\n";
      }
      return k(kTrue);
    }
  }
  size_t end = t.items.size() - (has_output ? 1 : 0);
  auto call = [&](std::span<const Value> vals) {
    if (has_output) {
      auto on_value = [&](const Value& out) {
        auto then = [&]() { return k(kTrue); };
        return match(*t.items.back(), out, f, then);
      };
      return call_with_args(t, vals, f, on_value);
    }
    return call_with_args(t, vals, f, k);
  };
  // Arguments live on the stack for the usual small arities (most calls take one or two).
  constexpr size_t kInlineArgs = 6;
  if (end - 1 <= kInlineArgs) {
    // Simple arguments (see direct_value) need no continuation each.
    Value direct[kInlineArgs];
    size_t i = 1;
    for (; i < end; ++i) {
      bool simple;
      const Value* v = direct_value(*t.items[i], f, simple);
      if (!simple) break;
      if (!v) return false;  // an undefined argument: the call is undefined
      direct[i - 1] = *v;
    }
    if (i == end) return call(std::span<const Value>(direct, end - 1));
  }
  if (end - 1 <= 2) {
    Value buf[2];
    return eval_args(t, 1, end, buf, f, call);
  }
  if (end - 1 <= kInlineArgs) {
    Value buf[kInlineArgs];
    return eval_args(t, 1, end, buf, f, call);
  }
  std::vector<Value> buf(end - 1);
  return eval_args(t, 1, end, buf.data(), f, call);
}

bool Evaluator::eval_args(const Term& t, size_t i, size_t end, Value* buf, Frame& f,
                          FnRef<bool(std::span<const Value>)> k) {
  if (i == end) return k(std::span<const Value>(buf, end - 1));
  auto on_value = [&](const Value& v) {
    buf[i - 1] = v;
    return eval_args(t, i + 1, end, buf, f, k);
  };
  return eval_term(*t.items[i], f, on_value);
}

bool Evaluator::call_with_args(const Term& t, std::span<const Value> args, Frame& f, KValue k) {
  (void)f;
  if (!mocks_.empty() || !special_mocks_.empty()) {
    const Mock* found = nullptr;
    const void* key = t.target.mock_key();
    auto it = mocks_.find(key);
    if (key && it != mocks_.end()) found = &it->second;
    if (!found) {
      auto sit = special_mocks_.find(t.target.name);
      if (sit != special_mocks_.end()) found = &sit->second;
    }
    if (found) {
      Mock m = *found;
      if (m.kind == Mock::Kind::Value) return k(m.value);
      // The replacement runs without mocks: it may call the original, and mocks do not
      // call other mocks. Its result is passed on with the mocks back in place.
      Value result;
      {
        auto saved = std::move(mocks_);
        auto saved_special = std::move(special_mocks_);
        mocks_.clear();
        special_mocks_.clear();
        struct Restore {
          Evaluator& ev;
          std::unordered_map<const void*, Mock>& saved;
          std::unordered_map<std::string, Mock>& saved_special;
          ~Restore() {
            ev.mocks_ = std::move(saved);
            ev.special_mocks_ = std::move(saved_special);
          }
        } restore{*this, saved, saved_special};
        if (m.kind == Mock::Kind::Builtin) {
          result = call_builtin(static_cast<const BuiltinDecl*>(m.fn), args, t);
        } else {
          auto on_value = [&](const Value& v) {
            result = v;
            return true;
          };
          call_function(static_cast<const RuleNode*>(m.fn), args, t, on_value);
        }
      }
      if (result.is_undefined()) return false;
      return k(result);
    }
  }
  switch (t.target.kind) {
    case CallKind::Builtin: {
      const auto* decl = t.target.builtin;
      Value v = call_builtin(decl, args, t);
      if (v.is_undefined()) return false;
      if (decl->relation) {
        for (const auto& item : v.items())
          if (k(item)) return true;
        return false;
      }
      return k(v);
    }
    case CallKind::Function:
      return call_function(t.target.node, args, t, k);
    case CallKind::Unsupported:
      throw EvalError("eval_builtin_error", t.target.name + " is not supported by policyc", t.loc);
    case CallKind::Special: {
      int id = t.target.special;
      switch (id) {
        case kSpecialEqual:
        case kSpecialNeq:
        case kSpecialLt:
        case kSpecialLte:
        case kSpecialGt:
        case kSpecialGte:
        case kSpecialMember2:
          return k(Value::boolean(special_test(id, args[0], args[1])));
        case kSpecialTrace:
          return k(kTrue);
        case kSpecialMember3: {
          const Value& c = args[2];
          bool found = false;
          if (c.is_array() || c.is_object()) {
            Value v = c.get(args[0]);
            found = v.is_defined() && v == args[1];
          } else if (c.is_set()) {
            found = c.contains(args[0]) && args[0] == args[1];
          }
          return k(Value::boolean(found));
        }
        case kSpecialWalk: {
          ValueVec path;
          std::function<bool(const Value&)> walk = [&](const Value& v) -> bool {
            if (k(Value::array({Value::array(path), v}))) return true;
            if (v.is_array()) {
              const auto& items = v.items();
              for (size_t i = 0; i < items.size(); ++i) {
                path.push_back(Value::integer(static_cast<int64_t>(i)));
                bool r = walk(items[i]);
                path.pop_back();
                if (r) return true;
              }
            } else if (v.is_object()) {
              for (const auto& [key, val] : v.entries()) {
                path.push_back(key);
                bool r = walk(val);
                path.pop_back();
                if (r) return true;
              }
            } else if (v.is_set()) {
              for (const auto& item : v.items()) {
                path.push_back(item);
                bool r = walk(item);
                path.pop_back();
                if (r) return true;
              }
            }
            return false;
          };
          return walk(args[0]);
        }
        case kSpecialMetadataRule:
        case kSpecialMetadataChain:
          return k(metadata(id == kSpecialMetadataChain));
        default:
          return false;
      }
    }
    default:
      return false;
  }
}

namespace {

// Arguments match when they are the same payload or written identically: numbers by
// representation, not only by value (1 and 1.0 are equal, yet a function may print them
// differently), collections element by element under the same rule.
bool same_memo_arg(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::Array:
    case Kind::Set: {
      const auto& x = a.items();
      const auto& y = b.items();
      if (&x == &y) return true;
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i)
        if (!same_memo_arg(x[i], y[i])) return false;
      return true;
    }
    case Kind::Object: {
      auto x = a.entries();
      auto y = b.entries();
      if (x.data() == y.data()) return true;
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i)
        if (!same_memo_arg(x[i].first, y[i].first) || !same_memo_arg(x[i].second, y[i].second))
          return false;
      return true;
    }
    case Kind::Number: {
      if (a.is_small_int() != b.is_small_int()) return false;
      if (a.is_small_int()) return a.small_int() == b.small_int();
      const BigNumber* x = a.big();
      const BigNumber* y = b.big();
      return x == y || (x->text == y->text && x->q == y->q);
    }
    default:
      return a == b;
  }
}

size_t mix_hash(size_t h, size_t v) { return (h ^ v) * 0x9e3779b97f4a7c15ULL; }

// Small collections (a few checks, a pair of names: often rebuilt per call with the same
// content) hash by content, so that equal ones built apart share an entry; larger ones, a
// service say, by payload address, which costs nothing. False when `v` is too large.
bool content_hash(const Value& v, size_t& h, int& budget) {
  constexpr size_t kMaxElements = 8;
  switch (v.kind()) {
    case Kind::Array:
    case Kind::Set: {
      const auto& items = v.items();
      if (items.size() > kMaxElements) return false;
      h = mix_hash(h, static_cast<size_t>(v.kind()) + items.size());
      for (const auto& i : items)
        if (--budget < 0 || !content_hash(i, h, budget)) return false;
      return true;
    }
    case Kind::Object: {
      auto entries = v.entries();
      if (entries.size() > kMaxElements) return false;
      h = mix_hash(h, static_cast<size_t>(v.kind()) + entries.size());
      for (const auto& [key, val] : entries) {
        budget -= 2;
        if (budget < 0 || !content_hash(key, h, budget) || !content_hash(val, h, budget))
          return false;
      }
      return true;
    }
    case Kind::Number:
      h = mix_hash(h, v.is_small_int() ? std::hash<int64_t>{}(v.small_int())
                                       : std::hash<std::string>{}(v.big()->text));
      return true;
    case Kind::String:
      h = mix_hash(h, v.hash());
      return true;
    default:
      h = mix_hash(h, static_cast<size_t>(v.kind()) * 31 + (v.is_true() ? 1 : 0));
      return true;
  }
}

size_t memo_arg_hash(const Value& v) {
  size_t h = 0;
  int budget = 32;
  if (content_hash(v, h, budget)) return h;
  if (v.is_object()) return std::hash<const void*>{}(v.entries().data());
  return std::hash<const void*>{}(&v.items());
}

bool calls_impure(const Term& t, const std::function<bool(const RuleNode*)>& pure_fn);

bool body_impure(const Body& body, const std::function<bool(const RuleNode*)>& pure_fn);

bool expr_impure(const Expr& e, const std::function<bool(const RuleNode*)>& pure_fn) {
  for (const auto* t : {&e.a, &e.b, &e.key, &e.val, &e.domain})
    if (*t && calls_impure(**t, pure_fn)) return true;
  if (e.inner && expr_impure(*e.inner, pure_fn)) return true;
  if (e.body && body_impure(*e.body, pure_fn)) return true;
  for (const auto& w : e.withs)
    if (calls_impure(*w.value, pure_fn)) return true;
  return false;
}

bool body_impure(const Body& body, const std::function<bool(const RuleNode*)>& pure_fn) {
  for (const auto& e : body)
    if (expr_impure(e, pure_fn)) return true;
  return false;
}

bool calls_impure(const Term& t, const std::function<bool(const RuleNode*)>& pure_fn) {
  if (t.kind == TermKind::Call) {
    switch (t.target.kind) {
      case CallKind::Special: {
        int id = t.target.special;
        if (id == kSpecialPrint || id == kSpecialTrace) return true;
        break;
      }
      case CallKind::Builtin:
        if (t.target.builtin->nondeterministic) return true;
        break;
      case CallKind::Function:
        if (!pure_fn(t.target.node)) return true;
        break;
      default:
        return true;
    }
  }
  for (const auto& i : t.items)
    if (calls_impure(*i, pure_fn)) return true;
  for (const auto& [k, v] : t.pairs)
    if (calls_impure(*k, pure_fn) || calls_impure(*v, pure_fn)) return true;
  if (t.key && calls_impure(*t.key, pure_fn)) return true;
  if (t.head && calls_impure(*t.head, pure_fn)) return true;
  if (t.body && body_impure(*t.body, pure_fn)) return true;
  return false;
}

}  // namespace

bool Evaluator::CallMemoEq::same(const RuleNode* an, std::span<const Value> a, const RuleNode* bn,
                                 std::span<const Value> b) {
  if (an != bn || a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!same_memo_arg(a[i], b[i])) return false;
  return true;
}

bool Evaluator::memoisable(const RuleNode* node) {
  auto it = memo_stats_.find(node);
  if (it != memo_stats_.end()) return it->second.pure;
  // Functions cannot be recursive (the compiler rejects it), so the walk ends; a node is
  // marked impure while it is visited, which only matters for that impossible case.
  memo_stats_[node].pure = false;
  // Deciding walks the functions a function calls; for a chain thousands deep, give up on
  // memoising (the call depth limit stops such a chain anyway) rather than on the stack.
  if (stack_left() < 0) return false;
  bool pure = true;
  auto pure_fn = [this](const RuleNode* n) { return memoisable(n); };
  for (const auto* list : {&node->rules, &node->defaults}) {
    for (const auto& cr : *list) {
      const plan::Rule& r = cr->rule;
      if (body_impure(r.body, pure_fn)) pure = false;
      for (const auto* t : {&r.key, &r.value})
        if (*t && calls_impure(**t, pure_fn)) pure = false;
      for (const auto& a : r.args)
        if (calls_impure(*a, pure_fn)) pure = false;
      for (const auto& ec : r.elses) {
        if (body_impure(ec.body, pure_fn)) pure = false;
        if (ec.value && calls_impure(*ec.value, pure_fn)) pure = false;
      }
    }
  }
  memo_stats_[node].pure = pure;
  return pure;
}

bool Evaluator::call_function(const RuleNode* node, std::span<const Value> args, const Term& call,
                              KValue k) {
  // Results hold for the evaluation's input, data and functions: not under `with`, and
  // not traced (a trace shows every call as written).
  MemoStats* stats = nullptr;
  if (caches_.size() == 1 && data_overrides_.empty() && mocks_.empty() && special_mocks_.empty() &&
      shortcuts() && args.size() <= kMemoMaxArgs && memoisable(node)) {
    stats = &memo_stats_[node];
    // A function the memo has never answered in a thousand calls is evaluated plainly from
    // then on (functions that do repeat often start with a run of first calls, one rule's
    // pass over the services, before the other rules repeat them).
    if (stats->misses >= 1000 && stats->hits == 0) stats = nullptr;
  }
  size_t memo_hash = 0;
  if (stats) {
    memo_hash = std::hash<const void*>{}(node);
    for (const auto& a : args) memo_hash = memo_hash * 0x9e3779b97f4a7c15ULL + memo_arg_hash(a);
    auto hit = call_memo_.find(CallMemoKey{node, args, memo_hash});
    if (hit != call_memo_.end()) {
      ++stats->hits;
      // Entries are never erased, and inserts keep references to them valid.
      if (hit->result.is_undefined()) return false;
      return k(hit->result);
    }
    ++stats->misses;
  }
  check_stack(call.loc);
  if (++depth_ > 2000) {
    --depth_;
    throw EvalError("eval_recursion_error", "function call depth exceeded", call.loc);
  }
  struct DepthGuard {
    int& d;
    ~DepthGuard() { --d; }
  } guard{depth_};
  Value result;
  Location first_loc;
  Tracer* t = tracer();
  if (t) {
    const Location loc = node->rules.empty() ? call.loc : node->rules.front()->rule.loc;
    t->enter_rule(node_path(node), trace_loc(loc), true, args);
  }
  auto add = [&](const Value& v, const Location& loc) {
    if (result.is_defined() && result != v) {
      conflict("functions must not produce multiple outputs for same inputs", loc);
    }
    result = v;
    first_loc = loc;
  };
  for (const auto& cr : node->rules) {
    const plan::Rule& r = cr->rule;
    // Definitions told apart by constant arguments (`f("metrics", x)`, `f("logs", x)`) are
    // skipped before a frame is allocated for them.
    bool constants_match = true;
    for (size_t i = 0; i < r.args.size() && constants_match; ++i) {
      if (r.args[i]->kind == TermKind::Scalar) constants_match = r.args[i]->value == args[i];
    }
    if (!constants_match) {
      if (t) t->arguments_mismatch(trace_loc(r.loc));
      continue;
    }
    // OPA's index leaves out a definition (or one clause of its else chain) whose indexed
    // reference is undefined: its body is not evaluated, whatever it would produce or raise.
    const bool main_indexed = guards_pass(cr->guards, r.loc);
    if (r.elses.empty() && !main_indexed) continue;
    RuleScope scope(rule_stack_, cr.get());
    PooledFrame pooled(frame_pool_, static_cast<size_t>(cr->num_slots));
    Frame& fr = pooled.frame;
    auto run = [&](const Body& body, const TermPtr& value, const Location& loc) {
      bool any = false;
      bool constant = is_constant_term(value);
      if (t)
        t->enter_body(trace_loc(loc), &body == &r.body ? TraceBodyKind::Body : TraceBodyKind::Else);
      auto on_solution = [&]() {
        if (!value) {
          any = true;
          if (t) trace_produced(value, fr, kTrue);
          add(kTrue, r.loc);
        } else {
          auto on_value = [&](const Value& v) {
            any = true;
            if (t) trace_produced(value, fr, v);
            add(v, r.loc);
            return false;
          };
          eval_term(*value, fr, on_value);
        }
        return constant;
      };
      if (body.empty()) {
        on_solution();
      } else {
        eval_body(body, fr, on_solution);
      }
      if (t) t->exit_body();
      return any;
    };
    bool matched = false;
    auto then = [&]() {
      matched = true;
      if (main_indexed && run(r.body, r.value, r.loc)) return false;
      for (size_t i = 0; i < r.elses.size(); ++i) {
        const auto& ec = r.elses[i];
        if (guards_pass(cr->else_guards[i], ec.loc) && run(ec.body, ec.value, ec.loc)) return false;
      }
      return false;
    };
    match_args(r.args, args, 0, fr, then);
    if (t && !matched) t->arguments_mismatch(trace_loc(r.loc));
  }
  if (result.is_undefined() && !node->defaults.empty()) {
    const auto& d = *node->defaults.front();
    Frame fr(static_cast<size_t>(d.num_slots));
    auto on_value = [&](const Value& v) {
      result = v;
      return true;
    };
    eval_term(*d.rule.value, fr, on_value);
    trace_default(d, result);
  }
  if (t) t->exit_rule(result);
  if (stats) {
    CallMemoEntry entry{node, {}, args.size(), memo_hash, result};
    std::copy(args.begin(), args.end(), entry.arg_values.begin());
    call_memo_.insert(std::move(entry));
  }
  if (result.is_undefined()) return false;
  return k(result);
}

bool Evaluator::match_args(const std::vector<TermPtr>& patterns, std::span<const Value> args,
                           size_t i, Frame& f, KDone k) {
  // Plain parameters (`f(svc, kind)`) and constants bind or test in place; a continuation
  // per argument is needed only for patterns that enumerate or destructure.
  while (i < patterns.size()) {
    const Term& p = *patterns[i];
    if (p.kind == TermKind::Scalar) {
      if (p.value != args[i]) return false;
    } else if (p.kind == TermKind::Var && p.slot >= 0 &&
               f[static_cast<size_t>(p.slot)].is_undefined()) {
      f[static_cast<size_t>(p.slot)] = args[i];
    } else {
      break;
    }
    ++i;
  }
  if (i == patterns.size()) return k();
  auto then = [&]() { return match_args(patterns, args, i + 1, f, k); };
  return match(*patterns[i], args[i], f, then);
}

}  // namespace policyc::eval
