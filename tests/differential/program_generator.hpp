// Random Rego programs and inputs for differential tests: small packages of complete, partial
// set, partial object and function rules whose bodies use what the evaluator's shortcuts are
// built for (ground equalities on input for the rule index, comprehensions filtered by an outer
// variable for comprehension indexes, repeated function calls for the memo, simple terms for
// the direct paths) alongside negation, iteration, `every`, `with`, else chains and defaults.
// Programs are safe by construction; a few still fail to compile (a type error), and the
// tests skip those.
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace policyc::testing {

struct GeneratedCase {
  std::string module;                   // package t, Rego v1
  std::string input;                    // JSON
  std::vector<std::string> rule_names;  // the rules (not functions), for per-rule queries
};

class ProgramGenerator {
 public:
  explicit ProgramGenerator(uint64_t seed) : rng_(seed) {}
  GeneratedCase next();

 private:
  struct Scope;
  int pick(int n) { return static_cast<int>(rng_() % static_cast<uint64_t>(n)); }
  bool chance(int percent) { return pick(100) < percent; }
  std::string number();
  std::string name_literal();
  std::string input_value(int depth);
  std::string input_document();
  std::string term(Scope& scope);
  std::string expression(Scope& scope);
  std::string body(Scope& scope);

  std::mt19937_64 rng_;
  std::vector<std::string> complete_rules_, set_rules_, object_rules_, functions_;
  int fresh_ = 0;
};

}  // namespace policyc::testing
