// Comprehension indexing: planning at compile time, grouped evaluation and lookup at run
// time (see ComprehensionIndexPlan).
#include <functional>
#include <memory>
#include <set>
#include <unordered_map>
#include <vector>

#include "evaluator.hpp"

namespace policyc::eval {

namespace {

void collect_term_slots(const Term& t, std::vector<int>& out);

void collect_expr_slots(const Expr& e, std::vector<int>& out) {
  for (const Term* t : {e.a.get(), e.b.get(), e.key.get(), e.val.get(), e.domain.get()})
    if (t) collect_term_slots(*t, out);
  for (const auto& v : e.vars) collect_term_slots(*v, out);
  if (e.inner) collect_expr_slots(*e.inner, out);
  if (e.body)
    for (const auto& inner : *e.body) collect_expr_slots(inner, out);
  for (const auto& w : e.withs) {
    collect_term_slots(*w.target, out);
    collect_term_slots(*w.value, out);
  }
}

void collect_term_slots(const Term& t, std::vector<int>& out) {
  if (t.kind == TermKind::Var && t.slot >= 0) out.push_back(t.slot);
  for (const auto& i : t.items) collect_term_slots(*i, out);
  for (const auto& [k, v] : t.pairs) {
    collect_term_slots(*k, out);
    collect_term_slots(*v, out);
  }
  if (t.key) collect_term_slots(*t.key, out);
  if (t.head) collect_term_slots(*t.head, out);
  if (t.body)
    for (const auto& e : *t.body) collect_expr_slots(e, out);
}

bool has_with(const Expr& e) {
  if (!e.withs.empty()) return true;
  if (e.inner && has_with(*e.inner)) return true;
  if (e.body)
    for (const auto& inner : *e.body)
      if (has_with(inner)) return true;
  return false;
}

// `a == b` or `a = b`: its two sides.
bool equality_sides(const Expr& e, const TermPtr*& a, const TermPtr*& b) {
  if (!e.withs.empty()) return false;
  if (e.kind == ExprKind::Unify) {
    a = &e.a;
    b = &e.b;
    return e.a && e.b;
  }
  if (e.kind != ExprKind::Term || !e.a || e.a->kind != TermKind::Call ||
      e.a->target.kind != CallKind::Special || e.a->items.size() != 3 ||
      e.a->target.special != kSpecialEqual)
    return false;
  a = &e.a->items[1];
  b = &e.a->items[2];
  return true;
}

}  // namespace

void plan_comprehension_index(EngineState& st, const Term& t, int start, int end) {
  st.comprehension_plans.erase(&t);
  auto is_outer = [&](int slot) { return slot >= 0 && slot < start; };
  std::vector<int> slots;
  if (t.key) collect_term_slots(*t.key, slots);
  collect_term_slots(*t.head, slots);
  for (int s : slots)
    if (is_outer(s)) return;  // the head depends on the outer variable itself

  ComprehensionIndexPlan plan;
  plan.start = start;
  plan.end = end;
  // Local variables of expressions before the current one: in a body the compiler has
  // ordered for safety, each of them is bound once those expressions have run.
  std::set<int> bound_before;
  for (const Expr& e : *t.body) {
    if (has_with(e)) return;
    const TermPtr* a = nullptr;
    const TermPtr* b = nullptr;
    if (equality_sides(e, a, b)) {
      const TermPtr* var = nullptr;
      const TermPtr* other = nullptr;
      if ((*a)->kind == TermKind::Var && is_outer((*a)->slot)) {
        var = a;
        other = b;
      } else if ((*b)->kind == TermKind::Var && is_outer((*b)->slot)) {
        var = b;
        other = a;
      }
      if (var) {
        std::vector<int> other_slots;
        collect_term_slots(**other, other_slots);
        for (int s : other_slots)
          if (is_outer(s) || !bound_before.count(s)) return;
        plan.key_slots.push_back((*var)->slot);
        plan.key_terms.push_back(*other);
        continue;
      }
    }
    std::vector<int> expr_slots;
    collect_expr_slots(e, expr_slots);
    for (int s : expr_slots) {
      if (is_outer(s)) return;  // used some other way than as an index key
      if (e.kind != ExprKind::SomeDecl) bound_before.insert(s);
    }
    plan.reduced_body.push_back(e);
  }
  st.comprehension_plans.emplace(&t, std::move(plan));
}

Evaluator::~Evaluator() = default;

bool Evaluator::indexed_comprehension(const Term& t, const ComprehensionIndexPlan& plan, Frame& f,
                                      Value& out) {
  auto& slot = comprehension_caches_[&t];
  if (!slot) slot = std::make_unique<ComprehensionCache>();
  ComprehensionCache& cache = *slot;
  if (cache.unusable) return false;
  if (!cache.built) {
    // Evaluated once, a comprehension is cheaper without grouping: index from the second.
    if (++cache.uses < 2 && !plan.key_slots.empty()) return false;
    if (!build_comprehension_index(t, plan, f, cache)) {
      cache.unusable = true;
      return false;
    }
  }
  ValueVec key;
  key.reserve(plan.key_slots.size());
  for (int s : plan.key_slots) {
    const Value& v = f[static_cast<size_t>(s)];
    if (v.is_undefined()) return false;
    key.push_back(v);
  }
  auto it = cache.groups.find(Value::array(std::move(key)));
  if (it == cache.groups.end()) {
    out = cache.empty;
    return true;
  }
  if (it->second.conflict) conflict("object keys must be unique", t.loc);
  out = it->second.value;
  return true;
}

bool Evaluator::build_comprehension_index(const Term& t, const ComprehensionIndexPlan& plan,
                                          Frame& f, ComprehensionCache& cache) {
  ValueVec key;
  auto add = [&](ComprehensionCache::Group& group) {
    if (t.kind == TermKind::ObjectCompr) {
      auto on_key = [&](const Value& k) {
        auto on_val = [&](const Value& v) {
          group.entries.emplace_back(k, v);
          return false;
        };
        return eval_term(*t.head, f, on_val);
      };
      eval_term(*t.key, f, on_key);
      return;
    }
    auto on_value = [&](const Value& v) {
      group.items.push_back(v);
      return false;
    };
    eval_term(*t.head, f, on_value);
  };
  // Each key term may have several values (a ref with an unbound segment); every
  // combination is a group the element belongs to, as the equalities would enumerate.
  std::function<bool(size_t)> keys = [&](size_t i) -> bool {
    if (i == plan.key_terms.size()) {
      add(cache.groups[Value::array(key)]);
      return false;
    }
    auto on_value = [&](const Value& v) {
      key.push_back(v);
      keys(i + 1);
      key.pop_back();
      return false;
    };
    return eval_term(*plan.key_terms[i], f, on_value);
  };
  try {
    if (plan.key_terms.empty()) {
      // Not grouped, only memoised: every element belongs to the one group.
      ComprehensionCache::Group& group = cache.groups[Value::empty_array()];
      auto then = [&]() {
        add(group);
        return false;
      };
      eval_body(plan.reduced_body, f, then);
    } else {
      auto then = [&]() { return keys(0); };
      eval_body(plan.reduced_body, f, then);
    }
  } catch (const EvalError&) {
    // Evaluating every element may fail where the filtered evaluation would not reach;
    // the plain evaluation decides (and reports the error if it is real).
    for (int s = plan.start; s < plan.end; ++s) f[static_cast<size_t>(s)] = Value();
    cache.groups.clear();
    return false;
  }
  for (auto& [k, group] : cache.groups) {
    if (t.kind == TermKind::ObjectCompr) {
      group.conflict = !object_from_comprehension(std::move(group.entries), group.value);
    } else if (t.kind == TermKind::SetCompr) {
      group.value = Value::set(std::move(group.items));
    } else {
      group.value = Value::array(std::move(group.items));
    }
  }
  cache.empty = t.kind == TermKind::ObjectCompr ? Value::empty_object()
                : t.kind == TermKind::SetCompr  ? Value::empty_set()
                                                : Value::empty_array();
  cache.built = true;
  return true;
}

}  // namespace policyc::eval
