#include "evaluator.hpp"

#include <pthread.h>

#include <chrono>
#include <iostream>

namespace policyc::eval {

bool is_constant_term(const TermPtr& t) {
  if (!t) return true;
  if (t->kind == TermKind::Scalar) return true;
  if (t->kind == TermKind::Array || t->kind == TermKind::Set) {
    for (const auto& i : t->items)
      if (!is_constant_term(i)) return false;
    return true;
  }
  if (t->kind == TermKind::Object) {
    for (const auto& [k, v] : t->pairs)
      if (!is_constant_term(k) || !is_constant_term(v)) return false;
    return true;
  }
  return false;
}

TraceLocation trace_loc(const Location& l) {
  return TraceLocation{l.file ? l.file->name : std::string(), l.line, l.col};
}

Value set_path(const Value& base, const std::vector<Value>& path, size_t i, const Value& v) {
  if (i == path.size()) return v;
  ObjectEntries entries;
  if (base.is_object()) entries.assign(base.entries().begin(), base.entries().end());
  const Value* cur = base.is_object() ? base.find(path[i]) : nullptr;
  Value child = set_path(cur ? *cur : Value(), path, i + 1, v);
  bool replaced = false;
  for (auto& e : entries) {
    if (e.first == path[i]) {
      e.second = child;
      replaced = true;
    }
  }
  if (!replaced) entries.emplace_back(path[i], child);
  return Value::object(std::move(entries));
}

extern const Value kTrue = Value::boolean(true);

Evaluator::Evaluator(EngineState& st, const EvalOptions& opts)
    : st_(st), opts_(opts), limits_(opts.limits) {
  if (opts.limits) bctx_.limits = &limits_;
  bctx_.strict = opts.strict_builtin_errors;
  bctx_.seed = opts.seed;
  bctx_.now_ns = opts.now_ns;
  if (bctx_.now_ns == 0) {
    bctx_.now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  }
  bctx_.print = opts.print;
  input_ = st.input;
  caches_.emplace_back();
}

void Evaluator::conflict(const std::string& msg, const Location& loc) {
  throw EvalError("eval_conflict_error", msg, loc);
}

void Evaluator::run_query(const CompiledQuery& q, FnRef<bool(Frame&)> on_solution) {
  query_ = &q;
  Frame f(static_cast<size_t>(q.num_slots));
  auto then = [&]() { return on_solution(f); };
  eval_body(*q.body, f, then);
}

thread_local constinit const char* t_stack_floor = nullptr;

const char* find_stack_floor() {
  const char* floor = reinterpret_cast<const char*>(1);  // unknown stack: no check
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    void* low = nullptr;
    size_t size = 0;
    if (pthread_attr_getstack(&attr, &low, &size) == 0 && low)
      floor = static_cast<const char*>(low) + size / 4;
    pthread_attr_destroy(&attr);
  }
  t_stack_floor = floor;
  return floor;
}

void body_exhausts_stack(const Body& body) {
  stack_exhausted(body.empty() ? Location{} : body.front().loc);
}

void stack_exhausted(const Location& loc) {
  throw EvalError("eval_recursion_error",
                  "evaluation nested too deeply for the stack (a body, collection or call of "
                  "thousands of terms, or rules depending on each other thousands deep)",
                  loc);
}

bool Evaluator::eval_body_from(const Body& body, size_t i, Frame& f, KDone k) {
  if (i == body.size()) {
    // Each solution counts too: an iteration whose body is one expression (`some x in xs`)
    // produces all its solutions from inside that one expression.
    if (!body.empty() && limits_.due()) [[unlikely]]
      poll_limits(body.back());
    return k();
  }
  auto then = [&]() { return eval_body_from(body, i + 1, f, k); };
  return eval_expr(body[i], f, then);
}

void Evaluator::locate(LimitExceeded& x, const Location& loc) const {
  if (x.located()) return;
  if (!rule_stack_.empty()) x.rule = node_path(rule_stack_.back()->node);
  if (loc.file) {
    x.file = loc.file->name;
    x.source_line = loc.file->line_text(loc.line);
  }
  x.line = loc.line;
  x.col = loc.col;
}

void Evaluator::poll_limits(const Expr& e) {
  try {
    limits_.poll();
  } catch (LimitExceeded& x) {
    locate(x, e.loc);
    throw;
  }
}

bool Evaluator::eval_expr(const Expr& e, Frame& f, KDone k) {
  if (limits_.due()) [[unlikely]]
    poll_limits(e);
  if (tracer()) [[unlikely]]
    return eval_expr_traced(e, f, k);
  if (e.withs.empty()) {
    // A comparison of simple terms needs no continuation per operand.
    bool holds;
    if (e.kind == ExprKind::Term && e.capture_slot < 0 && direct_test(e, f, holds))
      return holds && k();
    return eval_expr_core(e, f, k);
  }
  WithState outer{input_, data_overrides_, mocks_, special_mocks_, caches_.size()};
  return eval_with(e, 0, f, k, outer);
}

std::string Evaluator::node_path(const RuleNode* node) {
  std::string out = "data";
  for (const auto& p : node->path) out += "." + p;
  return out;
}

void Evaluator::trace_default(const CompiledRule& d, const Value& value) {
  Tracer* t = tracer();
  if (!t || value.is_undefined()) return;
  t->enter_body(trace_loc(d.rule.loc), TraceBodyKind::Default);
  t->body_produced(value);
  t->exit_body();
}

