// YAML to Values with libyaml's event parser.
//
// The event API keeps memory flat (no node tree) and gives line/column marks for every
// error. Documents are built with an explicit stack, so deep nesting is bounded by
// kMaxYamlDepth instead of the native stack. Mapping keys become strings, as OPA's YAML
// loader (YAML converted to JSON) makes them.
#include <yaml.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "policyc/core/io.hpp"

namespace policyc {

namespace {

constexpr size_t kMaxYamlDepth = 1000;

// Aliases share payloads, so an alias bomb costs no memory while parsing; it explodes in
// whatever walks the result. Refuse documents whose aliases expand to far more nodes than
// the document itself holds.
constexpr size_t kMinAliasExpansionBudget = 1'000'000;
constexpr size_t kAliasExpansionPerEvent = 100;

struct Mark {
  int line = 0;  // 1-based
  int col = 0;
};

// Where libyaml's error is: reader errors (encoding) carry a byte offset, the others a mark.
Mark problem_mark(const yaml_parser_t& parser, std::string_view text) {
  if (parser.error == YAML_READER_ERROR) {
    Mark m;
    line_col_of_offset(text, parser.problem_offset, m.line, m.col);
    return m;
  }
  return Mark{static_cast<int>(parser.problem_mark.line) + 1,
              static_cast<int>(parser.problem_mark.column) + 1};
}

Mark to_mark(const yaml_mark_t& m) {
  return Mark{static_cast<int>(m.line) + 1, static_cast<int>(m.column) + 1};
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool all_chars(std::string_view s, bool (*pred)(char)) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!pred(c)) return false;
  }
  return true;
}

bool is_octal_digit(char c) { return c >= '0' && c <= '7'; }
bool is_hex_digit(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool is_binary_digit(char c) { return c == '0' || c == '1'; }

// An exact integer from digits in `base` (no sign, no prefix).
Value integer_from_digits(std::string_view digits, int base, bool negative) {
  if (base == 10 && digits.size() <= 18) {
    int64_t v = 0;
    for (char c : digits) v = v * 10 + (c - '0');
    return Value::integer(negative ? -v : v);
  }
  mpz_class z;
  if (z.set_str(std::string(digits), base) != 0) return Value();
  if (negative) z = -z;
  return Value::rational(mpq_class(z));
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? — the float pattern shared by the
// YAML 1.2 core schema and Go's yaml.v2. Returns the value, or Undefined when no match.
Value parse_yaml_float(std::string_view s) {
  size_t i = 0;
  std::string normalized;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    if (s[i] == '-') normalized.push_back('-');
    ++i;
  }
  size_t int_start = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  std::string_view int_part = s.substr(int_start, i - int_start);
  std::string_view frac_part;
  bool has_dot = false;
  if (i < s.size() && s[i] == '.') {
    has_dot = true;
    ++i;
    size_t frac_start = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    frac_part = s.substr(frac_start, i - frac_start);
  }
  if (int_part.empty() && frac_part.empty()) return Value();
  if (int_part.empty() && !has_dot) return Value();
  std::string_view exponent;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    size_t exp_start = i;
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t digits_start = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    if (i == digits_start) return Value();
    exponent = s.substr(exp_start, i - exp_start);
  }
  if (i != s.size()) return Value();
  // Rewrite into JSON number grammar (no '+', no leading zeros, digits around '.').
  size_t first_nonzero = int_part.find_first_not_of('0');
  normalized += first_nonzero == std::string_view::npos ? "0" : int_part.substr(first_nonzero);
  if (has_dot) {
    normalized += '.';
    normalized += frac_part.empty() ? "0" : frac_part;
  }
  normalized += exponent;
  return Value::number_from_text(normalized);
}

bool is_special_float(std::string_view s) {
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  return s == ".inf" || s == ".Inf" || s == ".INF" || s == ".nan" || s == ".NaN" || s == ".NAN";
}

