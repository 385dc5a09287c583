// Rego unit tests: find test_ rules, evaluate each on its own, report like `opa test`.
#include "policyc/check/test_runner.hpp"

#include <re2/re2.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "policyc/engine/engine.hpp"
#include "policyc/engine/explain.hpp"
#include "policyc/engine/loader.hpp"

namespace policyc::check {

namespace {

std::string join_package(const std::vector<std::string>& package) {
  std::string out = "data";
  for (const auto& part : package) out += "." + part;
  return out;
}

const char* status_word(TestResult::Status s) {
  switch (s) {
    case TestResult::Status::Pass:
      return "PASS";
    case TestResult::Status::Fail:
      return "FAIL";
    case TestResult::Status::Error:
      return "ERROR";
    case TestResult::Status::Skip:
      return "SKIPPED";
  }
  return "FAIL";
}

}  // namespace

namespace {

// The test evaluated again with a recorder: the expressions that failed, with their values
// (what `opa test --var-values` shows).
std::string explain_failure(Engine& engine, const std::string& test) {
  explain::Recorder recorder;
  EvalOptions eval_options;
  eval_options.print = [](const std::string&) {};
  eval_options.tracer = &recorder;
  std::vector<QueryResult> ignored_results;
  std::vector<Diagnostic> ignored_errors;
  engine.query(test, eval_options, ignored_results, ignored_errors);
  explain::RenderOptions render;
  render.proofs = false;
  render.earlier = [&recorder](const std::string& rule) { return recorder.latest(rule).get(); };
  std::string out;
  for (const auto& root : recorder.roots()) out += explain::to_text(*root, render, 2);
  return out;
}

}  // namespace

bool run_tests(const TestOptions& options, const BuiltinRegistry& registry,
               std::vector<TestResult>& results, std::vector<Diagnostic>& errors,
               std::vector<Diagnostic>* warnings) {
  Engine engine(registry);
  LoadOptions load_options;
  load_options.v0 = options.v0_compatible;
  if (!load_paths(engine, options.paths, load_options, errors)) return false;
  if (!engine.compile(errors)) return false;
  if (warnings) *warnings = engine.warnings();
  // RE2 syntax, as `opa test --run` (Go's regexp) reads it.
  RE2 filter(options.run.empty() ? std::string(".*") : options.run, RE2::Quiet);
  if (!filter.ok()) {
    errors.push_back(
        {"usage_error", "--run: invalid regular expression: " + filter.error(), "", 0, 0, ""});
    return false;
  }
  // A test defined by several bodies is one test, reported at its first definition.
  std::map<std::string, TestResult> tests;
  std::vector<std::string> order;
  for (const auto& rule : engine.rules()) {
    bool todo = rule.name.starts_with("todo_test_");
    if (rule.is_function || (!rule.name.starts_with("test_") && !todo)) continue;
    std::string name = join_package(rule.package) + "." + rule.name;
    if (!options.run.empty() && !RE2::PartialMatch(name, filter)) continue;
    if (tests.count(name)) continue;
    TestResult result;
    result.name = name;
    result.file = rule.file;
    result.line = rule.line;
    result.status = todo ? TestResult::Status::Skip : TestResult::Status::Pass;
    tests.emplace(name, std::move(result));
    order.push_back(name);
  }
  for (const auto& name : order) {
    TestResult& test = tests.at(name);
    if (test.status == TestResult::Status::Skip) {
      results.push_back(std::move(test));
      continue;
    }
    EvalOptions eval_options;
    eval_options.print = [&test](const std::string& line) { test.output.push_back(line); };
    ResourceLimits limits = ResourceLimits::starting_now(options.timeout, options.max_memory);
    eval_options.limits = &limits;
    std::vector<QueryResult> query_results;
    std::vector<Diagnostic> eval_errors;
    auto start = std::chrono::steady_clock::now();
    bool ok = engine.query(name, eval_options, query_results, eval_errors);
    test.milliseconds =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (!ok) {
      test.status = TestResult::Status::Error;
      for (const auto& d : eval_errors) {
        if (d.code == "eval_cancel_error" || d.code == "eval_memory_error")
          test.limit_reached = true;
        if (!test.error.empty()) test.error += "; ";
        test.error += format_diagnostic(d);
        while (!test.error.empty() && test.error.back() == '\n') test.error.pop_back();
      }
    } else if (query_results.empty() || query_results[0].expressions.empty() ||
               query_results[0].expressions[0].value.is_false()) {
      test.status = TestResult::Status::Fail;
      if (options.explain_failures) test.explanation = explain_failure(engine, name);
    }
    results.push_back(std::move(test));
  }
  return true;
}

std::string tests_to_text(const std::vector<TestResult>& results, bool verbose) {
  std::string out;
  std::string file;
  size_t counts[4] = {0, 0, 0, 0};
  for (const auto& r : results) {
    ++counts[static_cast<int>(r.status)];
    bool show =
        verbose || r.status == TestResult::Status::Fail || r.status == TestResult::Status::Error;
    if (!show) continue;
    if (r.file != file) {
      if (!file.empty()) out += "\n";
      out += r.file + ":\n";
      file = r.file;
    }
    out += r.name + ": " + status_word(r.status);
    if (verbose) {
      char buf[32];
      std::snprintf(buf, sizeof buf, " (%.3fms)", r.milliseconds);
      out += buf;
    }
    if (r.status != TestResult::Status::Pass)
      out += " [" + r.file + ":" + std::to_string(r.line) + "]";
    out += "\n";
    if (!r.error.empty()) out += "  " + r.error + "\n";
    for (const auto& line : r.output) out += "  " + line + "\n";
    if (verbose) out += r.explanation;
  }
  size_t total = results.size();
  if (!out.empty()) out += std::string(80, '-') + "\n";
  const TestResult::Status kinds[] = {TestResult::Status::Pass, TestResult::Status::Fail,
                                      TestResult::Status::Error, TestResult::Status::Skip};
  for (auto kind : kinds) {
    size_t n = counts[static_cast<int>(kind)];
    if (n == 0 && kind != TestResult::Status::Pass) continue;
    out += std::string(status_word(kind)) + ": " + std::to_string(n) + "/" + std::to_string(total) +
           "\n";
  }
  if (total == 0) out = "no tests found\n";
  return out;
}

bool tests_passed(const std::vector<TestResult>& results) {
  for (const auto& r : results) {
    if (r.status == TestResult::Status::Fail || r.status == TestResult::Status::Error) return false;
  }
  return !results.empty();
}

}  // namespace policyc::check
