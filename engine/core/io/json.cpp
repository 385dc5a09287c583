// A hand-written JSON parser that builds Values directly.
//
// Input documents can be large (the iterate benchmark reads 7.2 MB), so the parser avoids
// intermediate trees: arrays are built in place, repeated object keys share one string
// payload, small integers skip the exact-number path, and strings without escapes are
// copied in one step. Line and column are computed only when an error is reported.
//
// A large document may be parsed on two threads (JsonOptions::parallel_min_bytes, which a
// command's input loader sets). A second parser starts in the second half, at
// a place that looks like the boundary between two objects of an array, and parses the
// rest of that array's elements. The main parser uses that work only if it reaches exactly
// that offset as an element boundary itself; otherwise (a guess inside a string, a syntax
// error) the second parser's work is dropped. Either way the result, and any error, is
// the one a single pass gives.
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "policyc/core/io.hpp"
#include "policyc/core/memory.hpp"
#include "policyc/core/tasks.hpp"
#include "policyc/core/utf8.hpp"

namespace policyc {

namespace {

// Deep nesting is legal JSON but would overflow the native stack in a recursive parser.
constexpr int kMaxJsonDepth = 1000;

// Keys longer than this are rarely repeated; caching them would only cost memory.
constexpr size_t kMaxInternedKeyLength = 64;

// The second parser's work: array elements from `start` up to the array's closing bracket.
struct Speculation {
  size_t start = 0;
  size_t end = 0;  // offset of the closing ']'
  int max_depth = 0;
  bool ok = false;
  ValueVec items;
  std::atomic<bool> cancel{false};
  TaskPool::Task worker;
};

class JsonParser {
 public:
  JsonParser(std::string_view text, TextError& err) : text_(text), err_(err) {}
  ~JsonParser() { drop_speculation(); }

  bool parse_document(Value& out, const JsonOptions& options) {
    if (options.release_parsed_pages) next_release_ = kReleaseStep;
    if (text_.size() >= options.parallel_min_bytes && TaskPool::shared().concurrency() > 1)
      start_speculation(options.release_parsed_pages);
    skip_whitespace();
    bool ok = parse_value(out, 0);
    drop_speculation();
    if (!ok) return false;
    skip_whitespace();
    if (pos_ != text_.size()) return fail("unexpected data after the JSON value");
    return true;
  }

 private:
  // `{` after `}` and a comma, in the second half: most likely the next object of a large
  // array of objects.
  static size_t guess_element_boundary(std::string_view text) {
    size_t i = text.size() / 2;
    while (true) {
      const void* hit = std::memchr(text.data() + i, '}', text.size() - i);
      if (!hit) return std::string_view::npos;
      i = static_cast<size_t>(static_cast<const char*>(hit) - text.data()) + 1;
      size_t j = i;
      while (j < text.size() && is_space(text[j])) ++j;
      if (j >= text.size() || text[j] != ',') continue;
      ++j;
      while (j < text.size() && is_space(text[j])) ++j;
      if (j < text.size() && text[j] == '{') return j;
    }
  }

  // Anything above ' ' is not JSON whitespace: one comparison for the usual case.
  static bool is_space(char c) {
    return static_cast<unsigned char>(c) <= ' ' &&
           (c == ' ' || c == '\n' || c == '\r' || c == '\t');
  }

  // A string byte that needs no attention: printable ASCII other than '"' and '\\'.
  static bool is_plain(char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x80 && u != '"' && u != '\\';
  }

  void start_speculation(bool release_parsed_pages) {
    size_t start = guess_element_boundary(text_);
    if (start == std::string_view::npos) return;
    spec_ = std::make_unique<Speculation>();
    spec_->start = start;
    Speculation* spec = spec_.get();
    std::string_view text = text_;
    spec_->worker = TaskPool::shared().run([spec, text, release_parsed_pages]() {
      prefer_huge_pages_in_this_thread();
      TextError ignored;
      JsonParser second(text, ignored);
      second.pos_ = spec->start;
      second.released_ = spec->start;
      if (release_parsed_pages) second.next_release_ = spec->start + kReleaseStep;
      second.cancel_ = &spec->cancel;
      spec->ok = second.parse_remaining_elements(spec->items, spec->end);
      spec->max_depth = second.max_depth_;
    });
  }

  // Runs on the second thread. The only values it shares with the main parser are immortal
  // (interned keys, the empty collections), whose reference counts nobody writes.
  bool parse_remaining_elements(ValueVec& items, size_t& end) {
    while (true) {
      if (cancel_->load(std::memory_order_relaxed)) return false;
      skip_whitespace();
      Value item;
      if (!parse_value(item, 0)) return false;
      items.push_back(std::move(item));
      skip_whitespace();
      if (at_end()) return false;
      if (peek() == ']') {
        end = pos_;
        return true;
      }
      if (peek() != ',') return false;
      ++pos_;
    }
  }

