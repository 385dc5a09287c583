// json.verify_schema / json.match_schema: JSON Schema (draft 4-7 keywords) with
// gojsonschema's error records {desc, error, field, type}.
#include <re2/re2.h>

#include "internal.hpp"
#include "policyc/core/io.hpp"
#include "regex_cache.hpp"

namespace policyc::builtins {
namespace {

struct SchemaError {
  std::string message;
};

struct Validator {
  Value root;
  ValueVec errors;

  void report(const std::string& field, const std::string& type, const std::string& desc) {
    errors.push_back(Value::object({{Value::string("desc"), Value::string(desc)},
                                    {Value::string("error"), Value::string(field + ": " + desc)},
                                    {Value::string("field"), Value::string(field)},
                                    {Value::string("type"), Value::string(type)}}));
  }

  static std::string child(const std::string& field, const std::string& key) {
    return field == "(Root)" ? key : field + "." + key;
  }

  static std::string json_type(const Value& v) {
    switch (v.kind()) {
      case Kind::Null:
        return "null";
      case Kind::Boolean:
        return "boolean";
      case Kind::Number:
        return v.is_integer() ? "integer" : "number";
      case Kind::String:
        return "string";
      case Kind::Array:
      case Kind::Set:
        return "array";
      default:
        return "object";
    }
  }

  static bool type_matches(const std::string& t, const Value& v) {
    std::string actual = json_type(v);
    return t == actual || (t == "number" && actual == "integer");
  }

  const Value* get(const Value& schema, const char* key) {
    return schema.is_object() ? schema.find(Value::string(key)) : nullptr;
  }

  Value resolve(const Value& schema) {
    const Value* ref = get(schema, "$ref");
    if (!ref || !ref->is_string()) return schema;
    const std::string& r = ref->str();
    if (r.empty() || r[0] != '#') throw SchemaError{"unsupported $ref " + r};
    Value cur = root;
    size_t start = 2;
    while (start <= r.size() && r.size() > 1) {
      size_t slash = r.find('/', start);
      std::string seg =
          r.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
      cur = cur.get(Value::string(seg));
      if (cur.is_undefined()) throw SchemaError{"unresolvable $ref " + r};
      if (slash == std::string::npos) break;
      start = slash + 1;
    }
    return cur;
  }

  static std::string num(const Value& v) { return v.number_to_string(); }

  bool valid(const Value& v, const Value& schema) {
    Validator sub;
    sub.root = root;
    sub.validate(v, schema, "(Root)");
    return sub.errors.empty();
  }

  void validate(const Value& v, const Value& schema_in, const std::string& field) {
    if (schema_in.is_bool()) {
      if (schema_in.is_false()) report(field, "false", "False always fails validation");
      return;
    }
    Value schema = resolve(schema_in);
    if (!schema.is_object()) return;
    if (const Value* t = get(schema, "type")) {
      std::vector<std::string> types;
      if (t->is_string())
        types.push_back(t->str());
      else
        for (const auto& x : t->items())
          if (x.is_string()) types.push_back(x.str());
      bool ok = false;
      for (const auto& ty : types) ok = ok || type_matches(ty, v);
      if (!ok) {
        std::string expected;
        for (size_t i = 0; i < types.size(); ++i) expected += (i ? "/" : "") + types[i];
        report(field, "invalid_type",
               "Invalid type. Expected: " + expected + ", given: " + json_type(v));
        return;
      }
    }
    if (const Value* e = get(schema, "enum")) {
      bool found = false;
      for (const auto& x : e->items()) found = found || x == v;
      if (!found) {
        std::string allowed;
        for (size_t i = 0; i < e->items().size(); ++i)
          allowed += (i ? ", " : "") + e->items()[i].to_json();
        report(field, "enum", field + " must be one of the following: " + allowed);
      }
    }
    if (const Value* c = get(schema, "const"))
      if (*c != v) report(field, "const", field + " does not match: " + c->to_json());
    if (const Value* all = get(schema, "allOf")) {
      bool ok = true;
      for (const auto& s : all->items()) ok = valid(v, s) && ok;
      if (!ok) report(field, "number_all_of", "Must validate all the schemas (allOf)");
    }
    if (const Value* any = get(schema, "anyOf")) {
      bool ok = false;
      for (const auto& s : any->items()) ok = ok || valid(v, s);
      if (!ok) report(field, "number_any_of", "Must validate at least one schema (anyOf)");
    }
    if (const Value* one = get(schema, "oneOf")) {
      int n = 0;
      for (const auto& s : one->items()) n += valid(v, s) ? 1 : 0;
      if (n != 1) report(field, "number_one_of", "Must validate one and only one schema (oneOf)");
    }
    if (const Value* no = get(schema, "not"))
      if (valid(v, *no)) report(field, "number_not", "Must not validate the schema (not)");
    if (v.is_object()) validate_object(v, schema, field);
    if (v.is_array() || v.is_set()) validate_array(v, schema, field);
    if (v.is_string()) validate_string(v, schema, field);
    if (v.is_number()) validate_number(v, schema, field);
  }

