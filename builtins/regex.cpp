// Regular expressions through RE2 (Go's regexp syntax is RE2's), with compiled patterns
// cached process-wide and Go's error texts.
#include <re2/re2.h>

#include <memory>
#include <mutex>
#include <unordered_map>

#include "internal.hpp"
#include "regex_cache.hpp"

namespace policyc::builtins {

namespace {

const char* go_regexp_error(RE2::ErrorCode code) {
  switch (code) {
    case RE2::ErrorBadEscape:
      return "invalid escape sequence";
    case RE2::ErrorBadCharClass:
      return "invalid character class";
    case RE2::ErrorBadCharRange:
      return "invalid character class range";
    case RE2::ErrorMissingBracket:
      return "missing closing ]";
    case RE2::ErrorMissingParen:
      return "missing closing )";
    case RE2::ErrorUnexpectedParen:
      return "unexpected )";
    case RE2::ErrorTrailingBackslash:
      return "trailing backslash at end of expression";
    case RE2::ErrorRepeatArgument:
      return "missing argument to repetition operator";
    case RE2::ErrorRepeatSize:
      return "invalid repeat count";
    case RE2::ErrorRepeatOp:
      return "invalid nested repetition operator";
    case RE2::ErrorBadPerlOp:
      return "invalid or unsupported Perl syntax";
    case RE2::ErrorBadUTF8:
      return "invalid UTF-8";
    case RE2::ErrorBadNamedCapture:
      return "invalid named capture";
    default:
      return "regexp/syntax: internal error";
  }
}

}  // namespace

std::shared_ptr<const RE2> compile_regex(const std::string& pattern, std::string* error) {
  static std::mutex mu;
  static std::unordered_map<std::string, std::shared_ptr<const RE2>> cache;
  {
    std::lock_guard lock(mu);
    auto it = cache.find(pattern);
    if (it != cache.end()) return it->second;
  }
  RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_shared<const RE2>(pattern, opts);
  if (!re->ok()) {
    if (error) {
      std::string arg = re->error_arg();
      if (re->error_code() == RE2::ErrorMissingParen || arg.empty()) arg = pattern;
      *error = std::string("error parsing regexp: ") + go_regexp_error(re->error_code()) + ": `" +
               arg + "`";
    }
    return nullptr;
  }
  std::lock_guard lock(mu);
  if (cache.size() > 4096) cache.clear();
  cache.emplace(pattern, re);
  return re;
}

namespace {

std::shared_ptr<const RE2> need_regex(std::string_view fn, const std::string& pattern) {
  std::string err;
  auto re = compile_regex(pattern, &err);
  if (!re) fail(fn, err);
  return re;
}

// Go's FindAll*Index: successive non-overlapping matches; an empty match right after the
// previous match is skipped.
std::vector<std::vector<re2::StringPiece>> find_all(const RE2& re, const std::string& s,
                                                    int64_t limit) {
  std::vector<std::vector<re2::StringPiece>> out;
  int ngroups = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> groups(static_cast<size_t>(ngroups));
  size_t pos = 0;
  size_t prev_end = std::string::npos;
  re2::StringPiece text(s);
  while (pos <= s.size() && (limit < 0 || static_cast<int64_t>(out.size()) < limit)) {
    if (!re.Match(text, pos, s.size(), RE2::UNANCHORED, groups.data(), ngroups)) break;
    size_t mstart = static_cast<size_t>(groups[0].data() - s.data());
    size_t mend = mstart + groups[0].size();
    bool accept = true;
    if (groups[0].empty() && mstart == prev_end) accept = false;
    if (accept) out.push_back(groups);
    if (mend > pos) {
      pos = mend;
    } else {
      // Advance one code point past an empty match.
      size_t step = 1;
      if (pos < s.size()) {
        unsigned char c = static_cast<unsigned char>(s[pos]);
        step = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
      }
      pos += step;
    }
    prev_end = mend;
  }
  return out;
}

Value regex_match(Args a, BuiltinContext&) {
  const std::string& p = need_string("regex.match", a[0], 1);
  const std::string& s = need_string("regex.match", a[1], 2);
  auto re = need_regex("regex.match", p);
  return Value::boolean(RE2::PartialMatch(s, *re));
}

Value re_match(Args a, BuiltinContext&) {
  const std::string& p = need_string("re_match", a[0], 1);
  const std::string& s = need_string("re_match", a[1], 2);
  auto re = need_regex("re_match", p);
  return Value::boolean(RE2::PartialMatch(s, *re));
}

Value regex_is_valid(Args a, BuiltinContext&) {
  if (!a[0].is_string()) return Value::boolean(false);
  return Value::boolean(compile_regex(a[0].str(), nullptr) != nullptr);
}

Value regex_find_n(Args a, BuiltinContext&) {
  const std::string& p = need_string("regex.find_n", a[0], 1);
  const std::string& s = need_string("regex.find_n", a[1], 2);
  int64_t n = need_int64("regex.find_n", a[2], 3);
  auto re = need_regex("regex.find_n", p);
  ValueVec out;
  for (const auto& m : find_all(*re, s, n)) out.push_back(Value::string(std::string(m[0])));
  return Value::array(std::move(out));
}

Value regex_find_all_submatch(Args a, BuiltinContext&) {
  const char* fn = "regex.find_all_string_submatch_n";
  const std::string& p = need_string(fn, a[0], 1);
  const std::string& s = need_string(fn, a[1], 2);
  int64_t n = need_int64(fn, a[2], 3);
  auto re = need_regex(fn, p);
  ValueVec out;
  for (const auto& m : find_all(*re, s, n)) {
    ValueVec groups;
    for (const auto& g : m) groups.push_back(Value::string(std::string(g)));
    out.push_back(Value::array(std::move(groups)));
  }
  return Value::array(std::move(out));
}

Value regex_split(Args a, BuiltinContext&) {
  const std::string& p = need_string("regex.split", a[0], 1);
  const std::string& s = need_string("regex.split", a[1], 2);
  auto re = need_regex("regex.split", p);
  if (!p.empty() && s.empty()) return Value::array({Value::string("")});
  ValueVec out;
  size_t beg = 0, end = 0;
  for (const auto& m : find_all(*re, s, -1)) {
    size_t ms = static_cast<size_t>(m[0].data() - s.data());
    size_t me = ms + m[0].size();
    end = ms;
    if (me != 0) out.push_back(Value::string(s.substr(beg, end - beg)));
    beg = me;
  }
  if (end != s.size()) out.push_back(Value::string(s.substr(beg)));
  return Value::array(std::move(out));
}

bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Go's Regexp.Expand template syntax: $1, $name, ${name}, $$.
void expand(std::string& out, const std::string& tmpl, const RE2& re,
            const std::vector<re2::StringPiece>& groups) {
  const auto& names = re.NamedCapturingGroups();
  for (size_t i = 0; i < tmpl.size();) {
    if (tmpl[i] != '$' || i + 1 >= tmpl.size()) {
      out += tmpl[i++];
      continue;
    }
    if (tmpl[i + 1] == '$') {
      out += '$';
      i += 2;
      continue;
    }
    std::string name;
    size_t next;
    if (tmpl[i + 1] == '{') {
      size_t close = tmpl.find('}', i + 2);
      size_t j = i + 2;
      while (j < tmpl.size() && is_name_char(tmpl[j])) ++j;
      if (close == std::string::npos || j != close || close == i + 2) {
        out += tmpl[i++];
        continue;
      }
      name = tmpl.substr(i + 2, close - i - 2);
      next = close + 1;
    } else {
      size_t j = i + 1;
      while (j < tmpl.size() && is_name_char(tmpl[j])) ++j;
      if (j == i + 1) {
        out += tmpl[i++];
        continue;
      }
      name = tmpl.substr(i + 1, j - i - 1);
      next = j;
    }
    bool numeric = std::all_of(name.begin(), name.end(),
                               [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    if (numeric) {
      size_t idx = name.size() > 8 ? groups.size() : std::stoul(name);
      if (idx < groups.size()) out.append(groups[idx].data(), groups[idx].size());
    } else if (auto it = names.find(name); it != names.end()) {
      const auto& g = groups[static_cast<size_t>(it->second)];
      out.append(g.data(), g.size());
    }
    i = next;
  }
}

Value regex_replace(Args a, BuiltinContext& ctx) {
  const std::string& s = need_string("regex.replace", a[0], 1);
  const std::string& p = need_string("regex.replace", a[1], 2);
  const std::string& repl = need_string("regex.replace", a[2], 3);
  auto re = need_regex("regex.replace", p);
  std::string out;
  size_t last = 0;
  auto matches = find_all(*re, s, -1);
  ctx.reserve(s.size() + matches.size() * repl.size());
  for (const auto& m : matches) {
    size_t ms = static_cast<size_t>(m[0].data() - s.data());
    out.append(s, last, ms - last);
    expand(out, repl, *re, m);
    last = ms + m[0].size();
  }
  out.append(s, last);
  return Value::string(std::move(out));
}

Value regex_template_match(Args a, BuiltinContext&) {
  const char* fn = "regex.template_match";
  const std::string& tmpl = need_string(fn, a[0], 1);
  const std::string& s = need_string(fn, a[1], 2);
  const std::string& ds = need_string(fn, a[2], 3);
  const std::string& de = need_string(fn, a[3], 4);
  if (ds.size() != 1)
    fail(fn, "start delimiter has to be exactly one character long but is " +
                 std::to_string(ds.size()) + " long");
  if (de.size() != 1)
    fail(fn, "end delimiter has to be exactly one character long but is " +
                 std::to_string(de.size()) + " long");
  // Text outside the delimiters is literal; inside it is a regular expression.
  std::string pattern = "^";
  int depth = 0;
  size_t seg = 0;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] == ds[0]) {
      if (depth++ == 0) {
        pattern += RE2::QuoteMeta(tmpl.substr(seg, i - seg));
        seg = i + 1;
      }
    } else if (tmpl[i] == de[0]) {
      if (depth == 0) fail(fn, "unbalanced braces in " + go_quote(tmpl));
      if (--depth == 0) {
        pattern += "(" + tmpl.substr(seg, i - seg) + ")";
        seg = i + 1;
      }
    }
  }
  if (depth != 0) fail(fn, "unbalanced braces in " + go_quote(tmpl));
  pattern += RE2::QuoteMeta(tmpl.substr(seg)) + "$";
  auto re = need_regex(fn, pattern);
  return Value::boolean(RE2::PartialMatch(s, *re));
}

}  // namespace

