#include "exit.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "policyc/core/io.hpp"

namespace policyc::cli {

int report_diagnostics(std::vector<Diagnostic>& errors) {
  for (auto& d : errors) {
    attach_source_line(d);
    std::fputs(format_diagnostic(d).c_str(), stderr);
  }
  return kExitUsageOrInput;
}

void exit_without_teardown(int code) {
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(code);
}

}  // namespace policyc::cli
