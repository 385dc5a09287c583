// Constant folding: composite terms of constants are built once, at compile time.
#include "compile_stages.hpp"

namespace policyc::eval {

bool is_folded(const Term& t) {
  return t.kind == TermKind::Scalar ||
         ((t.kind == TermKind::Array || t.kind == TermKind::Set || t.kind == TermKind::Object) &&
          t.value.is_defined());
}

void fold_constant(Term& t) {
  if (t.kind == TermKind::Object) {
    ObjectEntries entries;
    for (const auto& [k, v] : t.pairs) {
      if (!is_folded(*k) || !is_folded(*v)) return;
      entries.emplace_back(k->value, v->value);
    }
    t.value = Value::object(std::move(entries));
    return;
  }
  ValueVec items;
  for (const auto& i : t.items) {
    if (!is_folded(*i)) return;
    items.push_back(i->value);
  }
  t.value =
      t.kind == TermKind::Array ? Value::array(std::move(items)) : Value::set(std::move(items));
}

}  // namespace policyc::eval
