// sprintf: Go's fmt.Sprintf applied to operands converted the way OPA converts them
// (integers to int or *big.Int, other numbers to float64, strings as is, anything else to
// its Rego text), including Go's %!verb(type=value) error forms.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <utility>

#include "internal.hpp"
#include "policyc/core/utf8.hpp"

namespace policyc::builtins {
namespace {

struct GoArg {
  enum Type { Int, BigInt, Float, String } type;
  mpz_class z;
  double f = 0;
  std::string s;
};

std::string rego_text(const Value& v) {
  switch (v.kind()) {
    case Kind::String:
      return go_quote(v.str());
    case Kind::Number:
      return v.number_to_string();
    case Kind::Array:
    case Kind::Set: {
      if (v.is_set() && v.items().empty()) return "set()";
      std::string out = v.is_array() ? "[" : "{";
      bool first = true;
      for (const auto& x : v.items()) {
        if (!first) out += ", ";
        first = false;
        out += rego_text(x);
      }
      return out + (v.is_array() ? "]" : "}");
    }
    case Kind::Object: {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, x] : v.entries()) {
        if (!first) out += ", ";
        first = false;
        out += rego_text(k) + ": " + rego_text(x);
      }
      return out + "}";
    }
    default:
      return v.to_json();
  }
}

bool plain_integer_text(const std::string& t) {
  size_t i = (!t.empty() && (t[0] == '-' || t[0] == '+')) ? 1 : 0;
  if (i == t.size()) return false;
  for (; i < t.size(); ++i)
    if (t[i] < '0' || t[i] > '9') return false;
  return true;
}

GoArg to_go(const Value& v) {
  GoArg g;
  if (v.is_string()) {
    g.type = GoArg::String;
    g.s = v.str();
  } else if (v.is_small_int()) {
    g.type = GoArg::Int;
    g.z = static_cast<long>(v.small_int());
  } else if (v.is_number()) {
    const std::string* text = v.number_text();
    bool integral = text ? plain_integer_text(*text) : v.is_integer();
    if (integral) {
      g.z = v.to_rational().get_num();
      g.type = g.z.fits_slong_p() ? GoArg::Int : GoArg::BigInt;
    } else {
      g.type = GoArg::Float;
      g.f = v.to_double();
    }
  } else {
    g.type = GoArg::String;
    g.s = rego_text(v);
  }
  return g;
}

struct Spec {
  bool minus = false, plus = false, sharp = false, space = false, zero = false;
  // %+v and %#v are flagless formats of their own in Go: its doPrintf moves `+` and `#` here
  // for the verb v (a *big.Int still sees them, through State.Flag).
  bool plus_v = false, sharp_v = false;
  int width = -1, prec = -1;
  char verb = 0;
};

size_t rune_count(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Pads `body` to the width. Zeros go after a sign for numbers; strings (`numeric` false) are
// padded with zeros in front of whatever they start with, as Go does.
void pad(std::string& out, const std::string& body, const Spec& sp, bool zero_ok = true,
         bool numeric = true) {
  size_t n = rune_count(body);
  if (sp.width < 0 || n >= static_cast<size_t>(sp.width)) {
    out += body;
    return;
  }
  size_t fill = static_cast<size_t>(sp.width) - n;
  if (sp.minus) {
    out += body;
    out.append(fill, ' ');
  } else if (sp.zero && zero_ok) {
    // Zeros go after a sign.
    size_t signlen =
        (numeric && !body.empty() && (body[0] == '-' || body[0] == '+' || body[0] == ' ')) ? 1 : 0;
    out += body.substr(0, signlen);
    out.append(fill, '0');
    out += body.substr(signlen);
  } else {
    out.append(fill, ' ');
    out += body;
  }
}

std::string shortest_g(double f, bool upper, int eprec_threshold) {
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  if (std::isnan(f)) return "NaN";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, f, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  size_t epos = sci.find('e');
  std::string mant = sci.substr(0, epos);
  int exp = std::stoi(sci.substr(epos + 1));
  bool neg = mant[0] == '-';
  if (neg) mant.erase(0, 1);
  std::string digits;
  for (char c : mant)
    if (c != '.') digits += c;
  std::string out = neg ? "-" : "";
  if (exp < -4 || exp >= eprec_threshold) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    out += upper ? "E" : "e";
    out += exp < 0 ? "-" : "+";
    int ae = std::abs(exp);
    if (ae < 10) out += "0";
    out += std::to_string(ae);
    return out;
  }
  if (exp < 0) {
    out += "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
  } else if (static_cast<size_t>(exp + 1) >= digits.size()) {
    out += digits + std::string(static_cast<size_t>(exp + 1) - digits.size(), '0');
  } else {
    out += digits.substr(0, static_cast<size_t>(exp + 1)) + "." +
           digits.substr(static_cast<size_t>(exp + 1));
  }
  return out;
}

