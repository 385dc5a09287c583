// glob.match (gobwas/glob syntax, compiled to RE2), glob.quote_meta, and regex.globs_match
// (whether two glob-like patterns share a string: an NFA product reachability check).
#include <re2/re2.h>

#include <algorithm>

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
        case '?':
          out += not_sep;
          break;
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
            if (k == '\\' && i < src.size()) {
              cls += quote_char(src[i++]);
              continue;
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
        default:
          out += quote_char(c);
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
// OPA delegates to a heuristic intersection check (trim equal ends, then walk tokens,
// letting a starred token swallow tokens of the other side); results follow that
// procedure, including where it answers false for globs that do share strings.

struct GlobToken {
  bool dot = false;
  std::vector<char32_t> chars;  // one character, or a set's members
  char flag = 0;                // 0, '*' or '+'
};

bool tokens_match(const GlobToken& a, const GlobToken& b) {
  if (a.dot || b.dot) return true;
  for (char32_t x : a.chars)
    if (std::find(b.chars.begin(), b.chars.end(), x) != b.chars.end()) return true;
  return false;
}

bool same_token(const GlobToken& a, const GlobToken& b) {
  return a.dot == b.dot && a.chars == b.chars;
}

[[noreturn]] void glob_syntax_error(const std::vector<char32_t>& input, size_t pos,
                                    const std::string& what) {
  fail("regex.globs_match", "input:" + utf8_encode(input) + ", pos:" + std::to_string(pos) + ", " +
                                what + ": the input provided is invalid");
}

struct GlobLexer {
  const std::vector<char32_t>& in;

  // Reads one rune at i (a backslash escapes the next); false at the end of input.
  bool next_rune(size_t i, size_t& next, char32_t& r, bool& escaped) {
    if (i >= in.size()) return false;
    if (in[i] == '\\') {
      if (i + 1 >= in.size()) glob_syntax_error(in, i, "input ends with a \\ (escape) character");
      next = i + 2;
      r = in[i + 1];
      escaped = true;
      return true;
    }
    next = i + 1;
    r = in[i];
    escaped = false;
    return true;
  }

  std::string rune_text(char32_t r) {
    std::string s;
    utf8_append(s, r);
    return s;
  }

  size_t read_set(size_t i, GlobToken& t) {
    char32_t r = 0, prev = 0;
    bool escaped = false, prev_exists = false;
    size_t next = i;
    while (next_rune(i, next, r, escaped)) {
      if (!escaped && r == '-') {
        if (!prev_exists)
          glob_syntax_error(in, next,
                            "range character '-' must be preceded by a Unicode character");
        if (next >= in.size() - 1)
          glob_syntax_error(in, next,
                            "range character '-' must be followed by a Unicode character");
        size_t after;
        if (!next_rune(next, after, r, escaped)) break;
        next = after;
        if (!escaped && (r == ']' || r == '-'))
          glob_syntax_error(in, next, "range character '-' cannot be followed by a special symbol");
        if (r < prev)
          glob_syntax_error(in, next,
                            "range is out of order: '" + rune_text(r) + "' comes before '" +
                                rune_text(prev) + "' in Unicode");
        for (char32_t x = prev; x <= r; ++x) t.chars.push_back(x);
        prev_exists = false;
      } else if (!escaped && r == ']') {
        return next;
      } else {
        t.chars.push_back(r);
        prev = r;
        prev_exists = true;
      }
      i = next;
    }
    glob_syntax_error(in, i, "found [ without matching ]");
  }

  std::vector<GlobToken> tokens() {
    std::vector<GlobToken> out;
    size_t i = 0, next;
    char32_t r;
    bool escaped;
    while (next_rune(i, next, r, escaped)) {
      GlobToken t;
      if (!escaped && r == '.') {
        t.dot = true;
      } else if (!escaped && r == ']') {
        glob_syntax_error(in, next, "set-close ']' with no preceding '['");
      } else if (!escaped && r == '[') {
        next = read_set(next, t);
      } else if (!escaped && (r == '+' || r == '*')) {
        glob_syntax_error(in, next, "flag '" + rune_text(r) + "' must be preceded by a non-flag");
      } else {
        t.chars.push_back(r);
      }
      size_t after;
      char32_t f;
      bool fesc;
      if (next_rune(next, after, f, fesc) && !fesc && (f == '+' || f == '*')) {
        t.flag = static_cast<char>(f);
        next = after;
      }
      // Adjacent flagged copies of one token collapse (t*t+ is t+).
      if (t.flag && !out.empty() && out.back().flag && same_token(out.back(), t)) {
        if (t.flag == '+') out.back().flag = '+';
      } else {
        out.push_back(std::move(t));
      }
      i = next;
    }
    return out;
  }
};

using Glob = std::span<const GlobToken>;

bool intersect_normal(Glob a, Glob b);

bool intersect_star(Glob starred, Glob other) {
  const GlobToken& star = starred[0];
  const GlobToken* next = starred.size() > 1 ? &starred[1] : nullptr;
  for (size_t i = 0; i < other.size(); ++i) {
    if (next && tokens_match(other[i], *next)) {
      if (intersect_normal(starred.subspan(1), other.subspan(i))) return true;
      if (!tokens_match(other[i], star)) return false;
    } else if (!tokens_match(other[i], star)) {
      return false;
    }
  }
  return next == nullptr;
}

bool intersect_plus(Glob plussed, Glob other) {
  if (other.empty() || !tokens_match(plussed[0], other[0])) return false;
  return intersect_star(plussed, other.subspan(1));
}

bool intersect_special(Glob a, Glob b) {
  if (a[0].flag) return a[0].flag == '+' ? intersect_plus(a, b) : intersect_star(a, b);
  return b[0].flag == '+' ? intersect_plus(b, a) : intersect_star(b, a);
}

bool intersect_normal(Glob a, Glob b) {
  size_t i = 0, j = 0;
  for (; i < a.size() && j < b.size(); ++i, ++j) {
    if (!a[i].flag && !b[j].flag) {
      if (!tokens_match(a[i], b[j])) return false;
    } else {
      return intersect_special(a.subspan(i), b.subspan(j));
    }
  }
  return i == a.size() && j == b.size();
}

Value regex_globs_match_impl(Args a) {
  auto in1 = utf8_decode(need_string("regex.globs_match", a[0], 1));
  auto in2 = utf8_decode(need_string("regex.globs_match", a[1], 2));
  auto g1 = GlobLexer{in1}.tokens();
  auto g2 = GlobLexer{in2}.tokens();
  // Equal unflagged prefixes and suffixes are trimmed first.
  size_t l1 = 0, l2 = 0;
  for (; l1 < g1.size() && l2 < g2.size() && !g1[l1].flag && !g2[l2].flag; ++l1, ++l2)
    if (!tokens_match(g1[l1], g2[l2])) return Value::boolean(false);
  long r1 = static_cast<long>(g1.size()) - 1, r2 = static_cast<long>(g2.size()) - 1;
  for (; r1 >= 0 && r1 >= static_cast<long>(l1) && r2 >= 0 && r2 >= static_cast<long>(l2) &&
         !g1[static_cast<size_t>(r1)].flag && !g2[static_cast<size_t>(r2)].flag;
       --r1, --r2)
    if (!tokens_match(g1[static_cast<size_t>(r1)], g2[static_cast<size_t>(r2)]))
      return Value::boolean(false);
  Glob s1 = Glob(g1).subspan(l1, static_cast<size_t>(r1 + 1) - l1);
  Glob s2 = Glob(g2).subspan(l2, static_cast<size_t>(r2 + 1) - l2);
  return Value::boolean(intersect_normal(s1, s2));
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