Value regex_globs_match(Args a, BuiltinContext&);  // glob_intersect.cpp

void register_regex(BuiltinRegistry& r) {
  const char* c = "regex";
  def(r, c, "regex.match", {"string", "string"}, "boolean",
      "Whether the string contains a match of the pattern.", regex_match);
  def(r, c, "re_match", {"string", "string"}, "boolean", "Deprecated alias of regex.match.",
      re_match);
  def(r, c, "regex.is_valid", {"any"}, "boolean",
      "Whether the value is a string holding a valid pattern.", regex_is_valid);
  def(r, c, "regex.find_n", {"string", "string", "number"}, "array[string]",
      "Up to n matches (-1: all).", regex_find_n);
  def(r, c, "regex.find_all_string_submatch_n", {"string", "string", "number"},
      "array[array[string]]", "Up to n matches with their capture groups (-1: all).",
      regex_find_all_submatch);
  def(r, c, "regex.split", {"string", "string"}, "array[string]",
      "Splits a string around the pattern's matches.", regex_split);
  def(r, c, "regex.replace", {"string", "string", "string"}, "string",
      "Replaces all matches; $1 and ${name} expand to groups.", regex_replace);
  def(r, c, "regex.template_match", {"string", "string", "string", "string"}, "boolean",
      "Matches a template whose delimited parts are patterns and the rest literal.",
      regex_template_match);
  def(r, c, "regex.globs_match", {"string", "string"}, "boolean",
      "Whether two glob-like patterns (., [], *, +, ?) can match a common string.",
      regex_globs_match);
}

}  // namespace policyc::builtins
