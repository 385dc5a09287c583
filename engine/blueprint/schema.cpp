// Schema validation for blueprints, driven by the JSON Schema files in schema/.
//
// Only the subset the blueprint schemas use is implemented: type, enum, properties,
// additionalProperties, required, items, minimum, $ref into definitions, and `format` for the
// blueprint's own string kinds (duration, size, cpu, budget, version). A general JSON Schema
// library would neither point at file:line:col nor suggest the nearest key, which is the point
// here.
//
// Shorthands are declared in the schema with x- keywords, which the emitted JSON Schema
// (schema_document) turns into standard ones:
//   x-aliasOf: "resources.cpuLimit"  this key is another name for that path (relative to the
//                                    mapping holding it); the loader moves it there.
//   x-single: true                   a list that may be given as its one item.
//   x-nameOf: ["name", "stream"]     a mapping stands for the string it names: the first of
//                                    these keys it has (the rest of it is checked, not kept).
//   x-enumAliases: {"DMZ": "dmz"}    other spellings of enum values, replaced by the loader.
//   x-inlineOverlay: true            a mapping that also takes every service key (the
//                                    inline environment overlays).
//   x-stringEnum: [dev, prod, ...]   the values a string may take where a mapping may stand
//                                    too (an environment's name, or its inline overlay).
// The validator accepts them and notes where (validate's `shorthands`);
// normalize_shorthands() rewrites only those parts into the one shape policies see.
#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "policyc/blueprint/blueprint.hpp"
#include "policyc/core/io.hpp"

namespace policyc::blueprint {

// Embedded schema texts (generated from schema/*.json by CMake).
extern const char* const kServiceSchemaText;
extern const char* const kSystemSchemaText;
extern const char* const kHistorySchemaText;

namespace {

enum TypeBit : uint8_t {
  kObject = 1,
  kArray = 2,
  kString = 4,
  kInteger = 8,
  kNumber = 16,
  kBoolean = 32,
  kNull = 64,
};

enum class Format { None, Duration, Size, Cpu, Budget, Version };

struct SchemaNode {
  uint8_t types = 0;  // 0: any
  std::vector<Value> enum_values;
  std::map<std::string, const SchemaNode*, std::less<>> properties;
  // The same, keyed by the interned payload of each name: blueprint keys are interned as
  // they are parsed, so most lookups are one pointer hash instead of string comparisons.
  std::unordered_map<const std::string*, const SchemaNode*> interned_properties;
  bool closed = false;                     // additionalProperties: false
  const SchemaNode* additional = nullptr;  // additionalProperties: {schema}
  std::vector<std::string> required;
  std::vector<Value> required_keys;  // `required`, interned
  const SchemaNode* items = nullptr;
  Format format = Format::None;
  bool has_minimum = false;
  double minimum = 0;
  std::string description;  // what the object is, for messages ("service blueprint")
  // Shorthands (see the top of this file).
  std::string alias_of;                               // x-aliasOf
  bool single = false;                                // x-single
  std::vector<Value> name_of;                         // x-nameOf, interned
  std::vector<std::pair<Value, Value>> enum_aliases;  // x-enumAliases
  bool inline_overlay = false;                        // x-inlineOverlay
  std::vector<Value> string_enum;                     // x-stringEnum: enum for strings only
  // The kinds of value (TypeBit) a shorthand above may stand for: those are looked at before
  // the rest (x-single: anything but a list; x-nameOf, x-inlineOverlay: a mapping;
  // x-stringEnum: a string).
  uint8_t shorthand_kinds = 0;
};

class CompiledSchema {
 public:
  explicit CompiledSchema(const char* text) {
    TextError err;
    if (!parse_json(text, document_, err)) {
      // The schema is part of the build; failing here is a programming error, reported once.
      error_ = "embedded schema is not valid JSON: " + err.message;
      root_ = &nodes_.emplace_back();
      return;
    }
    root_ = compile(document_);
    // An inline overlay takes every key of the document beside its own, except those that
    // make no sense inside one (`environments` and `infrastructure` themselves).
    for (SchemaNode* node : inline_overlays_) {
      for (const auto& [name, sub] : root_->properties) {
        if (name == "environments" || name == "infrastructure" || node->properties.count(name))
          continue;
        node->properties[name] = sub;
        node->interned_properties[&Value::interned(name).str()] = sub;
      }
    }
  }
  const SchemaNode* root() const { return root_; }
  const std::string& error() const { return error_; }