  void validate_object(const Value& v, const Value& schema, const std::string& field) {
    if (const Value* req = get(schema, "required"))
      for (const auto& k : req->items())
        if (!v.find(k))
          report(field, "required", (k.is_string() ? k.str() : k.to_json()) + " is required");
    if (const Value* n = get(schema, "minProperties"))
      if (static_cast<double>(v.size()) < n->to_double())
        report(field, "array_min_properties", "Must have at least " + num(*n) + " properties");
    if (const Value* n = get(schema, "maxProperties"))
      if (static_cast<double>(v.size()) > n->to_double())
        report(field, "array_max_properties", "Must have at most " + num(*n) + " properties");
    const Value* props = get(schema, "properties");
    const Value* pattern_props = get(schema, "patternProperties");
    const Value* additional = get(schema, "additionalProperties");
    for (const auto& [k, x] : v.entries()) {
      std::string key = k.is_string() ? k.str() : k.to_json();
      bool matched = false;
      if (props)
        if (const Value* s = props->find(k)) {
          matched = true;
          validate(x, *s, child(field, key));
        }
      if (pattern_props)
        for (const auto& [pat, s] : pattern_props->entries()) {
          auto re = compile_regex(pat.str(), nullptr);
          if (re && RE2::PartialMatch(key, *re)) {
            matched = true;
            validate(x, s, child(field, key));
          }
        }
      if (!matched && additional) {
        if (additional->is_false())
          report(field, "additional_property_not_allowed",
                 "Additional property " + key + " is not allowed");
        else if (additional->is_object())
          validate(x, *additional, child(field, key));
      }
    }
  }

  void validate_array(const Value& v, const Value& schema, const std::string& field) {
    const auto& xs = v.items();
    if (const Value* n = get(schema, "minItems"))
      if (static_cast<double>(xs.size()) < n->to_double())
        report(field, "array_min_items", "Array must have at least " + num(*n) + " items");
    if (const Value* n = get(schema, "maxItems"))
      if (static_cast<double>(xs.size()) > n->to_double())
        report(field, "array_max_items", "Array must have at most " + num(*n) + " items");
    if (const Value* u = get(schema, "uniqueItems"); u && u->is_true()) {
      for (size_t i = 0; i < xs.size(); ++i)
        for (size_t j = i + 1; j < xs.size(); ++j)
          if (xs[i] == xs[j]) {
            report(
                field, "unique",
                "array items[" + std::to_string(i) + "," + std::to_string(j) + "] must be unique");
            i = j = xs.size();
          }
    }
    if (const Value* items = get(schema, "items")) {
      if (items->is_array()) {
        for (size_t i = 0; i < xs.size() && i < items->items().size(); ++i)
          validate(xs[i], items->items()[i], child(field, std::to_string(i)));
        const Value* extra = get(schema, "additionalItems");
        if (extra && extra->is_false() && xs.size() > items->items().size())
          report(field, "array_no_additional_items", "No additional items allowed on array");
      } else {
        for (size_t i = 0; i < xs.size(); ++i)
          validate(xs[i], *items, child(field, std::to_string(i)));
      }
    }
    if (const Value* c = get(schema, "contains")) {
      bool any = false;
      for (const auto& x : xs) any = any || valid(x, *c);
      if (!any) report(field, "contains", "At least one of the items must match");
    }
  }

  void validate_string(const Value& v, const Value& schema, const std::string& field) {
    double len = static_cast<double>(v.size());
    if (const Value* n = get(schema, "minLength"))
      if (len < n->to_double())
        report(field, "string_gte", "String length must be greater than or equal to " + num(*n));
    if (const Value* n = get(schema, "maxLength"))
      if (len > n->to_double())
        report(field, "string_lte", "String length must be less than or equal to " + num(*n));
    if (const Value* p = get(schema, "pattern"); p && p->is_string()) {
      auto re = compile_regex(p->str(), nullptr);
      if (re && !RE2::PartialMatch(v.str(), *re))
        report(field, "pattern", "Does not match pattern '" + p->str() + "'");
    }
  }

