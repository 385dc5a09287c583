// CIDR builtins over IPv4/IPv6 address ranges (Go's net.ParseIP/ParseCIDR rules).
#include <algorithm>
#include <optional>

#include "internal.hpp"

namespace policyc::builtins {
namespace {

using u128 = unsigned __int128;

struct Addr {
  u128 value = 0;
  bool v4 = false;
  int bits() const { return v4 ? 32 : 128; }
};

struct Net {
  Addr base;  // masked network address
  int prefix = 0;
  u128 first() const { return base.value; }
  u128 last() const {
    int host = base.bits() - prefix;
    u128 mask = host >= 128 ? ~u128(0) : ((u128(1) << host) - 1);
    return base.value | mask;
  }
};

std::optional<uint32_t> parse_v4(std::string_view s) {
  uint32_t out = 0;
  int parts = 0;
  size_t i = 0;
  while (parts < 4) {
    if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
    size_t start = i;
    uint32_t n = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      n = n * 10 + static_cast<uint32_t>(s[i] - '0');
      if (n > 255) return std::nullopt;
      ++i;
    }
    if (i - start > 1 && s[start] == '0') return std::nullopt;  // no leading zeros
    out = (out << 8) | n;
    ++parts;
    if (parts < 4) {
      if (i >= s.size() || s[i] != '.') return std::nullopt;
      ++i;
    }
  }
  if (i != s.size()) return std::nullopt;
  return out;
}

std::optional<u128> parse_v6(std::string_view s) {
  std::vector<uint16_t> head, tail;
  bool ellipsis = false;
  size_t i = 0;
  if (s.starts_with("::")) {
    ellipsis = true;
    i = 2;
  }
  bool embedded_v4 = false;
  uint32_t v4 = 0;
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size() && std::isxdigit(static_cast<unsigned char>(s[j]))) ++j;
    if (j < s.size() && s[j] == '.') {
      auto a = parse_v4(s.substr(i));
      if (!a) return std::nullopt;
      v4 = *a;
      embedded_v4 = true;
      i = s.size();
      break;
    }
    if (j == i || j - i > 4) return std::nullopt;
    uint16_t group =
        static_cast<uint16_t>(std::stoul(std::string(s.substr(i, j - i)), nullptr, 16));
    (ellipsis ? tail : head).push_back(group);
    i = j;
    if (i == s.size()) break;
    if (s[i] != ':') return std::nullopt;
    ++i;
    if (i < s.size() && s[i] == ':') {
      if (ellipsis) return std::nullopt;
      ellipsis = true;
      ++i;
    } else if (i == s.size()) {
      return std::nullopt;
    }
  }
  std::vector<uint16_t> groups = head;
  size_t total = head.size() + tail.size() + (embedded_v4 ? 2 : 0);
  if (total > 8 || (!ellipsis && total != 8) || (ellipsis && total == 8)) return std::nullopt;
  groups.insert(groups.end(), 8 - total, 0);
  groups.insert(groups.end(), tail.begin(), tail.end());
  if (embedded_v4) {
    groups.push_back(static_cast<uint16_t>(v4 >> 16));
    groups.push_back(static_cast<uint16_t>(v4 & 0xFFFF));
  }
  u128 v = 0;
  for (uint16_t g : groups) v = (v << 16) | g;
  return v;
}

std::optional<Addr> parse_ip(std::string_view s) {
  if (auto v4 = parse_v4(s)) return Addr{*v4, true};
  if (s.find(':') == std::string_view::npos) return std::nullopt;
  auto v6 = parse_v6(s);
  if (!v6) return std::nullopt;
  // IPv4-mapped addresses behave as IPv4, as in Go.
  if ((*v6 >> 32) == 0xFFFF) return Addr{*v6 & 0xFFFFFFFFu, true};
  return Addr{*v6, false};
}

std::optional<Net> parse_cidr(std::string_view s) {
  size_t slash = s.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto ip = parse_ip(s.substr(0, slash));
  std::string_view p = s.substr(slash + 1);
  if (!ip || p.empty() || p.size() > 3) return std::nullopt;
  for (char c : p)
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  if (p.size() > 1 && p[0] == '0') return std::nullopt;
  int prefix = std::stoi(std::string(p));
  if (s.substr(0, slash).find(':') != std::string_view::npos && ip->v4) {
    // A mapped IPv4 written in IPv6 form keeps the IPv6 prefix length.
    if (prefix > 128 || prefix < 96) return std::nullopt;
    prefix -= 96;
  }
  if (prefix > ip->bits()) return std::nullopt;
  Net n;
  n.prefix = prefix;
  n.base = *ip;
  int host = ip->bits() - prefix;
  if (host >= 128)
    n.base.value = 0;
  else
    n.base.value &= ~((u128(1) << host) - 1);
  return n;
}