 private:
  // One pass over the keywords of a schema object (descriptions and unknown keywords are
  // skipped): the schemas are compiled once per run, before the first file is checked.
  const SchemaNode* compile(const Value& schema) {
    if (!schema.is_object()) return &nodes_.emplace_back();
    if (const Value* ref = field(schema, "$ref"); ref && ref->is_string()) {
      return resolve_ref(ref->str());
    }
    SchemaNode& node = nodes_.emplace_back();
    for (const auto& [key, value] : schema.entries()) {
      const std::string& k = key.str();
      if (k == "type") {
        if (value.is_string()) node.types = type_bit(value.str());
        if (value.is_array()) {
          for (const auto& t : value.items())
            if (t.is_string()) node.types |= type_bit(t.str());
        }
      } else if (k == "enum") {
        if (value.is_array()) node.enum_values = value.items();
      } else if (k == "properties") {
        if (!value.is_object()) continue;
        for (const auto& [name, sub] : value.entries()) {
          const SchemaNode* child = compile(sub);
          node.properties[name.str()] = child;
          node.interned_properties[&Value::interned(name.str()).str()] = child;
        }
      } else if (k == "additionalProperties") {
        if (value.is_false()) node.closed = true;
        if (value.is_object()) node.additional = compile(value);
      } else if (k == "required") {
        if (!value.is_array()) continue;
        for (const auto& r : value.items()) {
          if (!r.is_string()) continue;
          node.required.push_back(r.str());
          node.required_keys.push_back(Value::interned(r.str()));
        }
      } else if (k == "items") {
        if (value.is_object()) node.items = compile(value);
      } else if (k == "format") {
        if (!value.is_string()) continue;
        const std::string& f = value.str();
        node.format = f == "duration"  ? Format::Duration
                      : f == "size"    ? Format::Size
                      : f == "cpu"     ? Format::Cpu
                      : f == "budget"  ? Format::Budget
                      : f == "version" ? Format::Version
                                       : Format::None;
      } else if (k == "minimum") {
        if (!value.is_number()) continue;
        node.has_minimum = true;
        node.minimum = value.to_double();
      } else if (k == "title") {
        if (value.is_string()) node.description = value.str();
      } else if (k.size() > 2 && k[0] == 'x' && k[1] == '-') {
        compile_shorthand(k, value, node);
      }
    }
    // Other spellings of enum values are looked at only when a value is not one of them.
    if (node.single) node.shorthand_kinds |= static_cast<uint8_t>(~kArray);
    if (!node.name_of.empty() || node.inline_overlay) node.shorthand_kinds |= kObject;
    if (!node.string_enum.empty()) node.shorthand_kinds |= kString;
    return &node;
  }

  void compile_shorthand(const std::string& k, const Value& value, SchemaNode& node) {
    if (k == "x-aliasOf" && value.is_string()) {
      node.alias_of = value.str();
    } else if (k == "x-single") {
      node.single = value.is_true();
    } else if (k == "x-nameOf" && value.is_array()) {
      for (const auto& key : value.items())
        if (key.is_string()) node.name_of.push_back(Value::interned(key.str()));
    } else if (k == "x-enumAliases" && value.is_object()) {
      for (const auto& [from, to] : value.entries()) node.enum_aliases.emplace_back(from, to);
    } else if (k == "x-stringEnum" && value.is_array()) {
      node.string_enum = value.items();
    } else if (k == "x-inlineOverlay" && value.is_true()) {
      node.inline_overlay = true;
      inline_overlays_.push_back(&node);
    }
  }

  const SchemaNode* resolve_ref(const std::string& ref) {
    auto it = refs_.find(ref);
    if (it != refs_.end()) return it->second;
    constexpr std::string_view kPrefix = "#/definitions/";
    const Value* defs = field(document_, "definitions");
    const Value* target = nullptr;
    if (defs && ref.compare(0, kPrefix.size(), kPrefix) == 0) {
      target = field(*defs, ref.substr(kPrefix.size()));
    }
    if (!target) {
      error_ = "schema $ref not found: " + ref;
      return &nodes_.emplace_back();
    }
    // Definitions are not recursive in the blueprint schemas, so compiling on first use and
    // caching is enough (no placeholder for cycles needed).
    const SchemaNode* node = compile(*target);
    refs_[ref] = node;
    return node;
  }

  static const Value* field(const Value& object, const std::string& key) {
    if (!object.is_object()) return nullptr;
    return object.get_ptr(Value::string(key));
  }

