// A scanner for the block-style YAML blueprints are written in.
//
// libyaml tokenizes character by character through a decoding buffer and allocates every
// event; on a 10,000-service system that was most of loading. Blueprint files use a small
// part of YAML, so this scanner handles that part line by line and gives up (returns false)
// on anything else, including every mistake: libyaml then parses the file from the start, so
// what is accepted and how errors are worded never depend on this file. It must produce
// exactly libyaml's events and marks for what it accepts; tests compare the two.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "yaml_events.hpp"

namespace policyc::blueprint {

namespace {

constexpr size_t kMaxKeyLength = 1000;

bool is_blank_char(char c) { return c == ' '; }

// True when every byte is printable ASCII (0x20-0x7e) or '\n'. Eight bytes at a time: this
// runs over every byte of every blueprint file.
bool printable_ascii_lines(std::string_view text) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  uint64_t bad = 0;
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t x;
    std::memcpy(&x, text.data() + i, 8);
    uint64_t low = x & ~kHigh;  // each byte's low seven bits: no carries between bytes below
    uint64_t is_del = (low + kOnes) & kHigh;
    uint64_t below_space = ~(low + 0x60 * kOnes) & kHigh;
    uint64_t newline_bits = low ^ (0x0a * kOnes);
    uint64_t is_newline = ~(newline_bits + 0x7f * kOnes) & kHigh;
    bad |= (x & kHigh) | is_del | (below_space & ~is_newline);
  }
  for (; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 || c > 0x7e) && c != '\n') return false;
  }
  return bad == 0;
}

class BlockScanner {
 public:
  BlockScanner(std::string_view text, YamlEventSink& sink) : text_(text), sink_(sink) {}

  bool run() {
    // Tabs, carriage returns, control characters and non-ASCII text (columns count
    // characters, not bytes) are left to libyaml.
    if (!printable_ascii_lines(text_)) return false;
    next_ = 0;
    line_number_ = 0;
    advance();
    while (has_line_) {
      if (starts_at_column_zero("...") || text_[line_.start] == '%') return false;
      if (is_document_marker()) {
        if (!rest_is_blank(line_.start + 3)) return false;  // "--- value"
        advance();
        if (!has_line_ || is_document_marker()) return false;  // an empty document
      }
      if (!sink_.document_start()) return false;
      if (!parse_root()) return false;
      if (!sink_.document_end()) return false;
      if (has_line_ && !is_document_marker()) return false;
    }
    return true;
  }

 private:
  // A line holding something other than spaces and a comment.
  struct Line {
    size_t start = 0;  // offset of the line's first character
    size_t end = 0;    // offset of its newline (or the end of the text)
    int number = 0;    // 1-based
    size_t indent = 0;
  };

  // Moves to the next line with content, skipping blank and comment-only lines.
  void advance() {
    while (next_ < text_.size()) {
      size_t start = next_;
      size_t end = text_.find('\n', start);
      if (end == std::string_view::npos) end = text_.size();
      next_ = end + 1;
      ++line_number_;
      size_t first = start;
      while (first < end && text_[first] == ' ') ++first;
      if (first == end || text_[first] == '#') continue;
      line_ = Line{start, end, line_number_, first - start};
      has_line_ = true;
      return;
    }
    has_line_ = false;
  }

  bool starts_at_column_zero(std::string_view marker) const {
    return line_.indent == 0 && text_.compare(line_.start, marker.size(), marker) == 0 &&
           (line_.start + marker.size() == line_.end ||
            is_blank_char(text_[line_.start + marker.size()]));
  }

  bool is_document_marker() const { return starts_at_column_zero("---"); }

  // True when only spaces and a comment follow `p` on the current line. A '#' right after
  // a token (no space) is left to libyaml.
  bool rest_is_blank(size_t p) const {
    size_t q = p;
    while (q < line_.end && text_[q] == ' ') ++q;
    return q == line_.end || (text_[q] == '#' && q > p);
  }

  int column_of(size_t p) const { return static_cast<int>(p - line_.start) + 1; }

  // "- item" or a lone "-" at `p`.
  bool is_sequence_entry(size_t p) const {
    return text_[p] == '-' && (p + 1 == line_.end || text_[p + 1] == ' ');
  }