  void validate_number(const Value& v, const Value& schema, const std::string& field) {
    mpq_class q = v.to_rational();
    const Value* ex_min = get(schema, "exclusiveMinimum");
    const Value* ex_max = get(schema, "exclusiveMaximum");
    if (const Value* m = get(schema, "minimum"); m && m->is_number()) {
      bool exclusive = ex_min && ex_min->is_true();
      if (exclusive ? q <= m->to_rational() : q < m->to_rational())
        report(
            field, exclusive ? "number_gt" : "number_gte",
            std::string(exclusive ? "Must be greater than " : "Must be greater than or equal to ") +
                num(*m));
    }
    if (const Value* m = get(schema, "maximum"); m && m->is_number()) {
      bool exclusive = ex_max && ex_max->is_true();
      if (exclusive ? q >= m->to_rational() : q > m->to_rational())
        report(field, exclusive ? "number_lt" : "number_lte",
               std::string(exclusive ? "Must be less than " : "Must be less than or equal to ") +
                   num(*m));
    }
    if (ex_min && ex_min->is_number() && q <= ex_min->to_rational())
      report(field, "number_gt", "Must be greater than " + num(*ex_min));
    if (ex_max && ex_max->is_number() && q >= ex_max->to_rational())
      report(field, "number_lt", "Must be less than " + num(*ex_max));
    if (const Value* m = get(schema, "multipleOf"); m && m->is_number() && m->to_rational() != 0) {
      mpq_class r = q / m->to_rational();
      if (r.get_den() != 1) report(field, "multiple_of", "Must be a multiple of " + num(*m));
    }
  }
};

const char* kValidTypes[] = {"array", "boolean", "integer", "number", "null", "object", "string"};

// Checks the parts of the meta-schema that matter in practice: types and keyword shapes.
void check_schema(const Value& s) {
  if (s.is_bool()) return;
  if (!s.is_object())
    throw SchemaError{"Invalid type. Expected: object, given: " + std::string(kind_name(s.kind()))};
  if (const Value* t = s.find(Value::string("type"))) {
    ValueVec types = t->is_string() ? ValueVec{*t} : t->items();
    if (!t->is_string() && !t->is_array()) throw SchemaError{"type must be a string or an array"};
    for (const auto& x : types) {
      bool ok = false;
      for (const char* name : kValidTypes) ok = ok || (x.is_string() && x.str() == name);
      if (!ok)
        throw SchemaError{
            "has a primitive type that is NOT VALID -- given: /" +
            (x.is_string() ? x.str() : x.to_json()) +
            "/ Expected valid values are:[array boolean integer number null object string]"};
    }
  }
  for (const char* key : {"properties", "patternProperties", "definitions"})
    if (const Value* p = s.find(Value::string(key))) {
      if (!p->is_object()) throw SchemaError{std::string(key) + " must be an object"};
      for (const auto& [k, sub] : p->entries()) check_schema(sub);
    }
  for (const char* key : {"items", "not", "additionalProperties"})
    if (const Value* p = s.find(Value::string(key))) {
      if (p->is_array())
        for (const auto& sub : p->items()) check_schema(sub);
      else if (!p->is_bool())
        check_schema(*p);
    }
  for (const char* key : {"allOf", "anyOf", "oneOf"})
    if (const Value* p = s.find(Value::string(key))) {
      if (!p->is_array() || p->items().empty())
        throw SchemaError{std::string(key) + " must be a non-empty array"};
      for (const auto& sub : p->items()) check_schema(sub);
    }
  if (const Value* r = s.find(Value::string("required")); r && !r->is_array())
    throw SchemaError{"required must be an array"};
}

bool load_schema(const Value& v, Value& out, std::string& err) {
  if (v.is_string()) {
    TextError te;
    if (!parse_json(v.str(), out, te)) {
      err = "jsonschema: invalid JSON string";
      return false;
    }
  } else {
    out = v;
  }
  try {
    check_schema(out);
  } catch (const SchemaError& e) {
    err = e.message;
    return false;
  }
  return true;
}

Value verify_schema(Args a, BuiltinContext&) {
  need_kinds("json.verify_schema", a[0], 1, {Kind::String, Kind::Object, Kind::Boolean});
  Value schema;
  std::string err;
  if (!load_schema(a[0], schema, err))
    return Value::array({Value::boolean(false), Value::string(err)});
  return Value::array({Value::boolean(true), Value::null()});
}

Value match_schema(Args a, BuiltinContext&) {
  const char* fn = "json.match_schema";
  need_kinds(fn, a[0], 1,
             {Kind::String, Kind::Object, Kind::Array, Kind::Set, Kind::Number, Kind::Boolean,
              Kind::Null});
  need_kinds(fn, a[1], 2, {Kind::String, Kind::Object, Kind::Boolean});
  Value doc = a[0];
  if (doc.is_string()) {
    TextError te;
    Value parsed;
    if (!parse_json(doc.str(), parsed, te)) fail(fn, "jsonschema: invalid JSON string");
    doc = parsed;
  }
  Value schema;
  std::string err;
  if (!load_schema(a[1], schema, err)) fail(fn, err);
  Validator v;
  v.root = schema;
  try {
    v.validate(doc, schema, "(Root)");
  } catch (const SchemaError& e) {
    fail(fn, e.message);
  }
  return Value::array({Value::boolean(v.errors.empty()), Value::array(std::move(v.errors))});
}

}  // namespace

void register_jsonschema(BuiltinRegistry& r) {
  def(r, "encoding", "json.verify_schema", {"string|object[any: any]"}, "array[any]",
      "[true, null] for a usable JSON Schema, else [false, error].", verify_schema);
  def(r, "encoding", "json.match_schema", {"any", "string|object[any: any]"}, "array[any]",
      "[valid, errors] of a document against a JSON Schema.", match_schema);
}

}  // namespace policyc::builtins
