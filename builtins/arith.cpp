// Arithmetic, comparison, rounding, ranges, bit operations and rand.intn.
#include <cctype>
#include <cmath>
#include <cstring>

#include "internal.hpp"

namespace policyc::builtins {
namespace {

// Integers stay exact at any size; a computation involving a non-integer runs as OPA's
// does, in binary floating point with a 64-bit mantissa (Go's big.Float).
Value float_result(const Value& x, const Value& y,
                   mpq_class (*op)(const mpq_class&, const mpq_class&)) {
  mpq_class qx = x.to_rational(), qy = y.to_rational();
  if (qx.get_den() == 1 && qy.get_den() == 1) return Value::rational(op(qx, qy));
  return Value::rational(round_to_mantissa64(op(round_to_mantissa64(qx), round_to_mantissa64(qy))));
}

mpq_class add_q(const mpq_class& x, const mpq_class& y) { return x + y; }
mpq_class sub_q(const mpq_class& x, const mpq_class& y) { return x - y; }
mpq_class mul_q(const mpq_class& x, const mpq_class& y) { return x * y; }

Value plus(Args a, BuiltinContext&) {
  need_number("plus", a[0], 1);
  need_number("plus", a[1], 2);
  int64_t r;
  if (a[0].is_small_int() && a[1].is_small_int() &&
      !__builtin_add_overflow(a[0].small_int(), a[1].small_int(), &r))
    return Value::integer(r);
  return float_result(a[0], a[1], add_q);
}

Value set_difference(const Value& x, const Value& y) {
  ValueVec out;
  for (const auto& v : x.items())
    if (!y.contains(v)) out.push_back(v);
  return Value::set_sorted(std::move(out));
}

Value minus(Args a, BuiltinContext&) {
  if (a[0].is_number() && a[1].is_number()) {
    int64_t r;
    if (a[0].is_small_int() && a[1].is_small_int() &&
        !__builtin_sub_overflow(a[0].small_int(), a[1].small_int(), &r))
      return Value::integer(r);
    return float_result(a[0], a[1], sub_q);
  }
  if (a[0].is_set() && a[1].is_set()) return set_difference(a[0], a[1]);
  if (!a[0].is_number() && !a[0].is_set())
    operand_error("minus", 1, one_of({Kind::Number, Kind::Set}), a[0]);
  if (a[0].is_number()) operand_error("minus", 2, "number", a[1]);
  operand_error("minus", 2, "set", a[1]);
}

Value mul(Args a, BuiltinContext&) {
  need_number("mul", a[0], 1);
  need_number("mul", a[1], 2);
  int64_t r;
  if (a[0].is_small_int() && a[1].is_small_int() &&
      !__builtin_mul_overflow(a[0].small_int(), a[1].small_int(), &r))
    return Value::integer(r);
  return float_result(a[0], a[1], mul_q);
}

Value div(Args a, BuiltinContext&) {
  need_number("div", a[0], 1);
  need_number("div", a[1], 2);
  mpq_class d = a[1].to_rational();
  if (d == 0) fail("div", "divide by zero");
  if (a[0].is_small_int() && a[1].is_small_int() && a[1].small_int() != -1 &&
      a[0].small_int() % a[1].small_int() == 0)
    return Value::integer(a[0].small_int() / a[1].small_int());
  // A quotient that is not an integer is a float in OPA, even for integer operands.
  mpq_class q = a[0].to_rational() / d;
  if (q.get_den() == 1) return Value::rational(q);
  return Value::rational(
      round_to_mantissa64(round_to_mantissa64(a[0].to_rational()) / round_to_mantissa64(d)));
}

Value rem(Args a, BuiltinContext&) {
  need_number("rem", a[0], 1);
  need_number("rem", a[1], 2);
  if (!a[0].is_integer() || !a[1].is_integer()) fail("rem", "modulo on floating-point number");
  mpz_class x = a[0].to_rational().get_num(), y = a[1].to_rational().get_num();
  if (y == 0) fail("rem", "modulo by zero");
  mpz_class r;
  mpz_tdiv_r(r.get_mpz_t(), x.get_mpz_t(), y.get_mpz_t());
  return number_from_mpz(r);
}

Value abs_fn(Args a, BuiltinContext&) {
  need_number("abs", a[0], 1);
  if (a[0].is_small_int() && a[0].small_int() >= 0) return a[0];
  mpq_class q = a[0].to_rational();
  if (q >= 0) return a[0];
  return Value::rational(-q);
}

mpz_class floor_q(const mpq_class& q) {
  mpz_class r;
  mpz_fdiv_q(r.get_mpz_t(), q.get_num_mpz_t(), q.get_den_mpz_t());
  return r;
}

mpz_class ceil_q(const mpq_class& q) {
  mpz_class r;
  mpz_cdiv_q(r.get_mpz_t(), q.get_num_mpz_t(), q.get_den_mpz_t());
  return r;
}

Value ceil_fn(Args a, BuiltinContext&) {
  need_number("ceil", a[0], 1);
  if (a[0].is_small_int()) return a[0];
  return number_from_mpz(ceil_q(a[0].to_rational()));
}

Value floor_fn(Args a, BuiltinContext&) {
  need_number("floor", a[0], 1);
  if (a[0].is_small_int()) return a[0];
  return number_from_mpz(floor_q(a[0].to_rational()));
}

Value round_fn(Args a, BuiltinContext&) {
  need_number("round", a[0], 1);
  // An integral float (485.0) comes back as an integer, as OPA's does.
  if (a[0].is_small_int()) return a[0];
  mpq_class q = a[0].to_rational();
  // OPA rounds through a 64-bit-mantissa float: beyond 2^63 the fraction is already gone.
  if (abs(q) >= mpq_class(mpz_class(1) << 63)) return Value::from_double(std::round(q.get_d()));
  mpq_class half(1, 2);
  if (q >= 0) return number_from_mpz(floor_q(q + half));
  return number_from_mpz(-floor_q(-q + half));
}

Value range_values(BuiltinContext& ctx, const char* fn, const mpz_class& from, const mpz_class& to,
                   const mpz_class& step) {
  mpz_class count = (abs(to - from) / step) + 1;
  // The array is counted before it is built: a range can ask for more than any machine holds.
  constexpr size_t kBytesPerItem = sizeof(Value);
  if (count > mpz_class(std::to_string(SIZE_MAX / kBytesPerItem))) {
    ctx.reserve(SIZE_MAX);
    fail(fn, std::string(fn) + ": range too large");
  }
  size_t n = std::stoull(count.get_str());
  ctx.reserve(n * kBytesPerItem);
  ValueVec out;
  out.reserve(n);
  bool descending = from > to;
  if (from.fits_slong_p() && to.fits_slong_p() && step.fits_slong_p()) {
    int64_t i = from.get_si(), d = descending ? -step.get_si() : step.get_si();
    for (size_t k = 0; k < n; ++k) {
      if ((k & 4095) == 0) ctx.tick();
      out.push_back(Value::integer(i));
      if (k + 1 < n) i += d;  // past the last item it could overflow
    }
  } else {
    mpz_class i = from;
    for (size_t k = 0; k < n; ++k) {
      if ((k & 4095) == 0) ctx.tick();
      out.push_back(number_from_mpz(i));
      if (descending)
        i -= step;
      else
        i += step;
    }
  }
  return Value::array(std::move(out));
}

Value numbers_range(Args a, BuiltinContext& ctx) {
  mpz_class x = need_integer("numbers.range", a[0], 1);
  mpz_class y = need_integer("numbers.range", a[1], 2);
  return range_values(ctx, "numbers.range", x, y, 1);
}

Value numbers_range_step(Args a, BuiltinContext& ctx) {
  mpz_class x = need_integer("numbers.range_step", a[0], 1);
  mpz_class y = need_integer("numbers.range_step", a[1], 2);
  mpz_class step = need_integer("numbers.range_step", a[2], 3);
  if (step <= 0)
    fail("numbers.range_step", "numbers.range_step: step must be a positive number above zero");
  return range_values(ctx, "numbers.range_step", x, y, step);
}

uint64_t splitmix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

Value rand_intn(Args a, BuiltinContext& ctx) {
  const std::string& key = need_string("rand.intn", a[0], 1);
  int64_t n = need_int64("rand.intn", a[1], 2);
  std::string cache_key = "rand.intn\x1f" + key + "\x1f" + std::to_string(n);
  if (auto it = ctx.cache.find(cache_key); it != ctx.cache.end()) return it->second;
  Value result = Value::integer(0);
  if (n != 0) {
    uint64_t bound = n < 0 ? static_cast<uint64_t>(-(n + 1)) + 1 : static_cast<uint64_t>(n);
    uint64_t h = splitmix(ctx.seed ^ std::hash<std::string>{}(cache_key));
    result = Value::integer(static_cast<int64_t>(h % bound));
  }
  ctx.cache.emplace(cache_key, result);
  return result;
}

Value bits_binary(std::string_view fn, Args a, int op) {
  mpz_class x = need_integer(fn, a[0], 1), y = need_integer(fn, a[1], 2), r;
  switch (op) {
    case 0:
      mpz_ior(r.get_mpz_t(), x.get_mpz_t(), y.get_mpz_t());
      break;
    case 1:
      mpz_and(r.get_mpz_t(), x.get_mpz_t(), y.get_mpz_t());
      break;
    default:
      mpz_xor(r.get_mpz_t(), x.get_mpz_t(), y.get_mpz_t());
      break;
  }
  return number_from_mpz(r);
}

Value bits_or(Args a, BuiltinContext&) { return bits_binary("bits.or", a, 0); }
Value bits_and(Args a, BuiltinContext&) { return bits_binary("bits.and", a, 1); }
Value bits_xor(Args a, BuiltinContext&) { return bits_binary("bits.xor", a, 2); }

Value bits_negate(Args a, BuiltinContext&) {
  mpz_class x = need_integer("bits.negate", a[0], 1), r;
  mpz_com(r.get_mpz_t(), x.get_mpz_t());
  return number_from_mpz(r);
}

mp_bitcnt_t shift_count(std::string_view fn, const Value& v) {
  mpz_class s = need_integer(fn, v, 2);
  if (s < 0) operand_error_text(fn, 2, "an unsigned integer number", "a negative integer");
  if (s > 1 << 20) fail(fn, "shift count too large");
  return s.get_ui();
}

Value bits_lsh(Args a, BuiltinContext&) {
  mpz_class x = need_integer("bits.lsh", a[0], 1), r;
  mpz_mul_2exp(r.get_mpz_t(), x.get_mpz_t(), shift_count("bits.lsh", a[1]));
  return number_from_mpz(r);
}

Value bits_rsh(Args a, BuiltinContext&) {
  mpz_class x = need_integer("bits.rsh", a[0], 1), r;
  mpz_fdiv_q_2exp(r.get_mpz_t(), x.get_mpz_t(), shift_count("bits.rsh", a[1]));
  return number_from_mpz(r);
}

Value to_number(Args a, BuiltinContext&) {
  const Value& v = a[0];
  switch (v.kind()) {
    case Kind::Null:
      return Value::integer(0);
    case Kind::Boolean:
      return Value::integer(v.as_bool() ? 1 : 0);
    case Kind::Number:
      return v;
    case Kind::String: {
      const std::string& s = v.str();
      Value n = Value::number_from_text(s);
      if (n.is_defined()) {
        // Go's ParseFloat rejects magnitudes beyond float64.
        if (!n.is_small_int() && std::isinf(n.to_rational().get_d()))
          fail("to_number", "strconv.ParseFloat: parsing " + go_quote(s) + ": value out of range");
        return n;
      }
      // Go's ParseFloat also takes a leading '+' and a bare leading or trailing '.'.
      std::string norm;
      norm.reserve(s.size() + 2);
      size_t i = 0;
      if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
        if (s[i] == '-') norm.push_back('-');
        ++i;
      }
      bool prev_digit = false;
      for (; i < s.size(); ++i) {
        char ch = s[i];
        bool digit = ch >= '0' && ch <= '9';
        if (ch == '.' && !prev_digit) norm.push_back('0');
        if (!digit && norm.size() && norm.back() == '.') norm.push_back('0');
        norm.push_back(ch);
        prev_digit = digit;
      }
      if (!norm.empty() && norm.back() == '.') norm.push_back('0');
      if (norm != s) {
        Value m = Value::number_from_text(norm);
        if (m.is_defined()) return Value::rational(m.to_rational());
      }
      fail("to_number", "strconv.ParseFloat: parsing " + go_quote(s) + ": invalid syntax");
    }
    default:
      operand_error("to_number", 1, one_of({Kind::Null, Kind::Boolean, Kind::Number, Kind::String}),
                    v);
  }
}

Value equal(Args a, BuiltinContext&) { return Value::boolean(compare(a[0], a[1]) == 0); }
Value neq(Args a, BuiltinContext&) { return Value::boolean(compare(a[0], a[1]) != 0); }
Value lt(Args a, BuiltinContext&) { return Value::boolean(compare(a[0], a[1]) < 0); }
Value lte(Args a, BuiltinContext&) { return Value::boolean(compare(a[0], a[1]) <= 0); }
Value gt(Args a, BuiltinContext&) { return Value::boolean(compare(a[0], a[1]) > 0); }
Value gte(Args a, BuiltinContext&) { return Value::boolean(compare(a[0], a[1]) >= 0); }

}  // namespace