std::string format_ip(const Addr& a) {
  if (a.v4) {
    uint32_t v = static_cast<uint32_t>(a.value);
    return std::to_string(v >> 24) + "." + std::to_string((v >> 16) & 255) + "." +
           std::to_string((v >> 8) & 255) + "." + std::to_string(v & 255);
  }
  uint16_t g[8];
  for (int k = 0; k < 8; ++k) g[k] = static_cast<uint16_t>(a.value >> (16 * (7 - k)));
  // Longest run of two or more zero groups becomes "::".
  int best = -1, best_len = 0;
  for (int k = 0; k < 8;) {
    if (g[k] != 0) {
      ++k;
      continue;
    }
    int j = k;
    while (j < 8 && g[j] == 0) ++j;
    if (j - k > best_len && j - k >= 2) best = k, best_len = j - k;
    k = j;
  }
  std::string out;
  char buf[8];
  for (int k = 0; k < 8; ++k) {
    if (k == best) {
      out += "::";
      k += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buf, sizeof buf, "%x", g[k]);
    out += buf;
  }
  return out;
}

std::string format_net(const Net& n) { return format_ip(n.base) + "/" + std::to_string(n.prefix); }

Net need_cidr(std::string_view fn, const Value& v, int pos) {
  const std::string& s = need_string(fn, v, pos);
  auto n = parse_cidr(s);
  if (!n) fail(fn, "invalid CIDR address: " + s);
  return *n;
}

// A CIDR, or a bare IP as a one-address network.
Net need_cidr_or_ip(std::string_view fn, const Value& v, int pos) {
  const std::string& s = need_string(fn, v, pos);
  if (auto ip = parse_ip(s)) return Net{*ip, ip->bits()};
  auto n = parse_cidr(s);
  if (!n) fail(fn, "invalid CIDR address: " + s);
  return *n;
}

bool net_contains(const Net& a, const Net& b) {
  return a.base.v4 == b.base.v4 && a.first() <= b.first() && b.last() <= a.last();
}

Value cidr_contains(Args a, BuiltinContext&) {
  Net n = need_cidr("net.cidr_contains", a[0], 1);
  Net m = need_cidr_or_ip("net.cidr_contains", a[1], 2);
  return Value::boolean(net_contains(n, m));
}

Value cidr_overlap(Args a, BuiltinContext&) {
  Net n = need_cidr("net.cidr_overlap", a[0], 1);
  Net m = need_cidr_or_ip("net.cidr_overlap", a[1], 2);
  return Value::boolean(net_contains(n, m));
}

Value cidr_intersects(Args a, BuiltinContext&) {
  Net n = need_cidr("net.cidr_intersects", a[0], 1);
  Net m = need_cidr("net.cidr_intersects", a[1], 2);
  return Value::boolean(n.base.v4 == m.base.v4 && n.first() <= m.last() && m.first() <= n.last());
}

Value cidr_is_valid(Args a, BuiltinContext&) {
  if (!a[0].is_string()) return Value::boolean(false);
  return Value::boolean(parse_cidr(a[0].str()).has_value());
}

Value cidr_expand(Args a, BuiltinContext& ctx) {
  Net n = need_cidr("net.cidr_expand", a[0], 1);
  if (n.last() - n.first() > (1u << 24)) fail("net.cidr_expand", "CIDR range too large to expand");
  // A value and the text of an address each.
  ctx.reserve(static_cast<size_t>(n.last() - n.first() + 1) * (sizeof(Value) + 48));
  ValueVec out;
  for (u128 v = n.first();; ++v) {
    if ((v & 4095) == 0) ctx.tick();
    out.push_back(Value::string(format_ip(Addr{v, n.base.v4})));
    if (v == n.last()) break;
  }
  return Value::set(std::move(out));
}

// Go's IP.DefaultMask: classful prefix for IPv4, none for IPv6.
int default_prefix(const Addr& a) {
  if (!a.v4) return 128;
  uint32_t first = static_cast<uint32_t>(a.value >> 24);
  if (first < 0x80) return 8;
  if (first < 0xC0) return 16;
  return 24;
}

void ranges_to_cidrs(u128 lo, u128 hi, bool v4, std::vector<std::string>& out) {
  int bits = v4 ? 32 : 128;
  for (;;) {
    int size = 0;  // host bits of the largest aligned block starting at lo within hi
    while (size < bits) {
      u128 block = u128(1) << (size + 1);
      if ((size + 1 < 128) && (lo & (block - 1)) == 0 && lo + (block - 1) <= hi)
        ++size;
      else
        break;
    }
    out.push_back(format_net(Net{Addr{lo, v4}, bits - size}));
    u128 end = lo + ((size >= 128 ? ~u128(0) : (u128(1) << size) - 1));
    if (end >= hi) break;
    lo = end + 1;
  }
}

