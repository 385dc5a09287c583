// Rule indexing, as OPA's rule index decides which definitions of a rule or function to
// evaluate at all. OPA's compiler first rewrites every body: head keys and values that need
// evaluation become `__local = <term>` at the body's end (RewriteRefsInHead), calls nested in
// operands become expressions of their own (RewriteExprTerms), `==` becomes `=`
// (RewriteEquals), and references among a call's operands, inside collections and inside
// brackets are bound to fresh variables before their expression (RewriteDynamicTerms; for a
// negated expression outside the `not`). Its index (ast/index.go, refindices.Update and
// eqOperandsToRefAndValue) then records every positive, `with`-less `ref = value` of such a
// body where the reference is ground, starts at input or at base data (no rule along it) and
// the value is a scalar, a variable, or an array of those. A lookup resolves each recorded
// reference once, before any expression of the body runs, and leaves out the definitions
// whose reference is undefined or does not match the value (trieNode.traverse: `any` children
// only when defined). So a definition whose head value is `input.missing` never runs its body,
// and a function call or a rule in it that would conflict or fail is never seen.
#include "compile_stages.hpp"

namespace policyc::eval {

namespace {

class GuardCollector {
 public:
  GuardCollector(const RuleNode* root, std::vector<CompiledRule::Guard>& out)
      : root_(root), out_(out) {}

  void expr(const Expr& e) {
    if (!effect_before_) {
      keep_any_ = effectful(e);
      indexed_expr(e);
      effect_before_ = keep_any_;
      return;
    }
    keep_any_ = true;
    indexed_expr(e);
  }

  // `__local = <term>` for a head key or value that needs evaluation: after the whole body.
  void head(const Term& t) {
    if (t.kind == TermKind::Var || t.kind == TermKind::Scalar) return;
    keep_any_ = effect_before_ || effectful(t);
    unify(kLocal, t);
  }

 private:
  // Whether evaluating this can be seen other than by its value: it calls a function or a
  // builtin (either may raise), reads a rule, prints, or runs a closure. A test that the body
  // would make before anything of the kind is left to the body, which fails there just the
  // same: the index only has to be consulted for what comes after such a step.
  static bool effectful(const Term& t) {
    switch (t.kind) {
      case TermKind::Call:
        if (t.target.kind != CallKind::Special) return true;
        switch (t.target.special) {
          case kSpecialPrint:
          case kSpecialTrace:
          case kSpecialMetadataRule:
          case kSpecialMetadataChain:
            return true;
          default:
            break;
        }
        break;
      case TermKind::Ref:
        if (t.target.node) return true;
        break;
      case TermKind::ArrayCompr:
      case TermKind::SetCompr:
      case TermKind::ObjectCompr:
        return true;
      default:
        break;
    }
    return plan::any_child(t, [](const Term& child) { return effectful(child); });
  }

  static bool effectful(const Expr& e) {
    if (!e.withs.empty() || e.body || e.kind == ExprKind::Every) return true;
    for (const Term* t : {e.a.get(), e.b.get(), e.key.get(), e.val.get(), e.domain.get()})
      if (t && effectful(*t)) return true;
    return e.inner && effectful(*e.inner);
  }

  void indexed_expr(const Expr& e) {
    // OPA indexes no expression with `with`, nor the ones bound for it (they inherit it).
    if (!e.withs.empty()) return;
    switch (e.kind) {
      case ExprKind::Unify:
      case ExprKind::Assign:
        unify(*e.a, *e.b);
        return;
      case ExprKind::Term:
        if (is_double_equal(*e.a)) {
          unify(*e.a->items[1], *e.a->items[2]);
        } else if (e.a->kind == TermKind::Call) {
          call_arguments(*e.a);
        } else {
          within(*e.a);
        }
        return;
      case ExprKind::Not:
        // What compile_negation.cpp bound outside the negation is positive; the negated
        // expression itself is not indexed.
        if (e.body)
          for (const auto& b : *e.body) indexed_expr(b);
        return;
      default:
        // `some ... in` becomes a reference with a variable key, `every` a closure: nothing
        // ground to index.
        return;
    }
  }

  static bool is_double_equal(const Term& t) {
    return t.kind == TermKind::Call && t.target.kind == CallKind::Special &&
           t.target.special == kSpecialEqual && t.items.size() == 3;
  }

  void unify(const Term& a, const Term& b) {
    // A call operand is an expression of its own first, bound to a variable.
    const Term& x = a.kind == TermKind::Call ? (call_arguments(a), kLocal) : a;
    const Term& y = b.kind == TermKind::Call ? (call_arguments(b), kLocal) : b;
    within(x);
    within(y);
    if (!record(x, y)) record(y, x);
  }

  void call_arguments(const Term& call) {
    for (size_t i = 1; i < call.items.size(); ++i) dynamic(*call.items[i]);
  }