std::string format_float(double f, const Spec& sp, char verb) {
  std::string body;
  if (verb == 'v') verb = 'g';
  if ((verb == 'g' || verb == 'G') && sp.prec < 0) {
    body = shortest_g(f, verb == 'G', 6);
  } else if ((verb == 'e' || verb == 'E') && sp.prec < 0) {
    char buf[64];
    std::snprintf(buf, sizeof buf, verb == 'e' ? "%.6e" : "%.6E", f);
    body = buf;
  } else {
    char fmt[16];
    std::snprintf(fmt, sizeof fmt, "%%.%d%c", sp.prec < 0 ? 6 : sp.prec, verb == 'F' ? 'f' : verb);
    char buf[512];
    std::snprintf(buf, sizeof buf, fmt, f);
    body = buf;
  }
  if (std::isinf(f) || std::isnan(f)) {
    body = std::isnan(f) ? "NaN" : (f > 0 ? "+Inf" : "-Inf");
    if (f > 0 && !sp.plus && !std::isnan(f)) body = "+Inf";
  } else if (sp.plus && body[0] != '-') {
    body = "+" + body;
  } else if (sp.space && body[0] != '-') {
    body = " " + body;
  }
  return body;
}

// A float64's sign, mantissa (with the implicit bit) and binary exponent, as Go's strconv
// takes them apart: the value is mant * 2^(exp - 52).
struct FloatParts {
  bool neg;
  uint64_t mant;
  int exp;
};

FloatParts float_parts(double f) {
  uint64_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  FloatParts p{(bits >> 63) != 0, bits & ((uint64_t{1} << 52) - 1),
               static_cast<int>((bits >> 52) & 0x7FF)};
  if (p.exp == 0) {
    ++p.exp;  // subnormal
  } else {
    p.mant |= uint64_t{1} << 52;
  }
  p.exp -= 1023;
  return p;
}

// %b of a float: decimal mantissa and binary exponent ("4503599627370496p-53").
std::string binary_float(double f) {
  FloatParts p = float_parts(f);
  int e = p.exp - 52;
  return std::string(p.neg ? "-" : "") + std::to_string(p.mant) + "p" + (e >= 0 ? "+" : "-") +
         std::to_string(std::abs(e));
}

