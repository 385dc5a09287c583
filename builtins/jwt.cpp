// JWTs: verification (io.jwt.decode_verify, io.jwt.verify_<alg>), signing (io.jwt.encode_sign,
// io.jwt.encode_sign_raw) and private key parsing (crypto.parse_private_keys), with OpenSSL 3
// EVP for the asymmetric algorithms.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cctype>
#include <iterator>
#include <memory>
#include <optional>
#include <utility>

#include "internal.hpp"
#include "pem.hpp"
#include "policyc/core/io.hpp"

namespace policyc::builtins {

namespace {

constexpr const char* kVerify = "io.jwt.decode_verify";
constexpr const char* kParseKeys = "crypto.parse_private_keys";

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::shared_ptr<EVP_PKEY>;

Pkey wrap(EVP_PKEY* k) { return Pkey(k, PkeyFree{}); }

// --- Keys ------------------------------------------------------------------------------

// A key to verify with: a public key, or (from an "oct" JWK) the bytes of an HMAC secret.
struct VerificationKey {
  std::string alg;
  std::string kid;
  Pkey key;
  std::optional<std::string> secret;
};

BIGNUM* bn_from_b64url(const Value* v) {
  std::string raw;
  if (!v || !v->is_string() || !b64url_decode(v->str(), raw)) return nullptr;
  return BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(raw.size()),
                   nullptr);
}

// A key of `type` ("RSA", "EC") from the parameters built in `bld`, public only or with its
// private part (`selection`: EVP_PKEY_PUBLIC_KEY or EVP_PKEY_KEYPAIR); empty on failure.
Pkey key_from_params(OSSL_PARAM_BLD* bld, const char* type, int selection) {
  Pkey out;
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* k = nullptr;
  if (params && ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
      EVP_PKEY_fromdata(ctx, &k, selection, params) == 1)
    out = wrap(k);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  return out;
}

Pkey rsa_from_jwk(const Value& jwk) {
  BIGNUM* n = bn_from_b64url(jwk.find(Value::string("n")));
  BIGNUM* e = bn_from_b64url(jwk.find(Value::string("e")));
  Pkey out;
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  if (n && e && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e)) {
    out = key_from_params(bld, "RSA", EVP_PKEY_PUBLIC_KEY);
  }
  OSSL_PARAM_BLD_free(bld);
  BN_free(n);
  BN_free(e);
  return out;
}

Pkey ec_from_jwk(const Value& jwk) {
  const Value* crv = jwk.find(Value::string("crv"));
  if (!crv || !crv->is_string()) return nullptr;
  const char* group = crv->str() == "P-256"   ? "prime256v1"
                      : crv->str() == "P-384" ? "secp384r1"
                      : crv->str() == "P-521" ? "secp521r1"
                                              : nullptr;
  if (!group) return nullptr;
  size_t size = crv->str() == "P-256" ? 32 : crv->str() == "P-384" ? 48 : 66;
  std::string x, y;
  const Value* xv = jwk.find(Value::string("x"));
  const Value* yv = jwk.find(Value::string("y"));
  if (!xv || !yv || !xv->is_string() || !yv->is_string() || !b64url_decode(xv->str(), x) ||
      !b64url_decode(yv->str(), y) || x.size() > size || y.size() > size)
    return nullptr;
  std::string point =
      "\x04" + std::string(size - x.size(), '\0') + x + std::string(size - y.size(), '\0') + y;
  Pkey out;
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) &&
      OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size())) {
    out = key_from_params(bld, "EC", EVP_PKEY_PUBLIC_KEY);
  }
  OSSL_PARAM_BLD_free(bld);
  return out;
}

std::string str_field(const Value& obj, const char* name) {
  const Value* v = obj.find(Value::string(name));
  return v && v->is_string() ? v->str() : std::string();
}

