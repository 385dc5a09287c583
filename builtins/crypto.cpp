// Digests and HMACs (OpenSSL), JWT decoding without verification, and UUIDs.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>

#include "internal.hpp"
#include "policyc/core/io.hpp"

namespace policyc::builtins {

namespace {

std::string to_hex(const unsigned char* data, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 15];
  }
  return out;
}

std::string digest(const EVP_MD* md, const std::string& s) {
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(s.data(), s.size(), buf, &len, md, nullptr);
  return to_hex(buf, len);
}

std::string hmac(const EVP_MD* md, const std::string& msg, const std::string& key) {
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), buf, &len);
  return to_hex(buf, len);
}

Value md5(Args a, BuiltinContext&) {
  return Value::string(digest(EVP_md5(), need_string("crypto.md5", a[0], 1)));
}
Value sha1(Args a, BuiltinContext&) {
  return Value::string(digest(EVP_sha1(), need_string("crypto.sha1", a[0], 1)));
}
Value sha256(Args a, BuiltinContext&) {
  return Value::string(digest(EVP_sha256(), need_string("crypto.sha256", a[0], 1)));
}

template <const EVP_MD* (*Md)()>
Value hmac_fn(std::string_view fn, Args a) {
  const std::string& msg = need_string(fn, a[0], 1);
  const std::string& key = need_string(fn, a[1], 2);
  return Value::string(hmac(Md(), msg, key));
}

Value hmac_md5(Args a, BuiltinContext&) { return hmac_fn<EVP_md5>("crypto.hmac.md5", a); }
Value hmac_sha1(Args a, BuiltinContext&) { return hmac_fn<EVP_sha1>("crypto.hmac.sha1", a); }
Value hmac_sha256(Args a, BuiltinContext&) { return hmac_fn<EVP_sha256>("crypto.hmac.sha256", a); }
Value hmac_sha512(Args a, BuiltinContext&) { return hmac_fn<EVP_sha512>("crypto.hmac.sha512", a); }

Value hmac_equal(Args a, BuiltinContext&) {
  const std::string& x = need_string("crypto.hmac.equal", a[0], 1);
  const std::string& y = need_string("crypto.hmac.equal", a[1], 2);
  if (x.size() != y.size()) return Value::boolean(false);
  return Value::boolean(CRYPTO_memcmp(x.data(), y.data(), x.size()) == 0);
}

}  // namespace

// --- JWT -------------------------------------------------------------------------------

bool b64url_decode(std::string s, std::string& out) {
  while (!s.empty() && s.back() == '=') s.pop_back();
  int8_t map[256];
  std::fill(std::begin(map), std::end(map), -1);
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (int k = 0; k < 64; ++k) map[static_cast<uint8_t>(alphabet[k])] = static_cast<int8_t>(k);
  if (s.size() % 4 == 1) return false;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    int8_t v = map[static_cast<uint8_t>(c)];
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return true;
}

std::vector<std::string> split_jwt(std::string_view fn, const std::string& token) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t dot = token.find('.', start);
    parts.push_back(token.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (parts.size() != 3)
    fail(fn, "encoded JWT must have 3 sections, found " + std::to_string(parts.size()));
  return parts;
}

Value jwt_json_object(std::string_view fn, const char* what, const std::string& encoded) {
  std::string text;
  if (!b64url_decode(encoded, text))
    fail(fn, std::string("JWT ") + what + " had invalid encoding: illegal base64 data");
  Value v;
  TextError err;
  if (!parse_json(text, v, err) || !v.is_object())
    fail(fn, std::string("JWT ") + what + " is not a valid JSON object");
  return v;
}

