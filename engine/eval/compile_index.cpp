// Rule indexing: the tests of a body on constant input paths, checked before a frame is made.
#include "compile_stages.hpp"

namespace policyc::eval {

namespace {

// `input.x.y` with constant segments: the path below input.
bool ground_input_path(const Term& t, std::vector<Value>& path) {
  if (t.kind != TermKind::Ref || t.items[0]->kind != TermKind::Var || t.items[0]->slot >= 0 ||
      t.items[0]->name != "input") {
    return false;
  }
  for (size_t i = 1; i < t.items.size(); ++i) {
    if (t.items[i]->kind != TermKind::Scalar) return false;
    path.push_back(t.items[i]->value);
  }
  return true;
}

// A ground `input.x.y == <scalar>` (or `=`, either side), as an index guard.
void add_guard(const Expr& e, std::vector<CompiledRule::Guard>& guards) {
  if (!e.withs.empty()) return;
  const Term* a = nullptr;
  const Term* b = nullptr;
  if (e.kind == ExprKind::Unify) {
    a = e.a.get();
    b = e.b.get();
  } else if (e.kind == ExprKind::Term && e.a->kind == TermKind::Call &&
             e.a->target.kind == CallKind::Special && e.a->target.special == kSpecialEqual &&
             e.a->items.size() == 3) {
    a = e.a->items[1].get();
    b = e.a->items[2].get();
  } else {
    return;
  }
  if (a->kind == TermKind::Scalar) std::swap(a, b);
  if (b->kind != TermKind::Scalar) return;
  CompiledRule::Guard g;
  if (!ground_input_path(*a, g.path)) return;
  g.value = b->value;
  guards.push_back(std::move(g));
}

}  // namespace

std::vector<CompiledRule::Guard> index_guards(const Body& body) {
  std::vector<CompiledRule::Guard> guards;
  for (const auto& e : body) add_guard(e, guards);
  return guards;
}

}  // namespace policyc::eval