void register_arith(BuiltinRegistry& r) {
  const char* c = "numbers";
  def(r, c, "plus", {"number", "number"}, "number", "Adds two numbers (the + operator).", plus);
  def(r, c, "minus", {"number|set[any]", "number|set[any]"}, "number|set[any]",
      "Subtracts numbers, or computes a set difference (the - operator).", minus);
  def(r, c, "mul", {"number", "number"}, "number", "Multiplies two numbers (the * operator).", mul);
  def(r, c, "div", {"number", "number"}, "number", "Divides two numbers exactly (the / operator).",
      div);
  def(r, c, "rem", {"number", "number"}, "number",
      "Remainder of integer division, sign of the dividend (the % operator).", rem);
  def(r, c, "abs", {"number"}, "number", "Absolute value.", abs_fn);
  def(r, c, "ceil", {"number"}, "number", "Rounds up to the nearest integer.", ceil_fn);
  def(r, c, "floor", {"number"}, "number", "Rounds down to the nearest integer.", floor_fn);
  def(r, c, "round", {"number"}, "number", "Rounds to the nearest integer, halves away from zero.",
      round_fn);
  def(r, c, "numbers.range", {"number", "number"}, "array[number]",
      "Integers from the first to the second operand inclusive, ascending or descending.",
      numbers_range);
  def(r, c, "numbers.range_step", {"number", "number", "number"}, "array[number]",
      "Like numbers.range but counting by a positive step.", numbers_range_step);
  def(r, c, "rand.intn", {"string", "number"}, "number",
      "Pseudo-random integer in [0, n), the same for the same arguments within a query.", rand_intn,
      true);
  def(r, c, "to_number", {"null|boolean|number|string"}, "number", "Converts a value to a number.",
      to_number);
  const char* b = "bits";
  def(r, b, "bits.or", {"number", "number"}, "number", "Bitwise or of two integers.", bits_or);
  def(r, b, "bits.and", {"number", "number"}, "number", "Bitwise and of two integers.", bits_and);
  def(r, b, "bits.xor", {"number", "number"}, "number", "Bitwise xor of two integers.", bits_xor);
  def(r, b, "bits.negate", {"number"}, "number", "Bitwise complement of an integer.", bits_negate);
  def(r, b, "bits.lsh", {"number", "number"}, "number", "Shifts an integer left.", bits_lsh);
  def(r, b, "bits.rsh", {"number", "number"}, "number", "Shifts an integer right.", bits_rsh);
  const char* cmp = "comparison";
  def(r, cmp, "equal", {"any", "any"}, "boolean", "x == y", equal);
  def(r, cmp, "neq", {"any", "any"}, "boolean", "x != y", neq);
  def(r, cmp, "lt", {"any", "any"}, "boolean", "x < y in OPA's total order", lt);
  def(r, cmp, "lte", {"any", "any"}, "boolean", "x <= y in OPA's total order", lte);
  def(r, cmp, "gt", {"any", "any"}, "boolean", "x > y in OPA's total order", gt);
  def(r, cmp, "gte", {"any", "any"}, "boolean", "x >= y in OPA's total order", gte);
}

}  // namespace policyc::builtins