namespace {

Value decode_json_object(const char* what, const std::string& encoded) {
  return jwt_json_object("io.jwt.decode", what, encoded);
}

Value jwt_decode(Args a, BuiltinContext&) {
  const std::string& token = need_string("io.jwt.decode", a[0], 1);
  std::vector<std::string> parts = split_jwt("io.jwt.decode", token);
  Value header = decode_json_object("header", parts[0]);
  Value payload = decode_json_object("payload", parts[1]);
  std::string sig;
  if (!b64url_decode(parts[2], sig))
    fail("io.jwt.decode", "JWT signature had invalid encoding: illegal base64 data");
  return Value::array(
      {header, payload,
       Value::string(to_hex(reinterpret_cast<const unsigned char*>(sig.data()), sig.size()))});
}

// --- UUIDs -----------------------------------------------------------------------------

uint64_t splitmix(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Value uuid_rfc4122(Args a, BuiltinContext& ctx) {
  const std::string& key = need_string("uuid.rfc4122", a[0], 1);
  std::string cache_key = "uuid.rfc4122\x1f" + key;
  if (auto it = ctx.cache.find(cache_key); it != ctx.cache.end()) return it->second;
  uint64_t state = ctx.seed ^ std::hash<std::string>{}(cache_key);
  unsigned char b[16];
  for (int k = 0; k < 2; ++k) {
    uint64_t r = splitmix(state);
    for (int j = 0; j < 8; ++j) b[k * 8 + j] = static_cast<unsigned char>(r >> (8 * j));
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
  std::string hex = to_hex(b, 16);
  std::string s = hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
                  hex.substr(16, 4) + "-" + hex.substr(20);
  Value v = Value::string(s);
  ctx.cache.emplace(cache_key, v);
  return v;
}

bool parse_uuid_bytes(std::string s, unsigned char out[16]) {
  if (s.size() == 45 && s.compare(0, 9, "urn:uuid:") == 0)
    s = s.substr(9);
  else if (s.size() == 38 && s.front() == '{' && s.back() == '}')
    s = s.substr(1, 36);
  std::string hex;
  if (s.size() == 36) {
    if (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-') return false;
    for (size_t i = 0; i < s.size(); ++i)
      if (i != 8 && i != 13 && i != 18 && i != 23) hex += s[i];
  } else if (s.size() == 32) {
    hex = s;
  } else {
    return false;
  }
  for (size_t i = 0; i < 16; ++i) {
    int hi = std::isxdigit(static_cast<unsigned char>(hex[2 * i]))
                 ? std::stoi(hex.substr(2 * i, 1), nullptr, 16)
                 : -1;
    int lo = std::isxdigit(static_cast<unsigned char>(hex[2 * i + 1]))
                 ? std::stoi(hex.substr(2 * i + 1, 1), nullptr, 16)
                 : -1;
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return true;
}

Value uuid_parse(Args a, BuiltinContext&) {
  const std::string& s = need_string("uuid.parse", a[0], 1);
  unsigned char b[16];
  if (!parse_uuid_bytes(s, b)) return Value();
  int version = b[6] >> 4;
  const char* variant = (b[8] & 0xC0) == 0x80   ? "RFC4122"
                        : (b[8] & 0xE0) == 0xC0 ? "Microsoft"
                        : (b[8] & 0xE0) == 0xE0 ? "Future"
                                                : "Reserved";
  ObjectEntries out = {{Value::string("version"), Value::integer(version)},
                       {Value::string("variant"), Value::string(variant)}};
  if (version == 1 || version == 2) {
    int64_t t = (static_cast<int64_t>(b[6] & 0x0F) << 56) | (static_cast<int64_t>(b[7]) << 48) |
                (static_cast<int64_t>(b[4]) << 40) | (static_cast<int64_t>(b[5]) << 32) |
                (static_cast<int64_t>(b[0]) << 24) | (static_cast<int64_t>(b[1]) << 16) |
                (static_cast<int64_t>(b[2]) << 8) | static_cast<int64_t>(b[3]);
    if (version == 2) t &= ~static_cast<int64_t>(0xFFFFFFFF);
    const int64_t gregorian_to_unix = 122192928000000000LL;  // 100ns intervals
    out.push_back({Value::string("time"), Value::integer((t - gregorian_to_unix) * 100)});
    std::string node;
    char buf[4];
    for (int i = 10; i < 16; ++i) {
      if (i > 10) node += '-';
      std::snprintf(buf, sizeof buf, "%02x", b[i]);
      node += buf;
    }
    out.push_back({Value::string("nodeid"), Value::string(node)});
    std::string mac =
        std::string(b[10] & 2 ? "local" : "global") + ":" + (b[10] & 1 ? "multicast" : "unicast");
    out.push_back({Value::string("macvariables"), Value::string(mac)});
    out.push_back({Value::string("clocksequence"), Value::integer(((b[8] & 0x3F) << 8) | b[9])});
    if (version == 2) {
      int64_t id = (static_cast<int64_t>(b[0]) << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
      out.push_back({Value::string("id"), Value::integer(id)});
      const char* domain = b[9] == 0   ? "Person"
                           : b[9] == 1 ? "Group"
                           : b[9] == 2 ? "Org"
                                       : "Invalid";
      out.push_back({Value::string("domain"), Value::string(domain)});
    }
  }
  return Value::object(std::move(out));
}

}  // namespace

void register_crypto(BuiltinRegistry& r) {
  const char* c = "crypto";
  def(r, c, "crypto.md5", {"string"}, "string", "Hex MD5 digest.", md5);
  def(r, c, "crypto.sha1", {"string"}, "string", "Hex SHA-1 digest.", sha1);
  def(r, c, "crypto.sha256", {"string"}, "string", "Hex SHA-256 digest.", sha256);
  def(r, c, "crypto.hmac.md5", {"string", "string"}, "string", "Hex HMAC-MD5 of (message, key).",
      hmac_md5);
  def(r, c, "crypto.hmac.sha1", {"string", "string"}, "string", "Hex HMAC-SHA1 of (message, key).",
      hmac_sha1);
  def(r, c, "crypto.hmac.sha256", {"string", "string"}, "string",
      "Hex HMAC-SHA256 of (message, key).", hmac_sha256);
  def(r, c, "crypto.hmac.sha512", {"string", "string"}, "string",
      "Hex HMAC-SHA512 of (message, key).", hmac_sha512);
  def(r, c, "crypto.hmac.equal", {"string", "string"}, "boolean",
      "Constant-time comparison of two MACs.", hmac_equal);
  def(r, "tokens", "io.jwt.decode", {"string"}, "array[any]",
      "[header, payload, signature hex] of a JWT, without verifying it.", jwt_decode);
  def(r, "uuid", "uuid.rfc4122", {"string"}, "string",
      "A version 4 UUID, the same for the same key within a query.", uuid_rfc4122, true);
  def(r, "uuid", "uuid.parse", {"string"}, "object[string: any]",
      "Version, variant and (v1/v2) time and node fields of a UUID.", uuid_parse);
}

}  // namespace policyc::builtins
