#include "policyc/core/builtin.hpp"

#include <algorithm>

namespace policyc {

void BuiltinRegistry::add(BuiltinDecl decl) {
  std::string name = decl.name;
  decls_[name] = std::move(decl);
}

const BuiltinDecl* BuiltinRegistry::find(std::string_view name) const {
  auto it = decls_.find(name);
  return it == decls_.end() ? nullptr : &it->second;
}

void BuiltinRegistry::add_unsupported(std::string name, std::string reason) {
  unsupported_[std::move(name)] = std::move(reason);
}

const std::string* BuiltinRegistry::unsupported_reason(std::string_view name) const {
  auto it = unsupported_.find(name);
  return it == unsupported_.end() ? nullptr : &it->second;
}

namespace {
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}
}  // namespace

std::string BuiltinRegistry::suggest(std::string_view name) const {
  std::string best;
  size_t best_d = std::max<size_t>(2, name.size() / 3) + 1;
  for (const auto& [k, d] : decls_) {
    if (k.rfind("internal.", 0) == 0) continue;
    size_t dist = edit_distance(name, k);
    if (dist < best_d) {
      best_d = dist;
      best = k;
    }
  }
  return best;
}

}  // namespace policyc
