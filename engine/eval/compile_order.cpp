// Safety and reordering: the order of a body's expressions in which every variable is bound
// before use, as OPA's compiler orders them.
#include "compile_stages.hpp"

namespace policyc::eval {

void BodyOrder::collect(const Term& t, std::set<int>& needs, std::set<int>& outs,
                        bool pattern) const {
  switch (t.kind) {
    case TermKind::Scalar:
      return;
    case TermKind::Var:
      if (t.slot >= 0) (pattern ? outs : needs).insert(t.slot);
      return;
    case TermKind::Ref:
      collect(*t.items[0], needs, outs, false);
      for (size_t i = 1; i < t.items.size(); ++i) {
        const Term& seg = *t.items[i];
        if (seg.kind == TermKind::Var || seg.kind == TermKind::Array ||
            seg.kind == TermKind::Object) {
          collect(seg, needs, outs, true);
        } else {
          collect(seg, needs, outs, false);
        }
      }
      return;
    case TermKind::Call: {
      size_t nargs = t.items.size() - 1;
      for (size_t i = 1; i < t.items.size(); ++i) {
        bool out = t.slot >= 0 && nargs == static_cast<size_t>(t.slot) + 1 && i == nargs;
        collect(*t.items[i], needs, outs, out);
      }
      return;
    }
    case TermKind::Array:
    case TermKind::Set:
      for (const auto& i : t.items) collect(*i, needs, outs, pattern && t.kind == TermKind::Array);
      return;
    case TermKind::Object:
      for (const auto& [k, v] : t.pairs) {
        collect(*k, needs, outs, false);
        collect(*v, needs, outs, pattern);
      }
      return;
    case TermKind::ArrayCompr:
    case TermKind::SetCompr:
    case TermKind::ObjectCompr: {
      auto it = st_.scope_start.find(&t);
      int start = it == st_.scope_start.end() ? 0 : it->second;
      std::set<int> n2, o2;
      collect_body_vars(*t.body, n2, o2);
      if (t.key) collect(*t.key, n2, o2, false);
      collect(*t.head, n2, o2, false);
      for (int s : n2)
        if (s < start) needs.insert(s);
      for (int s : o2)
        if (s < start) needs.insert(s);
      return;
    }
  }
}

void BodyOrder::collect_body_vars(const Body& body, std::set<int>& needs,
                                  std::set<int>& outs) const {
  for (const auto& e : body) collect_expr_all(e, needs, outs);
}

void BodyOrder::collect_expr_all(const Expr& e, std::set<int>& needs, std::set<int>& outs) const {
  if (e.a) collect(*e.a, needs, outs, false);
  if (e.b) collect(*e.b, needs, outs, false);
  if (e.inner) collect_expr_all(*e.inner, needs, outs);
  if (e.key) collect(*e.key, needs, outs, false);
  if (e.val) collect(*e.val, needs, outs, false);
  if (e.domain) collect(*e.domain, needs, outs, false);
  if (e.body) collect_body_vars(*e.body, needs, outs);
  for (const auto& w : e.withs) collect(*w.value, needs, outs, false);
}

bool BodyOrder::subset(const std::set<int>& a, const std::set<int>& b) {
  for (int x : a)
    if (!b.count(x)) return false;
  return true;
}

bool BodyOrder::unify_ready(const Term& a, const Term& b, const std::set<int>& bound) const {
  if (a.kind == TermKind::Array && b.kind == TermKind::Array && a.items.size() != b.items.size()) {
    // OPA reports the variables of mismatched array patterns as unsafe.
    std::set<int> n, o;
    collect(a, n, o, true);
    collect(b, n, o, true);
    for (const auto* set : {&n, &o})
      for (int s : *set)
        if (!bound.count(s)) return false;
  }
  std::set<int> an, ao, bn, bo;
  collect(a, an, ao, false);
  collect(b, bn, bo, false);
  auto value_ready = [&](const std::set<int>& n, const std::set<int>& o) {
    return subset(n, bound) && subset(o, bound);
  };
  std::set<int> apn, apo, bpn, bpo;
  collect(a, apn, apo, true);
  collect(b, bpn, bpo, true);
  // a's ref iteration outputs are fine when evaluating a.
  if (subset(an, bound) && subset(bpn, bound)) return true;
  if (subset(bn, bound) && subset(apn, bound)) return true;
  (void)value_ready;
  if (a.kind == TermKind::Array && b.kind == TermKind::Array && a.items.size() == b.items.size()) {
    std::set<int> bnd = bound;
    std::vector<bool> done(a.items.size(), false);
    size_t remaining = a.items.size();
    bool progress = true;
    while (remaining && progress) {
      progress = false;
      for (size_t i = 0; i < a.items.size(); ++i) {
        if (done[i]) continue;
        if (unify_ready(*a.items[i], *b.items[i], bnd)) {
          done[i] = true;
          --remaining;
          progress = true;
          std::set<int> n, o;
          collect(*a.items[i], n, o, true);
          collect(*b.items[i], n, o, true);
          bnd.insert(n.begin(), n.end());
          bnd.insert(o.begin(), o.end());
        }
      }
    }
    return remaining == 0;
  }
  return false;
}

// Which slots an expression needs bound before it can run (given `bound`), or false if
// it cannot run yet.
bool BodyOrder::expr_ready(const Expr& e, const std::set<int>& bound,
                           const std::set<int>& others_bind) const {
  std::set<int> needs, outs;
  for (const auto& w : e.withs) collect(*w.value, needs, outs, false);
  if (!subset(needs, bound)) return false;
  needs.clear();
  switch (e.kind) {
    case ExprKind::Term:
      collect(*e.a, needs, outs, false);
      return subset(needs, bound);
    case ExprKind::Unify:
    case ExprKind::Assign:
      return unify_ready(*e.a, *e.b, bound);
    case ExprKind::Not: {
      std::set<int> n, o;
      collect_expr_all(*e.inner, n, o);
      // Every named variable of a negation must be bound elsewhere; wildcards may not be.
      for (const auto* set : {&n, &o})
        for (int s : *set)
          if (!bound.count(s) && slot_names_[static_cast<size_t>(s)][0] != '$') return false;
      return true;
    }
    case ExprKind::SomeDecl:
      return true;
    case ExprKind::SomeIn: {
      collect(*e.domain, needs, outs, false);
      if (!subset(needs, bound)) return false;
      std::set<int> kn, ko;
      if (e.key) collect(*e.key, kn, ko, true);
      collect(*e.val, kn, ko, true);
      return subset(kn, bound);
    }
    case ExprKind::Every: {
      collect(*e.domain, needs, outs, false);
      if (!subset(needs, bound)) return false;
      auto it = st_.scope_start.find(&e);
      int start = it == st_.scope_start.end() ? 0 : it->second;
      std::set<int> n, o;
      collect_body_vars(*e.body, n, o);
      for (int s : n)
        if (s < start && !bound.count(s) && others_bind.count(s)) return false;
      return true;
    }
  }
  return false;
}

void BodyOrder::expr_outputs(const Expr& e, std::set<int>& bound) const {
  std::set<int> needs, outs;
  switch (e.kind) {
    case ExprKind::Term:
      collect(*e.a, needs, outs, false);
      break;
    case ExprKind::Unify:
    case ExprKind::Assign:
      collect(*e.a, needs, outs, true);
      collect(*e.b, needs, outs, true);
      break;
    case ExprKind::SomeIn:
      if (e.key) collect(*e.key, needs, outs, true);
      collect(*e.val, needs, outs, true);
      collect(*e.domain, needs, outs, false);
      break;
    default:
      break;
  }
  bound.insert(needs.begin(), needs.end());
  bound.insert(outs.begin(), outs.end());
}

std::set<int> BodyOrder::reorder(Body& body, std::set<int> bound) {
  std::set<int> others_bind;
  for (const auto& e : body) expr_outputs(e, others_bind);
  Body ordered;
  std::vector<bool> used(body.size(), false);
  size_t remaining = body.size();
  size_t first_unused = 0;  // every expression before it is placed: a long body stays linear
  while (remaining) {
    bool progressed = false;
    while (first_unused < body.size() && used[first_unused]) ++first_unused;
    for (size_t i = first_unused; i < body.size(); ++i) {
      if (used[i]) continue;
      if (expr_ready(body[i], bound, others_bind)) {
        used[i] = true;
        --remaining;
        progressed = true;
        expr_outputs(body[i], bound);
        ordered.push_back(std::move(body[i]));
        break;  // restart from the first, keeping source order where possible
      }
    }
    if (!progressed) {
      // Report the first unbound variable of the first stuck expression.
      for (size_t i = 0; i < body.size(); ++i) {
        if (used[i]) continue;
        std::set<int> n, o;
        collect_expr_all(body[i], n, o);
        for (int s : n)
          if (!bound.count(s)) unsafe_first(body[i], bound);
        for (int s : o)
          if (!bound.count(s)) unsafe_first(body[i], bound);
        unsafe_first(body[i], bound);
      }
    }
  }
  body = std::move(ordered);
  return bound;
}

void BodyOrder::unsafe_first(const Expr& e, const std::set<int>& bound) {
  // The earliest unbound variable by source position.
  int best = -1;
  std::set<int> n, o;
  collect_expr_all(e, n, o);
  for (const auto* set : {&n, &o}) {
    for (int s : *set) {
      if (bound.count(s)) continue;
      if (best < 0 ||
          slot_locs_[static_cast<size_t>(s)].offset < slot_locs_[static_cast<size_t>(best)].offset)
        best = s;
    }
  }
  if (best < 0)
    throw CompileError{make_diag("rego_unsafe_var_error", "expression is unsafe", e.loc)};
  unsafe(best);
}

void BodyOrder::check_safe_terms(const std::vector<TermPtr>& terms, const std::set<int>& bound) {
  for (const auto& t : terms) {
    if (!t) continue;
    std::set<int> needs, outs;
    collect(*t, needs, outs, false);
    for (int s : needs) {
      if (!bound.count(s)) unsafe(s);
    }
    for (int s : outs) {
      if (!bound.count(s)) unsafe(s);
    }
  }
}

void BodyOrder::unsafe(int slot) {
  const std::string& n = slot_names_[static_cast<size_t>(slot)];
  throw CompileError{make_diag("rego_unsafe_var_error",
                               "var " + (n[0] == '$' ? std::string("_") : n) + " is unsafe",
                               slot_locs_[static_cast<size_t>(slot)])};
}

}  // namespace policyc::eval
