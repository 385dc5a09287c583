// The evaluator's tracing hooks as the explain recorder sees them: the proof of a value, the
// expression that failed first with the values it read, false told apart from undefined, and
// the missing key of an undefined reference.
#include "policyc/engine/tracer.hpp"

#include <gtest/gtest.h>

#include "policyc/builtins/builtins.hpp"
#include "policyc/core/io.hpp"
#include "policyc/engine/engine.hpp"
#include "policyc/engine/explain.hpp"

namespace policyc {
namespace {

const char* kPolicy = R"(package app

default allow := false

allow if {
	role := input.user.role
	role == "admin"
}

deny contains msg if {
	some name, svc in input.services
	not svc.tls.enabled
	msg := sprintf("%s has no TLS", [name])
}

level := "high" if input.user.level > 3
)";

// Evaluates `query` with `input` (JSON), recording what happened.
explain::EvaluationPtr explain_query(const std::string& query, const std::string& input,
                                     explain::Recorder& recorder) {
  BuiltinRegistry registry;
  register_standard_builtins(registry);
  Engine engine(registry);
  std::vector<Diagnostic> errors;
  EXPECT_TRUE(engine.add_module("app.rego", kPolicy, false, errors));
  Value doc;
  TextError error;
  EXPECT_TRUE(parse_json(input, doc, error)) << error.message;
  engine.set_input(doc);
  EvalOptions options;
  options.tracer = &recorder;
  std::vector<QueryResult> results;
  EXPECT_TRUE(engine.query(query, options, results, errors));
  EXPECT_EQ(recorder.roots().size(), 1u);
  return recorder.roots().empty() ? nullptr : recorder.roots().front();
}

TEST(Explain, FailedBodyNamesTheExpressionAndTheValuesItRead) {
  explain::Recorder recorder;
  auto e = explain_query("data.app.allow", R"({"user": {"role": "dev"}})", recorder);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->rule, "data.app.allow");
  EXPECT_EQ(e->value, Value::boolean(false));
  ASSERT_EQ(e->bodies.size(), 2u);  // the body, then the default
  const auto& body = e->bodies[0];
  EXPECT_TRUE(body.proofs.empty());
  ASSERT_EQ(body.failures.size(), 1u);
  const auto& steps = body.failures[0].steps;
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0]->outcome, TraceOutcome::Held);
  EXPECT_EQ(steps[1]->text, "role == \"admin\"");
  EXPECT_EQ(steps[1]->outcome, TraceOutcome::False);
  EXPECT_EQ(steps[1]->loc.line, 7);
  EXPECT_EQ(steps[1]->loc.col, 2);
  ASSERT_EQ(steps[1]->operands.size(), 1u);
  EXPECT_EQ(steps[1]->operands[0].text, "role");
  EXPECT_EQ(steps[1]->operands[0].value, Value::string("dev"));
  EXPECT_EQ(e->bodies[1].kind, TraceBodyKind::Default);
}

TEST(Explain, ProofListsTheExpressionsThatHeld) {
  explain::Recorder recorder;
  auto e = explain_query("data.app.allow", R"({"user": {"role": "admin"}})", recorder);
  ASSERT_TRUE(e);
  ASSERT_FALSE(e->bodies.empty());
  ASSERT_EQ(e->bodies[0].proofs.size(), 1u);
  const auto& proof = e->bodies[0].proofs[0];
  EXPECT_EQ(proof.value, Value::boolean(true));
  ASSERT_EQ(proof.steps.size(), 2u);
  EXPECT_EQ(proof.steps[0]->text, "role := input.user.role");
  EXPECT_EQ(proof.steps[0]->operands.size(), 2u);
}

TEST(Explain, UndefinedReferenceNamesTheMissingKey) {
  explain::Recorder recorder;
  auto e = explain_query("data.app.level", R"({"user": {"role": "dev"}})", recorder);
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->value.is_undefined());
  ASSERT_EQ(e->bodies.size(), 1u);
  ASSERT_EQ(e->bodies[0].failures.size(), 1u);
  const auto& failed = *e->bodies[0].failures[0].steps.back();
  EXPECT_EQ(failed.outcome, TraceOutcome::Undefined);
  ASSERT_FALSE(failed.operands.empty());
  EXPECT_EQ(failed.operands[0].text, "input.user.level");
  EXPECT_EQ(failed.operands[0].defined_prefix, "input.user");
  EXPECT_EQ(failed.operands[0].missing_key, "level");
}

TEST(Explain, RelevanceKeepsTheAttemptsOfOneService) {
  explain::RecorderOptions options;
  options.relevant = [](const explain::Attempt& a) {
    for (const auto& step : a.steps)
      for (const auto& op : step->operands)
        if (op.value == Value::string("b")) return true;
    return false;
  };
  explain::Recorder recorder(options);
  auto e = explain_query(
      "data.app.deny",
      R"({"services": {"a": {"tls": {"enabled": false}}, "b": {"tls": {"enabled": true}},
          "c": {}}})",
      recorder);
  ASSERT_TRUE(e);
  ASSERT_EQ(e->bodies.size(), 1u);
  const auto& body = e->bodies[0];
  // a and c produce messages, which do not read "b": kept as the fallback.
  EXPECT_EQ(body.proofs.size(), 2u);
  ASSERT_EQ(body.failures.size(), 1u);
  const auto& failed = *body.failures[0].steps.back();
  EXPECT_EQ(failed.text, "not svc.tls.enabled");
  EXPECT_EQ(failed.outcome, TraceOutcome::False);
  EXPECT_EQ(failed.operands[0].value, Value::boolean(true));
}

TEST(Explain, TextAndJsonRenderTheSameTree) {
  explain::Recorder recorder;
  auto e = explain_query("data.app.allow", R"({"user": {"role": "dev"}})", recorder);
  ASSERT_TRUE(e);
  explain::RenderOptions options;
  std::string text = explain::to_text(*e, options);
  EXPECT_NE(text.find("app.rego:7:2: false: role == \"admin\""), std::string::npos) << text;
  EXPECT_NE(text.find("role = \"dev\""), std::string::npos) << text;
  EXPECT_NE(text.find("the default is false"), std::string::npos) << text;
  Value json = explain::to_json(*e, options);
  EXPECT_EQ(json.get(Value::string("rule")), Value::string("data.app.allow"));
  EXPECT_EQ(json.get(Value::string("bodies")).size(), 2u);
}

}  // namespace
}  // namespace policyc
