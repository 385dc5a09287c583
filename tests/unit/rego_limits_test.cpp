// Hostile or generated Rego gets an error, never a stack overflow or exponential time.
#include <gtest/gtest.h>

#include <string>

#include "policyc/builtins/builtins.hpp"
#include "policyc/engine/engine.hpp"

namespace policyc {
namespace {

std::vector<Diagnostic> evaluate(const std::string& module) {
  BuiltinRegistry registry;
  register_standard_builtins(registry);
  Engine engine(registry);
  std::vector<Diagnostic> errors;
  if (engine.add_module("limits.rego", module, false, errors)) {
    std::vector<QueryResult> results;
    engine.query("data.t.p", EvalOptions{}, results, errors);
  }
  return errors;
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(RegoLimits, DeeplyNestedLiteralIsAnError) {
  auto errors = evaluate("package t\np := " + repeat("[", 100000) + repeat("]", 100000) + "\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, "rego_parse_error");
  EXPECT_EQ(errors[0].message, "expression nested too deeply (more than 500 levels)");
  EXPECT_EQ(errors[0].line, 2);
}

TEST(RegoLimits, LongOperatorChainIsAnError) {
  auto errors = evaluate("package t\np := " + repeat("1 + ", 50000) + "1\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "expression nested too deeply (more than 500 operators)");
}

TEST(RegoLimits, NestingWithinTheLimitEvaluates) {
  auto errors = evaluate("package t\np := " + repeat("[", 400) + repeat("]", 400) +
                         "\nq := " + repeat("1 + ", 400) + "1\n");
  EXPECT_TRUE(errors.empty()) << errors[0].message;
}

// `[a | [a | ... , 4], 4]`: every level first tries a comprehension, fails, and re-reads as
// a union; without a bound the work doubles per level.
TEST(RegoLimits, BacktrackingIsBounded) {
  std::string term = "a";
  for (int i = 0; i < 40; ++i) term = "[a | " + term + ", 4]";
  auto errors = evaluate("package t\nimport rego.v1\na := {1}\np := " + term + "\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "expression too complex to parse");
}

}  // namespace
}  // namespace policyc
