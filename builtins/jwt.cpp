// JWT verification (io.jwt.decode_verify) and private key parsing (crypto.parse_private_keys),
// with OpenSSL 3 EVP for the asymmetric algorithms.
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

#include <memory>
#include <optional>

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

struct VerificationKey {
  std::string alg;
  std::string kid;
  Pkey key;
};

BIGNUM* bn_from_b64url(const Value* v) {
  std::string raw;
  if (!v || !v->is_string() || !b64url_decode(v->str(), raw)) return nullptr;
  return BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(raw.size()),
                   nullptr);
}

// A public key of `type` ("RSA", "EC") from the parameters built in `bld`; empty on failure.
Pkey public_key_from(OSSL_PARAM_BLD* bld, const char* type) {
  Pkey out;
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* k = nullptr;
  if (params && ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
      EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params) == 1)
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
    out = public_key_from(bld, "RSA");
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
    out = public_key_from(bld, "EC");
  }
  OSSL_PARAM_BLD_free(bld);
  return out;
}

std::string str_field(const Value& obj, const char* name) {
  const Value* v = obj.find(Value::string(name));
  return v && v->is_string() ? v->str() : std::string();
}

// OPA's getKeysFromCertOrJWK: a PEM certificate or public key, else a JWK or JWK set.
std::vector<VerificationKey> keys_from_cert_or_jwk(const std::string& text) {
  if (auto block = pem_decode(text)) {
    if (!block->rest.empty()) fail(kVerify, "extra data after a PEM certificate block");
    const auto* p = reinterpret_cast<const unsigned char*>(block->der.data());
    long len = static_cast<long>(block->der.size());
    if (block->type == "CERTIFICATE") {
      X509* cert = d2i_X509(nullptr, &p, len);
      if (!cert) fail(kVerify, "failed to parse a PEM certificate");
      EVP_PKEY* k = X509_get_pubkey(cert);
      X509_free(cert);
      if (!k) fail(kVerify, "failed to parse a PEM certificate");
      return {{"", "", wrap(k)}};
    }
    if (block->type == "PUBLIC KEY") {
      EVP_PKEY* k = d2i_PUBKEY(nullptr, &p, len);
      if (!k) fail(kVerify, "failed to parse a PEM public key");
      return {{"", "", wrap(k)}};
    }
    fail(kVerify, "failed to extract a Key from the PEM certificate");
  }
  Value doc;
  TextError err;
  if (!parse_json(text, doc, err) || !doc.is_object())
    fail(kVerify, "failed to parse a JWK key (set)");
  std::vector<Value> jwks;
  if (const Value* ks = doc.find(Value::string("keys")); ks && ks->is_array())
    jwks = ks->items();
  else
    jwks.push_back(doc);
  std::vector<VerificationKey> out;
  for (const Value& jwk : jwks) {
    if (!jwk.is_object()) fail(kVerify, "failed to parse a JWK key (set)");
    std::string kty = str_field(jwk, "kty");
    Pkey key;
    if (kty == "RSA")
      key = rsa_from_jwk(jwk);
    else if (kty == "EC")
      key = ec_from_jwk(jwk);
    else
      fail(kVerify, "failed to parse a JWK key (set): unsupported key type " + kty);
    if (!key) fail(kVerify, "failed to parse a JWK key (set)");
    out.push_back({str_field(jwk, "alg"), str_field(jwk, "kid"), key});
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
      c.keys = keys_from_cert_or_jwk(constraint_string("cert", v));
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

Header parse_header(const Value& h) {
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
      if (!v.is_array()) fail(kVerify, "crit: must be a list");
      for (const Value& c : v.items()) {
        if (!c.is_string()) fail(kVerify, "crit: must be a list of strings");
        crit.push_back(c.str());
      }
      continue;
    }
    if (!v.is_string()) fail(kVerify, name + " header: must be a string");
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

std::vector<std::string> split_token(const std::string& token) {
  if (token.find('.') == std::string::npos) fail(kVerify, "encoded JWT had no period separators");
  return split_jwt(kVerify, token);
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
      if (k.kid == h.kid) return verify_pkey(*a, k.key.get(), plain, sig);
  for (const VerificationKey& k : c.keys) {
    if (!k.alg.empty() && k.alg != h.alg) continue;
    if (verify_pkey(*a, k.key.get(), plain, sig)) return true;
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
    std::vector<std::string> parts = split_token(token);
    header = jwt_json_object(kVerify, "header", parts[0]);
    if (header.find(Value::string("enc")))
      fail(kVerify, "JWT is a JWE object, which is not supported");
    Header h = parse_header(header);
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
  def(r, "crypto", kParseKeys, {"string"}, "array[object[string: any]]",
      "RSA, ECDSA and Ed25519 private keys in PEM (or base64-encoded PEM) data, as OPA renders "
      "them; null for \"\".",
      parse_private_keys);
}

}  // namespace policyc::builtins
