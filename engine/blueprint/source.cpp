// Blueprint files to Values with a position for every value.
//
// engine/core/io/yaml.cpp builds Values for `opa eval` and drops positions once parsing is done;
// blueprints need them afterwards (schema errors, provenance, policy messages pointing at a
// blueprint line), so this walker records a path -> position entry as each node starts.
// Depth and alias expansion are bounded so hostile input is an error, not a crash.
#include <yaml.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "policyc/blueprint/blueprint.hpp"
#include "policyc/core/io.hpp"
#include "yaml_events.hpp"

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
// Mappings up to this size are ordered through a byte index array (Value's in-place build).
constexpr size_t kMaxSortedInPlace = 255;

// Strings this thread built recently, by a cheap hash of their text. The files of one
// system repeat the same keys and many of the same values ("stateless", "/health/ready"),
// so most are found here before the intern table is hashed or anything is allocated.
// Values are immutable, so sharing a payload is invisible; every loader thread has its own
// table, so no reference count is written by two threads.
class RecentStrings {
 public:
  const Value* find(std::string_view text) {
    if (text.size() > kMaxLength) return nullptr;
    const Value& slot = slots_[slot_of(text)];
    return slot.is_string() && slot.str() == text ? &slot : nullptr;
  }
  void remember(std::string_view text, const Value& v) {
    if (text.size() <= kMaxLength) slots_[slot_of(text)] = v;
  }

 private:
  static constexpr size_t kSlots = 1024;
  static constexpr size_t kMaxLength = 64;
  static size_t slot_of(std::string_view text) {
    uint32_t h = 2166136261u;  // FNV-1a
    for (char c : text) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
    return h & (kSlots - 1);
  }
  std::array<Value, kSlots> slots_;
};

thread_local RecentStrings recent_keys;
thread_local RecentStrings recent_plain_strings;
thread_local RecentStrings recent_quoted_strings;

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

// A builder's open collections. Kept per thread after the builder is done, so the next
// file's builder reuses their vectors instead of allocating them again.
thread_local std::vector<std::vector<Frame>> spare_frame_stacks;

class PositionedBuilder final : public YamlEventSink {
 public:
  PositionedBuilder(SourceDocument& out, std::vector<Diagnostic>& errors, bool record_positions)
      : out_(out), errors_(errors), record_positions_(record_positions) {
    if (!spare_frame_stacks.empty()) {
      frames_ = std::move(spare_frame_stacks.back());
      spare_frame_stacks.pop_back();
    }
  }
  ~PositionedBuilder() override { spare_frame_stacks.push_back(std::move(frames_)); }
  PositionedBuilder(const PositionedBuilder&) = delete;
  PositionedBuilder& operator=(const PositionedBuilder&) = delete;

  bool run(YamlReader reader) {
    if (reader == YamlReader::Fast) {
      size_t errors_before = errors_.size();
      if (scan_block_yaml(out_.text, *this) && depth_ == 0) return true;
      // Not the common block style, or not valid: start again with libyaml, which words the
      // error if there is one.
      errors_.erase(errors_.begin() + static_cast<std::ptrdiff_t>(errors_before), errors_.end());
      out_.documents.clear();
      out_.positions.clear();
      depth_ = 0;
      anchors_.clear();
      root_ = Value();
    }
    return run_libyaml();
  }

  bool document_start() override {
    anchors_.clear();
    root_ = Value();
    out_.positions.emplace_back();
    return true;
  }

  bool document_end() override {
    out_.documents.push_back(root_.is_defined() ? root_ : Value::null());
    return true;
  }