bool Evaluator::eval_expr_core(const Expr& e, Frame& f, KDone k) {
  switch (e.kind) {
    case ExprKind::Term: {
      auto on_value = [&](const Value& v) {
        // In rule bodies false fails; a query reports it as the expression's value unless it
        // iterates or has several expressions (CompiledQuery::false_fails).
        if (v.is_false() && (e.capture_slot < 0 || query_->false_fails)) {
          if (tracer()) false_seen_ = true;
          return false;
        }
        if (e.capture_slot >= 0) {
          f[static_cast<size_t>(e.capture_slot)] = v;
          bool r = k();
          f[static_cast<size_t>(e.capture_slot)] = Value();
          return r;
        }
        return k();
      };
      return eval_term(*e.a, f, on_value);
    }
    case ExprKind::Unify:
    case ExprKind::Assign:
      return unify(*e.a, *e.b, f, k);
    case ExprKind::Not: {
      auto negate = [&]() {
        auto stop = []() { return true; };
        bool held = tracer() && e.inner->withs.empty() ? eval_expr_core(*e.inner, f, stop)
                                                       : eval_expr(*e.inner, f, stop);
        if (held && tracer()) false_seen_ = true;  // a negation fails as false
        return held ? false : k();
      };
      // The operands OPA evaluates outside the negation (compile_negation.cpp) come first.
      if (e.body) return eval_body(*e.body, f, negate);
      return negate();
    }
    case ExprKind::SomeDecl:
      return k();
    case ExprKind::SomeIn: {
      // `some x in coll` with x a fresh variable: bind it to each element in place.
      if (!e.key && e.val->kind == TermKind::Var && e.val->slot >= 0 &&
          f[static_cast<size_t>(e.val->slot)].is_undefined()) {
        bool simple;
        const Value* coll = direct_value(*e.domain, f, simple);
        if (simple) {
          if (!coll || !coll->is_collection()) return false;
          const Value domain = *coll;
          const size_t slot = static_cast<size_t>(e.val->slot);
          bool r = false;
          if (domain.is_object()) {
            for (const auto& entry : domain.entries()) {
              f[slot] = entry.second;
              if ((r = k())) break;
            }
          } else {
            for (const auto& item : domain.items()) {
              f[slot] = item;
              if ((r = k())) break;
            }
          }
          f[slot] = Value();
          return r;
        }
      }
      auto on_domain = [&](const Value& coll) {
        auto visit = [&](const Value& key, const Value& val) {
          if (e.key) {
            auto then = [&]() { return match(*e.val, val, f, k); };
            return match(*e.key, key, f, then);
          }
          return match(*e.val, val, f, k);
        };
        switch (coll.kind()) {
          case Kind::Array: {
            const auto& items = coll.items();
            for (size_t i = 0; i < items.size(); ++i)
              if (visit(Value::integer(static_cast<int64_t>(i)), items[i])) return true;
            return false;
          }
          case Kind::Set:
            for (const auto& item : coll.items())
              if (visit(item, item)) return true;
            return false;
          case Kind::Object:
            for (const auto& [key, val] : coll.entries())
              if (visit(key, val)) return true;
            return false;
          default:
            return false;
        }
      };
      return eval_term(*e.domain, f, on_domain);
    }
    case ExprKind::Every: {
      Tracer* t = tracer();
      auto on_domain = [&](const Value& coll) {
        if (!coll.is_collection()) return false;
        // Traced, the `every` is an evaluation of its own, ended before the continuation runs
        // (which belongs to the enclosing body), and each element's pass is one of its bodies.
        if (t) t->enter_rule("every", trace_loc(e.loc), false, {});
        auto fail = [&]() {
          if (t) t->exit_rule(Value::boolean(false));
          return false;
        };
        struct ElementTrace {
          Tracer* t;
          ~ElementTrace() {
            if (t) t->exit_body();
          }
        };
        auto holds = [&](const Value& key, const Value& val) {
          if (t) t->enter_body(trace_loc(e.loc), TraceBodyKind::Body);
          ElementTrace element{t};
          auto stop = [&]() {
            if (t) t->body_produced(val);
            return true;
          };
          auto body = [&]() { return eval_body(*e.body, f, stop); };
          auto then_val = [&]() { return match(*e.val, val, f, body); };
          if (e.key) return match(*e.key, key, f, then_val);
          return match(*e.val, val, f, body);
        };
        if (coll.is_array()) {
          const auto& items = coll.items();
          for (size_t i = 0; i < items.size(); ++i)
            if (!holds(Value::integer(static_cast<int64_t>(i)), items[i])) return fail();
        } else if (coll.is_set()) {
          for (const auto& item : coll.items())
            if (!holds(item, item)) return fail();
        } else {
          for (const auto& [key, val] : coll.entries())
            if (!holds(key, val)) return fail();
        }
        if (t) t->exit_rule(Value::boolean(true));
        return k();
      };
      return eval_term(*e.domain, f, on_domain);
    }
  }
  return false;
}

bool Evaluator::is_ground(const Term& t, const Frame& f) const {
  switch (t.kind) {
    case TermKind::Var:
      return t.slot < 0 || f[static_cast<size_t>(t.slot)].is_defined();
    case TermKind::Array:
    case TermKind::Set:
      for (const auto& i : t.items)
        if (!is_ground(*i, f)) return false;
      return true;
    case TermKind::Object:
      for (const auto& [k, v] : t.pairs)
        if (!is_ground(*k, f) || !is_ground(*v, f)) return false;
      return true;
    default:
      return true;
  }
}