// OPA's getKeysFromCertOrJWK: a PEM certificate or public key, else a JWK or JWK set.
std::vector<VerificationKey> keys_from_cert_or_jwk(std::string_view fn, const std::string& text) {
  if (auto block = pem_decode(text)) {
    if (!block->rest.empty()) fail(fn, "extra data after a PEM certificate block");
    const auto* p = reinterpret_cast<const unsigned char*>(block->der.data());
    long len = static_cast<long>(block->der.size());
    if (block->type == "CERTIFICATE") {
      X509* cert = d2i_X509(nullptr, &p, len);
      if (!cert) fail(fn, "failed to parse a PEM certificate");
      EVP_PKEY* k = X509_get_pubkey(cert);
      X509_free(cert);
      if (!k) fail(fn, "failed to parse a PEM certificate");
      return {{"", "", wrap(k), std::nullopt}};
    }
    if (block->type == "PUBLIC KEY") {
      EVP_PKEY* k = d2i_PUBKEY(nullptr, &p, len);
      if (!k) fail(fn, "failed to parse a PEM public key");
      return {{"", "", wrap(k), std::nullopt}};
    }
    fail(fn, "failed to extract a Key from the PEM certificate");
  }
  Value doc;
  TextError err;
  if (!parse_json(text, doc, err) || !doc.is_object()) fail(fn, "failed to parse a JWK key (set)");
  std::vector<Value> jwks;
  if (const Value* ks = doc.find(Value::string("keys")); ks && ks->is_array())
    jwks = ks->items();
  else
    jwks.push_back(doc);
  std::vector<VerificationKey> out;
  for (const Value& jwk : jwks) {
    if (!jwk.is_object()) fail(fn, "failed to parse a JWK key (set)");
    std::string kty = str_field(jwk, "kty");
    if (kty == "oct") {
      std::string secret;
      const Value* k = jwk.find(Value::string("k"));
      if (!k || !k->is_string() || !b64url_decode(k->str(), secret))
        fail(fn, "failed to parse a JWK key (set)");
      out.push_back({str_field(jwk, "alg"), str_field(jwk, "kid"), nullptr, secret});
      continue;
    }
    Pkey key;
    if (kty == "RSA")
      key = rsa_from_jwk(jwk);
    else if (kty == "EC")
      key = ec_from_jwk(jwk);
    else
      fail(fn, "failed to parse a JWK key (set): unsupported key type " + kty);
    if (!key) fail(fn, "failed to parse a JWK key (set)");
    out.push_back({str_field(jwk, "alg"), str_field(jwk, "kid"), key, std::nullopt});
  }
  return out;
}

// --- Signatures ------------------------------------------------------------------------

enum class Family { Hmac, Rsa, Pss, Ecdsa };

struct Algorithm {
  Family family;
  const EVP_MD* (*md)();
};

const Algorithm* find_algorithm(const std::string& alg) {
  static const std::vector<std::pair<std::string, Algorithm>> table = {
      {"HS256", {Family::Hmac, EVP_sha256}},  {"HS384", {Family::Hmac, EVP_sha384}},
      {"HS512", {Family::Hmac, EVP_sha512}},  {"RS256", {Family::Rsa, EVP_sha256}},
      {"RS384", {Family::Rsa, EVP_sha384}},   {"RS512", {Family::Rsa, EVP_sha512}},
      {"PS256", {Family::Pss, EVP_sha256}},   {"PS384", {Family::Pss, EVP_sha384}},
      {"PS512", {Family::Pss, EVP_sha512}},   {"ES256", {Family::Ecdsa, EVP_sha256}},
      {"ES384", {Family::Ecdsa, EVP_sha384}}, {"ES512", {Family::Ecdsa, EVP_sha512}},
  };
  for (const auto& [name, a] : table)
    if (name == alg) return &a;
  return nullptr;
}

