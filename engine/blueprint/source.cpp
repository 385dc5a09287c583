// Blueprint files to Values with a position for every value.
//
// engine/io/yaml.cpp builds Values for `opa eval` and drops positions once parsing is done;
// blueprints need them afterwards (schema errors, provenance, policy messages pointing at a
// blueprint line), so this walker records a path -> position entry as each node starts.
// Depth and alias expansion are bounded so hostile input is an error, not a crash.
#include <yaml.h>

#include <algorithm>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "policyc/engine/blueprint/blueprint.hpp"
#include "policyc/engine/io.hpp"

namespace policyc::blueprint {

namespace {

// Blueprints are shallow; a document nested this deep is a mistake or an attack, and the
// limit keeps path strings and the frame stack small.
constexpr size_t kMaxDepth = 256;
// Longer keys are rarely repeated; interning them would only grow the table.
constexpr size_t kMaxInternedKeyLength = 64;
// An alias bomb shares payloads while parsing and explodes in whatever walks the result.
constexpr size_t kMinAliasBudget = 100'000;
constexpr size_t kAliasBudgetPerEvent = 50;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// YAML 1.2 core schema for plain scalars: null, booleans, decimal integers and floats.
// Blueprints are written by people; octal/hex ints would only surprise them.
Value resolve_plain_scalar(std::string_view s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return Value::null();
  if (s == "true" || s == "True" || s == "TRUE") return Value::boolean(true);
  if (s == "false" || s == "False" || s == "FALSE") return Value::boolean(false);
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

class PositionedBuilder {
 public:
  PositionedBuilder(SourceDocument& out, std::vector<Diagnostic>& errors, bool record_positions)
      : out_(out), errors_(errors), record_positions_(record_positions) {}

  bool run() {
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) return fail(1, 1, "cannot initialise libyaml");
    yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(out_.text.data()),
                                 out_.text.size());
    bool ok = true;
    bool done = false;
    while (ok && !done) {
      yaml_event_t event;
      if (!yaml_parser_parse(&parser, &event)) {
        ok = fail_from_parser(parser);
        break;
      }
      ++event_count_;
      done = event.type == YAML_STREAM_END_EVENT;
      ok = handle(event);
      yaml_event_delete(&event);
    }
    yaml_parser_delete(&parser);
    return ok;
  }

 private:
  // Where each key of a mapping starts; the key text itself is in Frame::entries.
  struct KeyMark {
    int line;
    int col;
  };

  struct Frame {
    bool is_mapping = false;
    std::string path;
    std::string anchor;
    size_t node_count = 1;
    ValueVec items;
    ObjectEntries entries;
    std::vector<KeyMark> keys;
    bool expecting_key = true;
  };

  bool fail(int line, int col, std::string message) {
    errors_.push_back(out_.error(kParseError, line, col, std::move(message)));
    return false;
  }

  // libyaml's messages are terse ("found character that cannot start any token"); name the
  // usual culprits so the author knows what to fix.
  bool fail_from_parser(const yaml_parser_t& parser) {
    int line = static_cast<int>(parser.problem_mark.line) + 1;
    int col = static_cast<int>(parser.problem_mark.column) + 1;
    std::string problem = parser.problem ? parser.problem : "syntax error";
    std::string message = parser.context ? std::string(parser.context) + ": " + problem : problem;
    std::string text = out_.line_text(line);
    size_t tab = text.find('\t');
    if (tab != std::string::npos && problem.find("cannot start any token") != std::string::npos) {
      return fail(line, static_cast<int>(tab) + 1,
                  "tab character in indentation: YAML indents with spaces only");
    }
    if (problem.find("end of stream") != std::string::npos &&
        message.find("quoted scalar") != std::string::npos) {
      int start_line = static_cast<int>(parser.context_mark.line) + 1;
      int start_col = static_cast<int>(parser.context_mark.column) + 1;
      return fail(start_line, start_col, "unterminated quoted string");
    }
    bool json = out_.file.size() >= 5 && out_.file.compare(out_.file.size() - 5, 5, ".json") == 0;
    return fail(line, col, (json ? "invalid JSON: " : "invalid YAML: ") + message);
  }

  std::string next_child_path() const {
    const Frame& parent = stack_.back();
    if (parent.is_mapping) return child_path(parent.path, parent.entries.back().first.str());
    return index_path(parent.path, parent.items.size());
  }