bool Evaluator::eval_terms(const std::vector<TermPtr>& ts, size_t i, ValueVec& out, Frame& f,
                           FnRef<bool(ValueVec&)> k) {
  // Terms with one value and no bindings (constants, bound variables, references without
  // iteration) are taken in a loop, not a continuation each: an array of thousands of
  // references needs no stack for them.
  size_t first = i;
  for (bool simple = true; i < ts.size();) {
    const Value* v = direct_value(*ts[i], f, simple);
    if (!simple) break;
    if (!v) {
      out.resize(out.size() - (i - first));
      return false;
    }
    out.push_back(*v);
    ++i;
  }
  bool r;
  if (i == ts.size()) {
    r = k(out);
  } else {
    check_stack(ts[i]->loc);
    auto on_value = [&](const Value& v) {
      out.push_back(v);
      bool found = eval_terms(ts, i + 1, out, f, k);
      out.pop_back();
      return found;
    };
    // A reference here was found not to be direct: skip eval_term's second try.
    const Term& t = *ts[i];
    r = t.kind == TermKind::Ref ? eval_ref(t, f, on_value) : eval_term(t, f, on_value);
  }
  out.resize(out.size() - (i - first));
  return r;
}

bool Evaluator::eval_term(const Term& t, Frame& f, KValue k) {
  switch (t.kind) {
    case TermKind::Scalar:
      return k(t.value);
    case TermKind::Var: {
      if (t.slot >= 0) {
        // A bound slot keeps its value until the continuation returns.
        const Value& v = f[static_cast<size_t>(t.slot)];
        if (v.is_undefined()) return false;
        return k(v);
      }
      if (t.name == "input") {
        if (input_.is_undefined()) return false;
        Value copy = input_;
        return k(copy);
      }
      if (t.name == "data") {
        std::vector<std::string> path;
        Value v = materialize(st_.root.get(), st_.data, path);
        return k(v);
      }
      return false;
    }
    case TermKind::Ref: {
      bool simple;
      const Value* v = direct_value(t, f, simple);
      if (simple) return v && k(*v);
      return eval_ref(t, f, k);
    }
    case TermKind::Array: {
      if (t.value.is_defined()) return k(t.value);  // constant, built by the compiler
      ValueVec out;
      out.reserve(t.items.size());
      auto on_args = [&](ValueVec& vals) { return k(Value::array(vals)); };
      return eval_terms(t.items, 0, out, f, on_args);
    }
    case TermKind::Set: {
      if (t.value.is_defined()) return k(t.value);
      ValueVec out;
      auto on_args = [&](ValueVec& vals) { return k(Value::set(vals)); };
      return eval_terms(t.items, 0, out, f, on_args);
    }
    case TermKind::Object: {
      if (t.value.is_defined()) return k(t.value);
      ObjectEntries entries;
      entries.reserve(t.pairs.size());
      return eval_pairs(t, 0, entries, f, k);
    }
    case TermKind::ArrayCompr:
    case TermKind::SetCompr:
    case TermKind::ObjectCompr:
      return eval_compr(t, f, k);
    case TermKind::Call:
      return eval_call(t, f, k);
  }
  return false;
}

bool Evaluator::eval_pairs(const Term& t, size_t i, ObjectEntries& entries, Frame& f, KValue k) {
  if (i == t.pairs.size()) return k(Value::object(entries));
  auto on_key = [&](const Value& key) {
    auto on_val = [&](const Value& val) {
      entries.emplace_back(key, val);
      bool r = eval_pairs(t, i + 1, entries, f, k);
      entries.pop_back();
      return r;
    };
    return eval_term(*t.pairs[i].second, f, on_val);
  };
  return eval_term(*t.pairs[i].first, f, on_key);
}

// Sorted once rather than searched per element (a comprehension of thousands of entries
// was quadratic): equal keys end up adjacent; with equal values they are one entry, with
// different values a conflict.
bool object_from_comprehension(ObjectEntries entries, Value& out) {
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto& a, const auto& b) { return compare(a.first, b.first) < 0; });
  size_t kept = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (kept > 0 && entries[kept - 1].first == entries[i].first) {
      if (entries[kept - 1].second != entries[i].second) return false;
      continue;
    }
    if (kept != i) entries[kept] = std::move(entries[i]);
    ++kept;
  }
  entries.resize(kept);
  out = Value::object_sorted(std::move(entries));
  return true;
}

bool Evaluator::eval_compr(const Term& t, Frame& f, KValue k) {
  // Indexes hold for the evaluation's input and data: not under `with`, and not traced
  // (a trace shows the evaluation as written).
  if (caches_.size() == 1 && shortcuts()) {
    auto plan = st_.comprehension_plans.find(&t);
    Value indexed;
    if (plan != st_.comprehension_plans.end() && indexed_comprehension(t, plan->second, f, indexed))
      return k(indexed);
  }
  if (Tracer* tr = tracer()) {
    // Traced as a rule of its own: its body, and each element it produced.
    tr->enter_rule("comprehension", trace_loc(t.loc), false, {});
    tr->enter_body(trace_loc(t.loc), TraceBodyKind::Body);
    Value out;
    auto keep = [&](const Value& v) {
      out = v;
      return true;
    };
    eval_comprehension(t, f, keep);
    tr->exit_body();
    tr->exit_rule(out);
    return out.is_defined() && k(out);
  }
  return eval_comprehension(t, f, k);
}

