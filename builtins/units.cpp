// units.parse (SI and binary suffixes) and units.parse_bytes.
#include <optional>

#include "internal.hpp"

namespace policyc::builtins {
namespace {

// Splits "1.5Gi" into amount and unit; 'e'/'E' belongs to the amount only before a digit
// or sign, so "1e3K" is 1000K while "eK" has no amount.
void split_amount(const std::string& s, std::string& num, std::string& unit) {
  size_t i = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '+' || c == '-') continue;
    if ((c == 'e' || c == 'E') && i + 1 < s.size() &&
        (std::isdigit(static_cast<unsigned char>(s[i + 1])) || s[i + 1] == '+' || s[i + 1] == '-'))
      continue;
    break;
  }
  num = s.substr(0, i);
  unit = s.substr(i);
}

// Decimal text as Go's big.Float.SetString accepts it: sign, digits with optional point,
// optional exponent.
std::optional<mpq_class> parse_amount(const std::string& text) {
  std::string s = text;
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.erase(0, 1);
  }
  size_t e = s.find_first_of("eE");
  std::string mant = s.substr(0, e), exp = e == std::string::npos ? "" : s.substr(e + 1);
  if (mant.empty() || mant == ".") return std::nullopt;
  size_t dot = mant.find('.');
  std::string ip = mant.substr(0, dot), fp = dot == std::string::npos ? "" : mant.substr(dot + 1);
  if (fp.find('.') != std::string::npos) return std::nullopt;
  for (char c : ip + fp)
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  std::string norm = (ip.empty() ? "0" : ip) + (fp.empty() ? "" : "." + fp);
  if (e != std::string::npos) {
    if (exp.empty()) return std::nullopt;
    std::string digits = exp[0] == '+' || exp[0] == '-' ? exp.substr(1) : exp;
    if (digits.empty()) return std::nullopt;
    for (char c : digits)
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    norm += "e" + exp;
  }
  Value v = Value::number_from_text(norm);
  if (v.is_undefined()) return std::nullopt;
  mpq_class q = v.to_rational();
  return neg ? mpq_class(-q) : q;
}

mpq_class power(long base, unsigned exp) {
  mpz_class z;
  mpz_ui_pow_ui(z.get_mpz_t(), static_cast<unsigned long>(base), exp);
  return mpq_class(z);
}

std::optional<mpq_class> si_multiplier(const std::string& unit) {
  if (unit.empty()) return mpq_class(1);
  if (unit == "m") {
    // OPA's milli is the float64 0.001 (big.Rat.SetFloat64), slightly above 1/1000, so no
    // milli amount is integral: units.parse("1000m") is 1.0000000000, not 1.
    mpq_class milli;
    mpq_set_d(milli.get_mpq_t(), 0.001);
    return milli;
  }
  static const std::pair<const char*, unsigned> decimal[] = {{"k", 1}, {"K", 1}, {"M", 2}, {"g", 3},
                                                             {"G", 3}, {"t", 4}, {"T", 4}, {"p", 5},
                                                             {"P", 5}, {"e", 6}, {"E", 6}};
  static const std::pair<const char*, unsigned> binary[] = {
      {"ki", 1}, {"Ki", 1}, {"mi", 2}, {"Mi", 2}, {"gi", 3}, {"Gi", 3},
      {"ti", 4}, {"Ti", 4}, {"pi", 5}, {"Pi", 5}, {"ei", 6}, {"Ei", 6}};
  for (const auto& [u, p] : decimal)
    if (unit == u) return power(1000, p);
  for (const auto& [u, p] : binary)
    if (unit == u) return power(1024, p);
  return std::nullopt;
}

// OPA prints non-integral results with ten decimals (big.Rat.FloatString(10), halves away
// from zero), as the literal text of the number: units.parse("500m") is 0.5000000000, which
// json.marshal and the output show as written.
Value ten_decimals(const mpq_class& q) {
  mpz_class scaled = q.get_num() * power(10, 10).get_num();
  mpz_class den = q.get_den();
  mpz_class twice = 2 * abs(scaled) + den, quo;
  mpz_fdiv_q(quo.get_mpz_t(), twice.get_mpz_t(), mpz_class(2 * den).get_mpz_t());
  std::string digits = quo.get_str();
  if (digits.size() < 11) digits.insert(0, 11 - digits.size(), '0');
  std::string text = (q < 0 ? "-" : "") + digits.substr(0, digits.size() - 10) + "." +
                     digits.substr(digits.size() - 10);
  return Value::number_from_text(text);
}

