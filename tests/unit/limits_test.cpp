// Resource limits (time, memory) and the hardening around them: what evaluation reports when a
// limit is reached, builtins that refuse to build more than the cap allows, output files
// written whole or not at all, diagnostics that stay readable on hostile lines, and Rego
// source bytes OPA's scanner refuses.
#include "policyc/core/limits.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "policyc/builtins/builtins.hpp"
#include "policyc/core/diagnostic.hpp"
#include "policyc/core/io.hpp"
#include "policyc/engine/engine.hpp"

namespace policyc {
namespace {

using std::chrono::milliseconds;

std::vector<Diagnostic> evaluate(const std::string& module, const std::string& query,
                                 const ResourceLimits* limits,
                                 std::vector<QueryResult>* results_out = nullptr) {
  BuiltinRegistry registry;
  register_standard_builtins(registry);
  Engine engine(registry);
  std::vector<Diagnostic> errors;
  if (!engine.add_module("limits.rego", module, false, errors)) return errors;
  EvalOptions options;
  options.limits = limits;
  std::vector<QueryResult> results;
  engine.query(query, options, results, errors);
  if (results_out) *results_out = results;
  return errors;
}

TEST(Limits, ParsesDurationsAsGoDoes) {
  milliseconds d{};
  ASSERT_TRUE(parse_duration("30s", d));
  EXPECT_EQ(d.count(), 30000);
  ASSERT_TRUE(parse_duration("1m30s", d));
  EXPECT_EQ(d.count(), 90000);
  ASSERT_TRUE(parse_duration("500ms", d));
  EXPECT_EQ(d.count(), 500);
  ASSERT_TRUE(parse_duration("1.5h", d));
  EXPECT_EQ(d.count(), 5400000);
  ASSERT_TRUE(parse_duration("2", d));  // bare: seconds
  EXPECT_EQ(d.count(), 2000);
  ASSERT_TRUE(parse_duration("0", d));
  EXPECT_EQ(d.count(), 0);
  for (const char* bad : {"", "2x", "s", "-1s", "1s2", "ms"})
    EXPECT_FALSE(parse_duration(bad, d)) << bad;
}

TEST(Limits, ParsesSizesInDecimalAndBinaryUnits) {
  size_t n = 0;
  ASSERT_TRUE(parse_size("512MB", n));
  EXPECT_EQ(n, 512000000u);
  ASSERT_TRUE(parse_size("1GiB", n));
  EXPECT_EQ(n, size_t{1} << 30);
  ASSERT_TRUE(parse_size("2g", n));
  EXPECT_EQ(n, 2000000000u);
  ASSERT_TRUE(parse_size("1048576", n));
  EXPECT_EQ(n, 1048576u);
  for (const char* bad : {"", "MB", "12XB", "-5MB"}) EXPECT_FALSE(parse_size(bad, n)) << bad;
  EXPECT_EQ(format_size(512000000), "512MB");
  EXPECT_EQ(format_size(size_t{2} << 30), "2.0 GiB");
  EXPECT_EQ(format_duration(milliseconds(90000)), "90s");
  EXPECT_EQ(format_duration(milliseconds(300000)), "5m");
  EXPECT_EQ(format_duration(milliseconds(1500)), "1500ms");
}

TEST(Limits, NoLimitsNeverStops) {
  LimitGuard guard(nullptr);
  for (int i = 0; i < 100000; ++i) guard.tick();
  EXPECT_NO_THROW(guard.reserve(size_t{1} << 40));
}

TEST(Limits, GuardStopsPastTheDeadline) {
  ResourceLimits limits = ResourceLimits::starting_now(milliseconds(1), 0);
  std::this_thread::sleep_for(milliseconds(5));
  LimitGuard guard(&limits);
  try {
    for (int i = 0; i < 1000; ++i) guard.tick();
    FAIL() << "no LimitExceeded";
  } catch (const LimitExceeded& e) {
    EXPECT_EQ(e.kind, LimitExceeded::Kind::Time);
    EXPECT_NE(std::string(e.what()).find("--timeout 1ms"), std::string::npos) << e.what();
  }
}

TEST(Limits, ReserveRefusesWhatPassesTheCap) {
  // A cap well above what a test process holds, even under the sanitizers.
  ResourceLimits limits = ResourceLimits::starting_now(milliseconds(0), size_t{2} << 30);
  LimitGuard guard(&limits);
  EXPECT_THROW(guard.reserve(size_t{3} << 30), LimitExceeded);
  guard.reserve(size_t{4} << 20);
  guard.reserve(100);  // small values are left to the periodic poll
}

TEST(Limits, TimeoutNamesTheRuleAndExpression) {
  ResourceLimits limits = ResourceLimits::starting_now(milliseconds(200), 0);
  auto errors = evaluate(
      "package t\n\nq := count([[a, b] | some a in numbers.range(1, 100000); some b in "
      "numbers.range(1, 100000)])\n",
      "data.t.q", &limits);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, "eval_cancel_error");
  EXPECT_EQ(errors[0].file, "limits.rego");
  EXPECT_EQ(errors[0].line, 3);
  EXPECT_NE(errors[0].message.find("while evaluating data.t.q"), std::string::npos)
      << errors[0].message;
  EXPECT_FALSE(errors[0].source_line.empty());
}

TEST(Limits, TimeoutInsideOneIterationExpression) {
  // One expression producing every solution: the limit is polled per solution too.
  ResourceLimits limits = ResourceLimits::starting_now(milliseconds(200), 0);
  auto start = std::chrono::steady_clock::now();
  auto errors = evaluate("package t\n\nq := count([n | some n in numbers.range(1, 30000000)])\n",
                         "data.t.q", &limits);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, "eval_cancel_error");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST(Limits, MemoryCapRefusesAHugeRangeBeforeBuildingIt) {
  ResourceLimits limits = ResourceLimits::starting_now(milliseconds(0), size_t{512} << 20);
  auto errors =
      evaluate("package t\n\np := count(numbers.range(1, 1000000000000))\n", "data.t.p", &limits);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, "eval_memory_error");
  EXPECT_EQ(errors[0].line, 3);
  EXPECT_NE(errors[0].message.find("data.t.p"), std::string::npos) << errors[0].message;
}

