// Private keys as Go 1.21's crypto/x509 parses them (ParsePKCS1PrivateKey,
// ParsePKCS8PrivateKey, ParseECPrivateKey): Go validates RSA keys and recomputes the CRT values,
// and derives EC public points from the private scalar, so these do not come from OpenSSL's
// decoders. OpenSSL does the big-number and curve arithmetic.
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include <memory>

#include "pem.hpp"
#include "x509_cert.hpp"

namespace policyc::builtins::x509 {

namespace {

Bn bn(std::string_view magnitude) {
  return Bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(magnitude.data()),
                      static_cast<int>(magnitude.size()), nullptr));
}

std::string bytes_of(const BIGNUM* b) {
  std::string out(static_cast<size_t>(BN_num_bytes(b)), '\0');
  BN_bn2bin(b, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

// A positive INTEGER's magnitude (leading zero dropped); nullopt for zero or negative.
std::optional<std::string> positive(std::string_view twos) {
  if (!twos_positive(twos)) return std::nullopt;
  while (twos.size() > 1 && twos[0] == 0) twos.remove_prefix(1);
  return std::string(twos);
}

const char* kTagsMismatch = "asn1: structure error: tags don't match";

// The structures encoding/asn1 would accept (extra trailing elements allowed).
bool looks_pkcs1(const std::string& der) {
  Reader r(der), s;
  std::string_view x;
  int64_t v = 0;
  return r.read(der::kSequence, &s) && s.read_int64(&v) && s.read_integer_bytes(&x) &&
         s.read_int64(&v) && s.read_integer_bytes(&x) && s.read_integer_bytes(&x) &&
         s.read_integer_bytes(&x);
}
bool looks_ec(const std::string& der) {
  Reader r(der), s;
  std::string_view x;
  int64_t v = 0;
  return r.read(der::kSequence, &s) && s.read_int64(&v) && s.read(der::kOctetString, &x);
}
bool looks_pkcs8(const std::string& der) {
  Reader r(der), s;
  std::string_view x;
  int64_t v = 0;
  return r.read(der::kSequence, &s) && s.read_int64(&v) && s.read(der::kSequence, &x) &&
         s.read(der::kOctetString, &x);
}

int curve_nid(const Oid& oid) {
  if (der::oid_eq(oid, {1, 3, 132, 0, 33})) return NID_secp224r1;
  if (der::oid_eq(oid, {1, 2, 840, 10045, 3, 1, 7})) return NID_X9_62_prime256v1;
  if (der::oid_eq(oid, {1, 3, 132, 0, 34})) return NID_secp384r1;
  if (der::oid_eq(oid, {1, 3, 132, 0, 35})) return NID_secp521r1;
  return 0;
}

GoPrivateKey parse_sec1(const std::string& der, const Oid* named_curve) {
  Reader r(der), s;
  int64_t version = 0;
  std::string_view scalar;
  if (!r.read(der::kSequence, &s) || !s.read_int64(&version) ||
      !s.read(der::kOctetString, &scalar)) {
    if (looks_pkcs8(der))
      go_fail(
          "x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this key "
          "format)");
    if (looks_pkcs1(der))
      go_fail(
          "x509: failed to parse private key (use ParsePKCS1PrivateKey instead for this key "
          "format)");
    auto top = asn1_struct_error(der, "ecPrivateKey");
    go_fail("x509: failed to parse EC private key: " + (top ? *top : std::string(kTagsMismatch)));
  }
  // encoding/asn1's optional explicit fields: an element whose tag, or whose inner element's
  // type, does not match is taken as absent, and the next field sees it again.
  auto explicit_field = [&](uint8_t n, uint8_t inner_tag, std::string_view* inner) {
    std::string_view rest = s.rest();
    if (rest.empty() || (static_cast<uint8_t>(rest[0]) & 0xdf) != (der::kContext | n)) return false;
    Reader copy = s;
    std::string_view body;
    uint8_t tag = 0;
    if (!copy.read_any(&body, &tag))
      go_fail(std::string("x509: failed to parse EC private key: ") + kTagsMismatch);
    if (!(tag & der::kConstructed) && !body.empty()) return false;
    Reader in(body);
    if (!in.peek(inner_tag)) {
      if (body.empty())
        go_fail(std::string("x509: failed to parse EC private key: ") + kTagsMismatch);
      return false;
    }
    if (!in.read_any(inner, nullptr))
      go_fail(std::string("x509: failed to parse EC private key: ") + kTagsMismatch);
    s = copy;
    return true;
  };
  Oid own_curve;
  bool has_own_curve = false;
  std::string_view inner;
  if (explicit_field(0, der::kOid, &inner)) {
    std::string element(1, static_cast<char>(der::kOid));
    element += static_cast<char>(inner.size());
    element += inner;
    Reader oid_reader(element);
    if (inner.size() >= 128 || !oid_reader.read_oid(&own_curve))
      go_fail(std::string("x509: failed to parse EC private key: ") + kTagsMismatch);
    has_own_curve = true;
  }
  if (explicit_field(1, der::kBitString, &inner)) {
    auto pad = inner.empty() ? 0 : static_cast<uint8_t>(inner[0]);
    if (inner.empty() || pad > 7 || (inner.size() == 1 && pad > 0) ||
        (static_cast<uint8_t>(inner.back()) & ((1u << pad) - 1)) != 0)
      go_fail(std::string("x509: failed to parse EC private key: ") + kTagsMismatch);
  }
  if (version != 1) go_fail("x509: unknown EC private key version " + std::to_string(version));
  int nid = named_curve ? curve_nid(*named_curve) : has_own_curve ? curve_nid(own_curve) : 0;
  if (!nid) go_fail("x509: unknown elliptic curve");
  std::unique_ptr<EC_GROUP, decltype(&EC_GROUP_free)> group(EC_GROUP_new_by_curve_name(nid),
                                                            EC_GROUP_free);
  const BIGNUM* order = EC_GROUP_get0_order(group.get());
  Bn k = bn(scalar);
  if (BN_cmp(k.get(), order) >= 0) go_fail("x509: invalid elliptic curve private key value");
  size_t size = static_cast<size_t>((BN_num_bits(order) + 7) / 8);
  std::string_view priv = scalar;
  while (priv.size() > size) {
    if (priv[0] != 0) go_fail("x509: invalid private key length");
    priv.remove_prefix(1);
  }
  GoPrivateKey key;
  key.kind = GoPrivateKey::Ec;
  key.ec_d = bytes_of(k.get());
  // ScalarBaseMult over the scalar as given (Go does not reduce it; zero gives the point at
  // infinity, rendered as 0, 0).
  std::unique_ptr<EC_POINT, decltype(&EC_POINT_free)> point(EC_POINT_new(group.get()),
                                                            EC_POINT_free);
  Bn x(BN_new()), y(BN_new());
  if (BN_is_zero(k.get()) ||
      EC_POINT_mul(group.get(), point.get(), k.get(), nullptr, nullptr, nullptr) != 1 ||
      EC_POINT_get_affine_coordinates(group.get(), point.get(), x.get(), y.get(), nullptr) != 1) {
    BN_zero(x.get());
    BN_zero(y.get());
  }
  key.ec_x = bytes_of(x.get());
  key.ec_y = bytes_of(y.get());
  return key;
}

}  // namespace

GoPrivateKey parse_pkcs1_private_key(const std::string& der) {
  Reader r(der), s;
  int64_t version = 0, e = 0;
  std::string_view n, d, p, q;
  bool ok = r.read(der::kSequence, &s) && s.read_int64(&version) && s.read_integer_bytes(&n) &&
            s.read_int64(&e) && s.read_integer_bytes(&d) && s.read_integer_bytes(&p) &&
            s.read_integer_bytes(&q);
  std::vector<std::string_view> additional;
  if (ok) {
    std::string_view crt;
    for (int i = 0; i < 3 && s.peek(der::kInteger); ++i) ok = ok && s.read_integer_bytes(&crt);
    if (ok && s.peek(der::kSequence)) {
      Reader primes;
      ok = s.read(der::kSequence, &primes);
      while (ok && !primes.empty()) {
        Reader ap;
        std::string_view prime, exp, coeff;
        ok = primes.read(der::kSequence, &ap) && ap.read_integer_bytes(&prime) &&
             ap.read_integer_bytes(&exp) && ap.read_integer_bytes(&coeff);
        additional.push_back(prime);
      }
    }
  }
  if (ok && !r.empty()) go_fail("asn1: syntax error: trailing data");
  if (!ok) {
    if (looks_ec(der))
      go_fail(
          "x509: failed to parse private key (use ParseECPrivateKey instead for this key format)");
    if (looks_pkcs8(der))
      go_fail(
          "x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this key "
          "format)");
    go_fail(asn1_struct_error(der, "pkcs1PrivateKey").value_or(kTagsMismatch));
  }
  if (version > 1) go_fail("x509: unsupported private key version");
  auto nm = positive(n), dm = positive(d), pm = positive(p), qm = positive(q);
  if (!nm || !dm || !pm || !qm) go_fail("x509: private key contains zero or negative value");
  for (std::string_view a : additional)
    if (!positive(a)) go_fail("x509: private key contains zero or negative prime");
  if (!additional.empty()) go_fail("x509: multi-prime RSA private keys are not supported");
  // rsa.PrivateKey.Validate.
  if (e < 2) go_fail("crypto/rsa: public exponent too small");
  if (e > 2147483647) go_fail("crypto/rsa: public exponent too large");
  Bn N = bn(*nm), D = bn(*dm), P = bn(*pm), Q = bn(*qm), E(BN_new());
  BN_set_word(E.get(), static_cast<BN_ULONG>(e));
  std::unique_ptr<BN_CTX, decltype(&BN_CTX_free)> ctx(BN_CTX_new(), BN_CTX_free);
  if (BN_cmp(P.get(), BN_value_one()) <= 0 || BN_cmp(Q.get(), BN_value_one()) <= 0)
    go_fail("crypto/rsa: invalid prime value");
  Bn pq(BN_new());
  BN_mul(pq.get(), P.get(), Q.get(), ctx.get());
  if (BN_cmp(pq.get(), N.get()) != 0) go_fail("crypto/rsa: invalid modulus");
  Bn de(BN_new()), pm1(BN_new()), qm1(BN_new()), rem(BN_new());
  BN_mul(de.get(), D.get(), E.get(), ctx.get());
  BN_sub(pm1.get(), P.get(), BN_value_one());
  BN_sub(qm1.get(), Q.get(), BN_value_one());
  for (BIGNUM* m : {pm1.get(), qm1.get()}) {
    BN_mod(rem.get(), de.get(), m, ctx.get());
    if (!BN_is_one(rem.get())) go_fail("crypto/rsa: invalid exponents");
  }
  // Precompute: Dp = D mod (P-1), Dq = D mod, Qinv = Q^-1 mod P.
  Bn dp(BN_new()), dq(BN_new());
  BN_mod(dp.get(), D.get(), pm1.get(), ctx.get());
  BN_mod(dq.get(), D.get(), qm1.get(), ctx.get());
  Bn qinv(BN_mod_inverse(nullptr, Q.get(), P.get(), ctx.get()));
  GoPrivateKey key;
  key.kind = GoPrivateKey::Rsa;
  key.rsa_e = e;
  key.rsa_n = *nm;
  key.rsa_d = *dm;
  key.rsa_p = *pm;
  key.rsa_q = *qm;
  key.rsa_dp = bytes_of(dp.get());
  key.rsa_dq = bytes_of(dq.get());
  key.rsa_qinv = qinv ? bytes_of(qinv.get()) : "";
  return key;
}

GoPrivateKey parse_ec_private_key(const std::string& der) { return parse_sec1(der, nullptr); }

GoPrivateKey parse_pkcs8_private_key(const std::string& der) {
  Reader r(der), s, algo;
  int64_t version = 0;
  std::string_view inner;
  if (!r.read(der::kSequence, &s) || !s.read_int64(&version) || !s.read(der::kSequence, &algo) ||
      !s.read(der::kOctetString, &inner)) {
    if (looks_ec(der))
      go_fail(
          "x509: failed to parse private key (use ParseECPrivateKey instead for this key format)");
    if (looks_pkcs1(der))
      go_fail(
          "x509: failed to parse private key (use ParsePKCS1PrivateKey instead for this key "
          "format)");
    go_fail(asn1_struct_error(der, "pkcs8").value_or(kTagsMismatch));
  }
  Oid oid;
  if (!algo.read_oid(&oid)) go_fail(kTagsMismatch);
  std::string_view params;
  if (!algo.empty()) algo.read_any(nullptr, nullptr, &params);
  std::string key_der(inner);
  if (der::oid_eq(oid, {1, 2, 840, 113549, 1, 1, 1})) {
    try {
      return parse_pkcs1_private_key(key_der);
    } catch (const GoError& e) {
      go_fail("x509: failed to parse RSA private key embedded in PKCS#8: " + e.message);
    }
  }
  if (der::oid_eq(oid, {1, 2, 840, 10045, 2, 1})) {
    Reader pr(params);
    Oid curve;
    bool named = pr.read_oid(&curve) && pr.empty();
    try {
      return parse_sec1(key_der, named ? &curve : nullptr);
    } catch (const GoError& e) {
      go_fail("x509: failed to parse EC private key embedded in PKCS#8: " + e.message);
    }
  }
  if (der::oid_eq(oid, {1, 3, 101, 112})) {
    if (!params.empty()) go_fail("x509: invalid Ed25519 private key parameters");
    Reader kr(key_der);
    std::string_view seed;
    if (!kr.read(der::kOctetString, &seed))
      go_fail(std::string("x509: invalid Ed25519 private key: ") + kTagsMismatch);
    if (seed.size() != 32)
      go_fail("x509: invalid Ed25519 private key length: " + std::to_string(seed.size()));
    EVP_PKEY* k = EVP_PKEY_new_raw_private_key(
        EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(seed.data()), 32);
    unsigned char pub[32];
    size_t len = sizeof pub;
    bool ok = k && EVP_PKEY_get_raw_public_key(k, pub, &len) == 1;
    EVP_PKEY_free(k);
    if (!ok) go_fail("x509: invalid Ed25519 private key");
    GoPrivateKey key;
    key.kind = GoPrivateKey::Ed25519;
    key.ed_seed = std::string(seed);
    key.ed_pub = std::string(reinterpret_cast<char*>(pub), len);
    return key;
  }
  if (der::oid_eq(oid, {1, 3, 101, 110})) {
    GoPrivateKey key;
    key.kind = GoPrivateKey::X25519;
    return key;
  }
  go_fail("x509: PKCS#8 wrapping contained private key with unknown algorithm: " + oid_string(oid));
}

Value go_private_key_json(const GoPrivateKey& k) {
  switch (k.kind) {
    case GoPrivateKey::Rsa:
      return Value::object(
          {{key("N"), big_from_unsigned(k.rsa_n)},
           {key("E"), Value::integer(k.rsa_e)},
           {key("D"), big_from_unsigned(k.rsa_d)},
           {key("Primes"), Value::array({big_from_unsigned(k.rsa_p), big_from_unsigned(k.rsa_q)})},
           {key("Precomputed"), Value::object({{key("Dp"), big_from_unsigned(k.rsa_dp)},
                                               {key("Dq"), big_from_unsigned(k.rsa_dq)},
                                               {key("Qinv"), big_from_unsigned(k.rsa_qinv)},
                                               {key("CRTValues"), Value::empty_array()}})}});
    case GoPrivateKey::Ec:
      return Value::object({{key("Curve"), Value::empty_object()},
                            {key("X"), big_from_unsigned(k.ec_x)},
                            {key("Y"), big_from_unsigned(k.ec_y)},
                            {key("D"), big_from_unsigned(k.ec_d)}});
    case GoPrivateKey::Ed25519:
      return bytes_value(k.ed_seed + k.ed_pub);
    case GoPrivateKey::X25519:
      break;
  }
  return Value::empty_object();
}

}  // namespace policyc::builtins::x509