  bool parse_root() {
    size_t p = line_.start + line_.indent;
    if (is_sequence_entry(p)) return parse_sequence(line_.indent);
    if (is_key(p)) return parse_mapping(line_.indent);
    return false;  // a document that is a lone scalar or flow collection
  }

  // The block node that follows "key:" or "-" with nothing after it on its line: a deeper
  // mapping or sequence, or, after a key, a sequence at the key's own indent.
  bool parse_nested(size_t parent_indent, bool after_key, int empty_line, int empty_col) {
    if (has_line_ && !is_document_marker()) {
      size_t p = line_.start + line_.indent;
      if (line_.indent > parent_indent) {
        return is_sequence_entry(p) ? parse_sequence(line_.indent) : parse_mapping(line_.indent);
      }
      if (after_key && line_.indent == parent_indent && is_sequence_entry(p)) {
        return parse_sequence(line_.indent);
      }
    }
    if (!after_key) return false;  // an empty sequence item: left to libyaml
    return sink_.scalar("", true, empty_line, empty_col, {});
  }

  bool parse_mapping(size_t indent) {
    if (!sink_.collection_start(true, line_.number, static_cast<int>(indent) + 1, {})) {
      return false;
    }
    while (true) {
      size_t p = line_.start + indent;
      if (is_sequence_entry(p)) return false;
      size_t colon = 0;
      if (!parse_key(p, colon)) return false;
      int key_line = line_.number;
      int after_colon = column_of(colon) + 1;
      size_t v = colon + 1;
      while (v < line_.end && text_[v] == ' ') ++v;
      if (v == line_.end || text_[v] == '#') {
        advance();
        if (!parse_nested(indent, true, key_line, after_colon)) return false;
      } else if (!parse_value_line(v, indent)) {
        return false;
      }
      if (!has_line_ || is_document_marker() || line_.indent < indent) break;
      if (line_.indent > indent) return false;
    }
    return sink_.collection_end();
  }

  // The value at `v` ends its line; the next line must not be deeper than the collection at
  // `indent`: a deeper line continues a multi-line scalar (or is a mistake).
  bool parse_value_line(size_t v, size_t indent) {
    if (!parse_inline_value(v)) return false;
    advance();
    return !(has_line_ && line_.indent > indent && !is_document_marker());
  }

  bool parse_sequence(size_t indent) {
    if (!sink_.collection_start(false, line_.number, static_cast<int>(indent) + 1, {})) {
      return false;
    }
    while (true) {
      size_t dash = line_.start + indent;
      size_t v = dash + 1;
      while (v < line_.end && text_[v] == ' ') ++v;
      if (v == line_.end || text_[v] == '#') {
        advance();
        if (!parse_nested(indent, false, 0, 0)) return false;
      } else if (is_sequence_entry(v)) {
        return false;  // "- - x": left to libyaml
      } else if (is_key(v)) {
        if (!parse_mapping(v - line_.start)) return false;
      } else if (!parse_value_line(v, indent)) {
        return false;
      }
      if (!has_line_ || is_document_marker() || line_.indent < indent) break;
      if (line_.indent > indent) return false;
      if (!is_sequence_entry(line_.start + indent)) break;  // the parent mapping goes on
    }
    return sink_.collection_end();
  }

  // Characters that cannot start a plain scalar here (or that start something this scanner
  // leaves to libyaml: anchors, aliases, tags, block scalars, directives, reserved).
  static bool starts_special(char c) {
    switch (c) {
      case '&':
      case '*':
      case '!':
      case '|':
      case '>':
      case '%':
      case '@':
      case '`':
      case '#':
      case ',':
      case '[':
      case ']':
      case '{':
      case '}':
      case '"':
      case '\'':
        return true;
      default:
        return false;
    }
  }

  // '-', '?' and ':' start a plain scalar only when a non-space follows.
  bool indicator_start(size_t p) const {
    char c = text_[p];
    return (c == '-' || c == '?' || c == ':') && (p + 1 == line_.end || text_[p + 1] == ' ');
  }