  bool collection_start(bool is_mapping, int line, int col, std::string_view anchor) override {
    if (depth_ >= kMaxDepth) {
      return fail(line, col,
                  "document nested deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    if (in_key_position()) return fail(line, col, "mapping keys must be plain strings");
    std::string path = record(line, col);
    // Frames are reused level by level so their vectors keep their capacity.
    if (depth_ == frames_.size()) frames_.emplace_back();
    Frame& frame = frames_[depth_++];
    frame.is_mapping = is_mapping;
    frame.path = std::move(path);
    frame.anchor = anchor;
    frame.node_count = 1;
    frame.items.clear();
    frame.entries.clear();
    frame.keys.clear();
    frame.expecting_key = true;
    return true;
  }

  bool collection_end() override {
    Frame& frame = frames_[--depth_];
    Value v;
    if (frame.is_mapping) {
      if (!build_object(frame, v)) return false;
    } else {
      // A right-sized copy, so the frame keeps its vector's capacity for the next list.
      v = Value::array(ValueVec(std::make_move_iterator(frame.items.begin()),
                                std::make_move_iterator(frame.items.end())));
    }
    if (!frame.anchor.empty()) anchors_[frame.anchor] = {v, frame.node_count};
    attach(std::move(v), frame.node_count);
    return true;
  }

  bool scalar(std::string_view text, bool plain, int line, int col,
              std::string_view anchor) override {
    if (in_key_position()) {
      if (plain && text == "<<") {
        return fail(line, col, "YAML merge keys ('<<') are not supported in blueprints");
      }
      if (!anchor.empty()) anchors_[std::string(anchor)] = {Value::string(text), 1};
      return add_key(text, line, col);
    }
    RecentStrings& recent = plain ? recent_plain_strings : recent_quoted_strings;
    Value v;
    if (const Value* seen = recent.find(text)) {
      v = *seen;
    } else {
      v = plain ? resolve_plain_scalar(text, YamlSchema::Decimal12) : Value::string(text);
      if (v.is_string()) recent.remember(text, v);
    }
    if (!anchor.empty()) anchors_[std::string(anchor)] = {v, 1};
    record(line, col);
    attach(std::move(v), 1);
    return true;
  }

 private:
  bool run_libyaml() {
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

  bool fail(int line, int col, std::string message) {
    errors_.push_back(out_.error(kParseError, line, col, std::move(message)));
    return false;
  }

  // libyaml's messages are terse ("found character that cannot start any token"); name the
  // usual culprits so the author knows what to fix.
  bool fail_from_parser(const yaml_parser_t& parser) {
    int line = static_cast<int>(parser.problem_mark.line) + 1;
    int col = static_cast<int>(parser.problem_mark.column) + 1;
    if (parser.error == YAML_READER_ERROR)
      line_col_of_offset(out_.text, parser.problem_offset, line, col);
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
    const Frame& parent = top();
    if (parent.is_mapping) return child_path(parent.path, parent.entries.back().first.str());
    return index_path(parent.path, parent.items.size());
  }

  // Records where the node about to be added starts, and returns its path.
  std::string record(int line, int col) {
    if (!record_positions_) return {};
    Position pos{line, col, line, col};
    std::string path;
    if (depth_ > 0) {
      path = next_child_path();
      if (top().is_mapping) {
        pos.key_line = top().keys.back().line;
        pos.key_col = top().keys.back().col;
      }
    }
    out_.positions.back()[path] = pos;
    return path;
  }

  bool in_key_position() const { return depth_ > 0 && top().is_mapping && top().expecting_key; }

  static std::string_view anchor_of(const yaml_char_t* anchor) {
    return anchor ? std::string_view(reinterpret_cast<const char*>(anchor)) : std::string_view();
  }

  bool handle(const yaml_event_t& event) {
    int line = static_cast<int>(event.start_mark.line) + 1;
    int col = static_cast<int>(event.start_mark.column) + 1;
    switch (event.type) {
      case YAML_DOCUMENT_START_EVENT:
        return document_start();
      case YAML_DOCUMENT_END_EVENT:
        return document_end();
      case YAML_SEQUENCE_START_EVENT:
        return collection_start(false, line, col, anchor_of(event.data.sequence_start.anchor));
      case YAML_MAPPING_START_EVENT:
        return collection_start(true, line, col, anchor_of(event.data.mapping_start.anchor));
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT:
        return collection_end();
      case YAML_SCALAR_EVENT: {
        const auto& s = event.data.scalar;
        bool plain = s.style == YAML_PLAIN_SCALAR_STYLE || s.style == YAML_ANY_SCALAR_STYLE;
        return scalar(std::string_view(reinterpret_cast<const char*>(s.value), s.length), plain,
                      line, col, anchor_of(s.anchor));
      }
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

  bool add_key(std::string_view key, int line, int col) {
    Frame& frame = top();
    frame.keys.push_back(KeyMark{line, col});
    // Keys repeat across every service of a system and match the policies' constants:
    // shared (interned) payloads let lookups match by pointer.
    if (const Value* seen = recent_keys.find(key)) {
      frame.entries.emplace_back(*seen, Value());
    } else {
      frame.entries.emplace_back(
          key.size() <= kMaxInternedKeyLength ? Value::interned(key) : Value::string(key), Value());
      recent_keys.remember(key, frame.entries.back().first);
    }
    frame.expecting_key = false;
    return true;
  }

  void attach(Value v, size_t node_count) {
    if (depth_ == 0) {
      root_ = std::move(v);
      return;
    }
    Frame& parent = top();
    parent.node_count += node_count;
    if (parent.is_mapping) {
      parent.entries.back().second = std::move(v);
      parent.expecting_key = true;
    } else {
      parent.items.push_back(std::move(v));
    }
  }

  Frame& top() { return frames_[depth_ - 1]; }
  const Frame& top() const { return frames_[depth_ - 1]; }

  // Value::object keeps the last of equal keys silently; a repeated key in a blueprint is
  // almost always a merge mistake, so it is an error at the second occurrence. Keys are
  // ordered through an index array (stable, so equal keys keep their order), which also
  // serves to build the object without a second sort.
  bool build_object(Frame& frame, Value& out) {
    size_t n = frame.entries.size();
    if (n > kMaxSortedInPlace) {
      order_wide_.resize(n);
      for (size_t i = 0; i < n; ++i) order_wide_[i] = static_cast<uint32_t>(i);
      std::stable_sort(order_wide_.begin(), order_wide_.end(), [&](uint32_t a, uint32_t b) {
        return frame.entries[a].first.str() < frame.entries[b].first.str();
      });
      if (!check_duplicates(frame, order_wide_)) return false;
      out = Value::object(std::move(frame.entries));
      return true;
    }
    order_.resize(n);
    for (size_t i = 0; i < n; ++i) {
      // Insertion sort: blueprint mappings are small and often nearly in order.
      const std::string& key = frame.entries[i].first.str();
      size_t j = i;
      while (j > 0 && key < frame.entries[order_[j - 1]].first.str()) {
        order_[j] = order_[j - 1];
        --j;
      }
      order_[j] = static_cast<uint8_t>(i);
    }
    if (!check_duplicates(frame, order_)) return false;
    out = Value::object_sorted_moving(std::span<ObjectEntry>(frame.entries), order_.data());
    return true;
  }

  template <typename Order>
  bool check_duplicates(const Frame& frame, const Order& order) {
    auto key = [&](size_t i) -> const std::string& { return frame.entries[order[i]].first.str(); };
    for (size_t i = 1; i < order.size(); ++i) {
      if (key(i) == key(i - 1)) {
        const KeyMark& second = frame.keys[order[i]];
        return fail(second.line, second.col,
                    "duplicate key '" + key(i) + "' (first defined on line " +
                        std::to_string(frame.keys[order[i - 1]].line) + ")");
      }
    }
    return true;
  }

  SourceDocument& out_;
  std::vector<Diagnostic>& errors_;
  // Off: only values (and key marks, for duplicate-key errors); positions come on demand.
  bool record_positions_;
  std::vector<Frame> frames_;  // [0, depth_) are the open collections
  size_t depth_ = 0;
  std::vector<uint8_t> order_;
  std::vector<uint32_t> order_wide_;
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
  std::lock_guard<std::mutex> guard(recording_lock_.mutex);
  if (!positions_recorded) {
    // The text parsed once already, so this second pass cannot fail.
    SourceDocument again;
    again.file = file;
    again.text = text;
    std::vector<Diagnostic> errors;
    PositionedBuilder builder(again, errors, true);
    builder.run(YamlReader::Fast);
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
  std::string result = line_of(text, line);
  if (!result.empty() && result.back() == '\r') result.pop_back();
  return result;
}

bool parse_source(std::string file, std::string text, SourceDocument& out,
                  std::vector<Diagnostic>& errors, bool lazy_positions, YamlReader reader) {
  out = SourceDocument{};
  out.file = std::move(file);
  out.text = std::move(text);
  // JSON is YAML's flow style, so one walker serves both and JSON values get positions too.
  PositionedBuilder builder(out, errors, !lazy_positions);
  if (!builder.run(reader)) return false;
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
