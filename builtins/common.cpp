#include <cstdio>

#include "internal.hpp"
#include "policyc/core/utf8.hpp"

namespace policyc::builtins {

void def(BuiltinRegistry& r, const char* category, const char* name,
         std::vector<std::string> arg_types, const char* result_type, const char* description,
         BuiltinFn fn, bool nondeterministic) {
  BuiltinDecl d;
  d.name = name;
  d.arg_types = std::move(arg_types);
  d.result_type = result_type;
  d.description = description;
  d.category = category;
  d.fn = fn;
  d.nondeterministic = nondeterministic;
  r.add(std::move(d));
}

void operand_error_text(std::string_view fn, int pos, std::string_view expected,
                        std::string_view got) {
  std::string msg(fn);
  msg += ": operand " + std::to_string(pos) + " must be ";
  msg += expected;
  msg += " but got ";
  msg += got;
  throw BuiltinError(msg, kTypeError);
}

void operand_error(std::string_view fn, int pos, std::string_view expected, const Value& got) {
  operand_error_text(fn, pos, expected, kind_name(got.kind()));
}

void fail(std::string_view fn, std::string_view message) {
  std::string msg(fn);
  msg += ": ";
  msg += message;
  throw BuiltinError(msg);
}

const std::string& need_string(std::string_view fn, const Value& v, int pos) {
  if (!v.is_string()) operand_error(fn, pos, "string", v);
  return v.str();
}

const Value& need_number(std::string_view fn, const Value& v, int pos) {
  if (!v.is_number()) operand_error(fn, pos, "number", v);
  return v;
}

const Value& need_array(std::string_view fn, const Value& v, int pos) {
  if (!v.is_array()) operand_error(fn, pos, "array", v);
  return v;
}

const Value& need_object(std::string_view fn, const Value& v, int pos) {
  if (!v.is_object()) operand_error(fn, pos, "object", v);
  return v;
}

const Value& need_set(std::string_view fn, const Value& v, int pos) {
  if (!v.is_set()) operand_error(fn, pos, "set", v);
  return v;
}

bool need_bool(std::string_view fn, const Value& v, int pos) {
  if (!v.is_bool()) operand_error(fn, pos, "boolean", v);
  return v.as_bool();
}

bool is_integral(const Value& v) { return v.is_number() && v.is_integer(); }

mpz_class need_integer(std::string_view fn, const Value& v, int pos) {
  need_number(fn, v, pos);
  if (!v.is_integer()) operand_error_text(fn, pos, "integer number", "floating-point number");
  if (v.is_small_int()) return mpz_class(static_cast<long>(v.small_int()));
  return v.to_rational().get_num();
}

int64_t need_int64(std::string_view fn, const Value& v, int pos) {
  need_number(fn, v, pos);
  int64_t out = 0;
  if (!v.is_integer()) operand_error_text(fn, pos, "integer number", "floating-point number");
  if (!v.to_int64(out)) fail(fn, "operand " + std::to_string(pos) + " is out of range");
  return out;
}

std::string one_of(std::initializer_list<Kind> kinds) {
  std::string s = "one of {";
  bool first = true;
  for (Kind k : kinds) {
    if (!first) s += ", ";
    first = false;
    s += kind_name(k);
  }
  return s + "}";
}

void need_kinds(std::string_view fn, const Value& v, int pos, std::initializer_list<Kind> kinds) {
  for (Kind k : kinds)
    if (v.kind() == k) return;
  operand_error(fn, pos, one_of(kinds), v);
}

Value number_from_mpz(const mpz_class& z) { return Value::rational(mpq_class(z)); }

std::vector<char32_t> utf8_decode(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    char32_t cp;
    size_t len;
    if (c < 0x80) {
      cp = c;
      len = 1;
    } else if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1F;
      len = 2;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0F;
      len = 3;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07;
      len = 4;
    } else {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    if (i + len > s.size()) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    bool ok = true;
    for (size_t k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) {
        ok = false;
        break;
      }
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (!ok) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

void utf8_append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string utf8_encode(std::span<const char32_t> cps) {
  std::string out;
  out.reserve(cps.size());
  for (char32_t cp : cps) utf8_append(out, cp);
  return out;
}

Value string_array(const std::vector<std::string>& strings) {
  ValueVec items;
  items.reserve(strings.size());
  for (const auto& s : strings) items.push_back(Value::string(s));
  return Value::array(std::move(items));
}

bool go_printable(char32_t r) { return !(r < 0x20 || r == 0x7F || (r >= 0x80 && r < 0xA0)); }

char32_t go_rune(long n) {
  if (n < 0 || n > 0x10FFFF || (n >= 0xD800 && n <= 0xDFFF)) return 0xFFFD;
  return static_cast<char32_t>(n);
}

namespace {

// strconv's appendEscapedRune: one code point inside `quote`s.
void go_escape_rune(std::string& out, char32_t r, char quote, bool ascii_only) {
  if (r == static_cast<char32_t>(quote) || r == '\\') {
    out += '\\';
    utf8_append(out, r);
    return;
  }
  if (ascii_only ? (r < 0x80 && go_printable(r)) : go_printable(r)) {
    utf8_append(out, r);
    return;
  }
  char buf[16];
  switch (r) {
    case '\a':
      out += "\\a";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\v':
      out += "\\v";
      return;
    default:
      break;
  }
  if (r < 0x20 || r == 0x7F)
    std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(r));
  else if (r < 0x10000)
    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(r));
  else
    std::snprintf(buf, sizeof buf, "\\U%08x", static_cast<unsigned>(r));
  out += buf;
}

}  // namespace

