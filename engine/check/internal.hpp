// Shared between the check runner, waivers and renderers; not part of the public API.
#pragma once

#include <string>
#include <vector>

#include "policyc/check/check.hpp"
#include "policyc/core/diagnostic.hpp"

namespace policyc::check {

inline constexpr const char* kWaiverError = "waiver_error";

struct Waiver {
  std::string rule;
  std::string service;      // "" or "*": any
  std::string environment;  // "" or "*": any
  std::string path;         // "": any; else the path or a parent of it
  std::string justification;
  std::string expires;  // YYYY-MM-DD
  std::string approved_by;
  std::string file;
  int line = 0;
  int col = 0;
  std::string source_line;
};

bool load_waivers(const std::string& path, std::vector<Waiver>& out,
                  std::vector<Diagnostic>& errors);
// Marks the findings the waivers cover; expired waivers annotate instead, and waivers that
// match nothing become warnings.
void apply_waivers(const std::vector<Waiver>& waivers, const std::string& today,
                   CheckReport& report);
// YYYY-MM-DD (UTC) from SOURCE_DATE_EPOCH when set, else the clock.
std::string today_utc();

// The environments system.yaml lists (none when it lists none, or for a service file).
std::vector<std::string> system_file_environments(const std::string& path);

// The display location of a finding: "file:line:col", or "" when it has none.
std::string location_text(const Finding& f);
// The finding's blueprint line, and a caret under its column: "  12 | line\n     |   ^\n".
void append_caret(std::string& out, const Finding& f, const std::string& indent);
// "--> file:line:col (path)", the overlay that set the value, and the caret lines.
void append_location(std::string& out, const Finding& f, const std::string& indent);

}  // namespace policyc::check
