// String builtins with Go's strings-package semantics (indices count code points).
#include <locale.h>
#include <wctype.h>

#include <algorithm>

#include "internal.hpp"

namespace policyc::builtins {
namespace {

Value concat(Args a, BuiltinContext& ctx) {
  const std::string& delim = need_string("concat", a[0], 1);
  need_kinds("concat", a[1], 2, {Kind::Set, Kind::Array});
  // Items may all be the same long string: the result is counted before it is built.
  if (ctx.memory_capped()) {
    size_t total = 0;
    for (const auto& x : a[1].items()) total += (x.is_string() ? x.str().size() : 0) + delim.size();
    ctx.reserve(total);
  }
  std::string out;
  bool first = true;
  for (const auto& x : a[1].items()) {
    if (!x.is_string())
      operand_error_text(
          "concat", 2, std::string(kind_name(a[1].kind())) + " of strings",
          std::string(kind_name(a[1].kind())) + " containing " + kind_name(x.kind()));
    if (!first) out += delim;
    first = false;
    out += x.str();
  }
  return Value::string(std::move(out));
}

Value contains(Args a, BuiltinContext&) {
  const std::string& s = need_string("contains", a[0], 1);
  const std::string& sub = need_string("contains", a[1], 2);
  return Value::boolean(s.find(sub) != std::string::npos);
}

Value startswith(Args a, BuiltinContext&) {
  const std::string& s = need_string("startswith", a[0], 1);
  const std::string& p = need_string("startswith", a[1], 2);
  return Value::boolean(s.starts_with(p));
}

Value endswith(Args a, BuiltinContext&) {
  const std::string& s = need_string("endswith", a[0], 1);
  const std::string& p = need_string("endswith", a[1], 2);
  return Value::boolean(s.ends_with(p));
}

int64_t code_points_before(const std::string& s, size_t byte_pos) {
  int64_t n = 0;
  for (size_t i = 0; i < byte_pos; ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++n;
  return n;
}

Value indexof(Args a, BuiltinContext&) {
  const std::string& s = need_string("indexof", a[0], 1);
  const std::string& sub = need_string("indexof", a[1], 2);
  if (sub.empty()) fail("indexof", "empty search character");
  size_t pos = s.find(sub);
  if (pos == std::string::npos) return Value::integer(-1);
  return Value::integer(code_points_before(s, pos));
}

Value indexof_n(Args a, BuiltinContext&) {
  const std::string& s = need_string("indexof_n", a[0], 1);
  const std::string& sub = need_string("indexof_n", a[1], 2);
  if (sub.empty()) fail("indexof_n", "empty search character");
  ValueVec out;
  for (size_t pos = s.find(sub); pos != std::string::npos; pos = s.find(sub, pos + 1))
    out.push_back(Value::integer(code_points_before(s, pos)));
  return Value::array(std::move(out));
}

locale_t utf8_locale() {
  static locale_t loc = [] {
    locale_t l = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
    if (!l) l = newlocale(LC_CTYPE_MASK, "en_US.UTF-8", static_cast<locale_t>(0));
    return l;
  }();
  return loc;
}

std::string map_case(const std::string& s, bool upper) {
  locale_t loc = utf8_locale();
  std::string out;
  out.reserve(s.size());
  for (char32_t cp : utf8_decode(s)) {
    if (cp < 0x80) {
      char c = static_cast<char>(cp);
      if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
      if (!upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
      out += c;
      continue;
    }
    wint_t w = static_cast<wint_t>(cp);
    if (loc) w = upper ? towupper_l(w, loc) : towlower_l(w, loc);
    utf8_append(out, static_cast<char32_t>(w));
  }
  return out;
}

Value lower(Args a, BuiltinContext&) {
  return Value::string(map_case(need_string("lower", a[0], 1), false));
}

Value upper(Args a, BuiltinContext&) {
  return Value::string(map_case(need_string("upper", a[0], 1), true));
}

// Go's strings.Replace(s, old, new, -1), including the empty-pattern case.
std::string replace_all(const std::string& s, const std::string& from, const std::string& to,
                        BuiltinContext& ctx) {
  std::string out;
  if (to.size() > from.size() && ctx.memory_capped()) {
    // Counted first: each match may grow the string by the replacement's length.
    size_t matches = 0;
    if (from.empty()) {
      matches = utf8_decode(s).size() + 1;
    } else {
      for (size_t pos = s.find(from); pos != std::string::npos;
           pos = s.find(from, pos + from.size()))
        ++matches;
    }
    ctx.reserve(s.size() + matches * (to.size() - from.size()));
  }
  if (from.empty()) {
    auto cps = utf8_decode(s);
    out += to;
    for (char32_t cp : cps) {
      utf8_append(out, cp);
      out += to;
    }
    return out;
  }
  size_t start = 0;
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, start)) {
    out.append(s, start, pos - start);
    out += to;
    start = pos + from.size();
  }
  out.append(s, start);
  return out;
}

Value replace(Args a, BuiltinContext& ctx) {
  const std::string& s = need_string("replace", a[0], 1);
  const std::string& from = need_string("replace", a[1], 2);
  const std::string& to = need_string("replace", a[2], 3);
  return Value::string(replace_all(s, from, to, ctx));
}

Value replace_n(Args a, BuiltinContext&) {
  need_object("strings.replace_n", a[0], 1);
  const std::string& s = need_string("strings.replace_n", a[1], 2);
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& [k, v] : a[0].entries()) {
    if (!k.is_string())
      throw BuiltinError("strings.replace_n: operand 1 non-string key found in pattern object",
                         kTypeError);
    if (!v.is_string())
      throw BuiltinError("strings.replace_n: operand 1 non-string value found in pattern object",
                         kTypeError);
    pairs.emplace_back(k.str(), v.str());
  }
  if (pairs.empty()) return a[1];
  // Go's strings.Replacer: leftmost position first; at a position the earliest pair wins.
  std::string out;
  size_t i = 0;
  bool last_empty_match = false;
  while (i <= s.size()) {
    bool matched = false;
    for (const auto& [from, to] : pairs) {
      if (from.empty() && last_empty_match) continue;
      if (s.compare(i, from.size(), from) == 0) {
        out += to;
        i += from.size();
        matched = true;
        last_empty_match = from.empty();
        break;
      }
    }
    if (matched && !last_empty_match) continue;
    if (i >= s.size()) break;
    out += s[i++];
    last_empty_match = false;
  }
  return Value::string(std::move(out));
}

Value split(Args a, BuiltinContext&) {
  const std::string& s = need_string("split", a[0], 1);
  const std::string& d = need_string("split", a[1], 2);
  ValueVec out;
  if (d.empty()) {
    for (char32_t cp : utf8_decode(s)) {
      std::string one;
      utf8_append(one, cp);
      out.push_back(Value::string(std::move(one)));
    }
    return Value::array(std::move(out));
  }
  size_t start = 0;
  for (size_t pos = s.find(d); pos != std::string::npos; pos = s.find(d, start)) {
    out.push_back(Value::string(s.substr(start, pos - start)));
    start = pos + d.size();
  }
  out.push_back(Value::string(s.substr(start)));
  return Value::array(std::move(out));
}

Value substring(Args a, BuiltinContext&) {
  const std::string& s = need_string("substring", a[0], 1);
  int64_t start = need_int64("substring", a[1], 2);
  int64_t len = need_int64("substring", a[2], 3);
  if (start < 0) fail("substring", "negative offset");
  auto cps = utf8_decode(s);
  int64_t n = static_cast<int64_t>(cps.size());
  if (start >= n) return Value::string("");
  int64_t end = len < 0 || start + len > n ? n : start + len;
  return Value::string(utf8_encode(std::span(cps).subspan(start, end - start)));
}

bool in_cutset(char32_t cp, const std::vector<char32_t>& cut) {
  return std::find(cut.begin(), cut.end(), cp) != cut.end();
}

std::string trim_cutset(const std::string& s, const std::string& cutset, bool left, bool right) {
  auto cps = utf8_decode(s);
  auto cut = utf8_decode(cutset);
  size_t b = 0, e = cps.size();
  if (left)
    while (b < e && in_cutset(cps[b], cut)) ++b;
  if (right)
    while (e > b && in_cutset(cps[e - 1], cut)) --e;
  return utf8_encode(std::span(cps).subspan(b, e - b));
}

Value trim(Args a, BuiltinContext&) {
  return Value::string(
      trim_cutset(need_string("trim", a[0], 1), need_string("trim", a[1], 2), true, true));
}

Value trim_left(Args a, BuiltinContext&) {
  return Value::string(trim_cutset(need_string("trim_left", a[0], 1),
                                   need_string("trim_left", a[1], 2), true, false));
}

Value trim_right(Args a, BuiltinContext&) {
  return Value::string(trim_cutset(need_string("trim_right", a[0], 1),
                                   need_string("trim_right", a[1], 2), false, true));
}

Value trim_prefix(Args a, BuiltinContext&) {
  const std::string& s = need_string("trim_prefix", a[0], 1);
  const std::string& p = need_string("trim_prefix", a[1], 2);
  return s.starts_with(p) ? Value::string(s.substr(p.size())) : a[0];
}

Value trim_suffix(Args a, BuiltinContext&) {
  const std::string& s = need_string("trim_suffix", a[0], 1);
  const std::string& p = need_string("trim_suffix", a[1], 2);
  return s.ends_with(p) ? Value::string(s.substr(0, s.size() - p.size())) : a[0];
}

bool go_is_space(char32_t c) {
  switch (c) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

Value trim_space(Args a, BuiltinContext&) {
  auto cps = utf8_decode(need_string("trim_space", a[0], 1));
  size_t b = 0, e = cps.size();
  while (b < e && go_is_space(cps[b])) ++b;
  while (e > b && go_is_space(cps[e - 1])) --e;
  return Value::string(utf8_encode(std::span(cps).subspan(b, e - b)));
}

Value reverse(Args a, BuiltinContext&) {
  auto cps = utf8_decode(need_string("strings.reverse", a[0], 1));
  std::reverse(cps.begin(), cps.end());
  return Value::string(utf8_encode(cps));
}

std::vector<std::string> string_or_strings(std::string_view fn, const Value& v, int pos) {
  need_kinds(fn, v, pos, {Kind::String, Kind::Set, Kind::Array});
  if (v.is_string()) return {v.str()};
  std::vector<std::string> out;
  for (const auto& x : v.items()) {
    if (!x.is_string()) operand_error(fn, pos, "string", x);
    out.push_back(x.str());
  }
  return out;
}

Value any_prefix_match(Args a, BuiltinContext&) {
  auto strs = string_or_strings("strings.any_prefix_match", a[0], 1);
  auto prefixes = string_or_strings("strings.any_prefix_match", a[1], 2);
  for (const auto& s : strs)
    for (const auto& p : prefixes)
      if (s.starts_with(p)) return Value::boolean(true);
  return Value::boolean(false);
}

Value any_suffix_match(Args a, BuiltinContext&) {
  auto strs = string_or_strings("strings.any_suffix_match", a[0], 1);
  auto suffixes = string_or_strings("strings.any_suffix_match", a[1], 2);
  for (const auto& s : strs)
    for (const auto& p : suffixes)
      if (s.ends_with(p)) return Value::boolean(true);
  return Value::boolean(false);
}

Value strings_count(Args a, BuiltinContext&) {
  const std::string& s = need_string("strings.count", a[0], 1);
  const std::string& sub = need_string("strings.count", a[1], 2);
  if (sub.empty()) return Value::integer(static_cast<int64_t>(a[0].size()) + 1);
  int64_t n = 0;
  for (size_t pos = s.find(sub); pos != std::string::npos; pos = s.find(sub, pos + sub.size())) ++n;
  return Value::integer(n);
}

Value format_int(Args a, BuiltinContext&) {
  need_number("format_int", a[0], 1);
  need_number("format_int", a[1], 2);
  int64_t base = 0;
  if (!a[1].to_int64(base) || (base != 2 && base != 8 && base != 10 && base != 16))
    throw BuiltinError("format_int: operand 2 must be one of {2, 8, 10, 16}", kTypeError);
  mpq_class q = a[0].to_rational();
  mpz_class z;
  mpz_tdiv_q(z.get_mpz_t(), q.get_num_mpz_t(), q.get_den_mpz_t());
  return Value::string(z.get_str(static_cast<int>(base)));
}

}  // namespace

Value render_template(Args a, BuiltinContext&);  // template.cpp

void register_strings(BuiltinRegistry& r) {
  const char* c = "strings";
  def(r, c, "concat", {"string", "array[string]|set[string]"}, "string",
      "Joins strings with a delimiter.", concat);
  def(r, c, "contains", {"string", "string"}, "boolean", "Whether a string contains a substring.",
      contains);
  def(r, c, "startswith", {"string", "string"}, "boolean", "Whether a string starts with a prefix.",
      startswith);
  def(r, c, "endswith", {"string", "string"}, "boolean", "Whether a string ends with a suffix.",
      endswith);
  def(r, c, "indexof", {"string", "string"}, "number",
      "Code point index of the first occurrence of a substring, or -1.", indexof);
  def(r, c, "indexof_n", {"string", "string"}, "array[number]",
      "Code point indices of all (overlapping) occurrences of a substring.", indexof_n);
  def(r, c, "lower", {"string"}, "string", "Lower-cases a string.", lower);
  def(r, c, "upper", {"string"}, "string", "Upper-cases a string.", upper);
  def(r, c, "replace", {"string", "string", "string"}, "string",
      "Replaces all occurrences of a substring.", replace);
  def(r, c, "strings.replace_n", {"object[string: string]", "string"}, "string",
      "Replaces several substrings at once, leftmost first.", replace_n);
  def(r, c, "split", {"string", "string"}, "array[string]", "Splits a string at a delimiter.",
      split);
  def(r, c, "substring", {"string", "number", "number"}, "string",
      "Code points from an offset, up to a length (negative: to the end).", substring);
  def(r, c, "trim", {"string", "string"}, "string",
      "Removes leading and trailing code points found in a cutset.", trim);
  def(r, c, "trim_left", {"string", "string"}, "string",
      "Removes leading code points found in a cutset.", trim_left);
  def(r, c, "trim_right", {"string", "string"}, "string",
      "Removes trailing code points found in a cutset.", trim_right);
  def(r, c, "trim_prefix", {"string", "string"}, "string", "Removes a prefix if present.",
      trim_prefix);
  def(r, c, "trim_suffix", {"string", "string"}, "string", "Removes a suffix if present.",
      trim_suffix);
  def(r, c, "trim_space", {"string"}, "string", "Removes leading and trailing white space.",
      trim_space);
  def(r, c, "strings.reverse", {"string"}, "string", "Reverses the code points of a string.",
      reverse);
  def(r, c, "strings.any_prefix_match",
      {"string|array[string]|set[string]", "string|array[string]|set[string]"}, "boolean",
      "Whether any string starts with any of the prefixes.", any_prefix_match);
  def(r, c, "strings.any_suffix_match",
      {"string|array[string]|set[string]", "string|array[string]|set[string]"}, "boolean",
      "Whether any string ends with any of the suffixes.", any_suffix_match);
  def(r, c, "strings.count", {"string", "string"}, "number",
      "Number of non-overlapping occurrences of a substring.", strings_count);
  def(r, c, "strings.render_template", {"string", "object[string: any]"}, "string",
      "Renders a Go text/template with the given variables.", render_template);
  def(r, c, "format_int", {"number", "number"}, "string",
      "Formats the integer part of a number in base 2, 8, 10 or 16.", format_int);
}

}  // namespace policyc::builtins