bool Evaluator::eval_comprehension(const Term& t, Frame& f, KValue k) {
  if (t.kind == TermKind::ObjectCompr) {
    ObjectEntries entries;
    auto then = [&]() {
      auto on_key = [&](const Value& key) {
        auto on_val = [&](const Value& val) {
          if (Tracer* tr = tracer()) tr->body_produced(Value::array({key, val}));
          entries.emplace_back(key, val);
          return false;
        };
        return eval_term(*t.head, f, on_val);
      };
      eval_term(*t.key, f, on_key);
      return false;
    };
    eval_body(*t.body, f, then);
    Value object;
    if (!object_from_comprehension(std::move(entries), object))
      conflict("object keys must be unique", t.loc);
    return k(object);
  }
  ValueVec out;
  auto then = [&]() {
    auto on_value = [&](const Value& v) {
      if (Tracer* tr = tracer()) tr->body_produced(v);
      out.push_back(v);
      return false;
    };
    eval_term(*t.head, f, on_value);
    return false;
  };
  eval_body(*t.body, f, then);
  if (t.kind == TermKind::ArrayCompr) return k(Value::array(std::move(out)));
  return k(Value::set(std::move(out)));
}

const Value* Evaluator::direct_value(const Term& t, const Frame& f, bool& simple) const {
  simple = true;
  auto variable = [&](const Term& v) -> const Value* {
    if (v.slot >= 0) {
      const Value& bound = f[static_cast<size_t>(v.slot)];
      return bound.is_defined() ? &bound : nullptr;
    }
    if (v.name == "input") return input_.is_defined() ? &input_ : nullptr;
    simple = false;  // data, and anything the compiler left unresolved
    return nullptr;
  };
  switch (t.kind) {
    case TermKind::Scalar:
      return &t.value;
    case TermKind::Array:
    case TermKind::Set:
    case TermKind::Object:
      if (t.value.is_defined()) return &t.value;  // constant, built by the compiler
      break;
    case TermKind::Var:
      return variable(t);
    case TermKind::Ref: {
      const Term& head = *t.items[0];
      if (head.kind != TermKind::Var) break;
      const Value* cur = variable(head);
      // Undefined as soon as a step finds nothing: later segments are never evaluated.
      for (size_t i = 1; cur && i < t.items.size(); ++i) {
        const Term& seg = *t.items[i];
        if (seg.kind == TermKind::Scalar) {
          cur = cur->get_ptr(seg.value);
        } else if (seg.kind == TermKind::Var && seg.slot >= 0 &&
                   f[static_cast<size_t>(seg.slot)].is_defined()) {
          cur = cur->get_ptr(f[static_cast<size_t>(seg.slot)]);
        } else {
          simple = false;  // iterates, or a computed key
          return nullptr;
        }
      }
      return cur;
    }
    default:
      break;
  }
  simple = false;
  return nullptr;
}

bool Evaluator::eval_ref(const Term& t, Frame& f, KValue k) {
  const Term& head = *t.items[0];
  if (head.kind == TermKind::Var && head.slot < 0) {
    if (head.name == "data") {
      // The compiler found the rule the leading segments name (eval_data would walk there).
      if (t.target.node && data_overrides_.empty()) {
        const auto* node = t.target.node;
        Value v = node_value(node);
        if (v.is_undefined()) return false;
        return index_rest(v, t, node->path.size() + 1, f, k);
      }
      std::vector<std::string> path;
      return eval_data(t, 1, st_.root.get(), st_.data, path, f, k);
    }
    if (head.name == "input") {
      if (input_.is_undefined()) return false;
      Value in = input_;
      return index_rest(in, t, 1, f, k);
    }
    return false;
  }
  auto on_value = [&](const Value& v) { return index_rest(v, t, 1, f, k); };
  return eval_term(head, f, on_value);
}

bool Evaluator::index_rest(const Value& v, const Term& ref, size_t i, Frame& f, KValue k) {
  if (i == ref.items.size()) return k(v);
  const Term& seg = *ref.items[i];
  if (seg.kind == TermKind::Var && seg.slot >= 0 &&
      f[static_cast<size_t>(seg.slot)].is_undefined()) {
    Value& slot = f[static_cast<size_t>(seg.slot)];
    bool r = false;
    switch (v.kind()) {
      case Kind::Array: {
        const auto& items = v.items();
        for (size_t j = 0; j < items.size() && !r; ++j) {
          slot = Value::integer(static_cast<int64_t>(j));
          r = index_rest(items[j], ref, i + 1, f, k);
        }
        break;
      }
      case Kind::Object:
        for (const auto& [key, val] : v.entries()) {
          slot = key;
          if ((r = index_rest(val, ref, i + 1, f, k))) break;
        }
        break;
      case Kind::Set:
        for (const auto& item : v.items()) {
          slot = item;
          if ((r = index_rest(item, ref, i + 1, f, k))) break;
        }
        break;
      default:
        break;
    }
    f[static_cast<size_t>(seg.slot)] = Value();
    return r;
  }
  if (!is_ground(seg, f)) {
    auto visit = [&](const Value& key, const Value& child) {
      auto then = [&]() { return index_rest(child, ref, i + 1, f, k); };
      return match(seg, key, f, then);
    };
    switch (v.kind()) {
      case Kind::Array: {
        const auto& items = v.items();
        for (size_t j = 0; j < items.size(); ++j)
          if (visit(Value::integer(static_cast<int64_t>(j)), items[j])) return true;
        return false;
      }
      case Kind::Object:
        for (const auto& [key, val] : v.entries())
          if (visit(key, val)) return true;
        return false;
      case Kind::Set:
        for (const auto& item : v.items())
          if (visit(item, item)) return true;
        return false;
      default:
        return false;
    }
  }
  if (seg.kind == TermKind::Scalar) {
    const Value* child = v.get_ptr(seg.value);
    if (!child) return false;
    return index_rest(*child, ref, i + 1, f, k);
  }
  auto on_value = [&](const Value& key) {
    const Value* child = v.get_ptr(key);
    if (!child) return false;
    return index_rest(*child, ref, i + 1, f, k);
  };
  return eval_term(seg, f, on_value);
}

