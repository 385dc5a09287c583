// Comparing evaluation results with expectations written in YAML, where sets appear as
// lists and numbers are compared by value.
#pragma once

#include <vector>

#include "policyc/core/value.hpp"

namespace policyc::conformance {

// True when `got` (an evaluation value) matches `want` (a value read from a case file):
// numbers by value (or by the decimal they print as), a set against a list with the same
// members in any order, objects and arrays structurally.
bool value_matches(const Value& got, const Value& want);

// Matches solution lists as multisets: every wanted entry pairs with a distinct got entry.
bool solutions_match(const std::vector<Value>& got, const std::vector<Value>& want);

// Sorts every array-valued field of a bindings object (the case format's sort_bindings).
Value sort_array_bindings(const Value& bindings);

}  // namespace policyc::conformance
