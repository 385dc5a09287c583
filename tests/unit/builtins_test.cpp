// Direct calls into the builtin library through the registry, as the evaluator makes them.
#include "policyc/builtins/builtins.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "policyc/core/io.hpp"

namespace policyc {
namespace {

class BuiltinsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    registry_ = new BuiltinRegistry();
    register_standard_builtins(*registry_);
  }
  static void TearDownTestSuite() {
    delete registry_;
    registry_ = nullptr;
  }

  Value call(std::string_view name, std::vector<Value> args) {
    const BuiltinDecl* decl = registry_->find(name);
    EXPECT_NE(decl, nullptr) << name;
    if (!decl) return Value();
    EXPECT_EQ(decl->arg_types.size(), args.size()) << name;
    return decl->fn(args, ctx_);
  }

  // The error a call raises, as "code: message".
  std::string error_of(std::string_view name, std::vector<Value> args) {
    try {
      call(name, std::move(args));
    } catch (const BuiltinError& e) {
      return e.code + ": " + e.what();
    }
    return "no error";
  }

  static Value json(std::string_view text) {
    Value v;
    TextError err;
    EXPECT_TRUE(parse_json(text, v, err)) << text << ": " << err.message;
    return v;
  }

  static Value str(const char* s) { return Value::string(s); }
  static Value num(int64_t i) { return Value::integer(i); }

  static BuiltinRegistry* registry_;
  BuiltinContext ctx_;
};

BuiltinRegistry* BuiltinsTest::registry_ = nullptr;

TEST_F(BuiltinsTest, SprintfFormatsLikeGo) {
  EXPECT_EQ(call("sprintf", {str("%s=%d (%.2f)"), json(R"(["n", 42, 3.14159])")}).str(),
            "n=42 (3.14)");
  EXPECT_EQ(call("sprintf", {str("%v"), json(R"([{"b": [1, "x"], "a": null}])")}).str(),
            R"({"a": null, "b": [1, "x"]})");
  EXPECT_EQ(call("sprintf", {str("%05d|%-4s|%x"), json(R"([7, "ab", 255])")}).str(),
            "00007|ab  |ff");
  EXPECT_EQ(call("sprintf", {str("%t %d"), json("[true, 3.5]")}).str(),
            "%!t(string=true) %!d(float64=3.5)");
  EXPECT_EQ(call("sprintf", {str("%d %d"), json("[1]")}).str(), "1 %!d(MISSING)");
  EXPECT_EQ(error_of("sprintf", {str("%v"), num(1)}),
            "eval_type_error: sprintf: operand 2 must be array but got number");
}

TEST_F(BuiltinsTest, RegexMatchCachesAndReportsGoErrors) {
  EXPECT_TRUE(call("regex.match", {str("^a+b$"), str("aab")}).is_true());
  EXPECT_TRUE(call("regex.match", {str("^a+b$"), str("aab")}).is_true());
  EXPECT_TRUE(call("regex.match", {str("^a+b$"), str("ba")}).is_false());
  EXPECT_EQ(error_of("regex.match", {str("("), str("x")}),
            "eval_builtin_error: regex.match: error parsing regexp: missing closing ): `(`");
  EXPECT_EQ(call("regex.replace", {str("abc-123"), str("([a-z]+)-([0-9]+)"), str("$2-$1")}).str(),
            "123-abc");
}

TEST_F(BuiltinsTest, ObjectGetKeysAndPaths) {
  Value obj = json(R"({"a": {"b": [10, 20]}})");
  EXPECT_EQ(call("object.get", {obj, str("a"), num(0)}), json(R"({"b": [10, 20]})"));
  EXPECT_EQ(call("object.get", {obj, str("z"), num(0)}), num(0));
  EXPECT_EQ(call("object.get", {obj, json(R"(["a", "b", 1])"), num(0)}), num(20));
  EXPECT_EQ(error_of("object.get", {num(1), str("a"), num(0)}),
            "eval_type_error: object.get: operand 1 must be object but got number");
}

TEST_F(BuiltinsTest, UnitsParseBytes) {
  EXPECT_EQ(call("units.parse_bytes", {str("1KiB")}), num(1024));
  EXPECT_EQ(call("units.parse_bytes", {str("10mb")}), num(10000000));
  EXPECT_EQ(call("units.parse_bytes", {str("1.5Ki")}), num(1536));
  EXPECT_EQ(error_of("units.parse_bytes", {str("1XB")}),
            "eval_builtin_error: units.parse_bytes: units.parse_bytes: byte unit xb not "
            "recognized");
  EXPECT_EQ(call("units.parse", {str("100m")}), Value::rational(mpq_class(1, 10)));
}