  // Records where the node about to be added starts, and returns its path.
  std::string record(int line, int col) {
    if (!record_positions_) return {};
    Position pos{line, col, line, col};
    std::string path;
    if (!stack_.empty()) {
      path = next_child_path();
      if (stack_.back().is_mapping) {
        pos.key_line = stack_.back().keys.back().line;
        pos.key_col = stack_.back().keys.back().col;
      }
    }
    out_.positions.back()[path] = pos;
    return path;
  }

  bool in_key_position() const {
    return !stack_.empty() && stack_.back().is_mapping && stack_.back().expecting_key;
  }

  bool handle(const yaml_event_t& event) {
    int line = static_cast<int>(event.start_mark.line) + 1;
    int col = static_cast<int>(event.start_mark.column) + 1;
    switch (event.type) {
      case YAML_DOCUMENT_START_EVENT:
        anchors_.clear();
        root_ = Value();
        out_.positions.emplace_back();
        return true;
      case YAML_DOCUMENT_END_EVENT:
        out_.documents.push_back(root_.is_defined() ? root_ : Value::null());
        return true;
      case YAML_SEQUENCE_START_EVENT:
      case YAML_MAPPING_START_EVENT: {
        if (stack_.size() >= kMaxDepth) {
          return fail(line, col,
                      "document nested deeper than " + std::to_string(kMaxDepth) + " levels");
        }
        if (in_key_position()) return fail(line, col, "mapping keys must be plain strings");
        bool is_mapping = event.type == YAML_MAPPING_START_EVENT;
        Frame frame;
        frame.is_mapping = is_mapping;
        frame.path = record(line, col);
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
          v = Value::object(std::move(frame.entries));
        } else {
          v = Value::array(std::move(frame.items));
        }
        if (!frame.anchor.empty()) anchors_[frame.anchor] = {v, frame.node_count};
        attach(std::move(v), frame.node_count);
        return true;
      }
      case YAML_SCALAR_EVENT:
        return handle_scalar(event, line, col);
      case YAML_ALIAS_EVENT: {
        std::string name = reinterpret_cast<const char*>(event.data.alias.anchor);
        auto it = anchors_.find(name);
        if (it == anchors_.end()) return fail(line, col, "unknown anchor '" + name + "'");
        expanded_nodes_ += it->second.second;
        size_t budget = std::max(kMinAliasBudget, event_count_ * kAliasBudgetPerEvent);
        if (expanded_nodes_ > budget) {
          return fail(line, col, "aliases expand to too many nodes (alias bomb?)");
        }
        if (in_key_position()) {
          if (!it->second.first.is_string()) {
            return fail(line, col, "mapping keys must be plain strings");
          }
          return add_key(it->second.first.str(), line, col);
        }
        record(line, col);
        attach(it->second.first, it->second.second);
        return true;
      }
      default:
        return true;
    }
  }

  bool handle_scalar(const yaml_event_t& event, int line, int col) {
    const auto& scalar = event.data.scalar;
    std::string_view text(reinterpret_cast<const char*>(scalar.value), scalar.length);
    bool plain = scalar.style == YAML_PLAIN_SCALAR_STYLE || scalar.style == YAML_ANY_SCALAR_STYLE;
    if (in_key_position()) {
      if (plain && text == "<<") {
        return fail(line, col, "YAML merge keys ('<<') are not supported in blueprints");
      }
      if (scalar.anchor)
        anchors_[reinterpret_cast<const char*>(scalar.anchor)] = {Value::string(text), 1};
      return add_key(std::string(text), line, col);
    }
    Value v = plain ? resolve_plain_scalar(text) : Value::string(text);
    if (scalar.anchor) anchors_[reinterpret_cast<const char*>(scalar.anchor)] = {v, 1};
    record(line, col);
    attach(std::move(v), 1);
    return true;
  }

  bool add_key(std::string key, int line, int col) {
    Frame& frame = stack_.back();
    frame.keys.push_back(KeyMark{line, col});
    // Keys repeat across every service of a system and match the policies' constants:
    // shared (interned) payloads let lookups match by pointer.
    frame.entries.emplace_back(
        key.size() <= kMaxInternedKeyLength ? Value::interned(key) : Value::string(std::move(key)),
        Value());
    frame.expecting_key = false;
    return true;
  }

