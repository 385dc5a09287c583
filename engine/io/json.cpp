// A hand-written JSON parser that builds Values directly.
//
// Input documents can be large (the iterate benchmark reads 7.2 MB), so the parser avoids
// intermediate trees: arrays are built in place, repeated object keys share one string
// payload, small integers skip the exact-number path, and strings without escapes are
// copied in one step. Line and column are computed only when an error is reported.
#include <cstring>
#include <string>
#include <string_view>

#include "policyc/engine/io.hpp"

namespace policyc {

namespace {

// Deep nesting is legal JSON but would overflow the native stack in a recursive parser.
constexpr int kMaxJsonDepth = 1000;

// Keys longer than this are rarely repeated; caching them would only cost memory.
constexpr size_t kMaxInternedKeyLength = 64;

class JsonParser {
 public:
  JsonParser(std::string_view text, TextError& err) : text_(text), err_(err) {}

  bool parse_document(Value& out) {
    skip_whitespace();
    if (!parse_value(out, 0)) return false;
    skip_whitespace();
    if (pos_ != text_.size()) return fail("unexpected data after the JSON value");
    return true;
  }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }

  bool fail(const std::string& message) { return fail_at(pos_, message); }

  bool fail_at(size_t offset, const std::string& message) {
    err_.message = message;
    err_.line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < offset && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++err_.line;
        line_start = i + 1;
      }
    }
    err_.col = static_cast<int>(offset - line_start) + 1;
    return false;
  }

  void skip_whitespace() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') break;
      ++pos_;
    }
  }

  bool expect_literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) {
      return fail("invalid literal, expected '" + std::string(word) + "'");
    }
    pos_ += word.size();
    return true;
  }

  bool parse_value(Value& out, int depth) {
    if (at_end()) return fail("unexpected end of input, expected a value");
    switch (peek()) {
      case '{':
        return parse_object(out, depth + 1);
      case '[':
        return parse_array(out, depth + 1);
      case '"': {
        std::string s;
        if (!parse_string(s)) return false;
        out = Value::string(std::move(s));
        return true;
      }
      case 't':
        if (!expect_literal("true")) return false;
        out = Value::boolean(true);
        return true;
      case 'f':
        if (!expect_literal("false")) return false;
        out = Value::boolean(false);
        return true;
      case 'n':
        if (!expect_literal("null")) return false;
        out = Value::null();
        return true;
      default:
        if (peek() == '-' || (peek() >= '0' && peek() <= '9')) return parse_number(out);
        return fail(std::string("unexpected character '") + peek() + "'");
    }
  }

  // Elements of all open arrays and objects collect on one shared stack; a closed
  // container moves its range into an exactly sized vector. That is one allocation per
  // container instead of one per growth step.
  bool parse_array(Value& out, int depth) {
    if (depth > kMaxJsonDepth) return fail("JSON nesting too deep");
    ++pos_;  // '['
    skip_whitespace();
    if (!at_end() && peek() == ']') {
      ++pos_;
      out = Value::empty_array();
      return true;
    }
    size_t base = item_stack_.size();
    while (true) {
      skip_whitespace();
      Value item;
      if (!parse_value(item, depth)) return false;
      item_stack_.push_back(std::move(item));
      skip_whitespace();
      if (at_end()) return fail("unexpected end of input in array");
      char c = peek();
      ++pos_;
      if (c == ']') break;
      if (c != ',') return fail_at(pos_ - 1, "expected ',' or ']' in array");
    }
    ValueVec items(std::make_move_iterator(item_stack_.begin() + static_cast<ptrdiff_t>(base)),
                   std::make_move_iterator(item_stack_.end()));
    item_stack_.resize(base);
    out = Value::array(std::move(items));
    return true;
  }

  bool parse_object(Value& out, int depth) {
    if (depth > kMaxJsonDepth) return fail("JSON nesting too deep");
    ++pos_;  // '{'
    skip_whitespace();
    if (!at_end() && peek() == '}') {
      ++pos_;
      out = Value::empty_object();
      return true;
    }
    size_t base = entry_stack_.size();
    while (true) {
      skip_whitespace();
      if (at_end() || peek() != '"') return fail("expected a string key in object");
      Value key;
      if (!parse_key(key, entry_stack_.size() - base)) return false;
      skip_whitespace();
      if (at_end() || peek() != ':') return fail("expected ':' after object key");
      ++pos_;
      skip_whitespace();
      Value item;
      if (!parse_value(item, depth)) return false;
      entry_stack_.emplace_back(std::move(key), std::move(item));
      skip_whitespace();
      if (at_end()) return fail("unexpected end of input in object");
      char c = peek();
      ++pos_;
      if (c == '}') break;
      if (c != ',') return fail_at(pos_ - 1, "expected ',' or '}' in object");
    }
    ObjectEntries entries(
        std::make_move_iterator(entry_stack_.begin() + static_cast<ptrdiff_t>(base)),
        std::make_move_iterator(entry_stack_.end()));
    entry_stack_.resize(base);
    out = make_object(std::move(entries));
    return true;
  }

  // Objects in an array usually repeat their keys in the same order: reuse the sorted order
  // of the previous object with the same (shared) keys instead of sorting again.
  Value make_object(ObjectEntries entries) {
    size_t n = entries.size();
    bool same_keys = n == last_keys_.size() && n <= kMaxRememberedKeys;
    for (size_t i = 0; same_keys && i < n; ++i)
      same_keys = &entries[i].first.str() == last_keys_[i];
    if (same_keys) {
      ObjectEntries sorted;
      sorted.reserve(n);
      for (uint8_t from : last_order_) sorted.push_back(std::move(entries[from]));
      return Value::object_sorted(std::move(sorted));
    }
    last_keys_.clear();
    last_order_.clear();
    if (n <= kMaxRememberedKeys) {
      for (const auto& e : entries) last_keys_.push_back(&e.first.str());
    }
    std::vector<uint8_t> order(n <= kMaxRememberedKeys ? n : 0);
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<uint8_t>(i);
    Value out = sort_object(std::move(entries), order);
    if (out.entries().size() == n) {
      last_order_ = std::move(order);
    } else {
      last_keys_.clear();  // duplicate keys: never reuse
    }
    return out;
  }

  // JSON objects are small: a stable insertion sort on the key strings in place beats the
  // general sort-and-copy of Value::object. Duplicate keys (rare) take the general path,
  // which keeps the last one as Go's encoding/json does.
  // `order` (when not empty) follows the entries' moves: order[i] is where entry i came from.
  static Value sort_object(ObjectEntries entries, std::vector<uint8_t>& order) {
    bool has_duplicates = false;
    for (size_t i = 1; i < entries.size(); ++i) {
      size_t j = i;
      int c = entries[j - 1].first.str().compare(entries[j].first.str());
      if (c <= 0) {
        has_duplicates |= c == 0;
        continue;
      }
      auto moving = std::move(entries[i]);
      uint8_t moving_from = order.empty() ? 0 : order[i];
      const std::string& key = moving.first.str();
      while (j > 0) {
        int d = entries[j - 1].first.str().compare(key);
        if (d <= 0) {
          has_duplicates |= d == 0;
          break;
        }
        entries[j] = std::move(entries[j - 1]);
        if (!order.empty()) order[j] = order[j - 1];
        --j;
      }
      entries[j] = std::move(moving);
      if (!order.empty()) order[j] = moving_from;
    }
    if (has_duplicates) return Value::object(std::move(entries));
    return Value::object_sorted(std::move(entries));
  }

  // Keys repeat across the elements of an array and match the policy's constants: escape-free
  // keys use the shared (interned) payloads.
  bool parse_key(Value& out, size_t index) {
    size_t start = pos_ + 1;
    size_t end = start;
    while (end < text_.size() && end - start <= kMaxInternedKeyLength) {
      char c = text_[end];
      // Non-ASCII keys take parse_string, which checks their UTF-8.
      if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20 ||
          static_cast<unsigned char>(c) >= 0x80) {
        break;
      }
      ++end;
    }
    if (end < text_.size() && text_[end] == '"' && end - start <= kMaxInternedKeyLength) {
      std::string_view raw = text_.substr(start, end - start);
      pos_ = end + 1;
      // The key at this position of the previous object is the likely match.
      if (index < recent_keys_.size()) {
        const std::string& recent = recent_keys_[index].str();
        if (recent.size() == raw.size() &&
            std::memcmp(recent.data(), raw.data(), raw.size()) == 0) {
          out = recent_keys_[index];
          return true;
        }
      }
      out = Value::interned(raw);
      if (index < kMaxRememberedKeys) {
        if (recent_keys_.size() <= index) recent_keys_.resize(index + 1);
        recent_keys_[index] = out;
      }
      return true;
    }
    std::string s;
    if (!parse_string(s)) return false;
    out = Value::string(std::move(s));
    return true;
  }

  static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool parse_hex4(uint32_t& code) {
    if (pos_ + 4 > text_.size()) return fail("truncated \\u escape");
    code = 0;
    for (int i = 0; i < 4; ++i) {
      int d = hex_digit(text_[pos_ + i]);
      if (d < 0) return fail("invalid hex digit in \\u escape");
      code = code * 16 + static_cast<uint32_t>(d);
    }
    pos_ += 4;
    return true;
  }

  static void append_utf8(std::string& s, uint32_t cp) {
    if (cp < 0x80) {
      s.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      s.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      s.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      s.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // Decodes \uXXXX (pos_ just after the 'u'), joining UTF-16 surrogate pairs. A lone
  // surrogate becomes U+FFFD, as Go's encoding/json (and so OPA) decodes it.
  bool parse_unicode_escape(std::string& s) {
    uint32_t code;
    if (!parse_hex4(code)) return false;
    if (code >= 0xD800 && code <= 0xDBFF) {
      if (pos_ + 6 <= text_.size() && text_[pos_] == '\\' && text_[pos_ + 1] == 'u') {
        size_t saved = pos_;
        pos_ += 2;
        uint32_t low;
        if (!parse_hex4(low)) return false;
        if (low >= 0xDC00 && low <= 0xDFFF) {
          append_utf8(s, 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00));
          return true;
        }
        pos_ = saved;  // not a pair: the next escape is decoded on its own
      }
      append_utf8(s, 0xFFFD);
      return true;
    }
    if (code >= 0xDC00 && code <= 0xDFFF) code = 0xFFFD;
    append_utf8(s, code);
    return true;
  }

  // Length of the valid UTF-8 sequence at s[i], or 0 when it is invalid (overlong forms,
  // surrogates and code points above U+10FFFF included), by Go's utf8.DecodeRune rules.
  static size_t utf8_sequence_length(std::string_view s, size_t i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n;
    uint32_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return 0;
    }
    if (i + n > s.size()) return 0;
    unsigned char second = static_cast<unsigned char>(s[i + 1]);
    if (second < lo || second > hi) return 0;
    for (size_t k = 2; k < n; ++k) {
      unsigned char b = static_cast<unsigned char>(s[i + k]);
      if (b < 0x80 || b > 0xBF) return 0;
    }
    return n;
  }

  // Eight bytes at a time: most strings are ASCII and need no UTF-8 check at all.
  static bool has_non_ascii(std::string_view s) {
    size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      uint64_t word;
      std::memcpy(&word, s.data() + i, 8);
      if (word & 0x8080808080808080ULL) return true;
    }
    for (; i < s.size(); ++i) {
      if (static_cast<unsigned char>(s[i]) >= 0x80) return true;
    }
    return false;
  }

  // Go's encoding/json (and so OPA) turns each invalid UTF-8 byte into U+FFFD; strings
  // stay valid UTF-8 for the string builtins.
  static void replace_invalid_utf8(std::string& s) {
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

  bool parse_string(std::string& s) {
    ++pos_;  // opening quote
    size_t start = pos_;
    bool non_ascii = false;
    // Fast path: copy the run up to the closing quote when there is no escape in it.
    while (pos_ < text_.size()) {
      unsigned char c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        s.assign(text_.data() + start, pos_ - start);
        ++pos_;
        if (has_non_ascii(s)) replace_invalid_utf8(s);
        return true;
      }
      if (c == '\\') break;
      if (c < 0x20) return fail("control character in string");
      ++pos_;
    }
    s.assign(text_.data() + start, pos_ - start);
    non_ascii = has_non_ascii(s);
    while (true) {
      if (at_end()) return fail_at(start - 1, "unterminated string");
      unsigned char c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        if (non_ascii) replace_invalid_utf8(s);
        return true;
      }
      if (c < 0x20) return fail("control character in string");
      if (c != '\\') {
        non_ascii |= c >= 0x80;
        s.push_back(static_cast<char>(c));
        ++pos_;
        continue;
      }
      if (pos_ + 1 >= text_.size()) return fail_at(start - 1, "unterminated string");
      char e = text_[pos_ + 1];
      pos_ += 2;
      switch (e) {
        case '"':
          s.push_back('"');
          break;
        case '\\':
          s.push_back('\\');
          break;
        case '/':
          s.push_back('/');
          break;
        case 'b':
          s.push_back('\b');
          break;
        case 'f':
          s.push_back('\f');
          break;
        case 'n':
          s.push_back('\n');
          break;
        case 'r':
          s.push_back('\r');
          break;
        case 't':
          s.push_back('\t');
          break;
        case 'u':
          if (!parse_unicode_escape(s)) return false;
          break;
        default:
          return fail_at(pos_ - 2, std::string("invalid escape '\\") + e + "'");
      }
    }
  }

  bool parse_number(Value& out) {
    size_t start = pos_;
    bool negative = false;
    if (text_[pos_] == '-') {
      negative = true;
      ++pos_;
    }
    size_t digits_start = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    size_t int_digits = pos_ - digits_start;
    if (int_digits == 0) return fail_at(start, "invalid number");
    if (int_digits > 1 && text_[digits_start] == '0') {
      return fail_at(start, "invalid number: leading zero");
    }
    bool integral = true;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      integral = false;
      ++pos_;
      size_t frac_start = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
      if (pos_ == frac_start) return fail_at(start, "invalid number: no digits after '.'");
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      integral = false;
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      size_t exp_start = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
      if (pos_ == exp_start) return fail_at(start, "invalid number: no digits in exponent");
    }
    // 18 decimal digits always fit in int64; most JSON numbers take this path.
    if (integral && int_digits <= 18) {
      int64_t v = 0;
      for (size_t i = digits_start; i < pos_; ++i) v = v * 10 + (text_[i] - '0');
      out = Value::integer(negative ? -v : v);
      return true;
    }
    out = Value::number_from_text(text_.substr(start, pos_ - start));
    if (out.is_undefined()) return fail_at(start, "invalid number");
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
  TextError& err_;
  static constexpr size_t kMaxRememberedKeys = 32;
  std::vector<Value> recent_keys_;             // by position within an object
  std::vector<const std::string*> last_keys_;  // the previous object's keys, as parsed
  std::vector<uint8_t> last_order_;            // and where each sorted entry came from
  ValueVec item_stack_;
  ObjectEntries entry_stack_;
};

}  // namespace

bool parse_json(std::string_view text, Value& out, TextError& err) {
  // A UTF-8 byte order mark is not JSON, but editors write one; OPA's loader strips it too.
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  JsonParser parser(text, err);
  return parser.parse_document(out);
}

}  // namespace policyc
