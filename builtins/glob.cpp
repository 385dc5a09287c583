// glob.match (gobwas/glob syntax, compiled to RE2), glob.quote_meta, and regex.globs_match
// (whether two glob-like patterns share a string: an NFA product reachability check).
#include <re2/re2.h>

#include <algorithm>
#include <set>

#include "internal.hpp"
#include "regex_cache.hpp"

namespace policyc::builtins {
namespace {

std::string quote_char(char32_t cp) {
  std::string s;
  utf8_append(s, cp);
  return RE2::QuoteMeta(s);
}

struct GlobTranslator {
  std::vector<char32_t> src;
  size_t i = 0;
  std::string not_sep;  // regex char class for one non-separator code point
  std::string error;

  bool translate(std::string& out, int depth) {
    while (i < src.size()) {
      char32_t c = src[i];
      if (depth > 0 && (c == ',' || c == '}')) return true;
      ++i;
      switch (c) {
        case '*':
          if (i < src.size() && src[i] == '*') {
            ++i;
            out += "(?s:.*)";
          } else {
            out += not_sep + "*";
          }
          break;
        case '?': out += not_sep; break;
        case '\\':
          if (i >= src.size()) {
            error = "unexpected end of input after escape";
            return false;
          }
          out += quote_char(src[i++]);
          break;
        case '[': {
          std::string cls = "[";
          if (i < src.size() && src[i] == '!') {
            cls += "^";
            ++i;
          }
          bool closed = false;
          while (i < src.size()) {
            char32_t k = src[i++];
            if (k == ']') {
              closed = true;
              break;
            }
            if (k == '-' && cls.size() > 1 && cls.back() != '^') {
              cls += "-";
              continue;
            }
            std::string one;
            utf8_append(one, k);
            if (k == '\\' || k == ']' || k == '[' || k == '^' || k == '-') cls += "\\";
            cls += one;
          }
          if (!closed) {
            error = "unexpected end of input in character class";
            return false;
          }
          out += cls + "]";
          break;
        }
        case '{': {
          out += "(?:";
          bool first = true;
          for (;;) {
            if (!first) out += "|";
            first = false;
            if (!translate(out, depth + 1)) return false;
            if (i >= src.size()) {
              error = "unexpected end of input in alternatives";
              return false;
            }
            if (src[i++] == '}') break;
          }
          out += ")";
          break;
        }
        default: out += quote_char(c);
      }
    }
    if (depth > 0) {
      error = "unexpected end of input in alternatives";
      return false;
    }
    return true;
  }
};

Value glob_match(Args a, BuiltinContext&) {
  const std::string& pattern = need_string("glob.match", a[0], 1);
  std::vector<char32_t> seps;
  if (a[1].is_null()) {
  } else if (a[1].is_array()) {
    for (const auto& d : a[1].items()) {
      if (!d.is_string())
        operand_error_text("glob.match", 2, "array of strings",
                           std::string("array containing ") + kind_name(d.kind()));
      auto cps = utf8_decode(d.str());
      seps.insert(seps.end(), cps.begin(), cps.end());
    }
    if (a[1].items().empty()) seps.push_back('.');
  } else {
    operand_error("glob.match", 2, one_of({Kind::Array, Kind::Null}), a[1]);
  }
  const std::string& s = need_string("glob.match", a[2], 3);
  GlobTranslator t;
  t.src = utf8_decode(pattern);
  if (seps.empty()) {
    t.not_sep = "(?s:.)";
  } else {
    t.not_sep = "[^";
    for (char32_t c : seps) t.not_sep += quote_char(c);
    t.not_sep += "]";
  }
  std::string re_text = "^(?:";
  if (!t.translate(re_text, 0)) fail("glob.match", t.error);
  re_text += ")$";
  std::string err;
  auto re = compile_regex(re_text, &err);
  if (!re) fail("glob.match", err);
  return Value::boolean(RE2::PartialMatch(s, *re));
}

Value glob_quote_meta(Args a, BuiltinContext&) {
  const std::string& s = need_string("glob.quote_meta", a[0], 1);
  std::string out;
  for (char c : s) {
    if (c == '*' || c == '?' || c == '\\' || c == '[' || c == ']' || c == '{' || c == '}')
      out += '\\';
    out += c;
  }
  return Value::string(std::move(out));
}

// --- regex.globs_match ---------------------------------------------------------------

using Ranges = std::vector<std::pair<char32_t, char32_t>>;

bool intersects(const Ranges& a, const Ranges& b) {
  for (const auto& [lo1, hi1] : a)
    for (const auto& [lo2, hi2] : b)
      if (lo1 <= hi2 && lo2 <= hi1) return true;
  return false;
}

struct GlobToken {
  Ranges set;
  char modifier = 0;  // 0, '*', '+', '?'
};

[[noreturn]] void glob_syntax_error(const std::string& input, size_t pos, const std::string& what) {
  fail("regex.globs_match", "input:" + input + ", pos:" + std::to_string(pos) + ", " + what +
                                ": the input provided is invalid");
}

std::vector<GlobToken> parse_glob_tokens(const std::string& input) {
  auto cps = utf8_decode(input);
  std::vector<GlobToken> out;
  size_t i = 0;
  auto describe = [](char32_t c) {
    std::string s = "'";
    utf8_append(s, c);
    return s + "'";
  };
  while (i < cps.size()) {
    char32_t c = cps[i++];
    if (c == '*' || c == '+' || c == '?') {
      if (out.empty() || out.back().modifier)
        glob_syntax_error(input, i, "modifier " + describe(c) +
                                        " must be preceded by a non-modifier character");
      out.back().modifier = static_cast<char>(c);
      continue;
    }
    GlobToken t;
    if (c == '.') {
      t.set = {{0, 0x10FFFF}};
    } else if (c == '\\') {
      if (i >= cps.size())
        glob_syntax_error(input, i, "escape character '\\' must be followed by a Unicode character");
      t.set = {{cps[i], cps[i]}};
      ++i;
    } else if (c == ']') {
      glob_syntax_error(input, i, "set-close ']' with no preceding '['");
    } else if (c == '[') {
      bool closed = false;
      while (i < cps.size()) {
        char32_t k = cps[i++];
        if (k == ']') {
          closed = true;
          break;
        }
        if (k == '\\') {
          if (i >= cps.size())
            glob_syntax_error(input, i,
                              "escape character '\\' must be followed by a Unicode character");
          k = cps[i++];
        }
        if (i < cps.size() && cps[i] == '-') {
          ++i;
          if (i >= cps.size())
            glob_syntax_error(input, i,
                              "range character '-' must be followed by a Unicode character");
          char32_t hi = cps[i++];
          if (hi == '\\' && i < cps.size()) hi = cps[i++];
          if (hi < k) glob_syntax_error(input, i, "range is out of order");
          t.set.push_back({k, hi});
        } else {
          t.set.push_back({k, k});
        }
      }
      if (!closed) glob_syntax_error(input, i, "set-open '[' with no closing ']'");
    } else {
      t.set = {{c, c}};
    }
    out.push_back(std::move(t));
  }
  return out;
}

// NFA over token positions: state k means "before token k"; a starred token may repeat.
struct GlobNfa {
  std::vector<GlobToken> tokens;
  // Epsilon closure of a state: skip optional tokens.
  std::vector<size_t> closure(size_t k) const {
    std::vector<size_t> out{k};
    while (k < tokens.size() && (tokens[k].modifier == '*' || tokens[k].modifier == '?'))
      out.push_back(++k);
    return out;
  }
  // States after consuming one char of token k (which must match).
  std::vector<size_t> step(size_t k) const {
    char m = tokens[k].modifier;
    if (m == '*' || m == '+') return {k, k + 1};
    return {k + 1};
  }
};

Value regex_globs_match_impl(Args a) {
  const std::string& g1 = need_string("regex.globs_match", a[0], 1);
  const std::string& g2 = need_string("regex.globs_match", a[1], 2);
  GlobNfa n1{parse_glob_tokens(g1)}, n2{parse_glob_tokens(g2)};
  std::set<std::pair<size_t, size_t>> seen;
  std::vector<std::pair<size_t, size_t>> work;
  auto push = [&](size_t x, size_t y) {
    for (size_t cx : n1.closure(x))
      for (size_t cy : n2.closure(y))
        if (seen.insert({cx, cy}).second) work.push_back({cx, cy});
  };
  push(0, 0);
  while (!work.empty()) {
    auto [x, y] = work.back();
    work.pop_back();
    if (x == n1.tokens.size() && y == n2.tokens.size()) return Value::boolean(true);
    if (x == n1.tokens.size() || y == n2.tokens.size()) continue;
    if (!intersects(n1.tokens[x].set, n2.tokens[y].set)) continue;
    for (size_t nx : n1.step(x))
      for (size_t ny : n2.step(y)) push(nx, ny);
  }
  return Value::boolean(false);
}

}  // namespace

Value regex_globs_match(Args a, BuiltinContext&) { return regex_globs_match_impl(a); }

void register_glob(BuiltinRegistry& r) {
  def(r, "glob", "glob.match", {"string", "array[string]|null", "string"}, "boolean",
      "Matches a glob (*, **, ?, [..], {a,b}); delimiters bound * and ? (default \".\").",
      glob_match);
  def(r, "glob", "glob.quote_meta", {"string"}, "string",
      "Escapes the glob metacharacters of a string.", glob_quote_meta);
}

}  // namespace policyc::builtins
