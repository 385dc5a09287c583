// Typical mistakes people make writing Rego, and the exact diagnostic each one gets:
// code, line, column and message.
#include <gtest/gtest.h>

#include "policyc/builtins/builtins.hpp"
#include "policyc/engine/engine.hpp"

namespace policyc {
namespace {

struct Mistake {
  const char* name;
  const char* source;
  const char* query;
  bool strict;
  const char* code;
  int line;
  int col;
  const char* message;
};

const Mistake kMistakes[] = {
    {"missing_closing_brace", "package t\n\np if {\n\tinput.x == 1\n", "data.t.p", false,
     "rego_parse_error", 5, 1, "unexpected eof token: expected }"},
    {"unsafe_variable", "package t\n\np if {\n\tx > 1\n}\n", "data.t.p", false,
     "rego_unsafe_var_error", 4, 2, "var x is unsafe"},
    {"unknown_function_suggests", "package t\n\np if cout([1]) == 1\n", "data.t.p", false,
     "rego_type_error", 3, 6, "undefined function cout (did you mean count?)"},
    {"recursion", "package t\n\np if q\n\nq if p\n", "data.t.p", false, "rego_recursion_error", 3,
     1, "rule data.t.p is recursive: data.t.p -> data.t.q -> data.t.p"},
    {"conflicting_values", "package t\n\np := 1\n\np := 2\n", "data.t.p", false,
     "eval_conflict_error", 5, 1, "complete rules must not produce multiple outputs"},
    {"if_missing_in_v1", "package t\n\np {\n\ttrue\n}\n", "data.t.p", false, "rego_parse_error", 3,
     3, "`if` keyword is required before rule body"},
    {"builtin_wrong_arity", "package t\n\np := count([1], 2, 3)\n", "data.t.p", false,
     "rego_type_error", 3, 6, "count: arity mismatch: expected 1 arguments, got 3"},
    {"function_wrong_arity", "package t\n\nf(x) := x\n\np := f(1, 2)\n", "data.t.p", false,
     "rego_type_error", 5, 6, "function data.t.f has arity 1, got 2 arguments"},
    {"argument_type_fixed_by_the_function_body",
     "package t\n\nf(a) := x if x := a + 1\n\np := f(\"s\")\n", "data.t.p", false,
     "rego_type_error", 5, 6, "data.t.f: invalid argument(s): have (string), want (number)"},
    {"key_a_constant_object_lacks", "package t\n\np := x.b if x := {\"a\": 1}\n", "data.t.p", false,
     "rego_type_error", 3, 6, "undefined ref: x.b (object<\"a\": number> has no key \"b\")"},
    {"assigned_twice", "package t\n\np if {\n\tx := 1\n\tx := 2\n}\n", "data.t.p", false,
     "rego_compile_error", 5, 2, "var x assigned above"},
    {"shadowing_input", "package t\n\np if {\n\tinput := 1\n}\n", "data.t.p", false,
     "rego_compile_error", 4, 2, "variables must not shadow input (use a different variable name)"},
    {"unused_some", "package t\n\np if {\n\tsome x\n\ttrue\n}\n", "data.t.p", false,
     "rego_compile_error", 4, 7, "declared var x unused"},
    {"default_with_variable", "package t\n\ndefault p := x\n", "data.t.p", false,
     "rego_parse_error", 3, 1, "illegal default rule (value cannot contain var)"},
    {"unterminated_string", "package t\n\np := \"abc\n", "data.t.p", false, "rego_parse_error", 3,
     6, "non-terminated string"},
    {"illegal_character", "package t\n\np := 1 @ 2\n", "data.t.p", false, "rego_parse_error", 3, 8,
     "illegal token '@'"},
    {"bad_import_root", "package t\n\nimport foo.bar\n\np := 1\n", "data.t.p", false,
     "rego_parse_error", 3, 1,
     "unexpected import path, must begin with one of: {data, future, input, rego}, got: foo"},
    {"with_on_non_target", "package t\n\np if {\n\ttrue with foo as 1\n}\n", "data.t.p", false,
     "rego_type_error", 4, 7,
     "with keyword target must reference existing input, data, or a function"},
    {"literal_of_wrong_type", "package t\n\np := upper(1)\n", "data.t.p", false, "rego_type_error",
     3, 6, "upper: invalid argument(s): have (number), want (string)"},
    {"two_defaults", "package t\n\ndefault p := 1\n\ndefault p := 2\n", "data.t.p", false,
     "rego_type_error", 5, 1, "multiple default rules data.t.p found"},
    {"single_and_multi_value", "package t\n\np := 1\n\np contains 2\n", "data.t.p", false,
     "rego_type_error", 3, 1, "conflicting rules data.t.p found"},
    {"unsafe_in_negation", "package t\n\np if not input.xs[i]\n", "data.t.p", false,
     "rego_unsafe_var_error", 3, 19, "var i is unsafe"},
    {"object_comprehension_conflict",
     "package t\n\np := {k: v | some [k, v] in [[\"a\", 1], [\"a\", 2]]}\n", "data.t.p", false,
     "eval_conflict_error", 3, 6, "object keys must be unique"},
    {"function_conflict", "package t\n\nf(_) := 1\n\nf(_) := 2\n\np := f(0)\n", "data.t.p", false,
     "eval_conflict_error", 5, 1, "functions must not produce multiple outputs for same inputs"},
    {"strict_divide_by_zero", "package t\n\np := 1 / input.n\n", "data.t.p", true,
     "eval_builtin_error", 3, 6, "div: divide by zero"},
    {"missing_package", "p := 1\n", "data.t.p", false, "rego_parse_error", 1, 1,
     "expected package declaration"},
    {"deprecated_builtin_in_v1", "package t\n\np := any([true])\n", "data.t.p", false,
     "rego_type_error", 3, 6, "deprecated built-in function calls in expression: any"},
    {"unsupported_builtin", "package t\n\np := http.send({})\n", "data.t.p", false,
     "rego_type_error", 3, 6,
     "undefined function http.send: policyc does not support it (network I/O makes policy results "
     "depend "
     "on remote services)"},
    {"assign_in_head_of_comprehension_needs_parens", "package t\n\np := [x * 2 | some x in [1]]\n",
     "data.t.p", false, "rego_parse_error", 3, 3,
     "unexpected assign token: expected rule value term (e.g., p := <VALUE> { ... }) (hint: a "
     "comprehension head with an operator needs parentheses, e.g. [(x * 2) | ...])"},
    // In a rule body the error is the body's (OPA's position), not that of reading `{ ... }`
    // as a set literal, which broke at the body's second line.
    {"comprehension_head_needs_parens_in_body",
     "package x\np if {\n    true\n    y := [a * b | some p in ps]\n}\n", "data.x.p", false,
     "rego_parse_error", 4, 19,
     "unexpected some keyword (hint: a comprehension head with an operator needs parentheses, "
     "e.g. [(x * 2) | ...])"},
    {"assign_missing_in_comprehension_body",
     "package x\np if {\n    true\n    y := {a | a = 1; b := 2}\n    z := [a * b | p := "
     "ps[_]]\n}\n",
     "data.x.p", false, "rego_parse_error", 5, 21, "unexpected assign token: expected ]"},
    {"every_with_array_pattern", "package t\n\np if {\n\tevery [a, b] in [[1, 2]] { a < b }\n}\n",
     "data.t.p", false, "rego_parse_error", 4, 27,
     "unexpected { token: expected value to be a variable"},
    {"every_with_array_pattern_key", "package t\n\np if every [k], v in [[1, 2]] { v }\n",
     "data.t.p", false, "rego_parse_error", 3, 31,
     "unexpected { token: expected key to be a variable"},
};

class AuthoringMistakes : public ::testing::TestWithParam<Mistake> {};

TEST_P(AuthoringMistakes, ReportsCodeLocationAndMessage) {
  const Mistake& m = GetParam();
  BuiltinRegistry registry;
  register_standard_builtins(registry);
  Engine engine(registry);
  std::vector<Diagnostic> errors;
  engine.set_input(Value::object({{Value::string("n"), Value::integer(0)}}));
  if (engine.add_module("policy.rego", m.source, false, errors)) {
    EvalOptions options;
    options.strict_builtin_errors = m.strict;
    std::vector<QueryResult> results;
    engine.query(m.query, options, results, errors);
  }
  ASSERT_FALSE(errors.empty()) << m.name << ": no error reported";
  const Diagnostic& d = errors.front();
  EXPECT_EQ(d.code, m.code) << m.name;
  EXPECT_EQ(d.file, "policy.rego") << m.name;
  EXPECT_EQ(d.line, m.line) << m.name;
  EXPECT_EQ(d.col, m.col) << m.name;
  EXPECT_EQ(d.message, m.message) << m.name;
}

INSTANTIATE_TEST_SUITE_P(Rego, AuthoringMistakes, ::testing::ValuesIn(kMistakes),
                         [](const ::testing::TestParamInfo<Mistake>& info) {
                           return std::string(info.param.name);
                         });

// Valid, but most authors read it otherwise: OPA evaluates `input.tls.enabled` before the
// `not`, so with it missing the rule is undefined rather than true.
TEST(AuthoringWarnings, NegationOverAnOperandThatMayBeUndefined) {
  BuiltinRegistry registry;
  register_standard_builtins(registry);
  Engine engine(registry);
  std::vector<Diagnostic> errors;
  const char* source =
      "package t\n\n"
      "tls_off if not input.tls.enabled < 1\n"
      "known := {\"a\"}\n"
      "unknown if not input.kind in known\n"
      "covered if not enabled\n"
      "enabled if input.tls.enabled < 1\n"
      "checked if {\n\tinput.tls.enabled\n\tnot input.tls.enabled < 0\n}\n"
      "same if not input.tls.enabled == false\n";
  ASSERT_TRUE(engine.add_module("policy.rego", source, false, errors));
  ASSERT_TRUE(engine.compile(errors));
  // `known` is always defined; `not enabled` covers its operand; `checked` read the reference
  // before its negation; `==` is unification in a rule body, whose operands stay inside.
  ASSERT_EQ(engine.warnings().size(), 2u);
  const Diagnostic& w = engine.warnings()[0];
  EXPECT_EQ(w.code, "warning");
  EXPECT_EQ(w.line, 3);
  EXPECT_EQ(w.col, 12);
  EXPECT_EQ(w.message,
            "`input.tls.enabled` is evaluated before the `not`, as OPA does: when it is undefined "
            "this expression fails instead of the negation holding (test it in a helper rule, or "
            "give it a default with object.get)");
  EXPECT_EQ(engine.warnings()[1].line, 5);
}

}  // namespace
}  // namespace policyc