std::string strip_quotes(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c != '"') out += c;
  return out;
}

Value units_parse(Args a, BuiltinContext&) {
  std::string s = strip_quotes(need_string("units.parse", a[0], 1));
  if (s.find(' ') != std::string::npos)
    fail("units.parse", "units.parse: spaces not allowed in resource strings");
  std::string num, unit;
  split_amount(s, num, unit);
  if (num.empty()) fail("units.parse", "units.parse: no amount provided");
  if (unit.size() > 1) {
    for (size_t i = 1; i < unit.size(); ++i)
      unit[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(unit[i])));
  }
  auto mult = si_multiplier(unit);
  if (!mult) fail("units.parse", "units.parse: unit " + unit + " not recognized");
  auto amount = parse_amount(num);
  if (!amount) fail("units.parse", "units.parse: could not parse amount to a number");
  mpq_class total = *amount * *mult;
  if (total.get_den() == 1) return Value::rational(total);
  return ten_decimals(total);
}

// q with a 64-bit binary mantissa, nearest even: a Go big.Float of default precision.
// Unlike round_to_mantissa64, integers wider than 64 bits are rounded too.
mpq_class to_float64_precision(const mpq_class& q) {
  if (q.get_den() != 1) return round_to_mantissa64(q);
  mpz_class z = abs(q.get_num());
  size_t bits = mpz_sizeinbase(z.get_mpz_t(), 2);
  if (bits <= 64) return q;
  mp_bitcnt_t shift = bits - 64;
  mpz_class lo, rest, half;
  mpz_fdiv_q_2exp(lo.get_mpz_t(), z.get_mpz_t(), shift);
  mpz_fdiv_r_2exp(rest.get_mpz_t(), z.get_mpz_t(), shift);
  mpz_setbit(half.get_mpz_t(), shift - 1);
  int c = cmp(rest, half);
  if (c > 0 || (c == 0 && mpz_odd_p(lo.get_mpz_t()))) ++lo;
  mpz_mul_2exp(lo.get_mpz_t(), lo.get_mpz_t(), shift);
  return mpq_class(q < 0 ? mpz_class(-lo) : lo);
}

Value units_parse_bytes(Args a, BuiltinContext&) {
  const char* fn = "units.parse_bytes";
  std::string s = strip_quotes(need_string(fn, a[0], 1));
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (s.find(' ') != std::string::npos)
    fail(fn, "units.parse_bytes: spaces not allowed in resource strings");
  std::string num, unit;
  split_amount(s, num, unit);
  if (num.empty()) fail(fn, "units.parse_bytes: no byte amount provided");
  mpq_class mult;
  static const char* units[] = {"k", "m", "g", "t", "p", "e"};
  bool found = unit.empty();
  if (found) mult = 1;
  for (unsigned k = 0; k < 6 && !found; ++k) {
    std::string u = units[k];
    if (unit == u || unit == u + "b")
      mult = power(1000, k + 1), found = true;
    else if (unit == u + "i" || unit == u + "ib")
      mult = power(1024, k + 1), found = true;
  }
  if (!found) fail(fn, "units.parse_bytes: byte unit " + unit + " not recognized");
  auto amount = parse_amount(num);
  if (!amount) fail(fn, "units.parse_bytes: could not parse byte amount to a number");
  // OPA computes in big.Float of 64-bit precision (the amount as parsed, then the product,
  // each rounded) and truncates: units.parse_bytes("0.001kb") is 0 there, not 1.
  mpq_class total = to_float64_precision(to_float64_precision(*amount) * mult);
  mpz_class z;
  mpz_tdiv_q(z.get_mpz_t(), total.get_num_mpz_t(), total.get_den_mpz_t());
  return number_from_mpz(z);
}

}  // namespace

void register_units(BuiltinRegistry& r) {
  def(r, "units", "units.parse", {"string"}, "number",
      "Parses an amount with an SI or binary suffix (m, k, Ki, M, Mi, ...).", units_parse);
  def(r, "units", "units.parse_bytes", {"string"}, "number",
      "Parses a byte amount (KB, KiB, M, ...), case-insensitive, as an integer.",
      units_parse_bytes);
}

}  // namespace policyc::builtins