bool verify_hmac(const Algorithm& a, const std::string& secret, const std::string& plain,
                 const std::string& sig) {
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(a.md(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(plain.data()), plain.size(), buf, &len);
  return sig.size() == len && CRYPTO_memcmp(buf, sig.data(), len) == 0;
}

// JWS ECDSA signatures are r || s; OpenSSL wants DER.
bool ecdsa_der(const std::string& sig, std::string& der) {
  size_t n = sig.size() / 2;
  const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
  ECDSA_SIG* s = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(p, static_cast<int>(n), nullptr);
  BIGNUM* ss = BN_bin2bn(p + n, static_cast<int>(sig.size() - n), nullptr);
  if (!s || !r || !ss || ECDSA_SIG_set0(s, r, ss) != 1) {
    BN_free(r);
    BN_free(ss);
    ECDSA_SIG_free(s);
    return false;
  }
  unsigned char* out = nullptr;
  int len = i2d_ECDSA_SIG(s, &out);
  ECDSA_SIG_free(s);
  if (len <= 0) return false;
  der.assign(reinterpret_cast<char*>(out), static_cast<size_t>(len));
  OPENSSL_free(out);
  return true;
}

bool verify_pkey(const Algorithm& a, EVP_PKEY* key, const std::string& plain,
                 const std::string& sig) {
  int id = EVP_PKEY_get_base_id(key);
  bool rsa = id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS;
  if ((a.family == Family::Ecdsa && id != EVP_PKEY_EC) ||
      ((a.family == Family::Rsa || a.family == Family::Pss) && !rsa) || a.family == Family::Hmac)
    return false;
  std::string der = sig;
  if (a.family == Family::Ecdsa && !ecdsa_der(sig, der)) return false;
  EVP_MD_CTX* mctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok = mctx && EVP_DigestVerifyInit(mctx, &pctx, a.md(), nullptr, key) == 1;
  if (ok && a.family == Family::Pss)
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) == 1;
  else if (ok && a.family == Family::Rsa)
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
  ok = ok &&
       EVP_DigestVerify(mctx, reinterpret_cast<const unsigned char*>(der.data()), der.size(),
                        reinterpret_cast<const unsigned char*>(plain.data()), plain.size()) == 1;
  EVP_MD_CTX_free(mctx);
  return ok;
}

// An HMAC secret verifies only HS* signatures and a public key only the others.
bool verify_with(const Algorithm& a, const VerificationKey& k, const std::string& plain,
                 const std::string& sig) {
  if (k.secret) return a.family == Family::Hmac && verify_hmac(a, *k.secret, plain, sig);
  return verify_pkey(a, k.key.get(), plain, sig);
}

// --- io.jwt.decode_verify --------------------------------------------------------------

struct Constraints {
  std::vector<VerificationKey> keys;
  bool have_keys = false;
  std::string secret, alg, iss, aud;
  std::optional<double> time;
};

std::string constraint_string(const char* name, const Value& v) {
  if (!v.is_string()) fail(kVerify, std::string(name) + " constraint: must be a string");
  return v.str();
}

Constraints parse_constraints(const Value& obj) {
  Constraints c;
  for (const auto& [k, v] : obj.entries()) {
    std::string name = k.is_string() ? k.str() : k.to_json();
    if (name == "cert") {
      c.keys = keys_from_cert_or_jwk(kVerify, constraint_string("cert", v));
      c.have_keys = true;
    } else if (name == "secret") {
      c.secret = constraint_string("secret", v);
    } else if (name == "alg") {
      c.alg = constraint_string("alg", v);
    } else if (name == "iss") {
      c.iss = constraint_string("iss", v);
    } else if (name == "aud") {
      c.aud = constraint_string("aud", v);
    } else if (name == "time") {
      if (!v.is_number())
        fail(kVerify, "time constraint: strconv.ParseFloat: parsing " + go_quote(v.to_rego()) +
                          ": invalid syntax");
      c.time = v.to_double();
    } else {
      fail(kVerify, "unknown token validation constraint: " + name);
    }
  }
  int n = (c.have_keys ? 1 : 0) + (c.secret.empty() ? 0 : 1);
  if (n > 1) fail(kVerify, "duplicate key constraints");
  if (n < 1) fail(kVerify, "no key constraint");
  return c;
}

struct Header {
  std::string alg, kid, cty;
  bool valid = true;
};

Header parse_header(std::string_view fn, const Value& h) {
  Header out;
  std::vector<std::string> unknown, crit;
  static const char* known[] = {"alg", "kid", "typ", "cty", "crit"};
  for (const auto& [k, v] : h.entries()) {
    std::string name = k.is_string() ? k.str() : k.to_json();
    bool is_known = false;
    for (const char* kn : known) is_known = is_known || name == kn;
    if (!is_known) {
      unknown.push_back(name);
      continue;
    }
    if (name == "crit") {
      if (!v.is_array()) fail(fn, "crit: must be a list");
      for (const Value& c : v.items()) {
        if (!c.is_string()) fail(fn, "crit: must be a list of strings");
        crit.push_back(c.str());
      }
      continue;
    }
    if (!v.is_string()) fail(fn, name + " header: must be a string");
    if (name == "alg") out.alg = v.str();
    if (name == "kid") out.kid = v.str();
    if (name == "cty") out.cty = v.str();
  }
  if (out.alg.empty()) out.valid = false;
  for (const std::string& u : unknown)
    for (const std::string& c : crit)
      if (u == c) out.valid = false;
  return out;
}

