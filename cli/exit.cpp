#include "exit.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "policyc/core/io.hpp"

namespace policyc::cli {

namespace {

// Errors raised far from the loader name a file and line but carry no text for the caret.
void attach_source_line(Diagnostic& d) {
  if (!d.source_line.empty() || d.line <= 0 || d.file.empty()) return;
  std::string text;
  if (!read_file(d.file, text)) return;
  size_t start = 0;
  for (int line = 1; line < d.line; ++line) {
    start = text.find('\n', start);
    if (start == std::string::npos) return;
    ++start;
  }
  size_t end = text.find('\n', start);
  d.source_line = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace

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
