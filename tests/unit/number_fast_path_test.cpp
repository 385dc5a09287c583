// The x87 (long double) fast paths of number rounding and printing, held against the exact
// GMP paths they stand in for, over edge-case and random operands (fixed seed). Any
// difference would change computed numbers or their printed text.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "policyc/core/number_paths.hpp"
#include "policyc/core/value.hpp"

namespace policyc {
namespace {

using number_paths::round_to_mantissa64_exact;
using number_paths::round_to_mantissa64_fast;
using number_paths::shortest_digits_exact;
using number_paths::shortest_digits_fast;

// The exact path is slow under the sanitizers (a minute for the full set): there the tests
// take every tenth case, which still covers each kind of operand.
#if defined(__SANITIZE_ADDRESS__)
constexpr size_t kStride = 10;
#else
constexpr size_t kStride = 1;
#endif

mpz_class from_u64(uint64_t v) {
  mpz_class z;
  mpz_import(z.get_mpz_t(), 1, 1, sizeof v, 0, 0, &v);
  return z;
}

// Numerators and denominators at the edges of the fast path's range and of the mantissa.
std::vector<uint64_t> edge_operands() {
  std::vector<uint64_t> out = {1, 2, 3, 5, 7, 9, 10, 11, 100, 1000, 999999999, 1000000007};
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  for (int b = 1; b < 64; ++b) {
    uint64_t p = uint64_t{1} << b;
    out.push_back(p - 1);
    out.push_back(p);
    out.push_back(p + 1);
  }
  out.insert(out.end(), {kMax, kMax - 1, kMax - 2, kMax / 3, kMax / 10, 10000000000000000000u,
                         12345678901234567890u, 9999999999999999999u});
  uint64_t ten = 1;
  for (int k = 0; k < 20; ++k, ten *= 10) {
    out.push_back(ten);
    out.push_back(ten - 1);
    out.push_back(ten + 1);
  }
  std::erase(out, uint64_t{0});
  return out;
}

uint64_t random_operand(std::mt19937_64& rng) {
  // A bit length drawn uniformly, so small and full-width operands are both common.
  int bits = static_cast<int>(rng() % 64) + 1;
  uint64_t v = rng();
  if (bits < 64) v &= (uint64_t{1} << bits) - 1;
  v |= uint64_t{1} << (bits - 1);
  return v;
}

// Compares both paths on one quotient; a difference is a fatal failure naming it.
void check(const mpz_class& num, const mpz_class& den, int& compared) {
  mpq_class q(num, den);
  q.canonicalize();
  if (q == 0) return;
  mpq_class fast;
  ASSERT_TRUE(round_to_mantissa64_fast(q, fast)) << q.get_str();
  ASSERT_EQ(fast, round_to_mantissa64_exact(q)) << "rounding " << q.get_str();
  std::string fast_digits, exact_digits;
  long fast_exp = 0, exact_exp = 0;
  if (!shortest_digits_fast(q, fast_digits, fast_exp)) {
    // Declined only for a power of two, where Go's bounds are not to_chars's.
    mpq_class magnitude = abs(fast);
    ASSERT_EQ(mpz_popcount(magnitude.get_num().get_mpz_t()) +
                  mpz_popcount(magnitude.get_den().get_mpz_t()),
              2u)
        << "fast printing declined " << q.get_str();
    ++compared;
    return;
  }
  shortest_digits_exact(q, exact_digits, exact_exp);
  // The exact path may leave trailing zeros that the printer strips.
  while (exact_digits.size() > 1 && exact_digits.back() == '0') exact_digits.pop_back();
  while (fast_digits.size() > 1 && fast_digits.back() == '0') fast_digits.pop_back();
  ASSERT_EQ(fast_digits, exact_digits) << "digits of " << q.get_str();
  ASSERT_EQ(fast_exp, exact_exp) << "exponent of " << q.get_str();
  ++compared;
}

TEST(NumberFastPath, EdgeOperandsAgreeWithTheExactPath) {
  std::vector<uint64_t> ops = edge_operands();
  int compared = 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    for (size_t j = i % kStride; j < ops.size(); j += kStride) {
      check(from_u64(ops[i]), from_u64(ops[j]), compared);
      if (HasFatalFailure()) return;
      check(-from_u64(ops[i]), from_u64(ops[j]), compared);
      if (HasFatalFailure()) return;
    }
  }
  EXPECT_GT(compared, 50000 / static_cast<int>(kStride));
}

TEST(NumberFastPath, RandomOperandsAgreeWithTheExactPath) {
  std::mt19937_64 rng(20261204);
  int compared = 0;
  for (size_t i = 0; i < 40000 / kStride; ++i) {
    mpz_class n = from_u64(random_operand(rng));
    mpz_class d = from_u64(random_operand(rng));
    if (i % 2) n = -n;
    check(n, d, compared);
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(compared, 39000 / static_cast<int>(kStride));
}

// Quotients of decimals (as written in policies and JSON: not dyadic, so never exact in
// binary), before and after rounding the operands to the mantissa as the division builtin
// does.
TEST(NumberFastPath, DecimalQuotientsAgreeWithTheExactPath) {
  std::mt19937_64 rng(7);
  int compared = 0, compared_rounded = 0;
  for (size_t i = 0; i < 20000 / kStride; ++i) {
    mpz_class scale_a, scale_b;
    mpz_ui_pow_ui(scale_a.get_mpz_t(), 10, rng() % 12);
    mpz_ui_pow_ui(scale_b.get_mpz_t(), 10, rng() % 12);
    mpq_class a(from_u64((random_operand(rng) >> (rng() % 60)) | 1), scale_a);
    mpq_class b(from_u64((random_operand(rng) >> (rng() % 60)) | 1), scale_b);
    a.canonicalize();
    b.canonicalize();
    mpq_class fast;
    mpq_class q = a / b;
    if (round_to_mantissa64_fast(q, fast)) check(q.get_num(), q.get_den(), compared);
    if (HasFatalFailure()) return;
    // Rounded operands have power-of-two denominators, so their quotient is often wider
    // than 64 bits, where only the exact path applies.
    mpq_class rounded = round_to_mantissa64_exact(a) / round_to_mantissa64_exact(b);
    if (round_to_mantissa64_fast(rounded, fast))
      check(rounded.get_num(), rounded.get_den(), compared_rounded);
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(compared, 10000 / static_cast<int>(kStride));
  EXPECT_GT(compared_rounded, 500 / static_cast<int>(kStride));
}

// Below a power of two Go admits decimals within half an ulp of the binade above, which
// includes some that would not read back; it prints those, and so do we.
TEST(NumberFastPath, PowersOfTwoPrintAsGoDoes) {
  mpz_class p46, p29;
  mpz_ui_pow_ui(p46.get_mpz_t(), 2, 46);
  mpz_ui_pow_ui(p29.get_mpz_t(), 2, 29);
  EXPECT_EQ(Value::rational(mpq_class(mpz_class(1), p46)).number_to_string(),
            "1.4210854715202003717e-14");
  EXPECT_EQ(Value::rational(mpq_class(mpz_class(1), p29)).number_to_string(),
            "1.8626451492309570312e-09");
}

}  // namespace
}  // namespace policyc
