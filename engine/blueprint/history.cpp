// Versioned service blueprints: finding the versioned files of a service directory and the
// history entry that anchors one of them.
#include "history.hpp"

#include <algorithm>
#include <filesystem>
#include <string_view>
#include <system_error>

namespace policyc::blueprint {

namespace {

constexpr std::string_view kStem = "infrastructure-blueprint.v";

// The extension's rank (.yaml, .yml, .json), or -1.
int extension_rank(std::string_view ext) {
  if (ext == "yaml") return 0;
  if (ext == "yml") return 1;
  if (ext == "json") return 2;
  return -1;
}

}  // namespace

std::vector<VersionedFile> list_versions(const std::string& dir) {
  struct Candidate {
    VersionedFile file;
    int rank;
  };
  std::vector<Candidate> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.compare(0, kStem.size(), kStem) != 0) continue;
    std::string_view rest = std::string_view(name).substr(kStem.size());
    size_t dot = rest.find('.');
    if (dot == 0 || dot == std::string_view::npos) continue;
    std::string_view digits = rest.substr(0, dot);
    if (digits.size() > 9 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    int rank = extension_rank(rest.substr(dot + 1));
    if (rank < 0 || !entry.is_regular_file(ec)) continue;
    found.push_back({{std::stoul(std::string(digits)), name}, rank});
  }
  std::sort(found.begin(), found.end(), [](const Candidate& a, const Candidate& b) {
    return a.file.number != b.file.number ? a.file.number < b.file.number : a.rank < b.rank;
  });
  std::vector<VersionedFile> versions;
  for (auto& c : found) {
    if (!versions.empty() && versions.back().number == c.file.number) continue;
    versions.push_back(std::move(c.file));
  }
  return versions;
}

std::string version_list(const std::vector<VersionedFile>& versions) {
  std::string out;
  for (const auto& v : versions) out += (out.empty() ? "v" : ", v") + std::to_string(v.number);
  return out;
}

const Value* history_entry(const Value& history, const std::string& version, size_t& index) {
  if (!history.is_array()) return nullptr;
  static const Value kVersion = Value::interned("version");
  const Value* found = nullptr;
  for (size_t i = 0; i < history.size(); ++i) {
    const Value& entry = history.items()[i];
    const Value* v = entry.is_object() ? entry.get_ptr(kVersion) : nullptr;
    if (v && v->is_string() && v->str() == version) {
      found = &entry;
      index = i;
    }
  }
  return found;
}

}  // namespace policyc::blueprint