  void attach(Value v, size_t node_count) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return;
    }
    Frame& parent = stack_.back();
    parent.node_count += node_count;
    if (parent.is_mapping) {
      parent.entries.back().second = std::move(v);
      parent.expecting_key = true;
    } else {
      parent.items.push_back(std::move(v));
    }
  }

  // Value::object keeps the last of equal keys silently; a repeated key in a blueprint is
  // almost always a merge mistake, so it is an error at the second occurrence.
  bool check_duplicate_keys(const Frame& frame) {
    if (frame.keys.size() < 2) return true;
    std::vector<size_t> order(frame.keys.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    auto key = [&](size_t i) -> const std::string& { return frame.entries[i].first.str(); };
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return key(a) < key(b); });
    for (size_t i = 1; i < order.size(); ++i) {
      if (key(order[i]) == key(order[i - 1])) {
        const KeyMark& second = frame.keys[order[i]];
        return fail(second.line, second.col,
                    "duplicate key '" + key(order[i]) + "' (first defined on line " +
                        std::to_string(frame.keys[order[i - 1]].line) + ")");
      }
    }
    return true;
  }

  SourceDocument& out_;
  std::vector<Diagnostic>& errors_;
  // Off: only values (and key marks, for duplicate-key errors); positions come on demand.
  bool record_positions_;
  std::vector<Frame> stack_;
  std::unordered_map<std::string, std::pair<Value, size_t>> anchors_;
  Value root_;
  size_t event_count_ = 0;
  size_t expanded_nodes_ = 0;
};

}  // namespace

std::string child_path(std::string_view parent, std::string_view key) {
  std::string path;
  path.reserve(parent.size() + key.size() + 1);
  path += parent;
  if (!parent.empty()) path += '.';
  path += key;
  return path;
}

std::string index_path(std::string_view parent, size_t index) {
  std::string path(parent);
  path += '[';
  path += std::to_string(index);
  path += ']';
  return path;
}

const PositionMap& SourceDocument::position_map(size_t doc) const {
  if (!positions_recorded) {
    // The text parsed once already, so this second pass cannot fail.
    SourceDocument again;
    again.file = file;
    again.text = text;
    std::vector<Diagnostic> errors;
    PositionedBuilder builder(again, errors, true);
    builder.run();
    positions = std::move(again.positions);
    positions.resize(documents.size());
    positions_recorded = true;
  }
  static const PositionMap kEmpty;
  return doc < positions.size() ? positions[doc] : kEmpty;
}

Position SourceDocument::find(size_t doc, std::string_view path) const {
  if (doc >= documents.size()) return Position{};
  const PositionMap& map = position_map(doc);
  std::string key(path);
  while (true) {
    auto it = map.find(key);
    if (it != map.end()) return it->second;
    if (key.empty()) return Position{};
    size_t cut = key.find_last_of(".[");
    key.resize(cut == std::string::npos ? 0 : cut);
  }
}

Diagnostic SourceDocument::error(const char* code, int line, int col, std::string message) const {
  Diagnostic d;
  d.code = code;
  d.message = std::move(message);
  d.file = file;
  d.line = line > 0 ? line : 1;
  d.col = col > 0 ? col : 1;
  d.source_line = line_text(d.line);
  return d;
}

std::string SourceDocument::line_text(int line) const {
  if (line <= 0) return "";
  size_t start = 0;
  for (int i = 1; i < line; ++i) {
    start = text.find('\n', start);
    if (start == std::string::npos) return "";
    ++start;
  }
  size_t end = text.find('\n', start);
  std::string result =
      text.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (!result.empty() && result.back() == '\r') result.pop_back();
  return result;
}

bool parse_source(std::string file, std::string text, SourceDocument& out,
                  std::vector<Diagnostic>& errors, bool lazy_positions) {
  out = SourceDocument{};
  out.file = std::move(file);
  out.text = std::move(text);
  // JSON is YAML's flow style, so one walker serves both and JSON values get positions too.
  PositionedBuilder builder(out, errors, !lazy_positions);
  if (!builder.run()) return false;
  if (out.documents.empty()) out.documents.push_back(Value::null());
  if (lazy_positions) {
    out.positions.clear();
  } else {
    out.positions.resize(out.documents.size());
    out.positions_recorded = true;
  }
  return true;
}

bool load_source(const std::string& file, SourceDocument& out, std::vector<Diagnostic>& errors,
                 bool lazy_positions) {
  std::string text;
  if (!read_file(file, text)) {
    Diagnostic d;
    d.code = kIoError;
    d.message = "cannot read file";
    d.file = file;
    errors.push_back(std::move(d));
    return false;
  }
  return parse_source(file, std::move(text), out, errors, lazy_positions);
}

}  // namespace policyc::blueprint