std::string go_quote(std::string_view s, bool ascii_only) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_sequence_length(s, i);
    if (n == 0) {  // a byte that is not UTF-8: \xNN, as strconv.Quote writes it
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(s[i]));
      out += buf;
      ++i;
      continue;
    }
    go_escape_rune(out, utf8_decode(s.substr(i, n))[0], '"', ascii_only);
    i += n;
  }
  return out + "\"";
}

std::string go_quote_rune(char32_t r, bool ascii_only) {
  std::string out = "'";
  go_escape_rune(out, r, '\'', ascii_only);
  return out + "'";
}

bool go_can_backquote(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_sequence_length(s, i);
    if (n == 0) return false;
    if (n > 1) {
      if (s.substr(i, n) == "\xEF\xBB\xBF") return false;  // a byte order mark is invisible
    } else if ((s[i] < ' ' && s[i] != '\t') || s[i] == '`' || s[i] == 0x7F) {
      return false;
    }
    i += n;
  }
  return true;
}

namespace {

// The size of `v` as JSON text, counted until it passes `limit`.
size_t serialized_size(const Value& v, size_t limit, size_t sum) {
  if (sum > limit) return sum;
  switch (v.kind()) {
    case Kind::String:
      return sum + v.str().size() + 2;
    case Kind::Array:
    case Kind::Set:
      sum += 2;
      for (const auto& x : v.items()) {
        sum = serialized_size(x, limit, sum + 1);
        if (sum > limit) return sum;
      }
      return sum;
    case Kind::Object:
      sum += 2;
      for (const auto& [k, x] : v.entries()) {
        sum = serialized_size(x, limit, serialized_size(k, limit, sum + 2));
        if (sum > limit) return sum;
      }
      return sum;
    default:
      return sum + 24;
  }
}

}  // namespace

void reserve_serialized(BuiltinContext& ctx, const Value& v) {
  if (!ctx.memory_capped()) return;
  // Counted up to the cap itself, so a small value costs no look at the process's memory
  // (reserve() reads it only for sizes worth it).
  ctx.reserve(serialized_size(v, ctx.limits->limits()->max_memory, 0));
}

}  // namespace policyc::builtins
