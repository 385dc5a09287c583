// The human report: findings grouped by service and environment, each with the blueprint
// line and a caret under the value, the overlay that set it, and the policy rule's location.
#include <string>

#include "internal.hpp"

namespace policyc::check {

namespace {

struct Style {
  bool color = false;
  std::string wrap(const char* code, const std::string& text) const {
    return color ? std::string("\x1b[") + code + "m" + text + "\x1b[0m" : text;
  }
  std::string severity(Severity s, bool waived) const {
    std::string label = waived ? "waived" : severity_name(s);
    if (waived) return wrap("2", label);
    return wrap(s == Severity::Error ? "1;31" : s == Severity::Warning ? "1;33" : "1;36", label);
  }
};

std::string plural(size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace

void append_caret(std::string& out, const Finding& f, const std::string& indent) {
  if (f.source_line.empty() && f.line <= 0) return;
  std::string number = std::to_string(f.line);
  std::string gutter(number.size(), ' ');
  out += indent + number + " | " + f.source_line + "\n";
  // Tabs stay tabs so the caret lines up under the value however the terminal shows them.
  std::string pad;
  for (int i = 1; i < f.column && static_cast<size_t>(i - 1) < f.source_line.size(); ++i)
    pad += f.source_line[static_cast<size_t>(i - 1)] == '\t' ? '\t' : ' ';
  out += indent + gutter + " | " + pad + "^\n";
}

void append_location(std::string& out, const Finding& f, const std::string& indent) {
  if (!f.file.empty()) {
    out += indent + "--> " + location_text(f);
    if (!f.path.empty()) out += " (" + f.path + ")";
    out += "\n";
    if (!f.set_by.empty()) {
      out += indent + "    set by " + f.set_by;
      if (!f.base_value.empty()) out += ", base had " + f.base_value;
      out += "\n";
    }
    append_caret(out, f, indent);
  } else if (!f.path.empty()) {
    out += indent + "--> " + f.path + "\n";
  }
}

std::string to_text(const CheckReport& report, Severity fail_level, bool color) {
  Style style{color};
  std::string out;
  std::string group;
  for (const auto& f : report.findings) {
    std::string heading =
        (f.service.empty() ? std::string("(system)") : f.service) + " [" + f.environment + "]";
    if (heading != group) {
      if (!group.empty()) out += "\n";
      out += style.wrap("1", heading) + "\n";
      group = heading;
    }
    const RuleDescriptor& rule = report.rules[f.rule];
    out += "  " + style.severity(f.severity, f.waived) + " " + f.id + ": " + f.message + "\n";
    const std::string indent = "      ";
    append_location(out, f, indent);
    out += indent + "= rule: " + rule.title + " (" + rule.policy_file + ":" +
           std::to_string(rule.policy_line) + ")\n";
    if (!f.remediation.empty()) out += indent + "= fix: " + f.remediation + "\n";
    if (f.waived) out += indent + "= waived: " + f.waiver_justification + "\n";
    if (!f.waiver_note.empty()) out += indent + "= note: " + f.waiver_note + "\n";
    if (!f.explanation_text.empty()) out += indent + "= why:\n" + f.explanation_text;
  }
  if (!report.warnings.empty()) {
    if (!out.empty()) out += "\n";
    for (const auto& w : report.warnings) {
      out += w.file + ":" + std::to_string(w.line) + ":" + std::to_string(w.col) + ": " +
             style.wrap("1;33", "warning") + ": " + w.message + "\n";
    }
  }
  if (!out.empty()) out += "\n";
  bool failed = report.failed(fail_level);
  out += plural(report.services.size(), "service") + ", " +
         plural(report.environments.size(), "environment") + ", " +
         plural(report.rules.size(), "rule") + ": " +
         plural(report.count(Severity::Error), "error") + ", " +
         plural(report.count(Severity::Warning), "warning") + ", " +
         plural(report.count(Severity::Info), "info") + ", " + std::to_string(report.waived()) +
         " waived. " + (failed ? style.wrap("1;31", "FAILED") : style.wrap("1;32", "PASSED")) +
         " (fail level: " + severity_name(fail_level) + ")\n";
  return out;
}

}  // namespace policyc::check
