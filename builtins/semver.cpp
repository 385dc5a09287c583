// Semantic Versioning 2.0.0 validation and precedence.
#include <optional>

#include "internal.hpp"

namespace policyc::builtins {
namespace {

struct Version {
  mpz_class major, minor, patch;
  std::vector<std::string> pre;
};

bool numeric(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

bool ident_chars(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  return true;
}

std::vector<std::string> split_dots(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t dot = s.find('.', start);
    out.push_back(s.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return out;
}

std::optional<Version> parse_semver(const std::string& s) {
  std::string core = s, pre, build;
  size_t plus = core.find('+');
  if (plus != std::string::npos) {
    build = core.substr(plus + 1);
    core = core.substr(0, plus);
    for (const auto& id : split_dots(build))
      if (!ident_chars(id)) return std::nullopt;
  }
  size_t dash = core.find('-');
  bool has_pre = dash != std::string::npos;
  if (has_pre) {
    pre = core.substr(dash + 1);
    core = core.substr(0, dash);
  }
  auto parts = split_dots(core);
  if (parts.size() != 3) return std::nullopt;
  for (const auto& p : parts)
    if (!numeric(p) || (p.size() > 1 && p[0] == '0')) return std::nullopt;
  Version v{mpz_class(parts[0]), mpz_class(parts[1]), mpz_class(parts[2]), {}};
  if (has_pre) {
    v.pre = split_dots(pre);
    for (const auto& id : v.pre) {
      if (!ident_chars(id)) return std::nullopt;
      if (numeric(id) && id.size() > 1 && id[0] == '0') return std::nullopt;
    }
  }
  return v;
}

int compare_versions(const Version& a, const Version& b) {
  for (auto [x, y] : {std::pair{&a.major, &b.major}, {&a.minor, &b.minor}, {&a.patch, &b.patch}})
    if (int c = cmp(*x, *y)) return c < 0 ? -1 : 1;
  if (a.pre.empty() || b.pre.empty()) {
    if (a.pre.empty() && b.pre.empty()) return 0;
    return a.pre.empty() ? 1 : -1;
  }
  for (size_t i = 0; i < a.pre.size() && i < b.pre.size(); ++i) {
    const auto &x = a.pre[i], &y = b.pre[i];
    bool nx = numeric(x), ny = numeric(y);
    int c;
    if (nx && ny)
      c = cmp(mpz_class(x), mpz_class(y));
    else if (nx != ny)
      c = nx ? -1 : 1;
    else
      c = x.compare(y);
    if (c) return c < 0 ? -1 : 1;
  }
  if (a.pre.size() == b.pre.size()) return 0;
  return a.pre.size() < b.pre.size() ? -1 : 1;
}

Value semver_is_valid(Args a, BuiltinContext&) {
  return Value::boolean(a[0].is_string() && parse_semver(a[0].str()).has_value());
}

Value semver_compare(Args a, BuiltinContext&) {
  const std::string& x = need_string("semver.compare", a[0], 1);
  const std::string& y = need_string("semver.compare", a[1], 2);
  auto vx = parse_semver(x);
  if (!vx) fail("semver.compare", "operand 1: string " + go_quote(x) + " is not a valid SemVer");
  auto vy = parse_semver(y);
  if (!vy) fail("semver.compare", "operand 2: string " + go_quote(y) + " is not a valid SemVer");
  return Value::integer(compare_versions(*vx, *vy));
}

}  // namespace

void register_semver(BuiltinRegistry& r) {
  def(r, "semver", "semver.is_valid", {"any"}, "boolean",
      "Whether the value is a valid SemVer 2.0.0 string.", semver_is_valid);
  def(r, "semver", "semver.compare", {"string", "string"}, "number",
      "-1, 0 or 1 by SemVer precedence.", semver_compare);
}

}  // namespace policyc::builtins
