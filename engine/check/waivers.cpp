// Waivers: accepted risks, each with a justification and an expiry date, so a waiver is a
// reviewed decision rather than a way to silence a gate for good.
#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "internal.hpp"
#include "policyc/blueprint/blueprint.hpp"

namespace policyc::check {

namespace {

const std::vector<std::string> kWaiverKeys = {"rule",          "service", "environment", "path",
                                              "justification", "expires", "approvedBy"};

bool is_date(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  int month = std::stoi(s.substr(5, 2));
  int day = std::stoi(s.substr(8, 2));
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

class WaiverReader {
 public:
  WaiverReader(const blueprint::SourceDocument& source, std::vector<Diagnostic>& errors)
      : source_(source), errors_(errors) {}

  bool read(std::vector<Waiver>& out) {
    if (source_.documents.size() != 1) {
      error("", "a waivers file must hold exactly one document");
      return false;
    }
    const Value& doc = source_.documents[0];
    std::string list_path;
    const Value* list = &doc;
    if (doc.is_object()) {
      for (const auto& [key, value] : doc.entries()) {
        if (key.str() != "waivers") key_error(key.str(), {"waivers"}, "");
      }
      list = doc.get_ptr(Value::string("waivers"));
      list_path = "waivers";
      if (!list) {
        error("", "expected a list of waivers, or a mapping with a `waivers` list");
        return false;
      }
    }
    if (!list->is_array()) {
      error(list_path, "expected a list of waivers");
      return false;
    }
    for (size_t i = 0; i < list->size(); ++i) {
      read_waiver(list->items()[i], blueprint::index_path(list_path, i), out);
    }
    return errors_.empty();
  }

 private:
  void read_waiver(const Value& entry, const std::string& path, std::vector<Waiver>& out) {
    if (!entry.is_object()) {
      error(path, "a waiver must be a mapping with rule, justification and expires");
      return;
    }
    size_t before = errors_.size();
    Waiver w;
    for (const auto& [key, value] : entry.entries()) {
      std::string child = blueprint::child_path(path, key.str());
      if (std::find(kWaiverKeys.begin(), kWaiverKeys.end(), key.str()) == kWaiverKeys.end()) {
        key_error(key.str(), kWaiverKeys, path);
        continue;
      }
      if (!value.is_string()) {
        error(child, "'" + key.str() + "' must be a string");
        continue;
      }
      const std::string& k = key.str();
      std::string& slot = k == "rule"            ? w.rule
                          : k == "service"       ? w.service
                          : k == "environment"   ? w.environment
                          : k == "path"          ? w.path
                          : k == "justification" ? w.justification
                          : k == "expires"       ? w.expires
                                                 : w.approved_by;
      slot = value.str();
    }
    if (w.rule.empty()) error(path, "a waiver needs a `rule` (a rule id or name)");
    if (w.justification.empty()) error(path, "a waiver needs a `justification`");
    if (w.expires.empty()) {
      error(path, "a waiver needs an `expires` date (YYYY-MM-DD)");
    } else if (!is_date(w.expires)) {
      error(blueprint::child_path(path, "expires"),
            "'" + w.expires + "' is not a date; expected YYYY-MM-DD");
    }
    if (errors_.size() != before) return;
    blueprint::Position pos = source_.find(0, path);
    w.file = source_.file;
    w.line = pos.line;
    w.col = pos.col;
    w.source_line = source_.line_text(pos.line);
    out.push_back(std::move(w));
  }

  void key_error(const std::string& key, const std::vector<std::string>& valid,
                 const std::string& parent) {
    std::string message = "unknown key '" + key + "'";
    std::string near = blueprint::nearest_name(key, valid);
    if (!near.empty()) message += "; did you mean '" + near + "'?";
    blueprint::Position pos = source_.find(0, blueprint::child_path(parent, key));
    push(pos.key_line, pos.key_col, std::move(message));
  }

  void error(const std::string& path, std::string message) {
    blueprint::Position pos = source_.find(0, path);
    push(pos.line, pos.col, std::move(message));
  }

  void push(int line, int col, std::string message) {
    errors_.push_back(source_.error(kWaiverError, line, col, std::move(message)));
  }

  const blueprint::SourceDocument& source_;
  std::vector<Diagnostic>& errors_;
};

bool path_covers(const std::string& waiver_path, const std::string& path) {
  if (waiver_path.empty() || waiver_path == path) return true;
  return path.starts_with(waiver_path) &&
         (path[waiver_path.size()] == '.' || path[waiver_path.size()] == '[');
}

bool matches(const Waiver& w, const Finding& f, const RuleDescriptor& rule) {
  std::string short_name = rule.rule.substr(rule.rule.rfind('.') + 1);
  bool rule_matches =
      w.rule == f.id || w.rule == rule.id || w.rule == rule.rule || w.rule == short_name;
  auto any_or = [](const std::string& w_value, const std::string& value) {
    return w_value.empty() || w_value == "*" || w_value == value;
  };
  return rule_matches && any_or(w.service, f.service) && any_or(w.environment, f.environment) &&
         path_covers(w.path, f.path);
}

Diagnostic waiver_warning(const Waiver& w, std::string message) {
  Diagnostic d;
  d.code = "waiver_warning";
  d.message = std::move(message);
  d.file = w.file;
  d.line = w.line;
  d.col = w.col;
  d.source_line = w.source_line;
  return d;
}

}  // namespace

bool load_waivers(const std::string& path, std::vector<Waiver>& out,
                  std::vector<Diagnostic>& errors) {
  blueprint::SourceDocument source;
  std::vector<Diagnostic> parse_errors;
  if (!blueprint::load_source(path, source, parse_errors)) {
    for (auto& d : parse_errors) {
      d.code = kWaiverError;
      errors.push_back(std::move(d));
    }
    return false;
  }
  std::vector<Diagnostic> found;
  WaiverReader reader(source, found);
  bool ok = reader.read(out);
  errors.insert(errors.end(), found.begin(), found.end());
  return ok;
}

void apply_waivers(const std::vector<Waiver>& waivers, const std::string& today,
                   CheckReport& report) {
  for (const auto& w : waivers) {
    bool expired = w.expires < today;  // ISO dates compare as strings
    size_t matched = 0;
    for (auto& f : report.findings) {
      if (!matches(w, f, report.rules[f.rule])) continue;
      ++matched;
      if (expired) {
        if (!f.waived)
          f.waiver_note =
              "waiver expired on " + w.expires + " (" + w.file + ":" + std::to_string(w.line) + ")";
        continue;
      }
      f.waived = true;
      f.waiver_note.clear();
      f.waiver_justification = w.justification;
      if (!w.approved_by.empty()) f.waiver_justification += " (approved by " + w.approved_by + ")";
    }
    if (expired) {
      report.warnings.push_back(waiver_warning(
          w, "waiver for '" + w.rule + "' expired on " + w.expires + " and no longer applies"));
    } else if (matched == 0) {
      report.warnings.push_back(
          waiver_warning(w, "waiver for '" + w.rule + "' matches no finding; remove it"));
    }
  }
}

std::string today_utc() {
  std::time_t now = std::time(nullptr);
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch && *epoch) {
    now = static_cast<std::time_t>(std::strtoll(epoch, nullptr, 10));
  }
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

}  // namespace policyc::check