  // The end of a block plain scalar value starting at `p`: the line's end or " #", trailing
  // spaces excluded; npos when it holds ": " (or ends in ':'), which is an error in a value.
  size_t plain_value_end(size_t p) const {
    size_t end = p;
    for (size_t q = p; q < line_.end; ++q) {
      char c = text_[q];
      if (c == ' ') continue;
      if (c == '#' && text_[q - 1] == ' ') break;
      if (c == ':' && (q + 1 == line_.end || text_[q + 1] == ' ')) return std::string_view::npos;
      end = q + 1;
    }
    return end;
  }

  // The ':' ending a plain key that starts at `p` (the first ':' followed by a space or the
  // line's end), or npos when the line has none before a comment.
  size_t plain_key_colon(size_t p) const {
    for (size_t q = p; q < line_.end; ++q) {
      char c = text_[q];
      if (c == ':' && (q + 1 == line_.end || text_[q + 1] == ' ')) return q;
      if (c == '#' && q > p && text_[q - 1] == ' ') break;
    }
    return std::string_view::npos;
  }

  // A mapping key at `p`: a plain scalar or a one-line quoted one, followed by ':' and a
  // space or the line's end. Sets `colon`, and `quoted_text` to a quoted key's value.
  bool find_key(size_t p, size_t& colon, std::string& quoted_text, bool& quoted_key) const {
    char c = text_[p];
    quoted_key = c == '"' || c == '\'';
    if (quoted_key) {
      size_t after = 0;
      if (!quoted(p, quoted_text, after)) return false;
      while (after < line_.end && text_[after] == ' ') ++after;
      if (after == line_.end || text_[after] != ':' ||
          (after + 1 < line_.end && text_[after + 1] != ' ')) {
        return false;
      }
      colon = after;
    } else {
      if (starts_special(c) || indicator_start(p)) return false;
      colon = plain_key_colon(p);
      if (colon == std::string_view::npos) return false;
    }
    // libyaml looks no further than 1024 characters for a key's ':'.
    return colon - p <= kMaxKeyLength;
  }

  bool is_key(size_t p) const {
    size_t colon = 0;
    std::string scratch;
    bool quoted_key = false;
    return find_key(p, colon, scratch, quoted_key);
  }

  // Emits the key at `p` and sets `colon` to its ':'.
  bool parse_key(size_t p, size_t& colon) {
    std::string value;
    bool quoted_key = false;
    if (!find_key(p, colon, value, quoted_key)) return false;
    if (quoted_key) return sink_.scalar(value, false, line_.number, column_of(p), {});
    size_t key_end = colon;
    while (key_end > p && text_[key_end - 1] == ' ') --key_end;
    if (key_end == p) return false;
    return sink_.scalar(text_.substr(p, key_end - p), true, line_.number, column_of(p), {});
  }

  // A value on the same line as its key or dash: a scalar, a flow sequence of scalars, or {}.
  bool parse_inline_value(size_t p) {
    char c = text_[p];
    size_t after = 0;
    if (c == '"' || c == '\'') {
      std::string value;
      if (!quoted(p, value, after)) return false;
      if (!rest_is_blank(after)) return false;
      return sink_.scalar(value, false, line_.number, column_of(p), {});
    }
    if (c == '[' || c == '{') return parse_flow(p, after) && rest_is_blank(after);
    if (starts_special(c) || indicator_start(p)) return false;
    size_t end = plain_value_end(p);
    if (end == std::string_view::npos) return false;  // "a: b: c" is an error
    return sink_.scalar(text_.substr(p, end - p), true, line_.number, column_of(p), {});
  }

  // A flow collection (or scalar inside one) at `p` that ends on this line; `after` is set
  // past it. Plain scalars inside stop at flow indicators; anything that needs YAML's finer
  // flow rules (":" without a space, "#", "? ", empty values, trailing commas) gives up.
  bool parse_flow(size_t p, size_t& after) {
    char c = text_[p];
    if (c == '[' || c == '{') return parse_flow_collection(p, c == '{', after);
    if (c == '"' || c == '\'') {
      std::string value;
      if (!quoted(p, value, after)) return false;
      return sink_.scalar(value, false, line_.number, column_of(p), {});
    }
    size_t end = 0;
    if (!flow_plain(p, false, end, after)) return false;
    return sink_.scalar(text_.substr(p, end - p), true, line_.number, column_of(p), {});
  }