// %x and %X of a float: Go's hexadecimal form, -0x1.yyyp±dd, shortest unless a precision
// (in hex digits) is given.
std::string hex_float(double f, int prec, bool upper) {
  FloatParts p = float_parts(f);
  uint64_t mant = p.mant;
  int exp = mant == 0 ? 0 : p.exp;
  // Leading 1 at bit 60.
  mant <<= 60 - 52;
  while (mant != 0 && (mant & (uint64_t{1} << 60)) == 0) {
    mant <<= 1;
    --exp;
  }
  if (prec >= 0 && prec < 15) {
    unsigned shift = static_cast<unsigned>(prec * 4);
    uint64_t extra = (mant << shift) & ((uint64_t{1} << 60) - 1);
    mant >>= 60 - shift;
    if ((extra | (mant & 1)) > (uint64_t{1} << 59)) ++mant;
    mant <<= 60 - shift;
    if (mant & (uint64_t{1} << 61)) {
      mant >>= 1;
      ++exp;
    }
  }
  const char* hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out = p.neg ? "-" : "";
  out += upper ? "0X" : "0x";
  out += static_cast<char>('0' + ((mant >> 60) & 1));
  mant <<= 4;
  if (prec < 0 && mant != 0) {
    out += '.';
    while (mant != 0) {
      out += hex[(mant >> 60) & 15];
      mant <<= 4;
    }
  } else if (prec > 0) {
    out += '.';
    for (int i = 0; i < prec; ++i) {
      out += hex[(mant >> 60) & 15];
      mant <<= 4;
    }
  }
  out += upper ? 'P' : 'p';
  out += exp < 0 ? '-' : '+';
  std::string digits = std::to_string(std::abs(exp));
  if (digits.size() < 2) digits.insert(0, "0");
  return out + digits;
}

std::string format_integer(const mpz_class& z, const Spec& sp, char verb) {
  int base = 10;
  std::string prefix;
  switch (verb) {
    case 'b':
      base = 2;
      if (sp.sharp) prefix = "0b";
      break;
    case 'o':
      base = 8;
      if (sp.sharp) prefix = "0";
      break;
    case 'O':
      base = 8;
      prefix = "0o";
      break;
    case 'x':
      base = 16;
      if (sp.sharp) prefix = "0x";
      break;
    case 'X':
      base = 16;
      if (sp.sharp) prefix = "0X";
      break;
    default:
      break;
  }
  std::string digits;
  if (z.fits_slong_p()) {
    long n = z.get_si();
    unsigned long magnitude =
        n < 0 ? 0UL - static_cast<unsigned long>(n) : static_cast<unsigned long>(n);
    char buf[72];
    auto res = std::to_chars(buf, buf + sizeof buf, magnitude, base);
    digits.assign(buf, res.ptr);
  } else {
    mpz_class a = abs(z);
    digits = a.get_str(base);
  }
  if (verb == 'X')
    for (char& c : digits) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (sp.prec >= 0) {
    if (sp.prec == 0 && z == 0) digits.clear();
    if (digits.size() < static_cast<size_t>(sp.prec))
      digits.insert(0, static_cast<size_t>(sp.prec) - digits.size(), '0');
  }
  std::string sign = z < 0 ? "-" : (sp.plus ? "+" : (sp.space ? " " : ""));
  std::string body = prefix + digits;
  if (sp.zero && !sp.minus && sp.prec < 0 && sp.width > 0) {
    size_t len = sign.size() + body.size();
    if (len < static_cast<size_t>(sp.width))
      body.insert(prefix.size(), static_cast<size_t>(sp.width) - len, '0');
  }
  return sign + body;
}

const char* go_type(const GoArg& g) {
  switch (g.type) {
    case GoArg::Int:
      return "int";
    case GoArg::BigInt:
      return "*big.Int";
    case GoArg::Float:
      return "float64";
    case GoArg::String:
      return "string";
  }
  return "?";
}

std::string plain_v(const GoArg& g) {
  switch (g.type) {
    case GoArg::Int:
    case GoArg::BigInt:
      return g.z.get_str();
    case GoArg::Float:
      return shortest_g(g.f, false, 6);
    case GoArg::String:
      return g.s;
  }
  return "";
}

void format_one(std::string& out, const GoArg& g, const Spec& sp);

