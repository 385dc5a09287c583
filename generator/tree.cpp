// The output tree: replaced as a whole (write beside, then swap), and compared with a fresh
// render for `generate --check`, the seed's CI drift check.
#include <fcntl.h>
#include <stdio.h>  // renameat2
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "policyc/core/io.hpp"
#include "policyc/generator/generator.hpp"

namespace policyc::generator {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) {
      lines.push_back(text.substr(start) + "\n\\ No newline at end of file");
      break;
    }
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

struct Edit {
  char op;      // ' ', '-', '+'
  size_t a, b;  // line indexes in a and b (for '-' a, for '+' b, for ' ' both)
};

// Longest common subsequence by dynamic programming: generated files are short. Past a size
// where the table would be large, the whole file is one change.
std::vector<Edit> edits(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<Edit> out;
  const size_t n = a.size(), m = b.size();
  if (n * m > 16'000'000) {
    for (size_t i = 0; i < n; ++i) out.push_back({'-', i, 0});
    for (size_t j = 0; j < m; ++j) out.push_back({'+', 0, j});
    return out;
  }
  std::vector<std::vector<uint32_t>> lcs(n + 1, std::vector<uint32_t>(m + 1, 0));
  for (size_t i = n; i-- > 0;)
    for (size_t j = m; j-- > 0;)
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      out.push_back({' ', i++, j++});
    } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      out.push_back({'-', i++, j});  // removals first, as diff -u writes them
    } else {
      out.push_back({'+', i, j++});
    }
  }
  return out;
}

bool read_file(const fs::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  out = buffer.str();
  return true;
}

Diagnostic tree_error(const std::string& path, const std::string& message) {
  return Diagnostic{"output_error", message, path, 0, 0, ""};
}

}  // namespace

std::string unified_diff(const std::string& a_name, const std::string& a, const std::string& b_name,
                         const std::string& b) {
  if (a == b) return "";
  const auto la = split_lines(a), lb = split_lines(b);
  const auto all = edits(la, lb);
  constexpr size_t kContext = 3;
  std::string out = "--- " + a_name + "\n+++ " + b_name + "\n";
  size_t k = 0;
  while (k < all.size()) {
    while (k < all.size() && all[k].op == ' ') ++k;
    if (k == all.size()) break;
    // A hunk: from kContext lines before this change to kContext after the last change that
    // is within 2 * kContext unchanged lines of the previous one.
    size_t start = k >= kContext ? k - kContext : 0;
    size_t end = k;
    size_t unchanged = 0;
    for (size_t x = k; x < all.size(); ++x) {
      if (all[x].op == ' ') {
        if (++unchanged > 2 * kContext) break;
      } else {
        unchanged = 0;
        end = x;
      }
    }
    size_t stop = std::min(all.size(), end + 1 + kContext);
    size_t a_start = 0, a_count = 0, b_start = 0, b_count = 0;
    bool first_a = true, first_b = true;
    for (size_t x = start; x < stop; ++x) {
      const Edit& e = all[x];
      if (e.op != '+') {
        if (first_a) a_start = e.a, first_a = false;
        ++a_count;
      }
      if (e.op != '-') {
        if (first_b) b_start = e.b, first_b = false;
        ++b_count;
      }
    }
    if (first_a) a_start = all[start].a;
    if (first_b) b_start = all[start].b;
    auto range = [](size_t s, size_t c) {
      return std::to_string(c == 0 ? s : s + 1) + "," + std::to_string(c);
    };
    out += "@@ -" + range(a_start, a_count) + " +" + range(b_start, b_count) + " @@\n";
    for (size_t x = start; x < stop; ++x) {
      const Edit& e = all[x];
      out += e.op;
      out += e.op == '+' ? lb[e.b] : la[e.a];
      out += '\n';
    }
    k = stop;
  }
  return out;
}

std::string diff_tree(const std::string& directory, const std::vector<GeneratedFile>& files) {
  std::map<std::string, std::string> on_disk;
  std::error_code ec;
  if (fs::is_directory(directory, ec)) {
    for (auto it = fs::recursive_directory_iterator(directory, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file(ec)) continue;
      std::string text;
      if (read_file(it->path(), text))
        on_disk[it->path().lexically_relative(directory).generic_string()] = text;
    }
  }
  std::map<std::string, const std::string*> fresh;
  for (const auto& f : files) fresh[f.path] = &f.text;
  std::string out;
  for (const auto& [path, text] : fresh) {
    auto it = on_disk.find(path);
    std::string changed = unified_diff(it == on_disk.end() ? "/dev/null" : "a/" + path,
                                       it == on_disk.end() ? "" : it->second, "b/" + path, *text);
    if (changed.empty() && it == on_disk.end()) changed = "--- /dev/null\n+++ b/" + path + "\n";
    out += changed;
  }
  for (const auto& [path, text] : on_disk) {
    if (fresh.count(path)) continue;
    // An empty file has no lines to remove; it is named all the same.
    std::string removed = unified_diff("a/" + path, text, "/dev/null", "");
    out += removed.empty() ? "--- a/" + path + "\n+++ /dev/null\n" : removed;
  }
  return out;
}

bool write_tree(const std::string& directory, const std::vector<GeneratedFile>& files,
                std::vector<Diagnostic>& errors) {
  const fs::path target = fs::path(directory).lexically_normal();
  const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const std::string suffix = "." + std::to_string(::getpid());
  const fs::path staging = parent / ("." + target.filename().string() + ".new" + suffix);
  const fs::path previous = parent / ("." + target.filename().string() + ".old" + suffix);
  std::error_code ec;
  fs::create_directories(parent, ec);
  fs::remove_all(staging, ec);
  auto fail = [&](const std::string& path, const std::string& message) {
    std::error_code ignored;
    fs::remove_all(staging, ignored);
    errors.push_back(tree_error(path, message));
    return false;
  };
  for (const auto& f : files) {
    const fs::path path = staging / f.path;
    fs::create_directories(path.parent_path(), ec);
    if (ec) return fail(path.parent_path().string(), "cannot create directory: " + ec.message());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(f.text.data(), static_cast<std::streamsize>(f.text.size()));
    out.close();
    if (!out) return fail(path.string(), "cannot write the generated file");
  }
  if (files.empty()) {
    fs::create_directories(staging, ec);
    if (ec) return fail(staging.string(), "cannot create directory: " + ec.message());
  }
  const bool had_tree = fs::exists(target, ec);
  // One system call swaps the trees, so a process killed at any moment leaves the old tree
  // or the new one in place. Where the file system cannot swap, two renames do.
  if (had_tree &&
      ::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) == 0) {
    fs::remove_all(staging, ec);
    return true;
  }
  if (had_tree) {
    fs::rename(target, previous, ec);
    if (ec) return fail(target.string(), "cannot move the previous tree aside: " + ec.message());
  }
  fs::rename(staging, target, ec);
  if (ec) {
    std::error_code ignored;
    if (had_tree) fs::rename(previous, target, ignored);
    return fail(target.string(), "cannot put the new tree in place: " + ec.message());
  }
  if (had_tree) fs::remove_all(previous, ec);
  return true;
}

}  // namespace policyc::generator
