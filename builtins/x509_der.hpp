// A strict DER reader in the manner of Go's golang.org/x/crypto/cryptobyte, for the X.509
// builtins: minimal lengths, no indefinite forms, high tag numbers folded into one byte as Go
// does (only low tags are used here).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace policyc::builtins::der {

// Tag bytes as Go's cryptobyte_asn1 spells them.
inline constexpr uint8_t kBoolean = 0x01;
inline constexpr uint8_t kInteger = 0x02;
inline constexpr uint8_t kBitString = 0x03;
inline constexpr uint8_t kOctetString = 0x04;
inline constexpr uint8_t kNull = 0x05;
inline constexpr uint8_t kOid = 0x06;
inline constexpr uint8_t kUtf8String = 0x0c;
inline constexpr uint8_t kSequence = 0x30;
inline constexpr uint8_t kSet = 0x31;
inline constexpr uint8_t kNumericString = 0x12;
inline constexpr uint8_t kPrintableString = 0x13;
inline constexpr uint8_t kT61String = 0x14;
inline constexpr uint8_t kIa5String = 0x16;
inline constexpr uint8_t kUtcTime = 0x17;
inline constexpr uint8_t kGeneralizedTime = 0x18;
inline constexpr uint8_t kBmpString = 0x1e;
inline constexpr uint8_t kContext = 0x80;
inline constexpr uint8_t kConstructed = 0x20;

using Oid = std::vector<int64_t>;

class Reader {
 public:
  Reader() = default;
  explicit Reader(std::string_view s) : s_(s) {}
  bool empty() const { return s_.empty(); }
  std::string_view rest() const { return s_; }

  // Reads one element of any tag: its header+content in `element`, its content in `body`.
  bool read_any(std::string_view* body, uint8_t* tag, std::string_view* element = nullptr) {
    if (s_.size() < 2) return false;
    uint8_t t = static_cast<uint8_t>(s_[0]);
    if ((t & 0x1f) == 0x1f) return false;  // high tag numbers are not used by X.509 here
    size_t len = static_cast<uint8_t>(s_[1]);
    size_t header = 2;
    if (len & 0x80) {
      size_t n = len & 0x7f;
      if (n == 0 || n > 4 || s_.size() < 2 + n) return false;
      len = 0;
      for (size_t i = 0; i < n; ++i) len = (len << 8) | static_cast<uint8_t>(s_[2 + i]);
      // Minimal encoding: no leading zero byte, and long form only for lengths >= 128.
      if (static_cast<uint8_t>(s_[2]) == 0 || len < 128) return false;
      header += n;
    }
    if (s_.size() - header < len) return false;
    if (tag) *tag = t;
    if (body) *body = s_.substr(header, len);
    if (element) *element = s_.substr(0, header + len);
    s_.remove_prefix(header + len);
    return true;
  }
  bool peek(uint8_t tag) const { return !s_.empty() && static_cast<uint8_t>(s_[0]) == tag; }
  bool read(uint8_t tag, std::string_view* body, std::string_view* element = nullptr) {
    if (!peek(tag)) return false;
    return read_any(body, nullptr, element);
  }
  bool read(uint8_t tag, Reader* body) {
    std::string_view b;
    if (!read(tag, &b)) return false;
    *body = Reader(b);
    return true;
  }
  bool skip_optional(uint8_t tag) {
    if (!peek(tag)) return true;
    return read_any(nullptr, nullptr);
  }
  // Go's ReadOptionalASN1.
  bool read_optional(uint8_t tag, std::string_view* body, bool* present) {
    *present = peek(tag);
    if (!*present) return true;
    return read_any(body, nullptr);
  }
  bool read_oid(Oid* out) {
    std::string_view b;
    if (!read(kOid, &b) || b.empty()) return false;
    out->clear();
    size_t i = 0;
    bool first = true;
    while (i < b.size()) {
      int64_t v = 0;
      size_t start = i;
      for (;;) {
        if (i >= b.size()) return false;
        uint8_t c = static_cast<uint8_t>(b[i++]);
        // As cryptobyte's readBase128Int: at most 5 bytes, 31 bits, minimal.
        if (i - start > 5 || v >= (1 << 24)) return false;
        if (i - start == 1 && c == 0x80) return false;
        v = (v << 7) | (c & 0x7f);
        if (!(c & 0x80)) break;
      }
      if (first) {
        if (v < 80) {
          out->push_back(v / 40);
          out->push_back(v % 40);
        } else {
          out->push_back(2);
          out->push_back(v - 80);
        }
        first = false;
      } else {
        out->push_back(v);
      }
    }
    return true;
  }
  bool read_bool(bool* out) {
    std::string_view b;
    if (!read(kBoolean, &b) || b.size() != 1) return false;
    uint8_t c = static_cast<uint8_t>(b[0]);
    if (c != 0 && c != 0xff) return false;
    *out = c == 0xff;
    return true;
  }
  // INTEGER content bytes (two's complement), checked for minimal encoding.
  bool read_integer_bytes(std::string_view* out, uint8_t tag = kInteger) {
    std::string_view b;
    if (!read(tag, &b) || b.empty()) return false;
    if (b.size() > 1) {
      uint8_t c0 = static_cast<uint8_t>(b[0]), c1 = static_cast<uint8_t>(b[1]);
      if ((c0 == 0 && !(c1 & 0x80)) || (c0 == 0xff && (c1 & 0x80))) return false;
    }
    *out = b;
    return true;
  }
  bool read_int64(int64_t* out, uint8_t tag = kInteger) {
    std::string_view b;
    if (!read_integer_bytes(&b, tag) || b.size() > 8) return false;
    int64_t v = static_cast<int8_t>(b[0]);
    for (size_t i = 1; i < b.size(); ++i) v = (v << 8) | static_cast<uint8_t>(b[i]);
    *out = v;
    return true;
  }
  // BIT STRING: the bytes (right-aligned as Go's RightAlign) and the bit length.
  bool read_bit_string(std::string* bytes, size_t* bit_length) {
    std::string_view b;
    if (!read(kBitString, &b) || b.empty()) return false;
    uint8_t pad = static_cast<uint8_t>(b[0]);
    if (pad > 7 || (b.size() == 1 && pad > 0) ||
        (static_cast<uint8_t>(b.back()) & ((1u << pad) - 1)) != 0)
      return false;
    std::string raw(b.substr(1));
    *bit_length = raw.size() * 8 - pad;
    *bytes = raw;
    return true;
  }

 private:
  std::string_view s_;
};

// Bit i (0 = most significant bit of the first byte) of a BIT STRING's bytes.
inline bool bit_at(const std::string& bytes, size_t bit_length, size_t i) {
  if (i >= bit_length) return false;
  return (static_cast<uint8_t>(bytes[i / 8]) >> (7 - i % 8)) & 1;
}

// Go's BitString.RightAlign.
inline std::string right_align(const std::string& bytes, size_t bit_length) {
  size_t shift = bytes.size() * 8 - bit_length;
  if (shift == 0 || bytes.empty()) return bytes;
  std::string out(bytes.size(), '\0');
  out[0] = static_cast<char>(static_cast<uint8_t>(bytes[0]) >> shift);
  for (size_t i = 1; i < bytes.size(); ++i) {
    out[i] = static_cast<char>((static_cast<uint8_t>(bytes[i - 1]) << (8 - shift)) |
                               (static_cast<uint8_t>(bytes[i]) >> shift));
  }
  return out;
}

inline bool oid_eq(const Oid& a, std::initializer_list<int64_t> b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace policyc::builtins::der
