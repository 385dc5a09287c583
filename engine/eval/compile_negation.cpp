// What OPA evaluates outside a negation. OPA's compiler rewrites every expression before it
// runs (its stages RewriteExprTerms and RewriteDynamicTerms): calls nested in an expression's
// operands, then references, collections holding references and the like, are bound to fresh
// variables by expressions placed before it. For a negated expression those new expressions are
// outside the `not`, so an operand that is undefined makes the whole body undefined instead of
// making the negation true: with `input.a` undefined, `not input.a < 1` is undefined in OPA,
// while `not input.a` and `not input.a = 1` are true. What stays inside: a bare reference, the
// operands of `=`, those of `==` in rule bodies (OPA rewrites it to `=` first), and a rule named
// by a bare name (a variable to OPA here). policyc keeps the bound expressions on the negation
// itself (Expr::body of a Not), evaluated before it and under its `with` modifiers, so the rest
// of the compiled form is unchanged. For an expression that is not negated the rewriting would
// change nothing but the order of work, so it is left alone.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "compile_stages.hpp"

namespace policyc::eval {

namespace {

// Whether a rule's value exists whatever the input: it has a default, collects a set or an
// object, or has a definition without conditions.
bool rule_always_defined(const RuleNode& node) {
  if (!node.defaults.empty() || node.is_multi_value || node.has_dynamic_rest) return true;
  for (const auto& cr : node.rules)
    if (cr->rule.body.empty() && cr->rule.kind != ast::RuleKind::Function) return true;
  return false;
}

bool plain_vars(const std::vector<TermPtr>& args) {
  for (const auto& a : args)
    if (a->kind != TermKind::Var) return false;
  return true;
}

// Whether a function returns a value for every argument: a default, or a definition that takes
// any arguments and has no conditions (or an else without them).
bool function_always_defined(const RuleNode& node) {
  if (!node.defaults.empty()) return true;
  for (const auto& cr : node.rules) {
    if (!plain_vars(cr->rule.args)) continue;
    if (cr->rule.body.empty()) return true;
    if (!cr->rule.elses.empty() && cr->rule.elses.back().body.empty()) return true;
  }
  return false;
}

// Whether a term bound outside a negation can be undefined, which most authors do not expect.
bool may_be_undefined(const Term& t) {
  switch (t.kind) {
    case TermKind::Call:
      return t.target.kind == CallKind::Function && t.target.node &&
             !function_always_defined(*t.target.node);
    case TermKind::Ref: {
      const RuleNode* node = t.target.node;
      // A whole rule, as opposed to something inside its value.
      if (node && node->path.size() + 1 == t.items.size()) return !rule_always_defined(*node);
      return true;
    }
    default:
      return false;
  }
}

// A reference the compiler made from a bare name (a rule of the package, an import alias):
// its source text is that name. OPA binds variables in place, and such a name is one to it
// (`not p < 1` with `p` undefined holds, `not data.t.p < 1` is undefined).
bool written_as_name(const Term& t) {
  std::string text = t.loc.text();
  return !text.empty() && text.find_first_of(".[") == std::string::npos;
}

class NegationHoister {
 public:
  NegationHoister(const std::function<int(const Location&)>& new_slot, Body& prelude)
      : new_slot_(new_slot), prelude_(prelude) {}

  // The terms bound outside the negation that can be undefined (references, calls of user
  // functions), for the author's warning.
  std::vector<const Term*> maybe_undefined;

  // RewriteExprTerms: a call inside a call's arguments, a collection or a reference.
  void expand_nested_calls(TermPtr& t) {
    switch (t->kind) {
      case TermKind::Call:
        for (size_t i = 1; i < t->items.size(); ++i) expand_nested_calls(t->items[i]);
        bind_to_fresh(t);
        return;
      case TermKind::Ref:
      case TermKind::Array:
      case TermKind::Set:
        for (auto& item : t->items) expand_nested_calls(item);
        return;
      case TermKind::Object:
        for (auto& [k, v] : t->pairs) {
          expand_nested_calls(k);
          expand_nested_calls(v);
        }
        return;
      default:
        return;
    }
  }

  // RewriteDynamicTerms for a call's argument: references are bound first (their bracketed
  // segments before them), inside collections too.
  void hoist_dynamic(TermPtr& t) {
    switch (t->kind) {
      case TermKind::Ref:
        // A rule or import named by a bare name stays, as OPA's variables do.
        if (written_as_name(*t)) return;
        for (size_t i = 1; i < t->items.size(); ++i) hoist_dynamic(t->items[i]);
        bind_to_fresh(t);
        return;
      case TermKind::Array:
      case TermKind::Set:
        for (auto& item : t->items) hoist_dynamic(item);
        return;
      case TermKind::Object:
        for (auto& [k, v] : t->pairs) {
          hoist_dynamic(k);
          hoist_dynamic(v);
        }
        return;
      default:
        // Comprehensions are always defined; binding one earlier changes nothing.
        return;
    }
  }

  // RewriteDynamicTerms for an operand of `=` or a whole term expression: a reference stays,
  // only its bracketed segments are bound first.
  void hoist_dynamic_within(TermPtr& t) {
    if (t->kind == TermKind::Ref) {
      for (size_t i = 1; i < t->items.size(); ++i) hoist_dynamic(t->items[i]);
      return;
    }
    if (t->kind == TermKind::Var) return;
    hoist_dynamic(t);
  }