  static uint8_t type_bit(const std::string& name) {
    if (name == "object") return kObject;
    if (name == "array") return kArray;
    if (name == "string") return kString;
    if (name == "integer") return kInteger;
    if (name == "number") return kNumber | kInteger;
    if (name == "boolean") return kBoolean;
    if (name == "null") return kNull;
    return 0;
  }

  Value document_;
  std::deque<SchemaNode> nodes_;  // stable addresses
  std::map<std::string, const SchemaNode*> refs_;
  std::vector<SchemaNode*> inline_overlays_;
  const SchemaNode* root_ = nullptr;
  std::string error_;
};

// Each schema is compiled on first use.
const CompiledSchema& schema_for(SchemaKind kind) {
  if (kind == SchemaKind::System) {
    static const CompiledSchema system(kSystemSchemaText);
    return system;
  }
  if (kind == SchemaKind::History) {
    static const CompiledSchema history(kHistorySchemaText);
    return history;
  }
  static const CompiledSchema service(kServiceSchemaText);
  return service;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      size_t substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitution});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string nearest_name(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = SIZE_MAX;
  for (const auto& c : candidates) {
    size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  size_t limit = std::max<size_t>(2, word.size() / 3);
  return best_distance <= limit ? best : std::string();
}

namespace {

bool is_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "123" or "1.5": an unsigned decimal.
bool is_decimal(std::string_view s) {
  size_t dot = s.find('.');
  if (dot == std::string_view::npos) return is_digits(s);
  return is_digits(s.substr(0, dot)) && is_digits(s.substr(dot + 1));
}

// One or more <digits><unit> groups: 30s, 500ms, 1h30m, 7d.
bool is_duration(std::string_view s) {
  if (s.empty()) return false;
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start) return false;
    size_t unit_start = i;
    while (i < s.size() && s[i] >= 'a' && s[i] <= 'z') ++i;
    std::string_view unit = s.substr(unit_start, i - unit_start);
    if (unit != "ms" && unit != "s" && unit != "m" && unit != "h" && unit != "d") return false;
  }
  return true;
}

// Kubernetes quantities for memory and disk: 512Mi, 1.5Gi, 256M, or plain bytes.
bool is_size(std::string_view s) {
  static const char* const kSuffixes[] = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "k",
                                          "K",  "M",  "G",  "T",  "P",  "E"};
  for (const char* suffix : kSuffixes) {
    std::string_view sv(suffix);
    if (s.size() > sv.size() && s.substr(s.size() - sv.size()) == sv) {
      return is_decimal(s.substr(0, s.size() - sv.size()));
    }
  }
  return is_decimal(s);
}

// CPU: cores (0.5, 2) or millicores (500m).
bool is_cpu(std::string_view s) {
  if (!s.empty() && s.back() == 'm') return is_digits(s.substr(0, s.size() - 1));
  return is_decimal(s);
}

// "$40/month", "$1200.50/year": an amount in dollars per period, as the seed writes budgets.
bool is_budget(std::string_view s) {
  if (s.size() < 2 || s[0] != '$') return false;
  size_t slash = s.find('/');
  if (slash == std::string_view::npos) return false;
  std::string_view period = s.substr(slash + 1);
  return is_decimal(s.substr(1, slash - 1)) &&
         (period == "hour" || period == "day" || period == "week" || period == "month" ||
          period == "year");
}

// "v3": the version of a versioned blueprint file.
bool is_version(std::string_view s) {
  return s.size() > 1 && s[0] == 'v' && is_digits(s.substr(1));
}

const char* format_example(Format f) {
  switch (f) {
    case Format::Duration:
      return "a duration such as '30s', '500ms' or '1h30m'";
    case Format::Size:
      return "a size such as '512Mi' or '2Gi'";
    case Format::Cpu:
      return "a CPU quantity such as '500m' or '2'";
    case Format::Budget:
      return "a budget such as '$40/month'";
    case Format::Version:
      return "a version such as 'v3'";
    case Format::None:
      break;
  }
  return "";
}

const char* kind_label(const Value& v) {
  switch (v.kind()) {
    case Kind::Null:
      return "null";
    case Kind::Boolean:
      return "a boolean";
    case Kind::Number:
      return v.is_integer() ? "an integer" : "a number";
    case Kind::String:
      return "a string";
    case Kind::Array:
      return "a list";
    case Kind::Object:
      return "a mapping";
    default:
      return "a value";
  }
}

