// Compiler-style rendering of diagnostics: location, code, message, source line and caret.
#include "policyc/core/diagnostic.hpp"

#include <string>

namespace policyc {

std::string format_diagnostic(const Diagnostic& d) {
  std::string out;
  if (!d.file.empty()) {
    out += d.file;
    out += ':';
  }
  if (d.line > 0) {
    out += std::to_string(d.line);
    out += ':';
    if (d.col > 0) {
      out += std::to_string(d.col);
      out += ':';
    }
  }
  if (!out.empty()) out += ' ';
  out += d.code.empty() ? "error" : d.code;
  out += ": ";
  out += d.message;
  out += '\n';
  if (!d.source_line.empty() && d.line > 0) {
    std::string line = d.source_line;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    out += "  ";
    out += line;
    out += '\n';
    if (d.col > 0) {
      out += "  ";
      // Keep tabs so the caret lines up under tab-indented Rego source.
      for (int i = 0; i + 1 < d.col && i < static_cast<int>(line.size()); ++i) {
        out += line[static_cast<size_t>(i)] == '\t' ? '\t' : ' ';
      }
      out += "^\n";
    }
  }
  return out;
}

}  // namespace policyc