bool Evaluator::override_at(const std::vector<std::string>& path, Value& out) const {
  for (auto it = data_overrides_.rbegin(); it != data_overrides_.rend(); ++it) {
    if (it->path.size() > path.size()) continue;
    bool prefix = true;
    for (size_t i = 0; i < it->path.size(); ++i) {
      if (it->path[i] != path[i]) {
        prefix = false;
        break;
      }
    }
    if (!prefix) continue;
    Value v = it->value;
    for (size_t i = it->path.size(); i < path.size() && v.is_defined(); ++i)
      v = v.get(Value::string(path[i]));
    out = v;
    return true;
  }
  return false;
}

Value Evaluator::apply_overrides_below(const std::vector<std::string>& path, Value v) const {
  for (const auto& o : data_overrides_) {
    if (o.path.size() <= path.size()) continue;
    bool prefix = true;
    for (size_t i = 0; i < path.size(); ++i) {
      if (o.path[i] != path[i]) {
        prefix = false;
        break;
      }
    }
    if (!prefix) continue;
    std::vector<Value> rel;
    for (size_t i = path.size(); i < o.path.size(); ++i) rel.push_back(Value::string(o.path[i]));
    v = set_path(v, rel, 0, o.value);
  }
  return v;
}

bool Evaluator::eval_data(const Term& ref, size_t i, const RuleNode* node, const Value& base,
                          std::vector<std::string>& path, Frame& f, KValue k) {
  if (!data_overrides_.empty()) {
    Value ov;
    if (override_at(path, ov)) {
      if (ov.is_undefined()) return false;
      return index_rest(ov, ref, i, f, k);
    }
  }
  if (node && (!node->rules.empty() || !node->defaults.empty())) {
    Value v = node_value(node);
    if (v.is_undefined()) return false;
    return index_rest(v, ref, i, f, k);
  }
  if (i == ref.items.size()) {
    Value v = materialize(node, base, path);
    if (v.is_undefined()) return false;
    return k(v);
  }
  const Term& seg = *ref.items[i];
  auto descend = [&](const Value& key) {
    if (key.is_string() && node) {
      auto it = node->children.find(key.str());
      if (it != node->children.end()) {
        // The path serves `with` replacements of data only; without them, no copy per step.
        bool track = !data_overrides_.empty();
        if (track) path.push_back(key.str());
        bool r = eval_data(ref, i + 1, it->second.get(), base.get(key), path, f, k);
        if (track) path.pop_back();
        return r;
      }
    }
    Value child = base.get(key);
    if (!data_overrides_.empty() && key.is_string()) {
      path.push_back(key.str());
      Value ov;
      child = override_at(path, ov) ? ov : apply_overrides_below(path, child);
      path.pop_back();
    }
    if (child.is_undefined()) return false;
    return index_rest(child, ref, i + 1, f, k);
  };
  if (seg.kind == TermKind::Scalar) return descend(seg.value);
  if (is_ground(seg, f)) return eval_term(seg, f, descend);
  Value v = materialize(node, base, path);
  if (v.is_undefined()) return false;
  return index_rest(v, ref, i, f, k);
}

Value Evaluator::materialize(const RuleNode* node, const Value& base,
                             const std::vector<std::string>& path) {
  if (!data_overrides_.empty()) {
    Value ov;
    if (override_at(path, ov)) return ov;
  }
  if (!node) return data_overrides_.empty() ? base : apply_overrides_below(path, base);
  if (!node->rules.empty() || !node->defaults.empty()) return node_value(node);
  if (node->is_function) return Value();
  ObjectEntries entries;
  if (base.is_object()) entries.assign(base.entries().begin(), base.entries().end());
  std::vector<std::string> child_path = path;
  for (const auto& [name, child] : node->children) {
    if (child->is_function) continue;
    Value key = Value::string(name);
    child_path.push_back(name);
    Value cv = materialize(child.get(), base.get(key), child_path);
    child_path.pop_back();
    if (cv.is_undefined()) continue;
    bool replaced = false;
    for (auto& e : entries) {
      if (e.first == key) {
        e.second = cv;
        replaced = true;
        break;
      }
    }
    if (!replaced) entries.emplace_back(key, cv);
  }
  Value out = Value::object(std::move(entries));
  return data_overrides_.empty() ? out : apply_overrides_below(path, out);
}

Value Evaluator::node_value(const RuleNode* node) {
  auto& cache = caches_.back();
  auto it = cache.find(node);
  if (it != cache.end()) {
    if (Tracer* t = tracer()) t->rule_reused(node_path(node), it->second);
    return it->second;
  }
  // Another evaluator may have computed it already (only when nothing is replaced by `with`,
  // so the value is the policies' own for this input).
  std::string shared_path;
  bool shared = opts_.shared_rules && caches_.size() == 1 && data_overrides_.empty() &&
                mocks_.empty() && special_mocks_.empty() && shortcuts();
  if (shared) {
    for (const auto& part : node->path) {
      shared_path += part;
      shared_path += '\0';  // path parts may hold dots
    }
    Value found;
    if (opts_.shared_rules->find(shared_path, found)) {
      caches_.back()[node] = found;
      return found;
    }
  }
  for (const RuleNode* p : in_progress_) {
    if (p == node) {
      std::string name = "data";
      for (const auto& s : node->path) name += "." + s;
      const Location loc = node->rules.empty() ? Location{} : node->rules.front()->rule.loc;
      throw EvalError("rego_recursion_error", "rule " + name + " is recursive", loc);
    }
  }
  in_progress_.push_back(node);
  Value v;
  try {
    if (Tracer* t = tracer()) {
      const Location loc = node->rules.empty() ? Location{} : node->rules.front()->rule.loc;
      t->enter_rule(node_path(node), trace_loc(loc), false, {});
      v = compute_node(node);
      t->exit_rule(v);
    } else {
      v = compute_node(node);
    }
  } catch (...) {
    in_progress_.pop_back();
    throw;
  }
  in_progress_.pop_back();
  if (shared) v = opts_.shared_rules->publish(shared_path, std::move(v));
  caches_.back()[node] = v;
  return v;
}

