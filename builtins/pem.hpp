// PEM, base64 and Go key renderings shared by the OpenSSL-backed builtins (jwt.cpp, x509*.cpp).
#pragma once

#include <openssl/bn.h>
#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "policyc/core/value.hpp"

namespace policyc::builtins {

// An owned BIGNUM, cleared when freed (it may hold private key material).
struct BnFree {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;

// A PEM block: type and DER bytes, plus whatever follows its END line.
struct PemBlock {
  std::string type;
  std::string der;
  std::string rest;
};

// The first PEM block in `data` (as Go's pem.Decode), if any.
std::optional<PemBlock> pem_decode(const std::string& data);

// Go's base64.StdEncoding.DecodeString into `out`; false with Go's message ("illegal base64
// data at input byte N") in `err`.
bool decode_std_base64(std::string_view in, std::string& out, std::string& err);

// A private key as Go's json.Marshal renders *rsa.PrivateKey, *ecdsa.PrivateKey and
// ed25519.PrivateKey; fails "<fn>: ..." for other key types.
Value go_private_key_value(EVP_PKEY* k, std::string_view fn);

}  // namespace policyc::builtins
