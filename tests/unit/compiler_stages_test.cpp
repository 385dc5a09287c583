// The compiler's stages one at a time, on the compiled form (engine/eval/plan.hpp,
// compile_stages.hpp): lowering, folding, type checks, safety and reordering, indexing.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <set>
#include <string>

#include "compile_stages.hpp"
#include "plan.hpp"
#include "policyc/builtins/builtins.hpp"
#include "policyc/dsl/parser.hpp"
#include "type_lattice.hpp"

namespace policyc::eval {
namespace {

// Locations point into their source file: the files live as long as the test program.
std::shared_ptr<ast::SourceFile> source(const std::string& text) {
  static std::vector<std::shared_ptr<ast::SourceFile>> files;
  auto file = std::make_shared<ast::SourceFile>();
  file->name = "test.rego";
  file->text = text;
  files.push_back(file);
  return file;
}

std::unique_ptr<ast::Module> parse_v0(const std::string& text) {
  std::vector<Diagnostic> errors;
  dsl::ParseOptions options;
  options.v0 = true;
  auto module = dsl::parse_module(source(text), options, errors);
  EXPECT_TRUE(errors.empty()) << (errors.empty() ? "" : errors[0].message);
  return module;
}

Body lowered_query(const std::string& text) {
  std::vector<Diagnostic> errors;
  auto body = dsl::parse_query(source(text), errors);
  EXPECT_TRUE(body) << (errors.empty() ? "" : errors[0].message);
  return plan::lower_body(*body);
}

void for_each_term(const TermPtr& t, const std::function<void(Term&)>& visit) {
  if (!t) return;
  visit(*t);
  for (auto& i : t->items) for_each_term(i, visit);
  for (auto& [k, v] : t->pairs) {
    for_each_term(k, visit);
    for_each_term(v, visit);
  }
}

TEST(CompilerLowering, EachBodyOfAMultiBodyRuleGetsAHeadOfItsOwn) {
  auto module = parse_v0("package t\np[x] { y = 5; x = 7 } { x = 9 }\n");
  ASSERT_EQ(module->rules.size(), 2u);
  plan::Rule first = plan::lower_rule(module->rules[0]);
  plan::Rule second = plan::lower_rule(module->rules[1]);
  ASSERT_TRUE(first.key && second.key);
  EXPECT_NE(first.key.get(), second.key.get());
  EXPECT_NE(first.key.get(), static_cast<const void*>(module->rules[0].key.get()));
  // Writing the compiled form leaves the other body and the syntax tree as they were.
  first.key->slot = 1;
  EXPECT_EQ(second.key->slot, -1);
  EXPECT_EQ(ast::term_to_string(*module->rules[1].key), "x");
}

TEST(CompilerFolding, CollectionsOfConstantsAreBuiltOnce) {
  Body body = lowered_query(R"(x = [1, "a", {"b": {2, 3}}])");
  Term& collection = *body[0].b;
  std::function<void(Term&)> fold_inside_out = [&](Term& t) {
    for (auto& i : t.items) fold_inside_out(*i);
    for (auto& [k, v] : t.pairs) {
      fold_inside_out(*k);
      fold_inside_out(*v);
    }
    if (t.kind == TermKind::Array || t.kind == TermKind::Set || t.kind == TermKind::Object)
      fold_constant(t);
  };
  fold_inside_out(collection);
  ASSERT_TRUE(is_folded(collection));
  EXPECT_EQ(collection.value.to_json(), R"([1,"a",{"b":[2,3]}])");
}

TEST(CompilerFolding, ACollectionWithAVariableIsNotFolded) {
  Body body = lowered_query("x = [1, y]");
  fold_constant(*body[0].b);
  EXPECT_FALSE(is_folded(*body[0].b));
}

// A literal argument fits a declared type when their types unify (the type checker's rule).
TEST(CompilerTypes, LiteralArgumentsAgainstDeclaredTypes) {
  Body body = lowered_query(R"(x = ["s", 1, {1}, [1], {"a": 1}])");
  auto& items = body[0].b->items;
  for (auto& item : items) {
    if (!is_folded(*item)) fold_constant(*item);
    ASSERT_TRUE(is_folded(*item));
  }
  auto fits = [&](size_t i, const char* declared) {
    return types::unifies(types::type_of(items[i]->value), types::parse_type(declared));
  };
  EXPECT_TRUE(fits(0, "string"));
  EXPECT_FALSE(fits(0, "number"));
  EXPECT_TRUE(fits(1, "number|string"));
  EXPECT_TRUE(fits(2, "array[any]|set[any]"));
  EXPECT_FALSE(fits(3, "set[any]"));
  EXPECT_TRUE(fits(4, "any"));
  EXPECT_FALSE(fits(4, "array[object[string: any]]"));
  EXPECT_TRUE(is_deprecated_builtin("re_match"));
  EXPECT_FALSE(is_deprecated_builtin("regex.match"));
  try {
    arity_error("count", 1, 2, body[0].loc);
    FAIL() << "arity_error returned";
  } catch (const CompileError& e) {
    EXPECT_EQ(e.diag.code, "rego_type_error");
    EXPECT_EQ(e.diag.message, "count: arity mismatch: expected 1 arguments, got 2");
  }
}

// Gives every variable of the body a slot, in order of first appearance, and records where
// each first appears.
std::vector<std::string> number_variables(Body& body, std::vector<Location>& first_seen) {
  std::vector<std::string> names;
  auto visit = [&](Term& t) {
    if (t.kind != TermKind::Var || t.name == "input" || t.name == "data") return;
    auto it = std::find(names.begin(), names.end(), t.name);
    t.slot = static_cast<int>(it - names.begin());
    if (it != names.end()) return;
    names.push_back(t.name);
    first_seen.push_back(t.loc);
  };
  for (auto& e : body) {
    for_each_term(e.a, visit);
    for_each_term(e.b, visit);
  }
  return names;
}

TEST(CompilerOrder, ExpressionsRunOnceTheirVariablesAreBound) {
  BuiltinRegistry registry;
  EngineState st(registry);
  Body body = lowered_query("y = z; z = x; x = 2");
  std::vector<Location> locations;
  std::vector<std::string> names = number_variables(body, locations);
  BodyOrder order(st, names, locations);
  std::set<int> bound = order.reorder(body, {});
  EXPECT_EQ(bound.size(), 3u);
  ASSERT_EQ(body.size(), 3u);
  EXPECT_EQ(body[0].loc.text(), "x = 2");
  EXPECT_EQ(body[1].loc.text(), "z = x");
  EXPECT_EQ(body[2].loc.text(), "y = z");
}

TEST(CompilerOrder, AVariableNothingBindsIsUnsafeAtItsFirstPosition) {
  BuiltinRegistry registry;
  EngineState st(registry);
  Body body = lowered_query("x = 1; y = z");
  std::vector<Location> locations;
  std::vector<std::string> names = number_variables(body, locations);
  BodyOrder order(st, names, locations);
  try {
    order.reorder(body, {});
    FAIL() << "no error";
  } catch (const CompileError& e) {
    EXPECT_EQ(e.diag.code, "rego_unsafe_var_error");
    EXPECT_EQ(e.diag.message, "var y is unsafe");
    EXPECT_EQ(e.diag.col, 8);
  }
}

TEST(CompilerIndex, GroundInputEqualitiesAndBindingsBecomeGuards) {
  // `f(x)` could raise (a function call), so the "any value" test of `y = input.y` after it is
  // kept; one before anything of the kind is left to the body.
  Body body = lowered_query(
      R"(input.kind = "Deployment"; "prod" = input.meta.env; w = input.w; f(1); y = input.y)");
  std::vector<CompiledRule::Guard> guards = index_guards(body);
  ASSERT_EQ(guards.size(), 3u);
  EXPECT_EQ(Value::array(guards[0].path).to_json(), R"(["kind"])");
  EXPECT_EQ(guards[0].value, Value::string("Deployment"));
  EXPECT_EQ(Value::array(guards[1].path).to_json(), R"(["meta","env"])");
  EXPECT_EQ(guards[1].value, Value::string("prod"));
  // `y = input.y`: any value, but defined.
  EXPECT_EQ(Value::array(guards[2].path).to_json(), R"(["y"])");
  EXPECT_TRUE(guards[2].value.is_undefined());
}

TEST(CompilerNegation, NestedCallsThenReferencesAreBoundBeforeTheNegation) {
  // OPA: `count(input.a[input.k]) > 0` under `not` becomes
  // `t1 = input.k; t2 = input.a[t1]; t3 = count(t2); not t3 > 0`.
  Body body = lowered_query("not count(input.a[input.k]) > 0; not input.b; not x = input.c");
  int slots = 0;
  std::vector<std::string> warned;
  hoist_negated_operands(
      body, [&](const Location&) { return slots++; }, false,
      [&](const Expr&, const Term& operand) { warned.push_back(operand.loc.text()); });
  ASSERT_EQ(body.size(), 3u);
  ASSERT_TRUE(body[0].body);
  std::vector<std::string> prelude;
  for (const auto& e : *body[0].body) prelude.push_back(e.b->loc.text());
  EXPECT_EQ(prelude,
            (std::vector<std::string>{"input.k", "input.a[input.k]", "count(input.a[input.k])"}));
  EXPECT_EQ(slots, 3);
  // A bare reference, and the operands of `=`, stay inside.
  EXPECT_FALSE(body[1].body);
  EXPECT_FALSE(body[2].body);
  EXPECT_EQ(warned, (std::vector<std::string>{"input.k"}));
}

// The type checker reads every builtin's declaration; one it could not read would leave that
// builtin's calls unchecked.
TEST(CompilerTypes, EveryBuiltinDeclarationIsReadable) {
  BuiltinRegistry registry;
  register_standard_builtins(registry);
  for (const auto& [name, decl] : registry.all()) {
    for (const auto& a : decl.arg_types) EXPECT_TRUE(types::parse_type(a)) << name << ": " << a;
    EXPECT_TRUE(types::parse_type(decl.result_type)) << name << ": " << decl.result_type;
  }
  EXPECT_EQ(types::to_string(types::parse_type("array[any]|object[string: number]|set[any]")),
            "any<array[any], object<[string]: number>, set[any]>");
  EXPECT_EQ(types::to_string(types::parse_type("array[boolean, object]")),
            "array<boolean, object<[any]: any>>");
}

}  // namespace
}  // namespace policyc::eval