  // At an element boundary of an array whose elements are at `depth`: takes the second
  // parser's elements when it started right here.
  // The elements go to `adopted`, so that the array is assembled once, at its exact size.
  bool adopt_speculation(int depth, ValueVec& adopted) {
    if (!spec_ || pos_ != spec_->start) return false;
    std::unique_ptr<Speculation> spec = std::move(spec_);
    spec->worker.wait();
    if (!spec->ok || depth + spec->max_depth > kMaxJsonDepth) return false;
    adopted = std::move(spec->items);
    pos_ = spec->end;
    return true;
  }

  // Hands the whole pages between the last release and the current position back to the
  // kernel (JsonOptions::release_parsed_pages).
  void release_parsed_pages() {
    static const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
    uintptr_t base = reinterpret_cast<uintptr_t>(text_.data());
    uintptr_t from = (base + released_ + page - 1) & ~(page - 1);
    uintptr_t to = (base + pos_) & ~(page - 1);
    if (to > from) madvise(reinterpret_cast<void*>(from), to - from, MADV_DONTNEED);
    released_ = pos_;
    next_release_ = pos_ + kReleaseStep;
  }

  void drop_speculation() {
    if (!spec_) return;
    spec_->cancel.store(true, std::memory_order_relaxed);
    spec_->worker.wait();
    spec_.reset();
  }

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
    while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
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
      case '"':
        return parse_string_value(out);
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
    if (depth > max_depth_) max_depth_ = depth;
    ++pos_;  // '['
    skip_whitespace();
    if (!at_end() && peek() == ']') {
      ++pos_;
      out = Value::empty_array();
      return true;
    }
    size_t base = item_stack_.size();
    ValueVec adopted;  // the second parser's elements, which follow those parsed here
    while (true) {
      skip_whitespace();
      if (spec_ && adopt_speculation(depth, adopted)) {
        ++pos_;  // ']'
        break;
      }
      if (pos_ >= next_release_) release_parsed_pages();
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
    size_t count = item_stack_.size() - base + adopted.size();
    if (count <= kMaxSharedArrayLength && adopted.empty() && small_scalar_array(base, out))
      return true;
    ValueVec items;
    items.reserve(count);
    items.insert(items.end(),
                 std::make_move_iterator(item_stack_.begin() + static_cast<ptrdiff_t>(base)),
                 std::make_move_iterator(item_stack_.end()));
    items.insert(items.end(), std::make_move_iterator(adopted.begin()),
                 std::make_move_iterator(adopted.end()));
    item_stack_.resize(base);
    out = Value::array(std::move(items));
    return true;
  }

  // Real documents repeat small values: tag lists, enum-like strings, labels. Values are
  // immutable, so an equal value parsed recently (recent_values_, a small direct-mapped
  // table keyed by hash: a miss only replaces one slot) stands in for a new one, found
  // before anything is allocated. This is the array case: the items on the stack from
  // `base`, when all are scalars. False when they are not, and nothing is done.
  bool small_scalar_array(size_t base, Value& out) {
    std::span<const Value> items(item_stack_.data() + base, item_stack_.size() - base);
    for (const Value& item : items)
      if (item.is_collection() || item.big()) return false;  // 1.0 and 1 print differently
    size_t hash = Value::array_hash(items);
    size_t slot = hash % kSharedSlots;
    const Value& recent = recent_values_[slot];
    bool same =
        recent_hashes_[slot] == hash && recent.is_array() && recent.items().size() == items.size();
    for (size_t i = 0; same && i < items.size(); ++i) same = recent.items()[i] == items[i];
    if (same) {
      out = recent;
    } else {
      out = Value::array(
          ValueVec(std::make_move_iterator(item_stack_.begin() + static_cast<ptrdiff_t>(base)),
                   std::make_move_iterator(item_stack_.end())));
      recent_values_[slot] = out;
      recent_hashes_[slot] = hash;
    }
    item_stack_.resize(base);
    return true;
  }

  bool parse_object(Value& out, int depth) {
    if (depth > kMaxJsonDepth) return fail("JSON nesting too deep");
    if (depth > max_depth_) max_depth_ = depth;
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
      if (pos_ >= next_release_) release_parsed_pages();
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
    out = make_object(base);
    entry_stack_.resize(base);
    return true;
  }

