// Shared helpers for the builtin implementations: operand checks producing OPA's messages,
// declaration shorthand, UTF-8 and number utilities.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "policyc/core/builtin.hpp"

namespace policyc::builtins {

using Args = std::span<const Value>;

inline constexpr const char* kTypeError = "eval_type_error";

void def(BuiltinRegistry& r, const char* category, const char* name,
         std::vector<std::string> arg_types, const char* result_type, const char* description,
         BuiltinFn fn, bool nondeterministic = false);

// "<fn>: operand <pos> must be <expected> but got <kind>" (eval_type_error).
[[noreturn]] void operand_error(std::string_view fn, int pos, std::string_view expected,
                                const Value& got);
// "<fn>: operand <pos> must be <expected> but got <got>" with a free-form <got>.
[[noreturn]] void operand_error_text(std::string_view fn, int pos, std::string_view expected,
                                     std::string_view got);
// "<fn>: <message>" (eval_builtin_error).
[[noreturn]] void fail(std::string_view fn, std::string_view message);

const std::string& need_string(std::string_view fn, const Value& v, int pos);
const Value& need_number(std::string_view fn, const Value& v, int pos);
const Value& need_array(std::string_view fn, const Value& v, int pos);
const Value& need_object(std::string_view fn, const Value& v, int pos);
const Value& need_set(std::string_view fn, const Value& v, int pos);
bool need_bool(std::string_view fn, const Value& v, int pos);
// Integral number (OPA's "integer number but got floating-point number").
mpz_class need_integer(std::string_view fn, const Value& v, int pos);
int64_t need_int64(std::string_view fn, const Value& v, int pos);
// "one of {a, b}" check by kind.
void need_kinds(std::string_view fn, const Value& v, int pos, std::initializer_list<Kind> kinds);
std::string one_of(std::initializer_list<Kind> kinds);

Value number_from_mpz(const mpz_class& z);

// Reserves (BuiltinContext::reserve) about the size of `v` written as text, before a builtin
// writes it: values share their parts, so a small one can stand for terabytes of JSON.
void reserve_serialized(BuiltinContext& ctx, const Value& v);
bool is_integral(const Value& v);

// UTF-8.
std::vector<char32_t> utf8_decode(std::string_view s);
std::string utf8_encode(std::span<const char32_t> cps);
void utf8_append(std::string& out, char32_t cp);

Value string_array(const std::vector<std::string>& strings);

// Go's strconv.Quote output (QuoteToASCII's with `ascii_only`).
std::string go_quote(std::string_view s, bool ascii_only = false);
// Printable as Go's strconv.IsPrint decides for the code points policyc meets: everything but
// the C0 and C1 controls and DEL. (Go's tables also exclude unassigned and format characters.)
bool go_printable(char32_t r);
// An integer as the code point Go's utf8.EncodeRune and strconv.QuoteRune take it for: U+FFFD
// for a negative number, a surrogate or one past U+10FFFF.
char32_t go_rune(long n);
// Go's strconv.QuoteRune (QuoteRuneToASCII's with `ascii_only`) of a valid code point.
std::string go_quote_rune(char32_t r, bool ascii_only);
// Go's strconv.CanBackquote: `s` can stand between backquotes unchanged.
bool go_can_backquote(std::string_view s);

// Go's encoding/base64 encoding: the standard or (url) the URL-safe alphabet, with or without
// '=' padding.
std::string go_base64_encode(std::string_view raw, bool url, bool pad);
// Go's padded base64 decoding ('\r' and '\n' skipped), appended to `out`: the offset of the
// first corrupt byte ("illegal base64 data at input byte N"), or -1.
long go_base64_decode(std::string_view text, bool url, std::string& out);
// Unpadded or padded base64url (JWT segments); false on bad input.
bool b64url_decode(std::string s, std::string& out);
// A base64url JWT segment holding a JSON object; fails "<fn>: JWT <what> ..." otherwise.
Value jwt_json_object(std::string_view fn, const char* what, const std::string& encoded);
// The three dot-separated segments of a compact JWT; fails "<fn>: encoded JWT must have 3
// sections, found N" otherwise.
std::vector<std::string> split_jwt(std::string_view fn, const std::string& token);

// Category registration, one per source file.
void register_arith(BuiltinRegistry& r);
void register_aggregates(BuiltinRegistry& r);
void register_strings(BuiltinRegistry& r);
void register_sprintf(BuiltinRegistry& r);
void register_regex(BuiltinRegistry& r);
void register_glob(BuiltinRegistry& r);
void register_objects(BuiltinRegistry& r);
void register_encoding(BuiltinRegistry& r);
void register_jsonschema(BuiltinRegistry& r);
void register_time(BuiltinRegistry& r);
void register_net(BuiltinRegistry& r);
void register_semver(BuiltinRegistry& r);
void register_units(BuiltinRegistry& r);
void register_crypto(BuiltinRegistry& r);
void register_jwt(BuiltinRegistry& r);
void register_x509(BuiltinRegistry& r);
void register_graph(BuiltinRegistry& r);
void register_types(BuiltinRegistry& r);
void register_evaluator_builtins(BuiltinRegistry& r);

}  // namespace policyc::builtins
