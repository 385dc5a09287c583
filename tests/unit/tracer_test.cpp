// The evaluator's tracing hooks: which rule bodies were tried, which expression failed
// first, and the values bound at that point — what `policyc explain` is built on.
#include "policyc/engine/tracer.hpp"

#include <gtest/gtest.h>

#include "policyc/builtins/builtins.hpp"
#include "policyc/engine/engine.hpp"

namespace policyc {
namespace {

struct RecordingTracer : Tracer {
  struct Failure {
    std::string text;
    TraceLocation loc;
    std::vector<std::pair<std::string, Value>> bindings;
  };
  std::vector<std::string> entered;
  std::vector<std::pair<std::string, bool>> exited;
  std::vector<Failure> failures;

  void enter_rule(const std::string& rule, const TraceLocation&) override {
    entered.push_back(rule);
  }
  void exit_rule(const std::string& rule, bool ok) override { exited.emplace_back(rule, ok); }
  void expr_failed(const std::string& text, const TraceLocation& loc,
                   const std::vector<std::pair<std::string, Value>>& bindings) override {
    failures.push_back({text, loc, bindings});
  }
};

const char* kPolicy = R"(package app

default allow := false

allow if {
	role := input.user.role
	role == "admin"
}
)";

// Evaluates data.app.allow for a user with `role`, with `tracer` attached.
Value allow_for(const std::string& role, RecordingTracer& tracer) {
  BuiltinRegistry registry;
  register_standard_builtins(registry);
  Engine engine(registry);
  std::vector<Diagnostic> errors;
  EXPECT_TRUE(engine.add_module("app.rego", kPolicy, false, errors));
  engine.set_input(Value::object(
      {{Value::string("user"), Value::object({{Value::string("role"), Value::string(role)}})}}));
  EvalOptions options;
  options.tracer = &tracer;
  std::vector<QueryResult> results;
  EXPECT_TRUE(engine.query("data.app.allow", options, results, errors));
  EXPECT_EQ(results.size(), 1u);
  return results.empty() ? Value() : results[0].expressions[0].value;
}

TEST(Tracer, ReportsRuleTriedAndFirstFailingExpressionWithBindings) {
  RecordingTracer tracer;
  EXPECT_EQ(allow_for("dev", tracer), Value::boolean(false));

  ASSERT_EQ(tracer.entered, std::vector<std::string>{"data.app.allow"});
  ASSERT_EQ(tracer.exited.size(), 1u);
  EXPECT_FALSE(tracer.exited[0].second);
  ASSERT_FALSE(tracer.failures.empty());
  const auto& first = tracer.failures.front();
  EXPECT_EQ(first.text, "role == \"admin\"");
  EXPECT_EQ(first.loc.file, "app.rego");
  EXPECT_EQ(first.loc.line, 7);
  EXPECT_EQ(first.loc.col, 2);
  ASSERT_EQ(first.bindings.size(), 1u);
  EXPECT_EQ(first.bindings[0].first, "role");
  EXPECT_EQ(first.bindings[0].second, Value::string("dev"));
}

TEST(Tracer, SilentWhenTheRuleSucceeds) {
  RecordingTracer tracer;
  EXPECT_EQ(allow_for("admin", tracer), Value::boolean(true));
  EXPECT_TRUE(tracer.failures.empty());
  ASSERT_EQ(tracer.exited.size(), 1u);
  EXPECT_TRUE(tracer.exited[0].second);
}

}  // namespace
}  // namespace policyc
