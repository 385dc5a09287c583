// Go encoding/json's syntax error texts for json.unmarshal (OPA passes them through).
#include <cstdio>
#include <string>
#include <string_view>

#include "internal.hpp"

namespace policyc::builtins {
namespace {

std::string quote_char(char c) {
  if (c == '\'') return "'\\''";
  if (c == '"') return "'\"'";
  unsigned char u = static_cast<unsigned char>(c);
  if (u < 0x20) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "'\\x%02x'", u);
    return buf;
  }
  return std::string("'") + c + "'";
}

struct Scanner {
  std::string_view s;
  size_t i = 0;
  std::string err;

  bool invalid(const char* context) {
    if (i >= s.size()) {
      err = "unexpected end of JSON input";
    } else {
      err = "invalid character " + quote_char(s[i]) + " " + context;
    }
    return false;
  }
  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  }
  bool literal(std::string_view word) {
    for (size_t k = 0; k < word.size(); ++k, ++i) {
      if (i >= s.size()) return invalid("");
      if (s[i] != word[k]) {
        std::string ctx =
            "in literal " + std::string(word) + " (expecting " + quote_char(word[k]) + ")";
        return invalid(ctx.c_str());
      }
    }
    return true;
  }
  bool digits() {
    bool any = false;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, any = true;
    return any;
  }
  bool number() {
    if (s[i] == '-') {
      ++i;
      if (i >= s.size() || s[i] < '0' || s[i] > '9') return invalid("in numeric literal");
    }
    if (s[i] == '0')
      ++i;
    else
      digits();
    if (i < s.size() && s[i] == '.') {
      ++i;
      if (!digits()) return invalid("after decimal point in numeric literal");
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
      ++i;
      if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
      if (!digits()) return invalid("in exponent of numeric literal");
    }
    return true;
  }
  bool string() {
    ++i;
    while (i < s.size()) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      if (c == '"') {
        ++i;
        return true;
      }
      if (c < 0x20) return invalid("in string literal");
      if (c == '\\') {
        ++i;
        if (i >= s.size()) break;
        char e = s[i];
        if (e == 'u') {
          for (int k = 0; k < 4; ++k) {
            ++i;
            if (i >= s.size()) return invalid("");
            if (!std::isxdigit(static_cast<unsigned char>(s[i])))
              return invalid("in \\u hexadecimal character escape");
          }
        } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
          return invalid("in string escape code");
        }
      }
      ++i;
    }
    err = "unexpected end of JSON input";
    return false;
  }
  bool value(int depth) {
    ws();
    if (i >= s.size()) return invalid("");
    if (depth > 10000) {
      err = "exceeded max depth";
      return false;
    }
    char c = s[i];
    if (c == '{') {
      ++i;
      ws();
      if (i < s.size() && s[i] == '}') return ++i, true;
      for (;;) {
        ws();
        if (i >= s.size() || s[i] != '"')
          return invalid("looking for beginning of object key string");
        if (!string()) return false;
        ws();
        if (i >= s.size() || s[i] != ':') return invalid("after object key");
        ++i;
        if (!value(depth + 1)) return false;
        ws();
        if (i < s.size() && s[i] == ',') {
          ++i;
          continue;
        }
        if (i < s.size() && s[i] == '}') return ++i, true;
        return invalid("after object key:value pair");
      }
    }
    if (c == '[') {
      ++i;
      ws();
      if (i < s.size() && s[i] == ']') return ++i, true;
      for (;;) {
        if (!value(depth + 1)) return false;
        ws();
        if (i < s.size() && s[i] == ',') {
          ++i;
          continue;
        }
        if (i < s.size() && s[i] == ']') return ++i, true;
        return invalid("after array element");
      }
    }
    if (c == '"') return string();
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    if (c == 't') return literal("true");
    if (c == 'f') return literal("false");
    if (c == 'n') return literal("null");
    return invalid("looking for beginning of value");
  }
};

}  // namespace

std::string go_json_error(std::string_view text) {
  Scanner sc;
  sc.s = text;
  if (!sc.value(0)) return sc.err;
  sc.ws();
  if (sc.i < text.size()) {
    sc.invalid("after top-level value");
    return "error: " + sc.err;
  }
  return "invalid JSON";
}

}  // namespace policyc::builtins
