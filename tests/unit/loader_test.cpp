// File loading as `opa eval -d` does it, Gatekeeper templates, and OPA's output shapes.
#include "policyc/engine/loader.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "policyc/builtins/builtins.hpp"
#include "policyc/core/io.hpp"
#include "policyc/engine/engine.hpp"
#include "policyc/engine/eval_output.hpp"

namespace policyc {
namespace {

namespace fs = std::filesystem;

// A scratch directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("policyc_loader_test_" +
             std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }
  void write(const std::string& rel, const std::string& text) const {
    fs::path p = path_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }

 private:
  fs::path path_;
};

Value yaml_value(const std::string& text) {
  std::vector<Value> docs;
  TextError err;
  EXPECT_TRUE(parse_yaml(text, docs, err)) << err.message;
  return docs.empty() ? Value() : docs[0];
}

TEST(LoaderTest, ConstraintTemplateRegoAndLibs) {
  Value doc = yaml_value(
      "kind: ConstraintTemplate\nspec:\n  targets:\n  - target: admission.k8s.gatekeeper.sh\n"
      "    rego: |\n      package a\n    libs:\n    - |\n      package lib.a\n");
  std::vector<std::string> sources;
  ASSERT_TRUE(constraint_template_sources(doc, sources));
  ASSERT_EQ(sources.size(), 2u);
  EXPECT_EQ(sources[0], "package a\n");
  EXPECT_EQ(sources[1], "package lib.a\n");
}

TEST(LoaderTest, ConstraintTemplateCodeEntries) {
  Value doc = yaml_value(
      "kind: ConstraintTemplate\nspec:\n  targets:\n  - code:\n    - engine: K8sNativeValidation\n"
      "      source: {}\n    - engine: Rego\n      source:\n        rego: package b\n"
      "        libs: [package lib.b]\n");
  std::vector<std::string> sources;
  ASSERT_TRUE(constraint_template_sources(doc, sources));
  ASSERT_EQ(sources.size(), 2u);
  EXPECT_EQ(sources[0], "package b");
  EXPECT_EQ(sources[1], "package lib.b");
}

TEST(LoaderTest, OtherDocumentsAreNotTemplates) {
  std::vector<std::string> sources;
  EXPECT_FALSE(constraint_template_sources(yaml_value("kind: Pod\n"), sources));
  EXPECT_FALSE(constraint_template_sources(yaml_value("[1]\n"), sources));
}

TEST(LoaderTest, DataLandsAtItsDirectoryPath) {
  TempDir dir;
  dir.write("policy.rego", "package p\n\nimport rego.v1\n\nregion := data.config.prod.region\n");
  dir.write("config/prod/data.json", R"({"region": "westeurope"})");
  dir.write("config/prod/extra.yaml", "replicas: 3\nenabled: yes\n");
  dir.write(".hidden/data.json", R"({"ignored": true})");
  dir.write("notes.txt", "not loaded");
  BuiltinRegistry registry;
  register_standard_builtins(registry);
  Engine engine(registry);
  std::vector<Diagnostic> errors;
  ASSERT_TRUE(load_paths(engine, {dir.path().string()}, LoadOptions{}, errors))
      << (errors.empty() ? "" : format_diagnostic(errors[0]));
  std::vector<QueryResult> results;
  ASSERT_TRUE(engine.query("x := data.config.prod", EvalOptions{}, results, errors))
      << (errors.empty() ? "" : format_diagnostic(errors[0]));
  ASSERT_EQ(results.size(), 1u);
  ASSERT_EQ(results[0].bindings.size(), 1u);
  // YAML data follows Go's yaml.v2, as OPA reads it: `yes` is a boolean.
  EXPECT_EQ(results[0].bindings[0].second.to_json(),
            R"({"enabled":true,"region":"westeurope","replicas":3})");
  results.clear();
  ASSERT_TRUE(engine.query("x := data.p.region", EvalOptions{}, results, errors));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].bindings[0].second, Value::string("westeurope"));
}

