// Runs one case of OPA's YAML conformance format (see ../shared/corpus/README.md).
#pragma once

#include <filesystem>
#include <string>

#include "policyc/core/builtin.hpp"
#include "policyc/core/value.hpp"

namespace policyc::conformance {

struct TestCase {
  std::string note;
  std::filesystem::path file;  // the YAML file; module and data file names are relative to it
  Value spec;                  // the case's mapping as read from YAML
};

enum class Outcome : char { Pass = 'P', Fail = 'F', Skip = 'S' };

struct CaseResult {
  Outcome outcome = Outcome::Fail;
  std::string detail;  // why it failed (expected vs got) or was skipped
};

struct RunOptions {
  bool v0 = false;  // parse modules with Rego v0 syntax
};

CaseResult run_case(const TestCase& test, const BuiltinRegistry& registry,
                    const RunOptions& options);

}  // namespace policyc::conformance
