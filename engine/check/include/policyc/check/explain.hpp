// `policyc explain`: why a decision rule produced a finding for a service, or why it did not,
// down through the rules and functions it used to the blueprint lines of the values it read.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "policyc/check/check.hpp"

namespace policyc::check {

struct ExplainOptions {
  std::string environment;  // "": the first environment the system declares, else prod
  std::string rule;         // custom.id, data path, or name
  std::string service;      // "": every service
  // >= 0: the finding at this index of `policyc check --format json`'s results, checked with
  // the same options; it names the rule, service and environment.
  long finding = -1;
  bool why_not = false;  // explain the attempts that failed even when the rule fired
  int depth = 4;         // rules and functions nested deeper are listed by value only
};

struct ExplainReport {
  ExplainReport();
  ~ExplainReport();
  ExplainReport(ExplainReport&&) noexcept;
  ExplainReport& operator=(ExplainReport&&) noexcept;

  RuleDescriptor rule;
  std::string environment;
  std::string service;
  std::vector<Finding> findings;  // the rule's findings for the service (all when none given)
  struct Impl;
  std::unique_ptr<Impl> impl;  // the recorded evaluation and what locates its values
};

bool run_explain(const std::string& blueprint_path, const CheckOptions& check_options,
                 const ExplainOptions& options, const BuiltinRegistry& registry,
                 ExplainReport& report, std::vector<Diagnostic>& errors);

// Secret literals are masked in both, as in check's reports.
std::string explain_to_text(const ExplainReport& report);
Value explain_to_json(const ExplainReport& report);

}  // namespace policyc::check
