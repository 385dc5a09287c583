// PEM and base64 helpers shared by the OpenSSL-backed builtins.
#include "pem.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <memory>

#include "internal.hpp"

namespace policyc::builtins {

namespace {

// An EVP_PKEY BIGNUM parameter as a JSON number (null when absent).
Value bn_param(EVP_PKEY* k, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(k, name, &bn) != 1) return Value::null();
  char* dec = BN_bn2dec(bn);
  Value v = Value::number_from_text(dec);
  OPENSSL_free(dec);
  BN_free(bn);
  return v;
}

}  // namespace

// A private key as Go's json.Marshal renders crypto/rsa, crypto/ecdsa and crypto/ed25519 keys.
Value go_private_key_value(EVP_PKEY* k, std::string_view fn) {
  auto s = [](const char* x) { return Value::string(x); };
  switch (EVP_PKEY_get_base_id(k)) {
    case EVP_PKEY_RSA:
      return Value::object(
          {{s("N"), bn_param(k, OSSL_PKEY_PARAM_RSA_N)},
           {s("E"), bn_param(k, OSSL_PKEY_PARAM_RSA_E)},
           {s("D"), bn_param(k, OSSL_PKEY_PARAM_RSA_D)},
           {s("Primes"), Value::array({bn_param(k, OSSL_PKEY_PARAM_RSA_FACTOR1),
                                       bn_param(k, OSSL_PKEY_PARAM_RSA_FACTOR2)})},
           {s("Precomputed"),
            Value::object({{s("Dp"), bn_param(k, OSSL_PKEY_PARAM_RSA_EXPONENT1)},
                           {s("Dq"), bn_param(k, OSSL_PKEY_PARAM_RSA_EXPONENT2)},
                           {s("Qinv"), bn_param(k, OSSL_PKEY_PARAM_RSA_COEFFICIENT1)},
                           {s("CRTValues"), Value::empty_array()}})}});
    case EVP_PKEY_EC:
      return Value::object({{s("Curve"), Value::empty_object()},
                            {s("X"), bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X)},
                            {s("Y"), bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y)},
                            {s("D"), bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY)}});
    case EVP_PKEY_ED25519: {
      unsigned char priv[32], pub[32];
      size_t plen = sizeof priv, qlen = sizeof pub;
      if (EVP_PKEY_get_raw_private_key(k, priv, &plen) != 1 ||
          EVP_PKEY_get_raw_public_key(k, pub, &qlen) != 1)
        fail(fn, "x509: failed to parse private key");
      std::string raw(reinterpret_cast<char*>(priv), plen);
      raw.append(reinterpret_cast<char*>(pub), qlen);
      return Value::string(go_base64_encode(raw, false, true));
    }
    default:
      fail(fn, "x509: PKCS#8 wrapping contained private key with unknown algorithm");
  }
}

namespace {

// Go's getLine: the line without its "\n" (or "\r\n") and trailing spaces and tabs, and the
// rest after the newline.
std::pair<std::string_view, std::string_view> get_line(std::string_view data) {
  size_t i = data.find('\n');
  size_t j;
  if (i == std::string_view::npos) {
    i = j = data.size();
  } else {
    j = i + 1;
    if (i > 0 && data[i - 1] == '\r') --i;
  }
  std::string_view line = data.substr(0, i);
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  return {line, data.substr(j)};
}

bool has_prefix(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool has_suffix(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

}  // namespace

std::optional<PemBlock> pem_decode(const std::string& input) {
  // Go's encoding/pem Decode: BEGIN at the start of the data or of a line, optional
  // "Key: value" headers, END with the same type on a line of its own, base64 in between
  // (spaces, tabs and newlines ignored). Malformed blocks are skipped.
  static constexpr std::string_view kStart = "\n-----BEGIN ", kEnd = "\n-----END ",
                                    kDashes = "-----";
  std::string_view rest = input;
  for (;;) {
    if (has_prefix(rest, kStart.substr(1))) {
      rest.remove_prefix(kStart.size() - 1);
    } else if (size_t at = rest.find(kStart); at != std::string_view::npos) {
      rest.remove_prefix(at + kStart.size());
    } else {
      return std::nullopt;
    }
    auto [type_line, after_type] = get_line(rest);
    rest = after_type;
    if (!has_suffix(type_line, kDashes)) continue;
    type_line.remove_suffix(kDashes.size());
    bool headers = false;
    for (;;) {
      if (rest.empty()) return std::nullopt;
      auto [line, next] = get_line(rest);
      if (line.find(':') == std::string_view::npos) break;
      headers = true;
      rest = next;
    }
    size_t end_index, end_trailer_index;
    if (!headers && has_prefix(rest, kEnd.substr(1))) {
      end_index = 0;
      end_trailer_index = kEnd.size() - 1;
    } else {
      end_index = rest.find(kEnd);
      if (end_index == std::string_view::npos) continue;
      end_trailer_index = end_index + kEnd.size();
    }
    std::string_view end_trailer = rest.substr(end_trailer_index);
    size_t trailer_len = type_line.size() + kDashes.size();
    if (end_trailer.size() < trailer_len) continue;
    std::string_view rest_of_end_line = end_trailer.substr(trailer_len);
    end_trailer = end_trailer.substr(0, trailer_len);
    if (!has_prefix(end_trailer, type_line) || !has_suffix(end_trailer, kDashes)) continue;
    if (!get_line(rest_of_end_line).first.empty()) continue;
    std::string b64;
    for (char c : rest.substr(0, end_index))
      if (c != ' ' && c != '\t') b64 += c;
    std::string der, err;
    if (!decode_std_base64(b64, der, err)) continue;
    PemBlock block{std::string(type_line), std::move(der), ""};
    block.rest = std::string(get_line(rest.substr(end_index + kEnd.size() - 1)).second);
    return block;
  }
}

bool decode_std_base64(std::string_view in, std::string& out, std::string& err) {
  out.clear();
  long bad = go_base64_decode(in, false, out);
  if (bad < 0) return true;
  err = "illegal base64 data at input byte " + std::to_string(bad);
  return false;
}

}  // namespace policyc::builtins