// OPA's rule index (compile_index.cpp): a definition whose indexed reference is undefined or
// does not match is left out before its body runs. This decides results (what the body would
// raise is never seen), so it applies traced or not: a traced evaluation reports the
// reference as the expression that failed.
bool Evaluator::guards_pass(const std::vector<CompiledRule::Guard>& guards,
                            const Location& body_loc) {
  for (const auto& g : guards) {
    const Value* v = nullptr;
    Value held;
    if (!g.data) {
      v = &input_;
    } else if (data_overrides_.empty()) {
      v = &st_.data;
    } else {
      // `with` replaces part of data: read the reference as the body would.
      Frame none;
      auto on_value = [&](const Value& x) {
        held = x;
        return true;
      };
      eval_term(*g.ref, none, on_value);
      if (held.is_undefined()) return guard_failed(g, body_loc);
      v = &held;
    }
    if (v != &held) {
      for (const auto& key : g.path) {
        v = v->get_ptr(key);
        if (!v) return guard_failed(g, body_loc);
      }
    }
    if (g.is_array) {
      if (!v->is_array() || v->items().size() != g.elements.size())
        return guard_failed(g, body_loc);
      for (size_t i = 0; i < g.elements.size(); ++i) {
        const Value& x = v->items()[i];
        if (x.is_collection()) return guard_failed(g, body_loc);
        if (g.elements[i].is_defined() && x != g.elements[i]) return guard_failed(g, body_loc);
      }
    } else if (g.value.is_defined() && *v != g.value) {
      return guard_failed(g, body_loc);
    }
  }
  return true;
}

// Traced, a definition the index left out is a body that failed at its indexed reference.
bool Evaluator::guard_failed(const CompiledRule::Guard& g, const Location& body_loc) {
  Tracer* t = tracer();
  if (!t || !g.ref) return false;
  t->enter_body(trace_loc(body_loc), TraceBodyKind::Body);
  TraceExpr te;
  te.id = g.ref;
  // The reference and what the index wants of it (the body's `ref == value`, or the head's).
  te.text = g.ref->loc.text();
  if (g.value.is_defined()) te.text += " == " + g.value.to_json();
  te.loc = trace_loc(g.ref->loc);
  te.outcome = TraceOutcome::Undefined;
  if (t->detailed()) {
    Frame none;
    trace_operand(*g.ref, none, te.operands);
    if (!te.operands.empty() && te.operands[0].value.is_defined()) te.outcome = TraceOutcome::False;
  }
  t->expr_failed(te);
  t->exit_body();
  return false;
}