std::vector<std::string> split_token(std::string_view fn, const std::string& token) {
  if (token.find('.') == std::string::npos) fail(fn, "encoded JWT had no period separators");
  return split_jwt(fn, token);
}

// Whether the signature verifies; throws for an unknown algorithm.
bool verify_signature(const Constraints& c, const Header& h, const std::string& plain,
                      const std::string& sig) {
  const Algorithm* a = find_algorithm(h.alg);
  if (!a) fail(kVerify, "unknown JWS algorithm: " + h.alg);
  if (!c.have_keys) {
    if (a->family != Family::Hmac) fail(kVerify, "incorrect public key type");
    return verify_hmac(*a, c.secret, plain, sig);
  }
  if (!h.kid.empty())
    for (const VerificationKey& k : c.keys)
      if (k.kid == h.kid) return verify_with(*a, k, plain, sig);
  for (const VerificationKey& k : c.keys) {
    if (!k.alg.empty() && k.alg != h.alg) continue;
    if (verify_with(*a, k, plain, sig)) return true;
  }
  return false;
}

bool valid_audience(const Value& aud, const std::string& want) {
  if (aud.is_string()) return aud.str() == want;
  if (!aud.is_array()) return false;
  for (const Value& v : aud.items())
    if (v.is_string() && v.str() == want) return true;
  return false;
}

Value decode_verify(Args a, BuiltinContext& ctx) {
  std::string token = need_string(kVerify, a[0], 1);
  const Value& obj = need_object(kVerify, a[1], 2);
  Constraints c = parse_constraints(obj);
  double now = c.time ? *c.time : static_cast<double>(ctx.now_ns);
  Value unverified =
      Value::array({Value::boolean(false), Value::empty_object(), Value::empty_object()});
  Value header;
  std::string payload_text;
  for (;;) {
    std::vector<std::string> parts = split_token(kVerify, token);
    header = jwt_json_object(kVerify, "header", parts[0]);
    if (header.find(Value::string("enc")))
      fail(kVerify, "JWT is a JWE object, which is not supported");
    Header h = parse_header(kVerify, header);
    if (!h.valid) return unverified;
    if (!c.alg.empty() && c.alg != h.alg) return unverified;
    std::string sig;
    if (!b64url_decode(parts[2], sig)) fail(kVerify, "illegal base64 data");
    if (!verify_signature(c, h, parts[0] + "." + parts[1], sig)) return unverified;
    payload_text.clear();
    if (!b64url_decode(parts[1], payload_text))
      fail(kVerify, "JWT payload had invalid encoding: illegal base64 data");
    std::string cty = h.cty;
    for (char& ch : cty) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (cty != "JWT") break;
    token = payload_text;
  }
  Value payload;
  TextError err;
  if (!parse_json(payload_text, payload, err)) fail(kVerify, "invalid JSON: " + err.message);
  if (!payload.is_object()) fail(kVerify, "decoded JSON type was not an Object");
  if (!c.iss.empty()) {
    const Value* iss = payload.find(Value::string("iss"));
    if (!iss || !iss->is_string() || iss->str() != c.iss) return unverified;
  }
  if (const Value* aud = payload.find(Value::string("aud"))) {
    if (!valid_audience(*aud, c.aud)) return unverified;
  } else if (!c.aud.empty()) {
    return unverified;
  }
  double now_s = now / 1e9;
  if (const Value* exp = payload.find(Value::string("exp"))) {
    if (!exp->is_number()) fail(kVerify, "exp value must be a number");
    if (now_s >= exp->to_double()) return unverified;
  }
  if (const Value* nbf = payload.find(Value::string("nbf"))) {
    if (!nbf->is_number()) fail(kVerify, "nbf value must be a number");
    if (now_s < nbf->to_double()) return unverified;
  }
  return Value::array({Value::boolean(true), header, payload});
}

// --- io.jwt.verify_<alg> ---------------------------------------------------------------

struct VerifyFunction {
  const char* name;
  const char* alg;
};