std::string expected_types(uint8_t types) {
  std::vector<std::string> names;
  if (types & kObject) names.push_back("a mapping");
  if (types & kArray) names.push_back("a list");
  if (types & kString) names.push_back("a string");
  if (types & kNumber) {
    names.push_back("a number");
  } else if (types & kInteger) {
    names.push_back("an integer");
  }
  if (types & kBoolean) names.push_back("a boolean");
  if (types & kNull) names.push_back("null");
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

// The TypeBit of a value's kind (integers and other numbers both kNumber).
inline uint8_t kind_bit(const Value& v) {
  switch (v.kind()) {
    case Kind::Object:
      return kObject;
    case Kind::Array:
      return kArray;
    case Kind::String:
      return kString;
    case Kind::Number:
      return kNumber;
    case Kind::Boolean:
      return kBoolean;
    case Kind::Null:
      return kNull;
    default:
      return 0;
  }
}

[[gnu::always_inline]] inline bool matches_type(const Value& v, uint8_t types) {
  if (types == 0) return true;
  switch (v.kind()) {
    case Kind::Object:
      return types & kObject;
    case Kind::Array:
      return types & kArray;
    case Kind::String:
      return types & kString;
    case Kind::Number:
      return (types & kNumber) || ((types & kInteger) && v.is_integer());
    case Kind::Boolean:
      return types & kBoolean;
    case Kind::Null:
      return types & kNull;
    default:
      return false;
  }
}

class Validator {
 public:
  Validator(const SourceDocument& source, size_t doc, SchemaKind kind,
            std::vector<Diagnostic>& errors)
      : source_(source), doc_(doc), overlay_(kind == SchemaKind::Overlay), errors_(errors) {}

  // Where the document used a shorthand (for normalize_shorthands).
  std::vector<std::string> take_shorthands() { return std::move(shorthands_); }

  void check(const Value& v, const SchemaNode& node, std::string& path) {
    if (overlay_ && v.is_null()) return;  // null deletes in an overlay
    if (node.shorthand_kinds && (node.shorthand_kinds & kind_bit(v)) &&
        !check_shorthand(v, node, path))
      return;
    if (!matches_type(v, node.types)) {
      report_value(path, "'" + display(path) + "' must be " + expected_types(node.types) +
                             ", not " + kind_label(v));
      return;
    }
    if (!node.enum_values.empty()) check_enum(v, node.enum_values, path, &node.enum_aliases);
    if (v.is_string() && node.format != Format::None) check_format(v.str(), node.format, path);
    if (v.is_number() && node.has_minimum && v.to_double() < node.minimum) {
      report_value(path, "'" + display(path) + "' must be at least " +
                             Value::from_double(node.minimum).number_to_string());
    }
    if (v.is_object()) check_object(v, node, path);
    if (v.is_array() && node.items) {
      const auto& items = v.items();
      size_t mark = path.size();
      for (size_t i = 0; i < items.size(); ++i) {
        path += '[';
        path += std::to_string(i);
        path += ']';
        check(items[i], *node.items, path);
        path.resize(mark);
      }
    }
  }

 private:
  // Notes a shorthand at `path`; false when the value is checked in full by now.
  [[gnu::noinline]] bool check_shorthand(const Value& v, const SchemaNode& node,
                                         std::string& path) {
    if (node.single && node.items && !v.is_array()) {
      // The list's one item, given alone: checked as the item, where the user wrote it.
      if (!matches_type(v, node.items->types)) {
        report_value(path, "'" + display(path) + "' must be a list, or one item (" +
                               expected_types(node.items->types) + "), not " + kind_label(v));
        return false;
      }
      note(path);
      check(v, *node.items, path);
      return false;
    }
    if (v.is_object() && !node.name_of.empty()) {
      note(path);
      bool named = false;
      for (const auto& key : node.name_of) named = named || v.get_ptr(key);
      if (!named) {
        std::string keys;
        for (const auto& key : node.name_of) keys += (keys.empty() ? "" : ", ") + key.str();
        report_value(path, "'" + display(path) + "' needs one of " + keys);
      }
    }
    if (node.inline_overlay && v.is_object()) note(path);
    if (v.is_string() && !node.string_enum.empty()) check_enum(v, node.string_enum, path);
    return true;
  }

  void note(const std::string& path) {
    if (shorthands_.empty() || shorthands_.back() != path) shorthands_.push_back(path);
  }

  void check_enum(const Value& v, const std::vector<Value>& values, const std::string& path,
                  const std::vector<std::pair<Value, Value>>* aliases = nullptr) {
    for (const auto& allowed : values) {
      if (allowed == v) return;
    }
    enum_mismatch(v, values, path, aliases);
  }

  // Another spelling of a value (noted), or an error naming the values and the nearest.
  [[gnu::noinline]] void enum_mismatch(const Value& v, const std::vector<Value>& values,
                                       const std::string& path,
                                       const std::vector<std::pair<Value, Value>>* aliases) {
    if (aliases) {
      for (const auto& [alias, canonical] : *aliases) {
        if (alias == v) {
          note(path);
          return;
        }
      }
    }
    std::vector<std::string> names;
    std::string list;
    for (const auto& allowed : values) {
      std::string text = allowed.is_string() ? allowed.str() : allowed.to_json();
      if (!list.empty()) list += ", ";
      list += text;
      names.push_back(std::move(text));
    }
    std::string got = v.is_string() ? v.str() : v.to_json();
    std::string message = "'" + display(path) + "' must be one of " + list + "; got '" + got + "'";
    std::string suggestion = v.is_string() ? nearest_name(got, names) : std::string();
    if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
    report_value(path, message);
  }

  void check_format(const std::string& s, Format format, const std::string& path) {
    bool ok = format == Format::Duration ? is_duration(s)
              : format == Format::Size   ? is_size(s)
              : format == Format::Cpu    ? is_cpu(s)
              : format == Format::Budget ? is_budget(s)
                                         : is_version(s);
    if (!ok) {
      report_value(path,
                   "'" + display(path) + "' is '" + s + "'; expected " + format_example(format));
    }
  }

  void check_object(const Value& v, const SchemaNode& node, std::string& path) {
    size_t mark = path.size();
    for (const auto& [key_value, child] : v.entries()) {
      const std::string& key = key_value.str();
      if (!path.empty()) path += '.';
      path += key;
      const SchemaNode* property = nullptr;
      if (auto hit = node.interned_properties.find(&key); hit != node.interned_properties.end()) {
        property = hit->second;
      } else if (auto it = node.properties.find(key); it != node.properties.end()) {
        property = it->second;
      }
      if (property) {
        if (!property->alias_of.empty()) note(path.substr(0, mark));
        check(child, *property, path);
      } else if (key.rfind("x-", 0) == 0) {
        // x- keys are extension points the schema deliberately leaves open.
      } else if (node.additional) {
        check(child, *node.additional, path);
      } else if (node.closed) {
        report_unknown_key(key, node, path, mark);
      }
      path.resize(mark);
    }
    if (overlay_) return;  // an overlay sets only what changes
    for (size_t i = 0; i < node.required.size(); ++i) {
      const std::string& required = node.required[i];
      if (!v.get_ptr(node.required_keys[i])) {
        std::string where = path.empty() ? std::string("the ") + label(node) : "'" + path + "'";
        report_value(path, "missing required key '" + required + "' in " + where);
      }
    }
  }

  void report_unknown_key(const std::string& key, const SchemaNode& node, const std::string& path,
                          size_t parent_length) {
    std::vector<std::string> names;
    for (const auto& [name, sub] : node.properties) names.push_back(name);
    std::string parent = path.substr(0, parent_length);
    std::string message =
        "unknown key '" + key + "' in " + (parent.empty() ? label(node) : "'" + parent + "'");
    std::string suggestion = nearest_name(key, names);
    if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
    Position pos = source_.find(doc_, path);
    add(pos.key_line, pos.key_col, std::move(message));
  }

  std::string label(const SchemaNode& node) const {
    if (!node.description.empty()) return node.description;
    return overlay_ ? "overlay" : "document";
  }

  static std::string display(const std::string& path) { return path.empty() ? "document" : path; }

  void report_value(const std::string& path, std::string message) {
    Position pos = source_.find(doc_, path);
    add(pos.line, pos.col, std::move(message));
  }

  void add(int line, int col, std::string message) {
    errors_.push_back(source_.error(kSchemaError, line, col, std::move(message)));
  }

  const SourceDocument& source_;
  size_t doc_;
  bool overlay_;
  std::vector<Diagnostic>& errors_;
  std::vector<std::string> shorthands_;
};

}  // namespace