bool resolve_null(std::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

// YAML 1.2 core schema ints: [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+
Value resolve_core_int(std::string_view s) {
  if (s.size() > 2 && s[0] == '0' && s[1] == 'o' && all_chars(s.substr(2), is_octal_digit)) {
    return integer_from_digits(s.substr(2), 8, false);
  }
  if (s.size() > 2 && s[0] == '0' && s[1] == 'x' && all_chars(s.substr(2), is_hex_digit)) {
    return integer_from_digits(s.substr(2), 16, false);
  }
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (!all_chars(s, is_digit)) return Value();
  size_t first_nonzero = s.find_first_not_of('0');
  s = first_nonzero == std::string_view::npos ? "0" : s.substr(first_nonzero);
  return integer_from_digits(s, 10, negative);
}

// Go's yaml.v2 ints: strconv.ParseInt(s, 0, 64) after its own checks, so underscores,
// 0b/0o/0x prefixes and C-style leading-zero octal all count.
Value resolve_go11_int(std::string_view s) {
  std::string plain;
  plain.reserve(s.size());
  for (char c : s) {
    if (c != '_') plain.push_back(c);
  }
  std::string_view t = plain;
  bool negative = false;
  if (!t.empty() && (t[0] == '+' || t[0] == '-')) {
    negative = t[0] == '-';
    t.remove_prefix(1);
  }
  if (t.size() > 2 && t[0] == '0') {
    char p = t[1];
    std::string_view digits = t.substr(2);
    if ((p == 'x' || p == 'X') && all_chars(digits, is_hex_digit)) {
      return integer_from_digits(digits, 16, negative);
    }
    if ((p == 'o' || p == 'O') && all_chars(digits, is_octal_digit)) {
      return integer_from_digits(digits, 8, negative);
    }
    if ((p == 'b' || p == 'B') && all_chars(digits, is_binary_digit)) {
      return integer_from_digits(digits, 2, negative);
    }
  }
  if (t.size() > 1 && t[0] == '0' && all_chars(t.substr(1), is_octal_digit)) {
    return integer_from_digits(t.substr(1), 8, negative);
  }
  if (!all_chars(t, is_digit)) return Value();
  return integer_from_digits(t, 10, negative);
}

bool resolve_bool(std::string_view s, YamlSchema schema, bool& out) {
  static const char* const kCoreTrue[] = {"true", "True", "TRUE"};
  static const char* const kCoreFalse[] = {"false", "False", "FALSE"};
  static const char* const kGoTrue[] = {"y", "Y", "yes", "Yes", "YES", "on", "On", "ON"};
  static const char* const kGoFalse[] = {"n", "N", "no", "No", "NO", "off", "Off", "OFF"};
  for (const char* w : kCoreTrue) {
    if (s == w) return out = true, true;
  }
  for (const char* w : kCoreFalse) {
    if (s == w) return out = false, true;
  }
  if (schema == YamlSchema::Go11) {
    for (const char* w : kGoTrue) {
      if (s == w) return out = true, true;
    }
    for (const char* w : kGoFalse) {
      if (s == w) return out = false, true;
    }
  }
  return false;
}

// YAML 1.2 core decimal numbers only: [-+]?digits(.digits)?([eE][-+]?digits)?, with leading
// zeros dropped; anything else is the text itself.
Value resolve_decimal_number(std::string_view s) {
  size_t i = 0;
  std::string normalized;
  if (s[i] == '-' || s[i] == '+') {
    if (s[i] == '-') normalized.push_back('-');
    ++i;
  }
  size_t int_start = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  std::string_view int_part = s.substr(int_start, i - int_start);
  if (int_part.empty()) return Value::string(s);
  std::string_view rest = s.substr(i);
  if (!rest.empty()) {
    // Only JSON-shaped decimals and exponents count as numbers; "1.2.3" stays a string.
    size_t j = 0;
    if (rest[j] == '.') {
      ++j;
      size_t frac_start = j;
      while (j < rest.size() && is_digit(rest[j])) ++j;
      if (j == frac_start) return Value::string(s);
    }
    if (j < rest.size() && (rest[j] == 'e' || rest[j] == 'E')) {
      ++j;
      if (j < rest.size() && (rest[j] == '+' || rest[j] == '-')) ++j;
      size_t exp_start = j;
      while (j < rest.size() && is_digit(rest[j])) ++j;
      if (j == exp_start) return Value::string(s);
    }
    if (j != rest.size()) return Value::string(s);
  }
  size_t first_nonzero = int_part.find_first_not_of('0');
  normalized += first_nonzero == std::string_view::npos ? "0" : int_part.substr(first_nonzero);
  normalized += rest;
  Value v = Value::number_from_text(normalized);
  return v.is_defined() ? v : Value::string(s);
}

constexpr std::string_view kTagPrefix = "tag:yaml.org,2002:";

class YamlBuilder {
 public:
  YamlBuilder(std::string_view text, YamlSchema schema, TextError& err)
      : text_(text), schema_(schema), err_(err) {}

  bool run(std::vector<Value>& docs) {
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) return fail(Mark{1, 1}, "cannot initialise libyaml");
    yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text_.data()),
                                 text_.size());
    bool ok = true;
    bool done = false;
    while (ok && !done) {
      yaml_event_t event;
      if (!yaml_parser_parse(&parser, &event)) {
        std::string message = parser.problem ? parser.problem : "YAML syntax error";
        if (parser.context) message = std::string(parser.context) + ": " + message;
        ok = fail(problem_mark(parser, text_), message);
        break;
      }
      ++event_count_;
      done = event.type == YAML_STREAM_END_EVENT;
      ok = handle(event, docs);
      yaml_event_delete(&event);
    }
    yaml_parser_delete(&parser);
    return ok;
  }

 private:
  struct KeyRecord {
    std::string key;
    Mark mark;
  };

  struct Frame {
    bool is_mapping = false;
    std::string anchor;
    size_t node_count = 1;
    ValueVec items;         // sequences
    ObjectEntries entries;  // mappings
    std::vector<KeyRecord> keys;
    bool expecting_key = true;
    bool pending_merge = false;  // the current key is the YAML merge key `<<`
    ObjectEntries merged;        // entries from `<<`, overridden by explicit keys
  };

  bool fail(Mark m, const std::string& message) {
    err_.message = message;
    err_.line = m.line;
    err_.col = m.col;
    return false;
  }

  bool handle(const yaml_event_t& event, std::vector<Value>& docs) {
    Mark mark = to_mark(event.start_mark);
    switch (event.type) {
      case YAML_DOCUMENT_START_EVENT:
        anchors_.clear();
        root_ = Value();
        return true;
      case YAML_DOCUMENT_END_EVENT:
        docs.push_back(root_.is_defined() ? root_ : Value::null());
        return true;
      case YAML_SEQUENCE_START_EVENT:
      case YAML_MAPPING_START_EVENT: {
        if (stack_.size() >= kMaxYamlDepth) {
          return fail(mark, "YAML nesting deeper than " + std::to_string(kMaxYamlDepth));
        }
        bool is_mapping = event.type == YAML_MAPPING_START_EVENT;
        if (!stack_.empty() && stack_.back().is_mapping && stack_.back().expecting_key) {
          return fail(mark, "mapping keys must be scalars");
        }
        Frame frame;
        frame.is_mapping = is_mapping;
        const yaml_char_t* anchor =
            is_mapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor;
        if (anchor) frame.anchor = reinterpret_cast<const char*>(anchor);
        stack_.push_back(std::move(frame));
        return true;
      }
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT: {
        Frame frame = std::move(stack_.back());
        stack_.pop_back();
        Value v;
        if (frame.is_mapping) {
          if (!check_duplicate_keys(frame)) return false;
          if (!frame.merged.empty()) {
            // Explicit keys win over merged ones: list the merged entries first, and
            // Value::object keeps the last of equal keys.
            frame.merged.insert(frame.merged.end(), std::make_move_iterator(frame.entries.begin()),
                                std::make_move_iterator(frame.entries.end()));
            frame.entries = std::move(frame.merged);
          }
          v = Value::object(std::move(frame.entries));
        } else {
          v = Value::array(std::move(frame.items));
        }
        return add_node(std::move(v), frame.node_count, frame.anchor, mark, false);
      }
      case YAML_SCALAR_EVENT:
        return handle_scalar(event, mark);
      case YAML_ALIAS_EVENT: {
        std::string name = reinterpret_cast<const char*>(event.data.alias.anchor);
        auto it = anchors_.find(name);
        if (it == anchors_.end()) return fail(mark, "unknown anchor '" + name + "'");
        expanded_nodes_ += it->second.second;
        size_t budget = std::max(kMinAliasExpansionBudget, event_count_ * kAliasExpansionPerEvent);
        if (expanded_nodes_ > budget) {
          return fail(mark, "YAML aliases expand to too many nodes (alias bomb?)");
        }
        return add_node(it->second.first, it->second.second, std::string(), mark, true);
      }
      default:
        return true;
    }
  }

  bool handle_scalar(const yaml_event_t& event, Mark mark) {
    const auto& scalar = event.data.scalar;
    std::string_view text(reinterpret_cast<const char*>(scalar.value), scalar.length);
    std::string anchor = scalar.anchor ? reinterpret_cast<const char*>(scalar.anchor) : "";
    bool plain = scalar.style == YAML_PLAIN_SCALAR_STYLE || scalar.style == YAML_ANY_SCALAR_STYLE;
    std::string_view tag = scalar.tag ? reinterpret_cast<const char*>(scalar.tag) : "";
    bool in_key = !stack_.empty() && stack_.back().is_mapping && stack_.back().expecting_key;
    if (in_key) {
      // Keys become strings (OPA converts YAML to JSON); `<<` is the merge key.
      if (plain && text == "<<" && tag.empty()) {
        Frame& frame = stack_.back();
        frame.pending_merge = true;
        frame.expecting_key = false;
        return true;
      }
      return add_node(Value::string(text), 1, anchor, mark, false);
    }
    Value v;
    if (!resolve_scalar(text, plain, tag, mark, v)) return false;
    return add_node(std::move(v), 1, anchor, mark, false);
  }

  bool resolve_scalar(std::string_view text, bool plain, std::string_view tag, Mark mark,
                      Value& out) {
    if (tag.substr(0, kTagPrefix.size()) == kTagPrefix) {
      std::string_view name = tag.substr(kTagPrefix.size());
      if (name == "str") {
        out = Value::string(text);
        return true;
      }
      if (name == "null" || name == "bool" || name == "int" || name == "float") {
        plain = true;  // an explicit type tag asks for resolution even when quoted
      }
    }
    if (!plain) {
      out = Value::string(text);
      return true;
    }
    out = resolve_plain_scalar(text, schema_);
    if (out.is_defined()) return true;
    return fail(mark, "YAML value '" + std::string(text) +
                          "' (infinity or NaN) cannot be represented as a JSON number");
  }

  // Attaches a completed node to its parent (or makes it the document root).
  bool add_node(Value v, size_t node_count, const std::string& anchor, Mark mark, bool alias) {
    if (!anchor.empty()) anchors_[anchor] = {v, node_count};
    if (stack_.empty()) {
      root_ = std::move(v);
      return true;
    }
    Frame& parent = stack_.back();
    parent.node_count += node_count;
    if (!parent.is_mapping) {
      parent.items.push_back(std::move(v));
      return true;
    }
    if (parent.expecting_key) {
      if (alias) {
        if (!v.is_string()) return fail(mark, "mapping keys must be scalars");
      }
      parent.keys.push_back(KeyRecord{v.str(), mark});
      parent.entries.emplace_back(std::move(v), Value());
      parent.expecting_key = false;
      return true;
    }
    parent.expecting_key = true;
    if (parent.pending_merge) {
      parent.pending_merge = false;
      return merge_into(parent, v, mark);
    }
    parent.entries.back().second = std::move(v);
    return true;
  }

  bool merge_into(Frame& frame, const Value& v, Mark mark) {
    auto merge_one = [&](const Value& m) {
      if (!m.is_object()) return false;
      for (const auto& e : m.entries()) frame.merged.push_back(e);
      return true;
    };
    if (v.is_object()) {
      merge_one(v);
      return true;
    }
    if (v.is_array()) {
      // In a merge list, earlier mappings win: merge them last.
      const auto& items = v.items();
      for (auto it = items.rbegin(); it != items.rend(); ++it) {
        if (!merge_one(*it)) return fail(mark, "merge key '<<' needs mappings");
      }
      return true;
    }
    return fail(mark, "merge key '<<' needs a mapping or a list of mappings");
  }

  bool check_duplicate_keys(const Frame& frame) {
    if (frame.keys.size() < 2) return true;
    std::vector<const KeyRecord*> sorted;
    sorted.reserve(frame.keys.size());
    for (const auto& k : frame.keys) sorted.push_back(&k);
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const KeyRecord* a, const KeyRecord* b) { return a->key < b->key; });
    for (size_t i = 1; i < sorted.size(); ++i) {
      if (sorted[i]->key == sorted[i - 1]->key) {
        return fail(sorted[i]->mark, "duplicate mapping key '" + sorted[i]->key + "'");
      }
    }
    return true;
  }

  std::string_view text_;
  YamlSchema schema_;
  TextError& err_;
  std::vector<Frame> stack_;
  std::map<std::string, std::pair<Value, size_t>> anchors_;
  Value root_;
  size_t event_count_ = 0;
  size_t expanded_nodes_ = 0;
};

}  // namespace