TEST_F(BuiltinsTest, TimeParseRfc3339) {
  EXPECT_EQ(call("time.parse_rfc3339_ns", {str("2021-03-04T05:06:07+02:00")}),
            num(1614827167000000000));
  EXPECT_EQ(call("time.parse_rfc3339_ns", {str("1969-12-31T23:59:59Z")}), num(-1000000000));
  EXPECT_EQ(error_of("time.parse_rfc3339_ns", {str("2021-13-01T00:00:00Z")}),
            "eval_builtin_error: time.parse_rfc3339_ns: parsing time "
            "\"2021-13-01T00:00:00Z\": month out of range");
  EXPECT_EQ(call("time.format", {json(R"([1615000000000000000, "Asia/Kolkata"])")}).str(),
            "2021-03-06T08:36:40+05:30");
}

TEST_F(BuiltinsTest, NetCidrContains) {
  EXPECT_TRUE(call("net.cidr_contains", {str("10.0.0.0/8"), str("10.1.2.3")}).is_true());
  EXPECT_TRUE(call("net.cidr_contains", {str("10.0.0.0/8"), str("11.0.0.1")}).is_false());
  EXPECT_TRUE(call("net.cidr_contains", {str("2001:db8::/32"), str("2001:db8::1")}).is_true());
  EXPECT_TRUE(call("net.cidr_contains", {str("2001:db8::/32"), str("10.0.0.1")}).is_false());
  EXPECT_EQ(error_of("net.cidr_contains", {str("10.0.0.0/33"), str("10.0.0.1")}),
            "eval_builtin_error: net.cidr_contains: invalid CIDR address: 10.0.0.0/33");
}

TEST_F(BuiltinsTest, ArithmeticIsExact) {
  EXPECT_EQ(call("plus", {num(INT64_MAX), num(1)}).number_to_string(), "9223372036854775808");
  EXPECT_EQ(call("div", {num(10), num(4)}), Value::rational(mpq_class(5, 2)));
  EXPECT_EQ(call("div", {num(10), num(5)}), num(2));
  EXPECT_EQ(error_of("div", {num(1), num(0)}), "eval_builtin_error: div: divide by zero");
  EXPECT_EQ(error_of("rem", {num(1), num(0)}), "eval_builtin_error: rem: modulo by zero");
  EXPECT_EQ(call("round", {Value::number_from_text("-2.5")}), num(-3));
  EXPECT_EQ(call("sum", {json("[9223372036854775807, 1]")}).number_to_string(),
            "9223372036854775808");
}

TEST_F(BuiltinsTest, RandAndUuidAreMemoisedPerQuery) {
  ctx_.seed = 42;
  Value a = call("rand.intn", {str("k"), num(1000)});
  EXPECT_EQ(a, call("rand.intn", {str("k"), num(1000)}));
  Value u = call("uuid.rfc4122", {str("k")});
  EXPECT_EQ(u, call("uuid.rfc4122", {str("k")}));
  EXPECT_EQ(call("uuid.parse", {u}).get(str("version")), num(4));
}

TEST_F(BuiltinsTest, WalkIsARelationInPreOrder) {
  const BuiltinDecl* walk = registry_->find("walk");
  ASSERT_NE(walk, nullptr);
  EXPECT_TRUE(walk->relation);
  EXPECT_EQ(call("walk", {json(R"({"a": [1]})")}),
            json(R"([[[], {"a": [1]}], [["a"], [1]], [["a", 0], 1]])"));
}

TEST_F(BuiltinsTest, EveryDeclarationIsComplete) {
  for (const auto& [name, decl] : registry_->all()) {
    EXPECT_NE(decl.fn, nullptr) << name;
    EXPECT_FALSE(decl.description.empty()) << name;
    EXPECT_FALSE(decl.category.empty()) << name;
    EXPECT_FALSE(decl.result_type.empty()) << name;
  }
  for (const auto& u : unsupported_builtins()) {
    EXPECT_EQ(registry_->find(u.name), nullptr) << u.name;
    EXPECT_FALSE(u.reason.empty()) << u.name;
  }
  std::string md = builtins_markdown(*registry_);
  EXPECT_NE(md.find("| `sprintf` |"), std::string::npos);
  EXPECT_NE(md.find("## Unsupported"), std::string::npos);
}

// docs/builtins.md is generated from the registry: when builtins change, regenerate it with
// `UPDATE_EXPECTED=1 build/tests/policyc_unit_tests --gtest_filter='*DocsMatchTheRegistry'`.
TEST_F(BuiltinsTest, DocsMatchTheRegistry) {
  auto docs = std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "docs" / "builtins.md";
  std::string expected = builtins_markdown(*registry_);
  if (std::getenv("UPDATE_EXPECTED")) {
    std::ofstream(docs, std::ios::binary) << expected;
    GTEST_SKIP() << "wrote " << docs;
  }
  std::string text;
  if (!read_file(docs.string(), text)) GTEST_SKIP() << "no " << docs;
  EXPECT_EQ(text, expected) << "docs/builtins.md is stale: regenerate it with UPDATE_EXPECTED=1 "
                               "(see the comment above this test)";
}

}  // namespace
}  // namespace policyc