bool validate(const SourceDocument& source, size_t doc, SchemaKind kind,
              std::vector<Diagnostic>& errors, std::vector<std::string>* shorthands) {
  const CompiledSchema& schema = schema_for(kind);
  if (!schema.error().empty()) {
    Diagnostic d;
    d.code = kSchemaError;
    d.message = schema.error();
    errors.push_back(std::move(d));
    return false;
  }
  if (doc >= source.documents.size()) return true;
  size_t before = errors.size();
  Validator validator(source, doc, kind, errors);
  std::string path;
  validator.check(source.documents[doc], *schema.root(), path);
  if (shorthands) *shorthands = validator.take_shorthands();
  return errors.size() == before;
}

namespace {

std::vector<std::string> split_dotted(const std::string& path) {
  std::vector<std::string> keys;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    keys.push_back(path.substr(start, dot - start));
    if (dot == std::string::npos) return keys;
    start = dot + 1;
  }
}

Value with_entry(const Value& object, const Value& key, Value value) {
  ObjectEntries entries;
  if (object.is_object()) {
    for (const auto& [k, v] : object.entries())
      if (k != key) entries.emplace_back(k, v);
  }
  entries.emplace_back(key, std::move(value));
  return Value::object(std::move(entries));
}

const Value* get_at(const Value& object, const std::vector<std::string>& keys) {
  const Value* at = &object;
  for (const auto& key : keys) {
    at = at->is_object() ? at->get_ptr(Value::string(key)) : nullptr;
    if (!at) return nullptr;
  }
  return at;
}

