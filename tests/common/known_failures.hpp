// A corpus suite's known failures: the cases it may fail, each with the reason. A run passes
// when every case passes except the listed ones, and every listed case still fails: a case
// that starts passing must leave the list, so a regression elsewhere cannot hide behind it.
//
// File format: one case per line, `NAME  # reason`; blank lines and lines starting with `#`
// are comments. Every entry must give a reason.
#pragma once

#include <cstdio>
#include <map>
#include <set>
#include <string>

namespace policyc::testing {

class KnownFailures {
 public:
  // An empty path lists nothing. False (with `error`) when the file cannot be read or an entry
  // has no reason.
  bool load(const std::string& path, std::string& error);

  // Records the outcome of case `name`; true when it failed and is listed.
  bool excuse(const std::string& name, bool failed);

  // Prints the listed cases that passed, and (when every case ran: no filter) those that never
  // ran; false when there are any.
  bool report_stale(std::FILE* out, bool every_case_ran) const;

  size_t excused() const { return excused_; }
  const std::string& reason(const std::string& name) const { return entries_.at(name); }

 private:
  std::string path_;
  std::map<std::string, std::string> entries_;  // name -> reason
  std::set<std::string> seen_failing_;
  std::set<std::string> seen_passing_;
  size_t excused_ = 0;
};

}  // namespace policyc::testing
