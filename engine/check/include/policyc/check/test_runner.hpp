// `policyc test`: runs Rego unit tests the way `opa test` does. A test is a rule whose name
// starts with `test_`; it passes when its value is defined and not false. Rules named
// `todo_test_*` are reported as skipped.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "policyc/core/builtin.hpp"
#include "policyc/core/diagnostic.hpp"

namespace policyc::check {

struct TestOptions {
  std::vector<std::string> paths;  // files and directories, loaded like `eval -d`
  std::string run;                 // RE2 regex on "data.pkg.test_name"; "" runs all
  bool v0_compatible = false;
  // A failing test is evaluated again to explain which expression failed and with what
  // values (TestResult::explanation; `policyc test -v`).
  bool explain_failures = false;
  // Each test's time limit (as `opa test --timeout`; 0: none) and the process's memory cap
  // (0: none). A test that reaches one is an error naming where it stopped.
  std::chrono::milliseconds timeout{0};
  size_t max_memory = 0;
};

struct TestResult {
  enum class Status { Pass, Fail, Error, Skip };
  std::string name;  // data.pkg.test_name
  std::string file;
  int line = 0;
  Status status = Status::Pass;
  std::string error;                // for Error: the evaluation error
  bool limit_reached = false;       // the Error is a time or memory limit
  std::vector<std::string> output;  // what the test printed
  std::string explanation;          // with TestOptions::explain_failures, for a failure
  double milliseconds = 0;
};

// False on load or compile errors (in `errors`); test failures are results. `warnings` gets
// what compiling the policies found questionable (Engine::warnings).
bool run_tests(const TestOptions& options, const BuiltinRegistry& registry,
               std::vector<TestResult>& results, std::vector<Diagnostic>& errors,
               std::vector<Diagnostic>* warnings = nullptr);

// OPA's report: failures and errors (every test with `verbose`, and a failure's explanation),
// then PASS/FAIL counts.
std::string tests_to_text(const std::vector<TestResult>& results, bool verbose);

bool tests_passed(const std::vector<TestResult>& results);

}  // namespace policyc::check