  // Objects in an array usually repeat their keys in the same order: reuse the sorted order
  // of the previous object with the same (shared) keys instead of sorting again.
  Value make_object(size_t base) {
    auto first = entry_stack_.begin() + static_cast<ptrdiff_t>(base);
    size_t n = entry_stack_.size() - base;
    bool same_keys = n == last_keys_.size() && n <= kMaxRememberedKeys;
    for (size_t i = 0; same_keys && i < n; ++i)
      same_keys = &first[static_cast<ptrdiff_t>(i)].first.str() == last_keys_[i];
    if (same_keys) return Value::object_sorted_moving({&*first, n}, last_order_.data());
    ObjectEntries entries(std::make_move_iterator(first),
                          std::make_move_iterator(entry_stack_.end()));
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
    // The key at this position of the previous object is the likely match. Its bytes are
    // plain (it was parsed by the loop below), so equal bytes and a closing quote right
    // after them need no scan.
    // A slot never filled (a key at that position was not plain) holds no string: an empty
    // key must not match it (found by fuzzing: `{"": 3}` read as `{null: 3}`).
    if (index < recent_keys_.size() && recent_keys_[index].is_string()) {
      const std::string& recent = recent_keys_[index].str();
      size_t end = start + recent.size();
      if (end < text_.size() && text_[end] == '"' &&
          same_bytes(recent.data(), text_.data() + start, recent.size())) {
        pos_ = end + 1;
        out = recent_keys_[index];
        return true;
      }
    }
    size_t end = start;
    // Non-ASCII keys take parse_string, which checks their UTF-8.
    while (end < text_.size() && end - start <= kMaxInternedKeyLength && is_plain(text_[end]))
      ++end;
    if (end < text_.size() && text_[end] == '"' && end - start <= kMaxInternedKeyLength) {
      std::string_view raw = text_.substr(start, end - start);
      pos_ = end + 1;
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

  // Keys are short: comparing them in place is cheaper than a call to memcmp.
  static bool same_bytes(const char* a, const char* b, size_t n) {
    for (; n >= 8; n -= 8, a += 8, b += 8) {
      uint64_t x, y;
      std::memcpy(&x, a, 8);
      std::memcpy(&y, b, 8);
      if (x != y) return false;
    }
    for (; n > 0; --n, ++a, ++b)
      if (*a != *b) return false;
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

  // Most strings are short ASCII without escapes: built straight from the text.
  bool parse_string_value(Value& out) {
    size_t start = pos_ + 1;
    size_t end = start;
    while (end < text_.size() && is_plain(text_[end])) ++end;
    if (end < text_.size() && text_[end] == '"') {
      std::string_view raw = text_.substr(start, end - start);
      pos_ = end + 1;
      if (raw.size() <= kMaxSharedStringLength) {
        // A recent equal string is reused (see small_scalar_array).
        size_t hash = Value::string_hash(raw);
        size_t slot = hash % kSharedSlots;
        const Value& recent = recent_values_[slot];
        if (recent_hashes_[slot] == hash && recent.is_string() && recent.str() == raw) {
          out = recent;
          return true;
        }
        out = Value::string_with_hash(std::string(raw), hash);
        recent_values_[slot] = out;
        recent_hashes_[slot] = hash;
        return true;
      }
      out = Value::string(raw);
      return true;
    }
    std::string s;
    if (!parse_string(s)) return false;
    out = Value::string(std::move(s));
    return true;
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
  static constexpr size_t kMaxSharedStringLength = 32;
  static constexpr size_t kMaxSharedArrayLength = 8;
  static constexpr size_t kSharedSlots = 509;
  Value recent_values_[kSharedSlots];
  size_t recent_hashes_[kSharedSlots] = {};
  std::vector<Value> recent_keys_;             // by position within an object
  std::vector<const std::string*> last_keys_;  // the previous object's keys, as parsed
  std::vector<uint8_t> last_order_;            // and where each sorted entry came from
  ValueVec item_stack_;
  ObjectEntries entry_stack_;
  int max_depth_ = 0;
  static constexpr size_t kReleaseStep = size_t{1} << 20;
  size_t released_ = 0;                        // text before this was handed back
  size_t next_release_ = SIZE_MAX;             // SIZE_MAX: the text is not a mapping
  std::unique_ptr<Speculation> spec_;          // main parser: the second parser's work
  const std::atomic<bool>* cancel_ = nullptr;  // second parser: set when not needed
};

}  // namespace

bool parse_json(std::string_view text, Value& out, TextError& err, const JsonOptions& options) {
  // A UTF-8 byte order mark is not JSON, but editors write one; OPA's loader strips it too.
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  JsonParser parser(text, err);
  return parser.parse_document(out, options);
}

}  // namespace policyc