constexpr VerifyFunction kVerifyFunctions[] = {
    {"io.jwt.verify_hs256", "HS256"}, {"io.jwt.verify_hs384", "HS384"},
    {"io.jwt.verify_hs512", "HS512"}, {"io.jwt.verify_rs256", "RS256"},
    {"io.jwt.verify_rs384", "RS384"}, {"io.jwt.verify_rs512", "RS512"},
    {"io.jwt.verify_ps256", "PS256"}, {"io.jwt.verify_ps384", "PS384"},
    {"io.jwt.verify_ps512", "PS512"}, {"io.jwt.verify_es256", "ES256"},
    {"io.jwt.verify_es384", "ES384"}, {"io.jwt.verify_es512", "ES512"},
};

std::string signature_bytes(std::string_view fn, const std::string& encoded) {
  std::string sig;
  if (!b64url_decode(encoded, sig)) fail(fn, "illegal base64 data");
  return sig;
}

// OPA checks the signature only: not the header's alg, nor the claims (decode_verify does).
// With a certificate or JWK set, a key whose kid the header names decides alone; otherwise any
// key whose alg (if it has one) matches the header's may verify it.
Value verify_by_function(const VerifyFunction& f, Args a) {
  const Algorithm& alg = *find_algorithm(f.alg);
  std::vector<std::string> parts = split_token(f.name, need_string(f.name, a[0], 1));
  const std::string& key_text = need_string(f.name, a[1], 2);
  std::string plain = parts[0] + "." + parts[1];
  if (alg.family == Family::Hmac)
    return Value::boolean(verify_hmac(alg, key_text, plain, signature_bytes(f.name, parts[2])));
  std::vector<VerificationKey> keys = keys_from_cert_or_jwk(f.name, key_text);
  std::string sig = signature_bytes(f.name, parts[2]);
  Value header = jwt_json_object(f.name, "header", parts[0]);
  if (header.find(Value::string("enc")))
    fail(f.name, "JWT is a JWE object, which is not supported");
  Header h = parse_header(f.name, header);
  if (!h.kid.empty())
    for (const VerificationKey& k : keys)
      if (k.kid == h.kid) return Value::boolean(verify_with(alg, k, plain, sig));
  for (const VerificationKey& k : keys)
    if ((k.alg.empty() || k.alg == h.alg) && verify_with(alg, k, plain, sig))
      return Value::boolean(true);
  return Value::boolean(false);
}

template <size_t I>
Value verify_function(Args a, BuiltinContext&) {
  return verify_by_function(kVerifyFunctions[I], a);
}

template <size_t... I>
void register_verify_functions(BuiltinRegistry& r, std::index_sequence<I...>) {
  (def(r, "tokens", kVerifyFunctions[I].name, {"string", "string"}, "boolean",
       kVerifyFunctions[I].alg[0] == 'H'
           ? "Whether a JWT's HMAC signature is valid for the secret (claims are not checked)."
           : "Whether a JWT's signature is valid for a PEM certificate or public key, or a JWK "
             "(set) (claims are not checked).",
       verify_function<I>),
   ...);
}

// --- io.jwt.encode_sign and io.jwt.encode_sign_raw -------------------------------------

constexpr const char* kEncodeSign = "io.jwt.encode_sign";
constexpr const char* kEncodeSignRaw = "io.jwt.encode_sign_raw";

// A key to sign with, from a JWK: an HMAC secret ("oct") or an RSA or EC private key.
struct SigningKey {
  std::string kty;
  std::string secret;
  Pkey key;
};

Bn jwk_bignum(std::string_view fn, const Value& jwk, const char* name, bool required) {
  const Value* v = jwk.find(Value::string(name));
  if (!v) {
    if (required)
      fail(fn, std::string("failed to parse the JWK: required field ") + name + " missing");
    return nullptr;
  }
  BIGNUM* bn = bn_from_b64url(v);
  if (!bn) fail(fn, std::string("failed to parse the JWK: field ") + name + " is not base64url");
  return Bn(bn);
}

