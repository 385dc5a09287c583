// Compiler-style rendering of diagnostics: location, code, message, source line and caret.
#include "policyc/core/diagnostic.hpp"

#include <algorithm>
#include <string>

#include "policyc/core/utf8.hpp"

namespace policyc {

namespace {
constexpr size_t kMaxShownLine = 160;
}  // namespace

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
    // A line of a generated or hostile file can run to megabytes: show a window of it around
    // the column, cut at character boundaries.
    size_t caret = d.col > 0 ? static_cast<size_t>(d.col - 1) : 0;
    std::string before, after;
    if (line.size() > kMaxShownLine) {
      size_t start = caret > kMaxShownLine / 2 ? caret - kMaxShownLine / 2 : 0;
      if (start > line.size()) start = line.size();
      size_t end = std::min(line.size(), start + kMaxShownLine);
      auto continuation = [&](size_t i) {
        return i < line.size() && (static_cast<unsigned char>(line[i]) & 0xC0) == 0x80;
      };
      while (start > 0 && continuation(start)) --start;
      while (end < line.size() && continuation(end)) ++end;
      if (start > 0) before = "...";
      if (end < line.size()) after = "...";
      line = line.substr(start, end - start);
      caret = caret >= start ? caret - start + before.size() : before.size();
    }
    // Control characters (a NUL byte, an escape sequence) and bytes that are not UTF-8 would
    // reach the terminal raw.
    for (size_t i = 0; i < line.size();) {
      unsigned char c = static_cast<unsigned char>(line[i]);
      size_t len = utf8_sequence_length(line, i);
      if (len == 0 || (c < 0x20 && c != '\t') || c == 0x7F) {
        line[i++] = '?';
      } else {
        i += len;
      }
    }
    line = before + line + after;
    out += "  ";
    out += line;
    out += '\n';
    if (d.col > 0) {
      out += "  ";
      // Keep tabs so the caret lines up under tab-indented Rego source.
      for (size_t i = 0; i < caret && i < line.size(); ++i) out += line[i] == '\t' ? '\t' : ' ';
      out += "^\n";
    }
  }
  return out;
}

}  // namespace policyc