// %U: U+ and at least four (or the precision's) hex digits of the value as an unsigned 64-bit
// number; with # also the character, quoted, when it is printable.
std::string unicode_text(long n, const Spec& sp) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lX", static_cast<unsigned long>(n));
  std::string digits = buf;
  size_t min_digits = sp.prec > 4 ? static_cast<size_t>(sp.prec) : 4;
  if (digits.size() < min_digits) digits.insert(0, min_digits - digits.size(), '0');
  std::string out = "U+" + digits;
  char32_t r = go_rune(n);
  if (sp.sharp && (r != 0xFFFD || n == 0xFFFD) && go_printable(r)) {
    out += " '";
    utf8_append(out, r);
    out += "'";
  }
  return out;
}

// A string cut to the precision, counted in code points (Go's truncateString).
std::string truncated(const std::string& s, const Spec& sp) {
  if (sp.prec < 0) return s;
  size_t count = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
    if (count++ == static_cast<size_t>(sp.prec)) return s.substr(0, i);
  }
  return s;
}

// Go's %!verb(type=value) for a verb the operand's type has no use for. The value is printed
// as %v with the flags, width and precision given for the verb (`%.2f` of "admin" is
// `%!f(string=ad)`, of 7 `%!f(int=07)`).
std::string bad_verb(const GoArg& g, const std::string& verb, const Spec& sp) {
  if (g.type == GoArg::BigInt) return "%!" + verb + "(big.Int=" + g.z.get_str() + ")";
  std::string out = "%!" + verb + "(" + go_type(g) + "=";
  Spec as_v = sp;
  as_v.verb = 'v';
  format_one(out, g, as_v);
  return out + ")";
}

