// The two ways numbers are rounded to a 64-bit mantissa and printed: a fast one through x87
// extended precision (long double) where the operands allow, and the exact one through GMP
// that covers everything. round_to_mantissa64 and number printing use the fast one when it
// applies; they are declared apart so that a test can hold each fast path against its exact
// counterpart.
#pragma once

#include <gmpxx.h>

#include <string>

namespace policyc::number_paths {

// Sets out to round_to_mantissa64(q) by one hardware division; false where that does not
// apply (numerator or denominator wider than 64 bits, or no 64-bit long double mantissa).
bool round_to_mantissa64_fast(const mpq_class& q, mpq_class& out);
// The same through GMP, for any q.
mpq_class round_to_mantissa64_exact(const mpq_class& q);

// The shortest decimal that reads back to q's 64-bit-mantissa value: its significant digits
// and the decimal exponent of the first. The fast one returns false where it does not apply.
bool shortest_digits_fast(const mpq_class& q, std::string& digits, long& exp10);
void shortest_digits_exact(const mpq_class& q, std::string& digits, long& exp10);

}  // namespace policyc::number_paths