  // An operand of `=` or a whole term expression: a reference stays, its brackets are bound.
  void within(const Term& t) {
    if (t.kind == TermKind::Ref) {
      for (size_t i = 1; i < t.items.size(); ++i) dynamic(*t.items[i]);
      return;
    }
    dynamic(t);
  }

  // A term bound to a fresh variable when it is a reference; collections and nested calls are
  // searched for references.
  void dynamic(const Term& t) {
    switch (t.kind) {
      case TermKind::Ref:
        for (size_t i = 1; i < t.items.size(); ++i) dynamic(*t.items[i]);
        record(t, kLocal);
        return;
      case TermKind::Array:
      case TermKind::Set:
        for (const auto& i : t.items) dynamic(*i);
        return;
      case TermKind::Object:
        for (const auto& [k, v] : t.pairs) {
          dynamic(*k);
          dynamic(*v);
        }
        return;
      case TermKind::Call:
        call_arguments(t);
        return;
      default:
        return;
    }
  }

  // `ref = value` as OPA's index records it; false when it does not.
  bool record(const Term& ref, const Term& value) {
    if (ref.kind != TermKind::Ref) return false;
    const bool any_value = value.kind == TermKind::Var;
    if (value.kind == TermKind::Array) {
      for (const auto& i : value.items)
        if (i->kind != TermKind::Var && (i->kind != TermKind::Scalar || i->value.is_collection()))
          return false;
    } else if (!any_value && value.kind != TermKind::Scalar) {
      return false;
    }
    bool data = false;
    if (!base_ref(ref, data)) return false;
    // A second record of the same reference replaces the first (refindices.insert).
    CompiledRule::Guard* slot = nullptr;
    for (auto& other : out_)
      if (other.data == data && same_path(other, ref)) slot = &other;
    if (!slot && any_value && !keep_any_) return true;
    CompiledRule::Guard g;
    g.data = data;
    g.ref = &ref;
    for (size_t i = 1; i < ref.items.size(); ++i) g.path.push_back(ref.items[i]->value);
    if (value.kind == TermKind::Scalar) g.value = value.value;
    if (value.kind == TermKind::Array) {
      g.is_array = true;
      for (const auto& i : value.items)
        g.elements.push_back(i->kind == TermKind::Var ? Value() : i->value);
    }
    if (slot) {
      *slot = std::move(g);
    } else {
      out_.push_back(std::move(g));
    }
    return true;
  }

  static bool same_path(const CompiledRule::Guard& g, const Term& ref) {
    if (g.path.size() + 1 != ref.items.size()) return false;
    for (size_t i = 0; i < g.path.size(); ++i)
      if (g.path[i] != ref.items[i + 1]->value) return false;
    return true;
  }

  // `input.a.b` or `data.a.b` with constant segments, where no rule lies along the data path
  // and the path leaves the rule tree (OPA's isVirtual).
  bool base_ref(const Term& t, bool& data) const {
    const Term& head = *t.items[0];
    if (head.kind != TermKind::Var || head.slot >= 0) return false;
    if (head.name == "data") {
      if (!root_) return false;
      data = true;
    } else if (head.name != "input") {
      return false;
    }
    for (size_t i = 1; i < t.items.size(); ++i)
      if (t.items[i]->kind != TermKind::Scalar) return false;
    if (!data) return true;
    const RuleNode* node = root_;
    for (size_t i = 1; i < t.items.size(); ++i) {
      const Value& key = t.items[i]->value;
      if (!key.is_string()) return true;
      auto it = node->children.find(key.str());
      if (it == node->children.end()) return true;
      node = it->second.get();
      if (!node->rules.empty() || !node->defaults.empty()) return false;
    }
    return false;
  }

  static const Term kLocal;     // a fresh variable
  bool effect_before_ = false;  // an earlier expression is effectful
  bool keep_any_ = true;        // record "any value" tests of the current expression
  const RuleNode* root_;
  std::vector<CompiledRule::Guard>& out_;
};

const Term GuardCollector::kLocal = [] {
  Term t;
  t.kind = TermKind::Var;
  return t;
}();

}  // namespace

std::vector<CompiledRule::Guard> index_guards(const Body& body,
                                              const std::vector<const Term*>& head_terms,
                                              const RuleNode* root) {
  std::vector<CompiledRule::Guard> guards;
  // A body that prints is not indexed at all (OPA's skipIndexing): each run shows.
  for (const auto& e : body)
    if (e.kind == ExprKind::Term && e.a->kind == TermKind::Call &&
        e.a->target.kind == CallKind::Special && e.a->target.special == kSpecialPrint)
      return guards;
  GuardCollector c(root, guards);
  for (const auto& e : body) c.expr(e);
  for (const Term* t : head_terms)
    if (t) c.head(*t);
  return guards;
}

}  // namespace policyc::eval