std::string hex_string(const std::string& s, const Spec& sp, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  // The precision counts bytes here (Go's fmtSbx).
  size_t length = sp.prec >= 0 ? std::min(s.size(), static_cast<size_t>(sp.prec)) : s.size();
  for (size_t i = 0; i < length; ++i) {
    if (sp.space && i > 0) out += ' ';
    if (sp.sharp && (sp.space || i == 0)) out += upper ? "0X" : "0x";
    unsigned char c = static_cast<unsigned char>(s[i]);
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

void format_one(std::string& out, const GoArg& g, const Spec& sp) {
  char verb = sp.verb;
  switch (g.type) {
    case GoArg::Int:
    case GoArg::BigInt: {
      bool big = g.type == GoArg::BigInt;
      switch (verb) {
        case 'v':
          if (big && sp.plus_v) {
            Spec with_plus = sp;
            with_plus.plus = true;
            pad(out, format_integer(g.z, with_plus, 'd'), sp, false);
            return;
          }
          [[fallthrough]];
        case 'd':
        case 'b':
        case 'o':
        case 'O':
        case 'x':
        case 'X':
          pad(out, format_integer(g.z, sp, verb == 'v' ? 'd' : verb), sp, false);
          return;
        case 's':
          if (big) {
            pad(out, format_integer(g.z, sp, 'd'), sp, false);
            return;
          }
          break;
        case 'c':
          if (!big) {
            std::string s;
            utf8_append(s, go_rune(g.z.get_si()));
            pad(out, s, sp);
            return;
          }
          break;
        case 'q':
          if (!big) {
            pad(out, go_quote_rune(go_rune(g.z.get_si()), sp.plus), sp);
            return;
          }
          break;
        case 'U':
          if (!big) {
            Spec no_zero = sp;
            no_zero.zero = false;
            pad(out, unicode_text(g.z.get_si(), sp), no_zero);
            return;
          }
          break;
        default:
          break;
      }
      out += bad_verb(g, std::string(1, verb), sp);
      return;
    }
    case GoArg::Float:
      switch (verb) {
        case 'v':
        case 'e':
        case 'E':
        case 'f':
        case 'F':
        case 'g':
        case 'G':
          pad(out, format_float(g.f, sp, verb), sp);
          return;
        case 'x':
        case 'X': {
          std::string body = hex_float(g.f, sp.prec, verb == 'X');
          if (sp.plus && body[0] != '-') body.insert(0, "+");
          pad(out, body, sp);
          return;
        }
        case 'b':
          pad(out, binary_float(g.f), sp);
          return;
        default:
          out += bad_verb(g, std::string(1, verb), sp);
          return;
      }
    case GoArg::String:
      switch (verb) {
        case 'v':
          if (sp.sharp_v) {
            pad(out, go_quote(truncated(g.s, sp)), sp);
            return;
          }
          [[fallthrough]];
        case 's':
          pad(out, truncated(g.s, sp), sp, true, false);
          return;
        case 'q': {
          std::string s = truncated(g.s, sp);
          if (sp.sharp && go_can_backquote(s))
            pad(out, "`" + s + "`", sp, true, false);
          else
            pad(out, go_quote(s, sp.plus), sp);
          return;
        }
        case 'x':
          pad(out, hex_string(g.s, sp, false), sp);
          return;
        case 'X':
          pad(out, hex_string(g.s, sp, true), sp);
          return;
        default:
          out += bad_verb(g, std::string(1, verb), sp);
          return;
      }
  }
}

// Go's parsenum: the decimal number at fmt[i..end). A number that grows past a million (checked
// before each digit, as Go does) spoils the rest of the format: i moves to the end.
bool parse_num(const std::string& fmt, size_t& i, size_t end, int& value) {
  long v = 0;
  bool present = false;
  size_t j = i;
  for (; j < end && std::isdigit(static_cast<unsigned char>(fmt[j])); ++j) {
    if (v > 1000000) {
      i = end;
      return false;
    }
    v = v * 10 + (fmt[j] - '0');
    present = true;
  }
  i = j;
  if (present) value = static_cast<int>(v);
  return present;
}

// Go's fmt.Sprintf (its doPrintf) over operands converted as OPA converts them.
class Printf {
 public:
  Printf(const std::string& fmt, std::vector<GoArg> args) : fmt_(fmt), args_(std::move(args)) {}

  std::string run() {
    size_t i = 0, n = fmt_.size();
    while (i < n) {
      size_t pct = fmt_.find('%', i);
      if (pct == std::string::npos) {
        out_.append(fmt_, i, std::string::npos);
        break;
      }
      out_.append(fmt_, i, pct - i);
      i = pct + 1;
      if (!one_verb(i)) break;
    }
    // Unused operands are reported unless the format chose operands by index.
    if (!reordered_ && argn_ < args_.size()) {
      out_ += "%!(EXTRA ";
      for (size_t k = argn_; k < args_.size(); ++k) {
        if (k > argn_) out_ += ", ";
        out_ += std::string(go_type(args_[k])) + "=" + plain_v(args_[k]);
      }
      out_ += ")";
    }
    return std::move(out_);
  }

 private:
  // One %-directive from fmt_[i] (after the '%'); false when the format ends inside it.
  bool one_verb(size_t& i) {
    size_t n = fmt_.size();
    good_index_ = true;
    Spec sp;
    for (; i < n; ++i) {
      char c = fmt_[i];
      if (c == '-')
        sp.minus = true, sp.zero = false;
      else if (c == '+')
        sp.plus = true;
      else if (c == '#')
        sp.sharp = true;
      else if (c == ' ')
        sp.space = true;
      else if (c == '0')
        sp.zero = !sp.minus;
      else
        break;
    }
    bool after_index = arg_index(i);
    if (i < n && fmt_[i] == '*') {
      ++i;
      int w = 0;
      if (!int_operand(w)) {
        out_ += "%!(BADWIDTH)";
      } else {
        if (w < 0) {  // a negative width from an operand pads on the right
          w = -w;
          sp.minus = true;
          sp.zero = false;
        }
        sp.width = w;
      }
      after_index = false;
    } else {
      int w = 0;
      if (parse_num(fmt_, i, n, w)) {
        sp.width = w;
        if (after_index) good_index_ = false;  // "%[3]2d"
      }
    }
    if (i + 1 < n && fmt_[i] == '.') {
      ++i;
      if (after_index) good_index_ = false;  // "%[3].2d"
      after_index = arg_index(i);
      if (i < n && fmt_[i] == '*') {
        ++i;
        int p = 0;
        if (!int_operand(p) || p < 0)
          out_ += "%!(BADPREC)";
        else
          sp.prec = p;
        after_index = false;
      } else {
        int p = 0;
        sp.prec = parse_num(fmt_, i, n, p) ? p : 0;
      }
    }
    if (!after_index) arg_index(i);
    if (i >= n) {
      out_ += "%!(NOVERB)";
      return false;
    }
    // The verb is one code point; a byte that is not UTF-8 is U+FFFD, as Go decodes it.
    size_t vlen = utf8_sequence_length(fmt_, i);
    std::string verb_text = vlen ? fmt_.substr(i, vlen) : "\xEF\xBF\xBD";
    i += vlen ? vlen : 1;
    if (verb_text == "%") {
      out_ += '%';
    } else if (!good_index_) {
      out_ += "%!" + verb_text + "(BADINDEX)";
    } else if (argn_ >= args_.size()) {
      out_ += "%!" + verb_text + "(MISSING)";
    } else if (verb_text.size() > 1) {
      out_ += bad_verb(args_[argn_++], verb_text, sp);
    } else {
      sp.verb = verb_text[0];
      if (sp.verb == 'v') {
        sp.sharp_v = std::exchange(sp.sharp, false);
        sp.plus_v = std::exchange(sp.plus, false);
      }
      format_one(out_, args_[argn_++], sp);
    }
    return true;
  }

  // Go's argNumber: an explicit, one-based operand index `[n]` at fmt_[i]. True when one was
  // read; a bad or out-of-range one makes the directive print BADINDEX.
  bool arg_index(size_t& i) {
    size_t n = fmt_.size();
    if (i >= n || fmt_[i] != '[') return false;
    reordered_ = true;
    size_t width = 1;
    bool ok = false;
    int index = 0;
    if (n - i >= 3) {
      size_t close = fmt_.find(']', i + 1);
      if (close != std::string::npos) {
        size_t digits = i + 1;
        int number = 0;
        ok = parse_num(fmt_, digits, close, number) && digits == close;
        index = number - 1;
        width = close - i + 1;
      }
    }
    i += width;
    if (ok && index >= 0 && static_cast<size_t>(index) < args_.size()) {
      argn_ = static_cast<size_t>(index);
      return true;
    }
    good_index_ = false;
    return ok;
  }

  // Go's intFromArg: the next operand as a `*` width or precision; only an int (Go's type)
  // within a million qualifies.
  bool int_operand(int& value) {
    if (argn_ >= args_.size()) return false;
    const GoArg& g = args_[argn_++];
    if (g.type != GoArg::Int) return false;
    long v = g.z.get_si();
    if (v > 1000000 || v < -1000000) return false;
    value = static_cast<int>(v);
    return true;
  }

  const std::string& fmt_;
  std::vector<GoArg> args_;
  std::string out_;
  size_t argn_ = 0;
  bool reordered_ = false;
  bool good_index_ = true;
};

Value sprintf(Args a, BuiltinContext&) {
  const std::string& fmt = need_string("sprintf", a[0], 1);
  if (!a[1].is_array()) operand_error("sprintf", 2, "array", a[1]);
  std::vector<GoArg> args;
  args.reserve(a[1].items().size());
  for (const auto& v : a[1].items()) args.push_back(to_go(v));
  return Value::string(Printf(fmt, std::move(args)).run());
}

}  // namespace

void register_sprintf(BuiltinRegistry& r) {
  def(r, "strings", "sprintf", {"string", "array[any]"}, "string",
      "Formats values with Go's fmt verbs (%v %s %d %f %q %x ...), as OPA does.", sprintf);
}

}  // namespace policyc::builtins