TEST(Limits, MemoryCapRefusesSharedValuesWrittenOut) {
  // Each level doubles the JSON text while the value only shares its parts.
  std::string module =
      "package t\n\nv0 := concat(\"\", [\"x\" | some _ in numbers.range(1, 1000)])\n";
  for (int i = 1; i <= 24; ++i)
    module += "v" + std::to_string(i) + " := [v" + std::to_string(i - 1) + ", v" +
              std::to_string(i - 1) + "]\n";
  module += "p := count(json.marshal(v24))\n";
  ResourceLimits limits = ResourceLimits::starting_now(milliseconds(0), size_t{512} << 20);
  auto errors = evaluate(module, "data.t.p", &limits);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, "eval_memory_error");
}

TEST(Limits, MemoryCapRefusesStringsGrownFromSharedParts) {
  // A 1 MB string, joined 10,000 times over, and grown by replacing every gap with it.
  const std::string mb = "s := concat(\"\", [\"x\" | some _ in numbers.range(1, 1000000)])\n";
  ResourceLimits limits = ResourceLimits::starting_now(milliseconds(0), size_t{512} << 20);
  for (const char* rule : {"p := count(concat(\"\", [s | some _ in numbers.range(1, 10000)]))\n",
                           "p := count(replace(substring(s, 0, 100000), \"\", s))\n",
                           "p := count(regex.replace(substring(s, 0, 100000), \"x\", s))\n"}) {
    auto errors = evaluate("package t\n\n" + mb + rule, "data.t.p", &limits);
    ASSERT_EQ(errors.size(), 1u) << rule;
    EXPECT_EQ(errors[0].code, "eval_memory_error") << rule;
    EXPECT_EQ(errors[0].line, 4) << rule;
  }
}

TEST(Limits, RangesAreExactUnderALimit) {
  ResourceLimits limits = ResourceLimits::starting_now(milliseconds(10000), size_t{1} << 30);
  std::vector<QueryResult> results;
  auto errors = evaluate(
      "package t\n\np := [numbers.range(1, 3), numbers.range(3, 1), numbers.range_step(0, 10, "
      "4), numbers.range(9223372036854775806, 9223372036854775807)]\n",
      "data.t.p", &limits, &results);
  ASSERT_TRUE(errors.empty()) << errors[0].message;
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].expressions[0].value.to_json(),
            "[[1,2,3],[3,2,1],[0,4,8],[9223372036854775806,9223372036854775807]]");
}

