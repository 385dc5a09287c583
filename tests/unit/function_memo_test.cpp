// Function memoisation (engine/eval/evaluator_calls.cpp) must not hide side effects: a
// function that prints, or calls one that does, runs on every call.
#include <gtest/gtest.h>

#include "policyc/builtins/builtins.hpp"
#include "policyc/engine/engine.hpp"

namespace policyc {
namespace {

std::vector<std::string> printed_lines(const std::string& policy, const std::string& query) {
  BuiltinRegistry registry;
  register_standard_builtins(registry);
  Engine engine(registry);
  std::vector<Diagnostic> errors;
  EXPECT_TRUE(engine.add_module("memo.rego", policy, false, errors));
  std::vector<std::string> lines;
  EvalOptions options;
  options.print = [&](const std::string& line) { lines.push_back(line); };
  std::vector<QueryResult> results;
  EXPECT_TRUE(engine.query(query, options, results, errors));
  EXPECT_EQ(results.size(), 1u);
  return lines;
}

TEST(FunctionMemo, PrintingFunctionRunsOnEveryCall) {
  const char* policy = R"(package memo
shout(x) := y if {
	print("shout", x)
	y := upper(x)
}
p := [shout("a"), shout("a"), shout("b")]
)";
  EXPECT_EQ(printed_lines(policy, "data.memo.p"),
            (std::vector<std::string>{"shout a", "shout a", "shout b"}));
}

TEST(FunctionMemo, CallerOfPrintingFunctionRunsOnEveryCall) {
  const char* policy = R"(package memo
noisy(x) := x if print("noisy", x)
twice(x) := noisy(x) * 2
p := [twice(1), twice(1)]
)";
  EXPECT_EQ(printed_lines(policy, "data.memo.p"), (std::vector<std::string>{"noisy 1", "noisy 1"}));
}

}  // namespace
}  // namespace policyc