Value cidr_merge(Args a, BuiltinContext&) {
  const char* fn = "net.cidr_merge";
  need_kinds(fn, a[0], 1, {Kind::Array, Kind::Set});
  std::vector<std::pair<u128, u128>> v4, v6;
  for (const auto& x : a[0].items()) {
    if (!x.is_string())
      operand_error_text(fn, 1, "array of strings or set of strings",
                         std::string("collection containing ") + kind_name(x.kind()));
    const std::string& s = x.str();
    Net n;
    if (s.find('/') == std::string::npos) {
      auto ip = parse_ip(s);
      if (!ip) fail(fn, "invalid CIDR address: " + s);
      auto parsed = parse_cidr(s + "/" + std::to_string(default_prefix(*ip)));
      if (!parsed) fail(fn, "invalid CIDR address: " + s);
      n = *parsed;
    } else {
      auto parsed = parse_cidr(s);
      if (!parsed) fail(fn, "invalid CIDR address: " + s);
      n = *parsed;
    }
    (n.base.v4 ? v4 : v6).push_back({n.first(), n.last()});
  }
  std::vector<std::string> out;
  for (auto* ranges : {&v4, &v6}) {
    std::sort(ranges->begin(), ranges->end());
    for (size_t k = 0; k < ranges->size();) {
      u128 lo = (*ranges)[k].first, hi = (*ranges)[k].second;
      size_t j = k + 1;
      while (j < ranges->size() && (hi == ~u128(0) || (*ranges)[j].first <= hi + 1)) {
        hi = std::max(hi, (*ranges)[j].second);
        ++j;
      }
      ranges_to_cidrs(lo, hi, ranges == &v4, out);
      k = j;
    }
  }
  return Value::set(string_array(out).items());
}

std::vector<std::pair<Value, Value>> match_terms(std::string_view fn, const Value& v, int pos) {
  auto cidr_of = [&](const Value& x) {
    if (x.is_string()) return x;
    if (x.is_array() && !x.items().empty()) return x.items()[0];
    operand_error(fn, pos, one_of({Kind::String, Kind::Array}), x);
  };
  std::vector<std::pair<Value, Value>> out;
  switch (v.kind()) {
    case Kind::String:
      out.push_back({v, v});
      break;
    case Kind::Array:
      for (size_t i = 0; i < v.items().size(); ++i)
        out.push_back({Value::integer(static_cast<int64_t>(i)), cidr_of(v.items()[i])});
      break;
    case Kind::Set:
      for (const auto& x : v.items()) out.push_back({x, cidr_of(x)});
      break;
    case Kind::Object:
      for (const auto& [k, x] : v.entries()) out.push_back({k, cidr_of(x)});
      break;
    default:
      operand_error(fn, pos, one_of({Kind::String, Kind::Array, Kind::Set, Kind::Object}), v);
  }
  return out;
}

Value cidr_contains_matches(Args a, BuiltinContext&) {
  const char* fn = "net.cidr_contains_matches";
  auto nets = match_terms(fn, a[0], 1);
  auto addrs = match_terms(fn, a[1], 2);
  ValueVec out;
  for (const auto& [k1, c1] : nets) {
    Net n = need_cidr(fn, c1, 1);
    for (const auto& [k2, c2] : addrs) {
      Net m = need_cidr_or_ip(fn, c2, 2);
      if (net_contains(n, m)) out.push_back(Value::array({k1, k2}));
    }
  }
  return Value::set(std::move(out));
}

}  // namespace

void register_net(BuiltinRegistry& r) {
  const char* c = "net";
  def(r, c, "net.cidr_contains", {"string", "string"}, "boolean",
      "Whether a CIDR contains an IP or another CIDR.", cidr_contains);
  def(r, c, "net.cidr_overlap", {"string", "string"}, "boolean",
      "Deprecated alias of net.cidr_contains.", cidr_overlap);
  def(r, c, "net.cidr_intersects", {"string", "string"}, "boolean", "Whether two CIDRs overlap.",
      cidr_intersects);
  def(r, c, "net.cidr_is_valid", {"any"}, "boolean", "Whether a string is a valid CIDR.",
      cidr_is_valid);
  def(r, c, "net.cidr_expand", {"string"}, "set[string]", "All addresses of a CIDR.", cidr_expand);
  def(r, c, "net.cidr_merge", {"array[string]|set[string]"}, "set[string]",
      "Merges addresses and CIDRs into the smallest covering set of CIDRs.", cidr_merge);
  def(r, c, "net.cidr_contains_matches",
      {"string|array[any]|set[any]|object[any: any]",
       "string|array[any]|set[any]|object[any: any]"},
      "set[array[any]]", "Pairs of keys whose CIDR contains the other's IP or CIDR.",
      cidr_contains_matches);
}

}  // namespace policyc::builtins