void Evaluator::eval_complete_rule(const CompiledRule& cr, ValueVec& values, bool& found) {
  const plan::Rule& r = cr.rule;
  RuleScope scope(rule_stack_, &cr);
  Frame fr(static_cast<size_t>(cr.num_slots));
  auto run = [&](const Body& body, const TermPtr& value, const Location& loc) {
    bool any = false;
    bool constant = is_constant_term(value);
    Tracer* t = tracer();
    if (t)
      t->enter_body(trace_loc(loc), &body == &r.body ? TraceBodyKind::Body : TraceBodyKind::Else);
    // A solution whose head value is undefined does not count: the else chain goes on.
    auto on_solution = [&]() {
      auto add = [&](const Value& v) {
        any = true;
        if (t) trace_produced(value, fr, v);
        if (!values.empty() && values.front() != v)
          conflict("complete rules must not produce multiple outputs", r.loc);
        if (values.empty()) values.push_back(v);
        return false;
      };
      if (!value) {
        add(kTrue);
      } else {
        eval_term(*value, fr, add);
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
  // A body that succeeds with an undefined head value leaves the rule undefined.
  if (guards_pass(cr.guards, r.loc) && run(r.body, r.value, r.loc)) {
    found = found || !values.empty();
    return;
  }
  for (size_t i = 0; i < r.elses.size(); ++i) {
    const auto& ec = r.elses[i];
    if (guards_pass(cr.else_guards[i], ec.loc) && run(ec.body, ec.value, ec.loc)) {
      found = found || !values.empty();
      return;
    }
  }
}

namespace {

struct HeadEntry {
  ValueVec keys;
  Value value;
  bool set_elem = false;
  Location loc;
};

Value build_object(std::vector<HeadEntry>& entries, size_t begin, size_t end, size_t depth,
                   const std::function<void(const Location&)>& on_conflict) {
  ObjectEntries out;
  size_t i = begin;
  while (i < end) {
    size_t j = i;
    while (j < end && entries[j].keys[depth] == entries[i].keys[depth]) ++j;
    bool leaf = entries[i].keys.size() == depth + 1;
    for (size_t x = i; x < j; ++x) {
      if ((entries[x].keys.size() == depth + 1) != leaf) on_conflict(entries[x].loc);
    }
    Value v;
    if (leaf) {
      if (entries[i].set_elem) {
        ValueVec elems;
        for (size_t x = i; x < j; ++x) elems.push_back(entries[x].value);
        v = Value::set(std::move(elems));
      } else {
        for (size_t x = i + 1; x < j; ++x)
          if (entries[x].value != entries[i].value) on_conflict(entries[x].loc);
        v = entries[i].value;
      }
    } else {
      v = build_object(entries, i, j, depth + 1, on_conflict);
    }
    out.emplace_back(entries[i].keys[depth], v);
    i = j;
  }
  return Value::object_sorted(std::move(out));
}

}  // namespace

Value Evaluator::compute_node(const RuleNode* node) {
  if (!node->rules.empty()) check_stack(node->rules.front()->rule.loc);
  if (node->is_function) {
    // A function without parameters referenced without parentheses is its value (OPA).
    if (node->arity != 0) return Value();
    Value out;
    auto on_value = [&](const Value& v) {
      out = v;
      return true;
    };
    call_function(node, {}, *node->rules.front()->rule.ref[0], on_value);
    return out;
  }
  ValueVec values;
  bool found = false;
  ValueVec set_elems;
  bool any_set = false;
  std::vector<HeadEntry> dynamic;
  for (const auto& cr : node->rules) {
    const plan::Rule& r = cr->rule;
    RuleScope scope(rule_stack_, cr.get());
    if (cr->rest.empty() && r.kind == ast::RuleKind::Complete) {
      eval_complete_rule(*cr, values, found);
      continue;
    }
    if (cr->rest.empty() && r.kind == ast::RuleKind::MultiValue) {
      any_set = true;
      if (!guards_pass(cr->guards, r.loc)) continue;
      Tracer* t = tracer();
      if (t) t->enter_body(trace_loc(r.loc), TraceBodyKind::Body);
      Frame fr(static_cast<size_t>(cr->num_slots));
      auto on_solution = [&]() {
        auto on_value = [&](const Value& v) {
          set_elems.push_back(v);
          return false;
        };
        auto on_value_traced = [&](const Value& v) {
          trace_produced(r.key, fr, v);
          set_elems.push_back(v);
          return false;
        };
        if (t) {
          eval_term(*r.key, fr, on_value_traced);
        } else {
          eval_term(*r.key, fr, on_value);
        }
        return false;
      };
      if (r.body.empty()) {
        on_solution();
      } else {
        eval_body(r.body, fr, on_solution);
      }
      if (t) t->exit_body();
      continue;
    }
    // Ref head with variable segments: contributes entries of an object.
    if (!guards_pass(cr->guards, r.loc)) continue;
    Tracer* t = tracer();
    if (t) t->enter_body(trace_loc(r.loc), TraceBodyKind::Body);
    Frame fr(static_cast<size_t>(cr->num_slots));
    auto on_solution = [&]() {
      ValueVec keys;
      bool ok = true;
      for (const auto& seg : cr->rest) {
        bool got = false;
        auto on_value = [&](const Value& kv) {
          keys.push_back(kv);
          got = true;
          return true;
        };
        eval_term(*seg, fr, on_value);
        if (!got) {
          ok = false;
          break;
        }
      }
      if (!ok) return false;
      if (r.kind == ast::RuleKind::MultiValue) {
        auto on_value = [&](const Value& v) {
          if (t) trace_produced(r.key, fr, v);
          dynamic.push_back({keys, v, true, r.loc});
          return false;
        };
        eval_term(*r.key, fr, on_value);
      } else if (!r.value) {
        if (t) trace_produced(nullptr, fr, kTrue);
        dynamic.push_back({keys, kTrue, false, r.loc});
      } else {
        auto on_value = [&](const Value& v) {
          if (t) trace_produced(r.value, fr, v);
          dynamic.push_back({keys, v, false, r.loc});
          return false;
        };
        eval_term(*r.value, fr, on_value);
      }
      return false;
    };
    if (r.body.empty()) {
      on_solution();
    } else {
      eval_body(r.body, fr, on_solution);
    }
    if (t) t->exit_body();
  }
  Value result;
  if (found) {
    result = values.front();
  } else if (any_set) {
    result = Value::set(std::move(set_elems));
  } else if (!dynamic.empty()) {
    std::stable_sort(dynamic.begin(), dynamic.end(), [](const HeadEntry& a, const HeadEntry& b) {
      size_t n = std::min(a.keys.size(), b.keys.size());
      for (size_t i = 0; i < n; ++i) {
        int c = compare(a.keys[i], b.keys[i]);
        if (c) return c < 0;
      }
      return a.keys.size() < b.keys.size();
    });
    result = build_object(dynamic, 0, dynamic.size(), 0, [&](const Location& loc) {
      conflict("object keys must be unique", loc);
    });
  } else if (node->has_dynamic_rest) {
    result = Value::empty_object();
  }
  if (!found && !any_set && dynamic.empty() && !node->defaults.empty()) {
    const auto& d = *node->defaults.front();
    Frame fr(static_cast<size_t>(d.num_slots));
    auto on_value = [&](const Value& v) {
      result = v;
      return true;
    };
    eval_term(*d.rule.value, fr, on_value);
    trace_default(d, result);
  }
  // Rules deeper in the tree (p.q := 1 beside p[x] := ...) are keys of this object too.
  if (!node->children.empty() && (result.is_undefined() || result.is_object())) {
    ObjectEntries entries(result.entries().begin(), result.entries().end());
    for (const auto& [name, child] : node->children) {
      if (child->is_function) continue;
      Value cv = materialize(child.get(), Value(), child->path);
      if (cv.is_undefined()) continue;
      Value key = Value::string(name);
      // A deeper rule may add keys beside a ref-head rule's value, never inside it.
      for (const auto& d : dynamic) {
        if (d.set_elem || d.keys.empty() || d.keys[0] != key) continue;
        const Value* sub = &cv;
        for (size_t i = 1; i < d.keys.size() && sub; ++i) sub = sub->get_ptr(d.keys[i]);
        if (sub && *sub != d.value)
          conflict("object keys must be unique",
                   child->rules.empty() ? d.loc : child->rules.front()->rule.loc);
      }
      bool merged = false;
      for (auto& e : entries) {
        if (e.first != key) continue;
        e.second = merge_rule_values(e.second, cv, node->rules.front()->rule.loc);
        merged = true;
        break;
      }
      if (!merged) entries.emplace_back(key, cv);
    }
    if (!entries.empty() || result.is_object()) result = Value::object(std::move(entries));
  }
  return result;
}

// Two rules that define the same key: sets unite, objects merge key by key, anything
// else is a conflict.
Value Evaluator::merge_rule_values(const Value& a, const Value& b, const Location& loc) {
  if (a == b) return a;
  if (a.is_set() && b.is_set()) {
    ValueVec items = a.items();
    items.insert(items.end(), b.items().begin(), b.items().end());
    return Value::set(std::move(items));
  }
  if (a.is_object() && b.is_object()) {
    ObjectEntries entries(a.entries().begin(), a.entries().end());
    for (const auto& [k, v] : b.entries()) {
      bool merged = false;
      for (auto& e : entries) {
        if (e.first == k) {
          e.second = merge_rule_values(e.second, v, loc);
          merged = true;
          break;
        }
      }
      if (!merged) entries.emplace_back(k, v);
    }
    return Value::object(std::move(entries));
  }
  conflict("object keys must be unique", loc);
}

bool Evaluator::unify(const Term& a, const Term& b, Frame& f, KDone k) {
  if (a.kind == TermKind::Var && a.slot >= 0 && f[static_cast<size_t>(a.slot)].is_undefined()) {
    auto on_value = [&](const Value& v) { return match(a, v, f, k); };
    return eval_term(b, f, on_value);
  }
  if (b.kind == TermKind::Var && b.slot >= 0 && f[static_cast<size_t>(b.slot)].is_undefined()) {
    auto on_value = [&](const Value& v) { return match(b, v, f, k); };
    return eval_term(a, f, on_value);
  }
  bool ga = is_ground(a, f), gb = is_ground(b, f);
  if (!ga && !gb && a.kind == TermKind::Array && b.kind == TermKind::Array) {
    if (a.items.size() != b.items.size()) return false;
    std::function<bool(size_t)> step = [&](size_t i) -> bool {
      if (i == a.items.size()) return k();
      auto then = [&]() { return step(i + 1); };
      return unify(*a.items[i], *b.items[i], f, then);
    };
    return step(0);
  }
  if (!ga && !gb && a.kind == TermKind::Object && b.kind == TermKind::Object) {
    if (a.pairs.size() != b.pairs.size()) return false;
    // Match keys by value; keys must be ground.
    std::function<bool(size_t)> step = [&](size_t i) -> bool {
      if (i == a.pairs.size()) return k();
      auto on_a_key = [&](const Value& ka) {
        for (const auto& [kb, vb] : b.pairs) {
          bool same = false;
          auto on_key = [&](const Value& kbv) {
            same = kbv == ka;
            return true;
          };
          eval_term(*kb, f, on_key);
          if (same) {
            auto then = [&]() { return step(i + 1); };
            return unify(*a.pairs[i].second, *vb, f, then);
          }
        }
        return false;
      };
      return eval_term(*a.pairs[i].first, f, on_a_key);
    };
    return step(0);
  }
  if (!ga) {
    auto on_value = [&](const Value& v) { return match(a, v, f, k); };
    return eval_term(b, f, on_value);
  }
  if (!gb) {
    auto on_value = [&](const Value& v) { return match(b, v, f, k); };
    return eval_term(a, f, on_value);
  }
  auto on_a = [&](const Value& va) {
    auto on_b = [&](const Value& vb) { return va == vb ? k() : false; };
    return eval_term(b, f, on_b);
  };
  return eval_term(a, f, on_a);
}

bool Evaluator::match(const Term& p, const Value& v, Frame& f, KDone k) {
  switch (p.kind) {
    case TermKind::Var: {
      if (p.slot < 0) {
        auto on_value = [&](const Value& pv) { return pv == v ? k() : false; };
        return eval_term(p, f, on_value);
      }
      Value& slot = f[static_cast<size_t>(p.slot)];
      if (slot.is_defined()) return slot == v ? k() : false;
      slot = v;
      bool r = k();
      f[static_cast<size_t>(p.slot)] = Value();
      return r;
    }
    case TermKind::Scalar:
      return p.value == v ? k() : false;
    case TermKind::Array: {
      if (p.value.is_defined()) return p.value == v ? k() : false;
      if (!v.is_array() || v.items().size() != p.items.size()) return false;
      std::function<bool(size_t)> step = [&](size_t i) -> bool {
        if (i == p.items.size()) return k();
        auto then = [&]() { return step(i + 1); };
        return match(*p.items[i], v.items()[i], f, then);
      };
      return step(0);
    }
    case TermKind::Object: {
      if (p.value.is_defined()) return p.value == v ? k() : false;
      if (!v.is_object() || v.entries().size() != p.pairs.size()) return false;
      std::function<bool(size_t)> step = [&](size_t i) -> bool {
        if (i == p.pairs.size()) return k();
        auto on_value = [&](const Value& key) {
          const Value* child = v.find(key);
          if (!child) return false;
          auto then = [&]() { return step(i + 1); };
          return match(*p.pairs[i].second, *child, f, then);
        };
        return eval_term(*p.pairs[i].first, f, on_value);
      };
      return step(0);
    }
    default: {
      auto on_value = [&](const Value& pv) { return pv == v ? k() : false; };
      return eval_term(p, f, on_value);
    }
  }
}

}  // namespace policyc::eval