TEST(LoaderTest, ParseErrorsCarryFileLineAndSourceLine) {
  TempDir dir;
  dir.write("bad.json", "{\n  \"a\": [1,\n}\n");
  BuiltinRegistry registry;
  Engine engine(registry);
  std::vector<Diagnostic> errors;
  EXPECT_FALSE(load_paths(engine, {(dir.path() / "bad.json").string()}, LoadOptions{}, errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, "json_parse_error");
  EXPECT_EQ(errors[0].line, 3);
  EXPECT_EQ(errors[0].source_line, "}");
  EXPECT_NE(errors[0].file.find("bad.json"), std::string::npos);
}

// Errors in Rego embedded in a ConstraintTemplate point at the template file's own line and
// column, for compile errors found at query time as well as parse errors.
TEST(LoaderTest, TemplateRegoErrorsPointAtTheTemplateLine) {
  TempDir dir;
  dir.write("template.yaml",
            "apiVersion: templates.gatekeeper.sh/v1\n"
            "kind: ConstraintTemplate\n"
            "spec:\n"
            "  targets:\n"
            "    - target: admission.k8s.gatekeeper.sh\n"
            "      rego: |\n"
            "        package k8sexample\n"
            "\n"
            "        violation[{\"msg\": msg}] {\n"
            "          x > 1\n"
            "          msg := \"no\"\n"
            "        }\n");
  BuiltinRegistry registry;
  Engine engine(registry);
  std::vector<Diagnostic> errors;
  std::string path = (dir.path() / "template.yaml").string();
  ASSERT_TRUE(load_paths(engine, {path}, LoadOptions{}, errors));
  std::vector<QueryResult> results;
  EXPECT_FALSE(engine.query("data.k8sexample.violation", EvalOptions{}, results, errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, "rego_unsafe_var_error");
  EXPECT_EQ(errors[0].file, path);
  EXPECT_EQ(errors[0].line, 10);
  EXPECT_EQ(errors[0].col, 11);
  EXPECT_EQ(errors[0].source_line, "          x > 1");
}

TEST(LoaderTest, MissingPathIsAnError) {
  BuiltinRegistry registry;
  Engine engine(registry);
  std::vector<Diagnostic> errors;
  EXPECT_FALSE(load_paths(engine, {"/nonexistent/policyc"}, LoadOptions{}, errors));
  ASSERT_EQ(errors.size(), 1u);
}

TEST(EvalOutputTest, ResultsInOpaShape) {
  QueryResult r;
  r.expressions.push_back(QueryExpression{Value::boolean(true), "x := 1", 1, 1});
  r.bindings.emplace_back("x", Value::integer(1));
  EXPECT_EQ(results_to_json({r}),
            "{\n"
            "  \"result\": [\n"
            "    {\n"
            "      \"expressions\": [\n"
            "        {\n"
            "          \"value\": true,\n"
            "          \"text\": \"x := 1\",\n"
            "          \"location\": {\n"
            "            \"row\": 1,\n"
            "            \"col\": 1\n"
            "          }\n"
            "        }\n"
            "      ],\n"
            "      \"bindings\": {\n"
            "        \"x\": 1\n"
            "      }\n"
            "    }\n"
            "  ]\n"
            "}\n");
  EXPECT_EQ(results_to_json({}), "{}\n");
}

TEST(EvalOutputTest, BindingsOmittedWhenEmpty) {
  QueryResult r;
  r.expressions.push_back(QueryExpression{Value::string("a"), "data.p", 1, 1});
  std::string out = results_to_json({r});
  EXPECT_EQ(out.find("bindings"), std::string::npos);
  EXPECT_NE(out.find("\"value\": \"a\""), std::string::npos);
}

TEST(EvalOutputTest, ErrorsInOpaShape) {
  Diagnostic d;
  d.code = "rego_parse_error";
  d.message = "unexpected \"token\"";
  d.file = "p.rego";
  d.line = 2;
  d.col = 3;
  std::string out = errors_to_json({d});
  EXPECT_NE(out.find("\"code\": \"rego_parse_error\""), std::string::npos);
  EXPECT_NE(out.find("\"message\": \"unexpected \\\"token\\\"\""), std::string::npos);
  EXPECT_NE(out.find("\"row\": 2"), std::string::npos);
  EXPECT_NE(out.find("\"file\": \"p.rego\""), std::string::npos);
}

}  // namespace
}  // namespace policyc
