// Schema validation for blueprints, driven by the JSON Schema files in schema/.
//
// Only the subset the blueprint schemas use is implemented: type, enum, properties,
// additionalProperties, required, items, minimum, $ref into definitions, and `format` for the
// blueprint's own string kinds (duration, size, cpu, budget). A general JSON Schema library
// would neither point at file:line:col nor suggest the nearest key, which is the point here.
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

enum class Format { None, Duration, Size, Cpu, Budget };

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
  }
  const SchemaNode* root() const { return root_; }
  const std::string& error() const { return error_; }

 private:
  const SchemaNode* compile(const Value& schema) {
    if (const Value* ref = field(schema, "$ref"); ref && ref->is_string()) {
      return resolve_ref(ref->str());
    }
    SchemaNode& node = nodes_.emplace_back();
    if (const Value* type = field(schema, "type")) {
      if (type->is_string()) node.types = type_bit(type->str());
      if (type->is_array()) {
        for (const auto& t : type->items()) {
          if (t.is_string()) node.types |= type_bit(t.str());
        }
      }
    }
    if (const Value* values = field(schema, "enum"); values && values->is_array()) {
      node.enum_values = values->items();
    }
    if (const Value* props = field(schema, "properties"); props && props->is_object()) {
      for (const auto& [key, sub] : props->entries()) {
        const SchemaNode* child = compile(sub);
        node.properties[key.str()] = child;
        node.interned_properties[&Value::interned(key.str()).str()] = child;
      }
    }
    if (const Value* extra = field(schema, "additionalProperties")) {
      if (extra->is_false()) node.closed = true;
      if (extra->is_object()) node.additional = compile(*extra);
    }
    if (const Value* req = field(schema, "required"); req && req->is_array()) {
      for (const auto& r : req->items()) {
        if (r.is_string()) {
          node.required.push_back(r.str());
          node.required_keys.push_back(Value::interned(r.str()));
        }
      }
    }
    if (const Value* items = field(schema, "items"); items && items->is_object()) {
      node.items = compile(*items);
    }
    if (const Value* format = field(schema, "format"); format && format->is_string()) {
      const std::string& f = format->str();
      node.format = f == "duration" ? Format::Duration
                    : f == "size"   ? Format::Size
                    : f == "cpu"    ? Format::Cpu
                    : f == "budget" ? Format::Budget
                                    : Format::None;
    }
    if (const Value* min = field(schema, "minimum"); min && min->is_number()) {
      node.has_minimum = true;
      node.minimum = min->to_double();
    }
    if (const Value* title = field(schema, "title"); title && title->is_string()) {
      node.description = title->str();
    }
    return &node;
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
  const SchemaNode* root_ = nullptr;
  std::string error_;
};

const CompiledSchema& schema_for(SchemaKind kind) {
  static const CompiledSchema service(kServiceSchemaText);
  static const CompiledSchema system(kSystemSchemaText);
  return kind == SchemaKind::System ? system : service;
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

bool matches_type(const Value& v, uint8_t types) {
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

  void check(const Value& v, const SchemaNode& node, std::string& path) {
    if (overlay_ && v.is_null()) return;  // null deletes in an overlay
    if (!matches_type(v, node.types)) {
      report_value(path, "'" + display(path) + "' must be " + expected_types(node.types) +
                             ", not " + kind_label(v));
      return;
    }
    if (!node.enum_values.empty()) check_enum(v, node, path);
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
  void check_enum(const Value& v, const SchemaNode& node, const std::string& path) {
    for (const auto& allowed : node.enum_values) {
      if (allowed == v) return;
    }
    std::vector<std::string> names;
    std::string list;
    for (const auto& allowed : node.enum_values) {
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
                                         : is_budget(s);
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
};

}  // namespace

bool validate(const SourceDocument& source, size_t doc, SchemaKind kind,
              std::vector<Diagnostic>& errors) {
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
  return errors.size() == before;
}

namespace {

// The formats policyc checks itself, as patterns any JSON Schema validator checks.
const char* format_pattern(const std::string& format) {
  if (format == "duration") return "^([0-9]+(ms|s|m|h|d))+$";
  if (format == "size") return "^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|K|M|G|T|P|E)?$";
  if (format == "cpu") return "^([0-9]+m|[0-9]+(\\.[0-9]+)?)$";
  if (format == "budget") return "^\\$[0-9]+(\\.[0-9]+)?/(hour|day|week|month|year)$";
  return nullptr;
}

Value portable(const Value& node) {
  if (node.is_array()) {
    ValueVec items;
    for (const auto& item : node.items()) items.push_back(portable(item));
    return Value::array(std::move(items));
  }
  if (!node.is_object()) return node;
  ObjectEntries entries;
  bool closed = false;
  for (const auto& [key, child] : node.entries()) {
    const char* pattern =
        key.str() == "format" && child.is_string() ? format_pattern(child.str()) : nullptr;
    if (pattern) {
      entries.emplace_back(Value::string("pattern"), Value::string(pattern));
    } else {
      entries.emplace_back(key, portable(child));
    }
    closed = closed || (key.str() == "additionalProperties" && child.is_false());
  }
  // x- keys are extension points policyc leaves open in every mapping.
  if (closed)
    entries.emplace_back(Value::string("patternProperties"),
                         Value::object({{Value::string("^x-"), Value::empty_object()}}));
  return Value::object(std::move(entries));
}

}  // namespace

Value schema_document(SchemaKind kind) {
  Value doc;
  TextError err;
  parse_json(kind == SchemaKind::System ? kSystemSchemaText : kServiceSchemaText, doc, err);
  ObjectEntries entries(doc.entries().begin(), doc.entries().end());
  entries.emplace_back(
      Value::string("$id"),
      Value::string(kind == SchemaKind::System ? "https://policyc.dev/schema/system.schema.json"
                                               : "https://policyc.dev/schema/service.schema.json"));
  return portable(Value::object(std::move(entries)));
}

}  // namespace policyc::blueprint