TEST(AtomicOutput, ReplacesTheFileOnlyWhenComplete) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / "policyc-atomic-output-test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::path target = dir / "report.txt";
  std::ofstream(target) << "previous";
  {
    AtomicOutput out;
    std::string error;
    ASSERT_TRUE(out.open(target.string(), error)) << error;
    std::fputs("half", out.file());
    // Abandoned without commit: the previous file stays, the temporary is gone.
  }
  std::string text;
  ASSERT_TRUE(read_file(target.string(), text));
  EXPECT_EQ(text, "previous");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  {
    AtomicOutput out;
    std::string error;
    ASSERT_TRUE(out.open(target.string(), error)) << error;
    std::fputs("complete", out.file());
    ASSERT_TRUE(out.commit(error)) << error;
  }
  ASSERT_TRUE(read_file(target.string(), text));
  EXPECT_EQ(text, "complete");
  AtomicOutput full;
  std::string error;
  ASSERT_TRUE(full.open("/dev/full", error)) << error;
  std::fputs("x", full.file());
  EXPECT_FALSE(full.commit(error));
  EXPECT_NE(error.find("No space"), std::string::npos) << error;
  AtomicOutput missing;
  EXPECT_FALSE(missing.open((dir / "no" / "such" / "dir.txt").string(), error));
  fs::remove_all(dir);
}

TEST(Diagnostics, ShowAWindowOfALongLineAndMaskControlBytes) {
  Diagnostic d;
  d.code = "rego_parse_error";
  d.message = "m";
  d.file = "f.rego";
  d.line = 1;
  d.col = 5001;
  d.source_line = std::string(5000, 'a') + "X" + std::string(5000, 'b');
  std::string text = format_diagnostic(d);
  EXPECT_LT(text.size(), 500u);
  size_t line_start = text.find("\n  ") + 3;
  size_t x = text.find('X', line_start);
  size_t caret = text.find('^');
  size_t caret_line = text.rfind('\n', caret) + 3;
  EXPECT_EQ(x - line_start, caret - caret_line);
  d.col = 3;
  d.source_line = std::string("a\x01\x1b[31m\xff\x00z", 9);
  text = format_diagnostic(d);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(text.find('\xff'), std::string::npos);
  EXPECT_EQ(text.find('\0'), std::string::npos);
}

TEST(RegoSource, RefusesWhatOpasScannerRefuses) {
  struct Case {
    std::string text;
    std::string message;
    int line, col;
  };
  for (const auto& c : std::vector<Case>{
           {"package t\n\np := \"\xff\"\n", "illegal utf-8 character", 3, 7},
           {"package t\n# \xc0\xaf\np := 1\n", "illegal utf-8 character", 2, 3},
           {std::string("package t\n\np := 1\0\n", 18), "illegal null character", 3, 7},
           {"package t\n\np := \"\xef\xbb\xbf\"\n", "illegal byte-order mark", 3, 7},
           {"package t\n\np := \"\xed\xa0\x80\"\n", "illegal utf-8 character", 3, 7},
       }) {
    auto errors = evaluate(c.text, "data.t.p", nullptr);
    ASSERT_EQ(errors.size(), 1u) << c.message;
    EXPECT_EQ(errors[0].code, "rego_parse_error");
    EXPECT_EQ(errors[0].message, c.message);
    EXPECT_EQ(errors[0].line, c.line) << c.message;
    EXPECT_EQ(errors[0].col, c.col) << c.message;
  }
  std::vector<QueryResult> results;
  auto errors =
      evaluate("\xef\xbb\xbfpackage t\n\np := \"\xc3\xa9\"\n", "data.t.p", nullptr, &results);
  ASSERT_TRUE(errors.empty()) << errors[0].message;  // a leading byte-order mark is skipped
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].expressions[0].value.str(), "\xc3\xa9");
}

}  // namespace
}  // namespace policyc
