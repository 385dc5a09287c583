// Rule values shared between evaluators (EvalOptions::shared_rules): what one evaluator
// computed, another uses instead of computing it again; nothing under `with` is shared.
#include <gtest/gtest.h>

#include "policyc/builtins/builtins.hpp"
#include "policyc/engine/engine.hpp"

namespace policyc {
namespace {

// The clock tells the evaluations apart: each engine runs at a different `now`, so a value
// computed by the other engine shows the other engine's time.
const char* kPolicy = R"(package shared
now := time.now_ns()
later := now + 1
)";

class SharedRules : public ::testing::Test {
 protected:
  SharedRules() {
    register_standard_builtins(registry_);
    for (auto* engine : {&first_, &second_}) {
      std::vector<Diagnostic> errors;
      EXPECT_TRUE(engine->add_module("shared.rego", kPolicy, false, errors));
      EXPECT_TRUE(engine->compile(errors));
    }
  }

  Value eval(Engine& engine, const std::string& query, int64_t now_ns, SharedRuleValues* shared) {
    EvalOptions options;
    options.now_ns = now_ns;
    options.shared_rules = shared;
    std::vector<QueryResult> results;
    std::vector<Diagnostic> errors;
    EXPECT_TRUE(engine.query(query, options, results, errors));
    if (results.empty() || results[0].expressions.empty()) return Value();
    return results[0].expressions[0].value;
  }

  BuiltinRegistry registry_;
  Engine first_{registry_};
  Engine second_{registry_};
};

TEST_F(SharedRules, AValueOneEvaluatorComputedIsUsedByAnother) {
  FrozenValues arena;
  SharedRuleValues shared(arena);
  EXPECT_EQ(eval(first_, "data.shared.later", 1000, &shared), Value::integer(1001));
  // `now` and `later` were published by the first engine; the second finds them.
  EXPECT_EQ(eval(second_, "data.shared.now", 2000, &shared), Value::integer(1000));
  EXPECT_EQ(eval(second_, "data.shared.later", 2000, &shared), Value::integer(1001));
}

TEST_F(SharedRules, WithoutSharingEachEvaluatorComputesItsOwn) {
  EXPECT_EQ(eval(first_, "data.shared.now", 1000, nullptr), Value::integer(1000));
  EXPECT_EQ(eval(second_, "data.shared.now", 2000, nullptr), Value::integer(2000));
}

TEST_F(SharedRules, NothingUnderWithIsSharedOrTaken) {
  FrozenValues arena;
  SharedRuleValues shared(arena);
  EXPECT_EQ(eval(first_, "data.shared.now", 1000, &shared), Value::integer(1000));
  // Under `with` the value may differ from the policies' own, so the shared one is not used...
  EXPECT_EQ(eval(second_, "data.shared.later with data.shared.now as 5", 2000, &shared),
            Value::integer(6));
  // ...and what is computed there is not published.
  SharedRuleValues fresh(arena);
  EXPECT_EQ(eval(second_, "data.shared.later with data.shared.now as 5", 2000, &fresh),
            Value::integer(6));
  EXPECT_EQ(eval(first_, "data.shared.later", 1000, &fresh), Value::integer(1001));
}

}  // namespace
}  // namespace policyc
