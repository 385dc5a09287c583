// PEM and base64 helpers shared by the OpenSSL-backed builtins.
#include "pem.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>

#include "internal.hpp"

namespace policyc::builtins {

namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using Bio = std::unique_ptr<BIO, BioFree>;

int b64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

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
      return Value::string(std_base64(raw));
    }
    default:
      fail(fn, "x509: PKCS#8 wrapping contained private key with unknown algorithm");
  }
}

std::optional<PemBlock> pem_decode(const std::string& data) {
  size_t begin = data.find("-----BEGIN ");
  while (begin != std::string::npos) {
    size_t type_end = data.find("-----", begin + 11);
    if (type_end == std::string::npos) return std::nullopt;
    std::string type = data.substr(begin + 11, type_end - begin - 11);
    std::string end_marker = "-----END " + type + "-----";
    size_t end = data.find(end_marker, type_end);
    if (end == std::string::npos) {
      begin = data.find("-----BEGIN ", begin + 1);
      continue;
    }
    Bio bio(
        BIO_new_mem_buf(data.data() + begin, static_cast<int>(end + end_marker.size() - begin)));
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* der = nullptr;
    long len = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &der, &len) == 1) {
      PemBlock b{name, std::string(reinterpret_cast<char*>(der), static_cast<size_t>(len)), ""};
      OPENSSL_free(name);
      OPENSSL_free(header);
      OPENSSL_free(der);
      size_t after = end + end_marker.size();
      if (after < data.size() && data[after] == '\r') ++after;
      if (after < data.size() && data[after] == '\n') ++after;
      b.rest = data.substr(after);
      return b;
    }
    // Go also accepts a block with no content (OpenSSL does not).
    size_t body = data.find('\n', type_end);
    if (body != std::string::npos && body < end && data.find_first_not_of(" \t\r\n", body) == end) {
      PemBlock b{type, "", ""};
      size_t after = end + end_marker.size();
      if (after < data.size() && data[after] == '\r') ++after;
      if (after < data.size() && data[after] == '\n') ++after;
      b.rest = data.substr(after);
      return b;
    }
    begin = data.find("-----BEGIN ", begin + 1);
  }
  return std::nullopt;
}

std::string std_base64(const std::string& raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(raw.data()),
                          static_cast<int>(raw.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

bool go_base64_decode(const std::string& in, std::string& out, std::string& err) {
  out.clear();
  auto corrupt = [&](size_t pos) {
    err = "illegal base64 data at input byte " + std::to_string(pos);
    return false;
  };
  auto newline = [](char c) { return c == '\n' || c == '\r'; };
  size_t si = 0;
  const size_t n = in.size();
  for (;;) {
    int quantum[4];
    size_t j = 0;
    size_t dlen = 4;
    for (; j < 4; ++j) {
      if (si == n) {
        if (j == 0) return true;
        return corrupt(si - j);
      }
      unsigned char c = static_cast<unsigned char>(in[si]);
      ++si;
      int v = b64_value(c);
      if (v >= 0) {
        quantum[j] = v;
        continue;
      }
      if (newline(static_cast<char>(c))) {
        --j;
        continue;
      }
      if (c != '=') return corrupt(si - 1);
      // Padding: the end of the data.
      if (j == 0 || j == 1) return corrupt(si - 1);
      if (j == 2) {
        while (si < n && newline(in[si])) ++si;
        if (si == n) return corrupt(n);
        if (in[si] != '=') return corrupt(si - 1);
        ++si;
      }
      while (si < n && newline(in[si])) ++si;
      if (si < n) return corrupt(si);
      dlen = j;
      break;
    }
    uint32_t val = 0;
    for (size_t k = 0; k < dlen; ++k) val |= static_cast<uint32_t>(quantum[k]) << (18 - 6 * k);
    const char bytes[3] = {static_cast<char>(val >> 16), static_cast<char>(val >> 8),
                           static_cast<char>(val)};
    out.append(bytes, dlen == 4 ? 3 : dlen - 1);
    if (dlen < 4) return true;
  }
}

}  // namespace policyc::builtins
