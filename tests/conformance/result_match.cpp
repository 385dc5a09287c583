#include "result_match.hpp"

#include <algorithm>
#include <string>

namespace policyc::conformance {

namespace {

// Object keys as the case file writes them: YAML keys are strings, so a non-string key of
// an evaluated object is compared by its JSON text (as OPA prints it).
Value key_as_written(const Value& key) {
  return key.is_string() ? key : Value::string(key.to_json());
}

bool unordered_items_match(const ValueVec& got, const ValueVec& want) {
  if (got.size() != want.size()) return false;
  std::vector<bool> used(got.size(), false);
  for (const auto& w : want) {
    bool found = false;
    for (size_t i = 0; i < got.size(); ++i) {
      if (!used[i] && value_matches(got[i], w)) {
        used[i] = true;
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

}  // namespace

bool value_matches(const Value& got, const Value& want) {
  if (got.is_set() && (want.is_array() || want.is_set())) {
    return unordered_items_match(got.items(), want.items());
  }
  if (got.is_array() && want.is_array()) {
    const auto& g = got.items();
    const auto& w = want.items();
    if (g.size() != w.size()) return false;
    for (size_t i = 0; i < g.size(); ++i) {
      if (!value_matches(g[i], w[i])) return false;
    }
    return true;
  }
  if (got.is_object() && want.is_object()) {
    if (got.size() != want.size()) return false;
    for (const auto& [k, v] : got.entries()) {
      const Value* w = want.find(key_as_written(k));
      if (!w || !value_matches(v, *w)) return false;
    }
    return true;
  }
  if (got.is_number() && want.is_number() && got != want) {
    // OPA's harness compares results after a JSON round trip: a computed number equals the
    // decimal it prints as (1/3 is 0.33333333333333333334 there, not the exact third).
    return Value::number_from_text(got.number_to_string()) == want;
  }
  return got == want;
}

bool solutions_match(const std::vector<Value>& got, const std::vector<Value>& want) {
  return unordered_items_match(got, want);
}

Value sort_array_bindings(const Value& bindings) {
  if (!bindings.is_object()) return bindings;
  ObjectEntries entries;
  for (const auto& [k, v] : bindings.entries()) {
    if (v.is_array()) {
      ValueVec items = v.items();
      std::sort(items.begin(), items.end());
      entries.emplace_back(k, Value::array(std::move(items)));
    } else {
      entries.emplace_back(k, v);
    }
  }
  return Value::object_sorted(std::move(entries));
}

}  // namespace policyc::conformance