Pkey rsa_private_from_jwk(std::string_view fn, const Value& jwk) {
  Bn n = jwk_bignum(fn, jwk, "n", true), e = jwk_bignum(fn, jwk, "e", true);
  Bn d = jwk_bignum(fn, jwk, "d", true);
  Bn p = jwk_bignum(fn, jwk, "p", false), q = jwk_bignum(fn, jwk, "q", false);
  Bn dp = jwk_bignum(fn, jwk, "dp", false), dq = jwk_bignum(fn, jwk, "dq", false);
  Bn qi = jwk_bignum(fn, jwk, "qi", false);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  bool ok = bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n.get()) &&
            OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e.get()) &&
            OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d.get());
  if (ok && p && q)
    ok = OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, p.get()) &&
         OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, q.get());
  if (ok && p && q && dp && dq && qi)
    ok = OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp.get()) &&
         OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq.get()) &&
         OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qi.get());
  Pkey out = ok ? key_from_params(bld, "RSA", EVP_PKEY_KEYPAIR) : nullptr;
  OSSL_PARAM_BLD_free(bld);
  if (!out) fail(fn, "failed to materialize the RSA private key");
  return out;
}

Pkey ec_private_from_jwk(std::string_view fn, const Value& jwk) {
  std::string crv = str_field(jwk, "crv");
  const char* group = crv == "P-256"   ? "prime256v1"
                      : crv == "P-384" ? "secp384r1"
                      : crv == "P-521" ? "secp521r1"
                                       : nullptr;
  if (!group) fail(fn, "failed to parse the JWK: unsupported curve " + go_quote(crv));
  Pkey pub = ec_from_jwk(jwk);
  if (!pub) fail(fn, "failed to parse the JWK: invalid EC public key");
  Bn d = jwk_bignum(fn, jwk, "d", true);
  unsigned char point[133];
  size_t point_len = 0;
  if (EVP_PKEY_get_octet_string_param(pub.get(), OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point,
                                      &point_len) != 1)
    fail(fn, "failed to materialize the EC private key");
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  bool ok = bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) &&
            OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, point_len) &&
            OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d.get());
  Pkey out = ok ? key_from_params(bld, "EC", EVP_PKEY_KEYPAIR) : nullptr;
  OSSL_PARAM_BLD_free(bld);
  if (!out) fail(fn, "failed to materialize the EC private key");
  return out;
}

// The first key of a JWK or JWK set, as OPA signs with.
SigningKey signing_key(std::string_view fn, const std::string& text) {
  Value doc;
  TextError err;
  if (!parse_json(text, doc, err) || !doc.is_object()) fail(fn, "failed to unmarshal JWK");
  Value jwk = doc;
  if (const Value* ks = doc.find(Value::string("keys"))) {
    if (!ks->is_array() || ks->items().empty() || !ks->items()[0].is_object())
      fail(fn, "failed to unmarshal JWK set");
    jwk = ks->items()[0];
  }
  SigningKey out;
  out.kty = str_field(jwk, "kty");
  if (out.kty == "oct") {
    const Value* k = jwk.find(Value::string("k"));
    if (!k || !k->is_string() || !b64url_decode(k->str(), out.secret))
      fail(fn, "failed to parse the JWK: field k missing or not base64url");
  } else if (out.kty == "RSA") {
    out.key = rsa_private_from_jwk(fn, jwk);
  } else if (out.kty == "EC") {
    out.key = ec_private_from_jwk(fn, jwk);
  } else {
    fail(fn, "failed to parse the JWK: invalid key type " + go_quote(out.kty));
  }
  return out;
}