  // A plain scalar in a flow collection: [p, end) is its text, `after` where scanning
  // stopped. A key stops at ": "; a value may contain no ':' at all.
  bool flow_plain(size_t p, bool is_key, size_t& end, size_t& after) const {
    char c = text_[p];
    if (starts_special(c) || c == '?' || c == ':' || (c == '-' && !is_word_char(p + 1))) {
      return false;
    }
    size_t q = p;
    end = p;
    while (q < line_.end) {
      char d = text_[q];
      if (d == ',' || d == ']' || d == '}') break;
      if (d == ':') {
        if (is_key && q + 1 < line_.end && text_[q + 1] == ' ') break;
        return false;
      }
      if (d == '#' || d == '[' || d == '{') return false;
      if (d != ' ') end = q + 1;
      ++q;
    }
    after = q;
    return end > p;
  }

  bool is_word_char(size_t p) const {
    if (p >= line_.end) return false;
    char c = text_[p];
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  bool parse_flow_collection(size_t open, bool mapping, size_t& after) {
    if (!sink_.collection_start(mapping, line_.number, column_of(open), {})) return false;
    char close = mapping ? '}' : ']';
    size_t p = open + 1;
    while (p < line_.end && text_[p] == ' ') ++p;
    if (p < line_.end && text_[p] == close) {
      after = p + 1;
      return sink_.collection_end();
    }
    while (true) {
      if (p == line_.end) return false;  // continues on the next line
      if (mapping) {
        size_t key_after = 0;
        if (text_[p] == '"' || text_[p] == '\'') {
          std::string key;
          if (!quoted(p, key, key_after)) return false;
          if (!sink_.scalar(key, false, line_.number, column_of(p), {})) return false;
        } else {
          size_t end = 0;
          if (!flow_plain(p, true, end, key_after)) return false;
          if (!sink_.scalar(text_.substr(p, end - p), true, line_.number, column_of(p), {})) {
            return false;
          }
        }
        p = key_after;
        while (p < line_.end && text_[p] == ' ') ++p;
        if (p + 1 >= line_.end || text_[p] != ':' || text_[p + 1] != ' ') return false;
        p += 2;
        while (p < line_.end && text_[p] == ' ') ++p;
        if (p == line_.end || text_[p] == ',' || text_[p] == '}') return false;  // no value
      }
      size_t value_after = 0;
      if (!parse_flow(p, value_after)) return false;
      p = value_after;
      while (p < line_.end && text_[p] == ' ') ++p;
      if (p == line_.end) return false;
      if (text_[p] == close) break;
      if (text_[p] != ',') return false;
      ++p;
      while (p < line_.end && text_[p] == ' ') ++p;
      if (p < line_.end && (text_[p] == ']' || text_[p] == '}')) return false;  // trailing comma
    }
    after = p + 1;
    return sink_.collection_end();
  }

  // A quoted scalar that closes on its own line, with only the simplest escapes.
  bool quoted(size_t p, std::string& value, size_t& after) const {
    char quote = text_[p];
    value.clear();
    size_t q = p + 1;
    while (q < line_.end) {
      char c = text_[q];
      if (quote == '\'') {
        if (c == '\'') {
          if (q + 1 < line_.end && text_[q + 1] == '\'') {
            value += '\'';
            q += 2;
            continue;
          }
          after = q + 1;
          return true;
        }
      } else {
        if (c == '"') {
          after = q + 1;
          return true;
        }
        if (c == '\\') {
          if (q + 1 == line_.end) return false;
          char e = text_[q + 1];
          switch (e) {
            case '\\':
            case '"':
            case '/':
              value += e;
              break;
            case 'n':
              value += '\n';
              break;
            case 't':
              value += '\t';
              break;
            default:
              return false;
          }
          q += 2;
          continue;
        }
      }
      value += c;
      ++q;
    }
    return false;  // continues on the next line
  }

  std::string_view text_;
  YamlEventSink& sink_;
  size_t next_ = 0;  // where the line after the current one starts
  int line_number_ = 0;
  Line line_;
  bool has_line_ = false;
};

}  // namespace

bool scan_block_yaml(std::string_view text, YamlEventSink& sink) {
  return BlockScanner(text, sink).run();
}

}  // namespace policyc::blueprint