Value set_at(const Value& object, const std::vector<std::string>& keys, size_t i, Value value) {
  Value key = Value::interned(keys[i]);
  if (i + 1 == keys.size()) return with_entry(object, key, std::move(value));
  const Value* existing = object.is_object() ? object.get_ptr(key) : nullptr;
  return with_entry(
      object, key,
      set_at(existing ? *existing : Value::empty_object(), keys, i + 1, std::move(value)));
}

// Rewrites what the validator accepted as a shorthand into its long form, walking the value
// beside its schema. Only the parts of the document holding a shorthand are rebuilt; the
// rest is shared. `path_` is where the value being walked ends up, `source_` where the
// user wrote it (they differ below a moved alias or a list given as its one item).
class ShorthandNormalizer {
 public:
  ShorthandNormalizer(std::vector<std::string> shorthands, ShorthandMoves& moves)
      : shorthands_(std::move(shorthands)), moves_(moves) {
    std::sort(shorthands_.begin(), shorthands_.end());
  }

  // `whole`: the walk is within a noted value, all of which is normalised.
  Value normalize(const Value& v, const SchemaNode& node, bool whole = false) {
    if (v.is_null()) return v;
    if (!whole) {
      Held held = holds_shorthand();
      if (held == Held::No) return v;
      whole = held == Held::Here;
    }
    if (node.single && node.items && !v.is_array()) {
      size_t mark = path_.size();
      append_index(path_, 0);
      Value item = normalize(v, *node.items, true);
      // The item's keys are where they were written, under the list's key.
      if (item.is_collection()) moves_.moved.emplace_back(path_, source_);
      path_.resize(mark);
      return Value::array({std::move(item)});
    }
    for (const auto& [alias, canonical] : node.enum_aliases)
      if (alias == v) return canonical;
    if (v.is_object() && !node.name_of.empty()) {
      for (const auto& key : node.name_of) {
        const Value* name = v.get_ptr(key);
        if (!name) continue;
        moves_.moved.emplace_back(path_, source_ + "." + key.str());
        return *name;
      }
    }
    if (v.is_array() && node.items) {
      ValueVec items;
      items.reserve(v.size());
      size_t path_mark = path_.size();
      size_t source_mark = source_.size();
      for (size_t i = 0; i < v.size(); ++i) {
        append_index(path_, i);
        append_index(source_, i);
        items.push_back(normalize(v.items()[i], *node.items, whole));
        path_.resize(path_mark);
        source_.resize(source_mark);
      }
      return Value::array(std::move(items));
    }
    if (v.is_object()) return normalize_object(v, node, whole);
    return v;
  }

 private:
  static void append_key(std::string& path, const std::string& key) {
    if (!path.empty()) path += '.';
    path += key;
  }
  static void append_index(std::string& path, size_t i) {
    path += '[';
    path += std::to_string(i);
    path += ']';
  }

  enum class Held { No, Below, Here };
  // Whether a shorthand was noted at `source_` or below it.
  Held holds_shorthand() const {
    size_t n = source_.size();
    for (auto it = std::lower_bound(shorthands_.begin(), shorthands_.end(), source_);
         it != shorthands_.end() && it->compare(0, n, source_) == 0; ++it) {
      if (it->size() == n) return Held::Here;
      if (n == 0 || (*it)[n] == '.' || (*it)[n] == '[') return Held::Below;
    }
    return Held::No;
  }

