// UTF-8 validity as Go's unicode/utf8 decides it: OPA's scanner and JSON writer follow it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace policyc {

// The length of the UTF-8 sequence at s[i] (1 for ASCII), or 0 when the bytes there are not
// one: a stray continuation byte, an overlong form, a surrogate, a code point past U+10FFFF,
// or a sequence cut short.
inline size_t utf8_sequence_length(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return k < s.size() ? static_cast<unsigned char>(s[k]) : 0u; };
  auto continues = [&](size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) {
    unsigned b = byte(k);
    return b >= lo && b <= hi;
  };
  unsigned b0 = byte(i);
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) return continues(i + 1) ? 2 : 0;
  if (b0 == 0xE0) return continues(i + 1, 0xA0) && continues(i + 2) ? 3 : 0;
  if (b0 == 0xED) return continues(i + 1, 0x80, 0x9F) && continues(i + 2) ? 3 : 0;
  if (b0 >= 0xE1 && b0 <= 0xEF) return continues(i + 1) && continues(i + 2) ? 3 : 0;
  if (b0 == 0xF0) return continues(i + 1, 0x90) && continues(i + 2) && continues(i + 3) ? 4 : 0;
  if (b0 >= 0xF1 && b0 <= 0xF3)
    return continues(i + 1) && continues(i + 2) && continues(i + 3) ? 4 : 0;
  if (b0 == 0xF4)
    return continues(i + 1, 0x80, 0x8F) && continues(i + 2) && continues(i + 3) ? 4 : 0;
  return 0;
}

// Replaces each byte of `s` that is not UTF-8 with U+FFFD, as Go's encoding/json does when it
// reads or writes a string (OPA's JSON and YAML builtins go through it).
inline void replace_invalid_utf8(std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    size_t n = utf8_sequence_length(s, i);
    if (n == 0) break;
    i += n;
  }
  if (i == s.size()) return;
  std::string fixed = s.substr(0, i);
  while (i < s.size()) {
    size_t n = utf8_sequence_length(s, i);
    if (n == 0) {
      fixed += "\xEF\xBF\xBD";
      ++i;
    } else {
      fixed.append(s, i, n);
      i += n;
    }
  }
  s = std::move(fixed);
}

}  // namespace policyc