  // The dynamic terms of a call's arguments, for the expressions the call expansion made.
  void hoist_call_arguments(TermPtr& call) {
    for (size_t i = 1; i < call->items.size(); ++i) hoist_dynamic(call->items[i]);
  }

 private:
  void bind_to_fresh(TermPtr& t) {
    if (may_be_undefined(*t)) maybe_undefined.push_back(t.get());
    Location loc = t->loc;
    auto var = plan::make_var("$negated", loc);
    var->slot = new_slot_(loc);
    Expr bind;
    bind.kind = ExprKind::Unify;
    bind.loc = loc;
    bind.generated = true;
    bind.a = var;
    bind.b = t;
    prelude_.push_back(std::move(bind));
    auto use = plan::make_var("$negated", loc);
    use->slot = var->slot;
    t = use;
  }

  const std::function<int(const Location&)>& new_slot_;
  Body& prelude_;
};

// Source texts of the references an expression reads outside comprehensions: once one has
// been read by an earlier expression of the body, it is defined where a later one reads it.
void collect_ref_texts(const Term& t, std::set<std::string>& out) {
  if (t.kind == TermKind::Ref) out.insert(t.loc.text());
  for (const auto& i : t.items) collect_ref_texts(*i, out);
  for (const auto& [k, v] : t.pairs) {
    collect_ref_texts(*k, out);
    collect_ref_texts(*v, out);
  }
}

void collect_ref_texts(const Expr& e, std::set<std::string>& out) {
  for (const Term* t : {e.a.get(), e.b.get(), e.domain.get()})
    if (t) collect_ref_texts(*t, out);
}

// `a == b` as an expression of a rule body: OPA's compiler turns it into `a = b` (its stage
// RewriteEquals, which queries skip) before binding terms.
bool rewritten_to_unify(const Expr& e, bool in_rule) {
  return in_rule && e.kind == ExprKind::Term && e.a->kind == TermKind::Call &&
         e.a->target.kind == CallKind::Special && e.a->target.special == kSpecialEqual &&
         e.a->items.size() == 3;
}

void hoist_one_negation(Expr& e, const std::function<int(const Location&)>& new_slot,
                        const std::set<std::string>& defined_refs, bool in_rule,
                        const NegationWarning& warn) {
  Expr& inner = *e.inner;
  const bool unify = inner.kind == ExprKind::Unify || rewritten_to_unify(inner, in_rule);
  Body calls;
  NegationHoister expander(new_slot, calls);
  if (inner.kind == ExprKind::Term && inner.a->kind == TermKind::Call) {
    for (size_t i = 1; i < inner.a->items.size(); ++i)
      expander.expand_nested_calls(inner.a->items[i]);
  } else if (inner.kind == ExprKind::Term) {
    expander.expand_nested_calls(inner.a);
  } else if (inner.kind == ExprKind::Unify) {
    expander.expand_nested_calls(inner.a);
    expander.expand_nested_calls(inner.b);
  } else {
    return;
  }
  // Each expression the expansion made gets its own references bound before it, then the
  // negated expression does.
  Body prelude;
  NegationHoister hoister(new_slot, prelude);
  for (auto& call : calls) {
    hoister.hoist_call_arguments(call.b);
    prelude.push_back(std::move(call));
  }
  if (unify && inner.kind == ExprKind::Unify) {
    hoister.hoist_dynamic_within(inner.a);
    hoister.hoist_dynamic_within(inner.b);
  } else if (unify) {
    hoister.hoist_dynamic_within(inner.a->items[1]);
    hoister.hoist_dynamic_within(inner.a->items[2]);
  } else if (inner.kind == ExprKind::Term && inner.a->kind == TermKind::Call) {
    hoister.hoist_call_arguments(inner.a);
  } else {
    hoister.hoist_dynamic_within(inner.a);
  }
  std::vector<const Term*> candidates = expander.maybe_undefined;
  candidates.insert(candidates.end(), hoister.maybe_undefined.begin(),
                    hoister.maybe_undefined.end());
  for (const Term* operand : candidates) {
    if (operand->kind == TermKind::Ref && defined_refs.count(operand->loc.text())) continue;
    if (warn) warn(e, *operand);
    break;
  }
  if (!prelude.empty()) e.body = std::make_shared<Body>(std::move(prelude));
}

}  // namespace

void hoist_negated_operands(Body& body, const std::function<int(const Location&)>& new_slot,
                            bool in_rule, const NegationWarning& warn) {
  // Most bodies negate nothing: they need neither the rewriting nor the references read.
  if (std::none_of(body.begin(), body.end(), [](const Expr& e) { return e.kind == ExprKind::Not; }))
    return;
  std::set<std::string> defined_refs;
  for (auto& e : body) {
    if (e.kind == ExprKind::Not && e.inner && !e.body) {
      hoist_one_negation(e, new_slot, defined_refs, in_rule, warn);
    } else if (e.kind != ExprKind::Not) {
      collect_ref_texts(e, defined_refs);
    }
  }
}

}  // namespace policyc::eval
