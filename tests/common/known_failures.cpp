#include "known_failures.hpp"

#include <fstream>

namespace policyc::testing {

namespace {

std::string trimmed(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

}  // namespace

bool KnownFailures::load(const std::string& path, std::string& error) {
  path_ = path;
  if (path.empty()) return true;
  std::ifstream in(path);
  if (!in) {
    error = path + ": cannot read";
    return false;
  }
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string text = trimmed(line);
    if (text.empty() || text[0] == '#') continue;
    size_t hash = text.find(" #");
    std::string name = trimmed(text.substr(0, hash));
    std::string why = hash == std::string::npos ? "" : trimmed(text.substr(hash + 2));
    if (why.empty()) {
      error = path + ":" + std::to_string(number) + ": " + name + " gives no reason";
      return false;
    }
    entries_[name] = why;
  }
  return true;
}

bool KnownFailures::excuse(const std::string& name, bool failed) {
  if (!entries_.count(name)) return false;
  if (!failed) {
    seen_passing_.insert(name);
    return false;
  }
  seen_failing_.insert(name);
  ++excused_;
  return true;
}

bool KnownFailures::report_stale(std::FILE* out, bool every_case_ran) const {
  bool clean = true;
  for (const auto& [name, why] : entries_) {
    if (seen_passing_.count(name)) {
      std::fprintf(out, "STALE %s passes now: remove it from %s\n", name.c_str(), path_.c_str());
      clean = false;
    } else if (every_case_ran && !seen_failing_.count(name)) {
      std::fprintf(out, "STALE %s is listed in %s but no case has that name\n", name.c_str(),
                   path_.c_str());
      clean = false;
    }
  }
  return clean;
}

}  // namespace policyc::testing