Value resolve_plain_scalar(std::string_view text, YamlSchema schema) {
  if (text.empty()) return Value::null();
  // Most scalars are names and paths: their first character rules out every other type.
  const char c = text[0];
  const bool word = c == '~' || c == 'n' || c == 'N' || c == 't' || c == 'T' || c == 'f' ||
                    c == 'F' ||
                    (schema == YamlSchema::Go11 && (c == 'y' || c == 'Y' || c == 'o' || c == 'O'));
  const bool number = is_digit(c) || c == '-' || c == '+' || c == '.';
  if (!word && !number) return Value::string(text);
  if (resolve_null(text)) return Value::null();
  bool b;
  if (resolve_bool(text, schema, b)) return Value::boolean(b);
  if (schema == YamlSchema::Decimal12) return resolve_decimal_number(text);
  if (is_special_float(text)) return Value();
  Value v = schema == YamlSchema::Go11 ? resolve_go11_int(text) : resolve_core_int(text);
  if (v.is_defined()) return v;
  v = parse_yaml_float(text);
  return v.is_defined() ? v : Value::string(text);
}

bool parse_yaml(std::string_view text, std::vector<Value>& docs, TextError& err,
                YamlSchema schema) {
  docs.clear();
  YamlBuilder builder(text, schema, err);
  return builder.run(docs);
}

void line_col_of_offset(std::string_view text, size_t offset, int& line, int& col) {
  line = 1;
  size_t line_start = 0;
  offset = std::min(offset, text.size());
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  col = static_cast<int>(offset - line_start) + 1;
}

std::string line_of(std::string_view text, int line) {
  if (line <= 0) return "";
  size_t start = 0;
  for (int current = 1; current < line; ++current) {
    start = text.find('\n', start);
    if (start == std::string_view::npos) return "";
    ++start;
  }
  size_t end = text.find('\n', start);
  return std::string(
      text.substr(start, end == std::string_view::npos ? text.size() - start : end - start));
}

void attach_source_line(Diagnostic& d) {
  if (!d.source_line.empty() || d.line <= 0 || d.file.empty()) return;
  std::string text;
  if (read_file(d.file, text)) d.source_line = line_of(text, d.line);
}

}  // namespace policyc