// A JWS signature over `input` (r || s for ECDSA, fixed width per curve).
std::string sign_with(std::string_view fn, const Algorithm& a, const SigningKey& k,
                      const std::string& input) {
  if (a.family == Family::Hmac) {
    if (k.kty != "oct")
      fail(fn, "failed to sign payload: invalid key type: an HMAC key is required");
    unsigned char buf[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(a.md(), k.secret.data(), static_cast<int>(k.secret.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), buf, &len);
    return std::string(reinterpret_cast<char*>(buf), len);
  }
  bool ecdsa = a.family == Family::Ecdsa;
  if (k.kty != (ecdsa ? "EC" : "RSA"))
    fail(fn, std::string("failed to sign payload: invalid key type: ") +
                 (ecdsa ? "an ECDSA" : "an RSA") + " private key is required");
  EVP_MD_CTX* mctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok = mctx && EVP_DigestSignInit(mctx, &pctx, a.md(), nullptr, k.key.get()) == 1;
  if (ok && a.family == Family::Pss)
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
  else if (ok && a.family == Family::Rsa)
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
  size_t len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  ok = ok && EVP_DigestSign(mctx, nullptr, &len, in, input.size()) == 1;
  std::string sig(len, '\0');
  ok = ok && EVP_DigestSign(mctx, reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                            input.size()) == 1;
  EVP_MD_CTX_free(mctx);
  if (!ok) fail(fn, "failed to sign payload");
  sig.resize(len);
  if (!ecdsa) return sig;
  const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
  ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
  if (!es) fail(fn, "failed to sign payload");
  size_t width = static_cast<size_t>((EVP_PKEY_get_bits(k.key.get()) + 7) / 8);
  std::string raw(2 * width, '\0');
  bool padded =
      BN_bn2binpad(ECDSA_SIG_get0_r(es), reinterpret_cast<unsigned char*>(raw.data()),
                   static_cast<int>(width)) == static_cast<int>(width) &&
      BN_bn2binpad(ECDSA_SIG_get0_s(es), reinterpret_cast<unsigned char*>(raw.data()) + width,
                   static_cast<int>(width)) == static_cast<int>(width);
  ECDSA_SIG_free(es);
  if (!padded) fail(fn, "failed to sign payload");
  return raw;
}

// The JWS header's standard fields as OPA reads them (Go's json.Unmarshal into its
// StandardHeaders: names match exactly or else ignoring case, the last match wins, null leaves a
// field unset, other keys are ignored); fails as that decoding does.
struct SigningHeader {
  std::string alg;
  std::string typ;
};

const char* json_kind(const Value& v) {
  switch (v.kind()) {
    case Kind::Boolean:
      return "bool";
    case Kind::Number:
      return "number";
    case Kind::String:
      return "string";
    case Kind::Array:
    case Kind::Set:
      return "array";
    case Kind::Object:
      return "object";
    default:
      return "null";
  }
}

bool ascii_iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

SigningHeader signing_header(std::string_view fn, const std::string& text) {
  Value header;
  TextError err;
  if (!parse_json(text, header, err)) fail(fn, "invalid JWS header JSON: " + err.message);
  if (!header.is_object())
    fail(fn, std::string("json: cannot unmarshal ") + json_kind(header) +
                 " into Go value of type jws.StandardHeaders");
  static const char* const kStringFields[] = {"cty", "jwk", "jku", "kid", "typ"};
  SigningHeader out;
  for (const auto& entry : header.entries()) {
    const Value& k = entry.first;
    const Value& v = entry.second;  // a plain reference: clang 14 cannot capture a binding
    if (!k.is_string()) continue;
    const std::string& name = k.str();
    auto mismatch = [&](const char* field, const char* go_type) {
      fail(fn, std::string("json: cannot unmarshal ") + json_kind(v) +
                   " into Go struct field StandardHeaders." + field + " of type " + go_type);
    };
    if (ascii_iequal(name, "alg")) {
      std::string alg = v.is_string() ? v.str() : v.to_json();
      if (!find_algorithm(alg) && alg != "none") fail(fn, "unknown signature algorithm");
      out.alg = alg;
      continue;
    }
    for (const char* field : kStringFields) {
      if (!ascii_iequal(name, field) || v.is_null()) continue;
      if (!v.is_string()) mismatch(field, "string");
      if (std::string_view(field) == "typ") out.typ = v.str();
    }
    if (ascii_iequal(name, "crit") && !v.is_null()) {
      if (!v.is_array()) mismatch("crit", "[]string");
      for (const Value& c : v.items())
        if (!c.is_string()) mismatch("crit", "string");
    }
    if (ascii_iequal(name, "privateParams") && !v.is_null() && !v.is_object())
      mismatch("privateParams", "map[string]interface {}");
  }
  return out;
}

// OPA's JWS compact serialization: the header and payload texts exactly as given, base64url
// without padding, and the signature by the header's alg with the JWK's first key.
Value encode_compact(std::string_view fn, const std::string& header_text,
                     const std::string& payload_text, const std::string& key_text) {
  SigningKey key = signing_key(fn, key_text);
  SigningHeader header = signing_header(fn, header_text);
  if (header.typ.empty() || header.typ == "JWT") {
    Value ignored;
    TextError err;
    if (!parse_json(payload_text, ignored, err)) fail(fn, "type is JWT but payload is not JSON");
  }
  const Algorithm* alg = find_algorithm(header.alg);
  if (!alg)
    fail(fn, "failed to create signer: unsupported signature algorithm " + go_quote(header.alg));
  std::string input = go_base64_encode(header_text, true, false) + "." +
                      go_base64_encode(payload_text, true, false);
  return Value::string(input + "." +
                       go_base64_encode(sign_with(fn, *alg, key, input), true, false));
}

// OPA marshals each operand to JSON without checking its kind at run time: a payload that is
// not an object is signed as it is, and other operands fail as JWS header or JWK text.
Value encode_sign(Args a, BuiltinContext& ctx) {
  reserve_serialized(ctx, a[1]);
  return encode_compact(kEncodeSign, a[0].to_json(), a[1].to_json(), a[2].to_json());
}

Value encode_sign_raw(Args a, BuiltinContext&) {
  const std::string& key = need_string(kEncodeSignRaw, a[2], 3);
  const std::string& headers = need_string(kEncodeSignRaw, a[0], 1);
  const std::string& payload = need_string(kEncodeSignRaw, a[1], 2);
  return encode_compact(kEncodeSignRaw, headers, payload, key);
}

// --- crypto.parse_private_keys ---------------------------------------------------------

Value parse_private_keys(Args a, BuiltinContext&) {
  const std::string& input = need_string(kParseKeys, a[0], 1);
  if (input.empty()) return Value::null();
  std::string data = input;
  if (input.rfind("-----BEGIN", 0) != 0) {
    // Base64-encoded PEM, as OPA accepts for backwards compatibility.
    std::string decoded(input.size(), '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                            reinterpret_cast<const unsigned char*>(input.data()),
                            static_cast<int>(input.size()));
    if (n >= 0 && input.size() % 4 == 0) {
      size_t pad = input.size() >= 2 && input[input.size() - 2] == '=' ? 2
                   : input.back() == '='                               ? 1
                                                                       : 0;
      decoded.resize(static_cast<size_t>(n) - pad);
      data = decoded;
    }
  }
  ValueVec keys;
  while (auto block = pem_decode(data)) {
    const auto* p = reinterpret_cast<const unsigned char*>(block->der.data());
    long len = static_cast<long>(block->der.size());
    EVP_PKEY* k = nullptr;
    if (block->type == "RSA PRIVATE KEY") {
      k = d2i_PrivateKey(EVP_PKEY_RSA, nullptr, &p, len);
      if (!k) fail(kParseKeys, "x509: failed to parse private key");
    } else if (block->type == "PRIVATE KEY") {
      PKCS8_PRIV_KEY_INFO* info = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, len);
      if (info) k = EVP_PKCS82PKEY(info);
      PKCS8_PRIV_KEY_INFO_free(info);
      if (!k) fail(kParseKeys, "x509: failed to parse private key");
    }
    if (k) {
      Pkey owned = wrap(k);
      keys.push_back(go_private_key_value(k, kParseKeys));
    }
    data = block->rest;
  }
  return Value::array(std::move(keys));
}

}  // namespace

void register_jwt(BuiltinRegistry& r) {
  def(r, "tokens", kVerify, {"string", "object[string: any]"}, "array[boolean, object, object]",
      "Verifies a JWT's signature (HS*, RS*, PS*, ES*) and claims against constraints "
      "(secret, cert, alg, iss, aud, time); [valid, header, payload].",
      decode_verify);
  register_verify_functions(r, std::make_index_sequence<std::size(kVerifyFunctions)>());
  def(r, "tokens", kEncodeSign,
      {"object[string: any]", "object[string: any]", "object[string: any]"}, "string",
      "A JWS in compact form: the headers and payload as JSON, signed by the headers' alg with "
      "the first key of a JWK (set).",
      encode_sign, true);
  def(r, "tokens", kEncodeSignRaw, {"string", "string", "string"}, "string",
      "A JWS in compact form from header, payload and JWK texts, used as given.", encode_sign_raw,
      true);
  def(r, "crypto", kParseKeys, {"string"}, "array[object[string: any]]",
      "RSA, ECDSA and Ed25519 private keys in PEM (or base64-encoded PEM) data, as OPA renders "
      "them; null for \"\".",
      parse_private_keys);
}

}  // namespace policyc::builtins