  // The keys of the mapping at `source_` under which a shorthand was noted.
  std::vector<std::string_view> noted_children() const {
    std::vector<std::string_view> keys;
    std::string prefix = source_;
    if (!prefix.empty()) prefix += '.';
    for (auto it = std::lower_bound(shorthands_.begin(), shorthands_.end(), prefix);
         it != shorthands_.end() && it->compare(0, prefix.size(), prefix) == 0; ++it) {
      std::string_view rest = std::string_view(*it).substr(prefix.size());
      std::string_view key = rest.substr(0, rest.find_first_of(".["));
      if (keys.empty() || keys.back() != key) keys.push_back(key);
    }
    return keys;
  }

  Value normalize_object(const Value& v, const SchemaNode& node, bool whole) {
    // Outside a noted value only the keys leading to a note are walked.
    std::vector<std::string_view> noted;
    if (!whole) noted = noted_children();
    auto is_noted = [&](const std::string& key) {
      return whole || std::find(noted.begin(), noted.end(), key) != noted.end();
    };
    ObjectEntries kept;
    kept.reserve(v.size());
    struct Move {
      const std::string* target;
      Value value;
      std::string source;
    };
    std::vector<Move> aliased;
    size_t path_mark = path_.size();
    size_t source_mark = source_.size();
    for (const auto& [key, child] : v.entries()) {
      const SchemaNode* property = nullptr;
      if (!is_noted(key.str())) {
        kept.emplace_back(key, child);
        continue;
      }
      if (auto hit = node.interned_properties.find(&key.str());
          hit != node.interned_properties.end()) {
        property = hit->second;
      } else if (auto it = node.properties.find(key.str()); it != node.properties.end()) {
        property = it->second;
      } else if (key.str().rfind("x-", 0) != 0) {
        property = node.additional;
      }
      if (!property) {
        kept.emplace_back(key, child);
        continue;
      }
      append_key(source_, key.str());
      append_key(path_, property->alias_of.empty() ? key.str() : property->alias_of);
      if (property->alias_of.empty()) {
        kept.emplace_back(key, normalize(child, *property, whole));
      } else {
        aliased.push_back({&property->alias_of, normalize(child, *property, whole), source_});
      }
      path_.resize(path_mark);
      source_.resize(source_mark);
    }
    Value out = Value::object_sorted(std::move(kept));
    for (auto& move : aliased) {
      std::vector<std::string> keys = split_dotted(*move.target);
      std::string target = path_;
      append_key(target, *move.target);
      if (get_at(out, keys)) {
        moves_.conflicts.emplace_back(std::move(move.source), std::move(target));
        continue;
      }
      out = set_at(out, keys, 0, std::move(move.value));
      moves_.moved.emplace_back(std::move(target), std::move(move.source));
    }
    return out;
  }

  std::vector<std::string> shorthands_;  // sorted
  ShorthandMoves& moves_;
  std::string path_;
  std::string source_;
};

}  // namespace

Value normalize_shorthands(const Value& document, SchemaKind kind,
                           std::vector<std::string> shorthands, ShorthandMoves& moves) {
  const CompiledSchema& schema = schema_for(kind);
  if (!schema.error().empty() || shorthands.empty()) return document;
  return ShorthandNormalizer(std::move(shorthands), moves).normalize(document, *schema.root());
}

namespace {

// The formats policyc checks itself, as patterns any JSON Schema validator checks.
const char* format_pattern(const std::string& format) {
  if (format == "duration") return "^([0-9]+(ms|s|m|h|d))+$";
  if (format == "size") return "^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|K|M|G|T|P|E)?$";
  if (format == "cpu") return "^([0-9]+m|[0-9]+(\\.[0-9]+)?)$";
  if (format == "budget") return "^\\$[0-9]+(\\.[0-9]+)?/(hour|day|week|month|year)$";
  if (format == "version") return "^v[0-9]+$";
  return nullptr;
}

// The schema in standard draft-07 terms: policyc's formats become patterns and its x-
// keywords (shorthands) what they accept, so editors and other validators take what the
// loader takes. `root` gives the properties an inline overlay takes besides its own.
Value portable(const Value& node, const Value& root) {
  if (node.is_array()) {
    ValueVec items;
    for (const auto& item : node.items()) items.push_back(portable(item, root));
    return Value::array(std::move(items));
  }
  if (!node.is_object()) return node;
  ObjectEntries entries;
  bool closed = false;
  const Value* enum_aliases = nullptr;
  bool single = false;
  bool inline_overlay = false;
  const Value* string_enum = nullptr;
  const Value* name_of = nullptr;
  for (const auto& [key, child] : node.entries()) {
    const std::string& name = key.str();
    if (name == "x-enumAliases") enum_aliases = &child;
    if (name == "x-single") single = child.is_true();
    if (name == "x-inlineOverlay") inline_overlay = child.is_true();
    if (name == "x-stringEnum") string_enum = &child;
    if (name == "x-nameOf") name_of = &child;
    if (name.rfind("x-", 0) == 0) continue;
    const char* pattern =
        name == "format" && child.is_string() ? format_pattern(child.str()) : nullptr;
    if (pattern) {
      entries.emplace_back(Value::string("pattern"), Value::string(pattern));
    } else {
      entries.emplace_back(key, portable(child, root));
    }
    closed = closed || (name == "additionalProperties" && child.is_false());
  }
  if (enum_aliases && enum_aliases->is_object() && enum_aliases->size() > 0) {
    // Editors show the other spellings the loader takes, and what it reads them as.
    std::string also = "Also accepted:";
    bool first = true;
    for (const auto& [alias, canonical] : enum_aliases->entries()) {
      also += (first ? " " : ", ") + alias.str() + " (" + canonical.str() + ")";
      first = false;
    }
    also += ".";
    bool described = false;
    for (auto& [key, child] : entries) {
      if (key.str() != "description" || !child.is_string()) continue;
      child = Value::string(child.str() + " " + also);
      described = true;
    }
    if (!described) entries.emplace_back(Value::string("description"), Value::string(also));
  }
  for (auto& [key, child] : entries) {
    if (key.str() == "enum" && enum_aliases && child.is_array()) {
      ValueVec values = child.items();
      for (const auto& [alias, canonical] : enum_aliases->entries()) values.push_back(alias);
      child = Value::array(std::move(values));
    }
    if (key.str() == "properties" && inline_overlay && child.is_object()) {
      ObjectEntries properties(child.entries().begin(), child.entries().end());
      if (const Value* all = root.get_ptr(Value::string("properties")); all && all->is_object()) {
        for (const auto& [name, sub] : all->entries()) {
          if (name.str() == "environments" || name.str() == "infrastructure" || child.get_ptr(name))
            continue;
          properties.emplace_back(name, portable(sub, root));
        }
      }
      child = Value::object(std::move(properties));
    }
  }
  if (name_of && name_of->is_array()) {
    // A mapping names what it stands for with one of these keys (`required` passes strings).
    ValueVec any;
    for (const auto& key : name_of->items())
      any.push_back(Value::object({{Value::string("required"), Value::array({key})}}));
    entries.emplace_back(Value::string("anyOf"), Value::array(std::move(any)));
  }
  // x- keys are extension points policyc leaves open in every mapping.
  if (closed)
    entries.emplace_back(Value::string("patternProperties"),
                         Value::object({{Value::string("^x-"), Value::empty_object()}}));
  Value out = Value::object(std::move(entries));
  if (string_enum) {
    // One of the names, or the object form.
    ObjectEntries object_form(out.entries().begin(), out.entries().end());
    const Value* description = out.get_ptr(Value::string("description"));
    for (auto& [key, child] : object_form)
      if (key.str() == "type") child = Value::string("object");
    ObjectEntries any;
    any.emplace_back(Value::string("anyOf"),
                     Value::array({Value::object({{Value::string("type"), Value::string("string")},
                                                  {Value::string("enum"), *string_enum}}),
                                   Value::object(std::move(object_form))}));
    if (description) any.emplace_back(Value::string("description"), *description);
    out = Value::object(std::move(any));
  }
  if (!single) return out;
  // A list or its one item.
  const Value* items = out.get_ptr(Value::string("items"));
  const Value* description = out.get_ptr(Value::string("description"));
  ObjectEntries any;
  any.emplace_back(Value::string("anyOf"),
                   Value::array({items ? *items : Value::empty_object(), out}));
  if (description) any.emplace_back(Value::string("description"), *description);
  return Value::object(std::move(any));
}

}  // namespace

Value schema_document(SchemaKind kind) {
  Value doc;
  TextError err;
  parse_json(kind == SchemaKind::System    ? kSystemSchemaText
             : kind == SchemaKind::History ? kHistorySchemaText
                                           : kServiceSchemaText,
             doc, err);
  ObjectEntries entries(doc.entries().begin(), doc.entries().end());
  entries.emplace_back(
      Value::string("$id"),
      Value::string(kind == SchemaKind::System ? "https://policyc.dev/schema/system.schema.json"
                    : kind == SchemaKind::History
                        ? "https://policyc.dev/schema/history.schema.json"
                        : "https://policyc.dev/schema/service.schema.json"));
  Value root = Value::object(std::move(entries));
  return portable(root, root);
}

}  // namespace policyc::blueprint
