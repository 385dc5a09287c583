// Type predicates, type_name, and the runtime/tracing builtins.
#include "internal.hpp"

namespace policyc::builtins {
namespace {

template <Kind K>
Value is_kind(Args a, BuiltinContext&) {
  return Value::boolean(a[0].kind() == K);
}

Value type_name(Args a, BuiltinContext&) { return Value::string(kind_name(a[0].kind())); }

// OPA reports the runtime's configuration here; policyc runs without one, and OPA's own
// conformance cases expect the empty object in that situation.
Value opa_runtime(Args, BuiltinContext&) { return Value::empty_object(); }

Value trace(Args a, BuiltinContext&) {
  need_string("trace", a[0], 1);
  return Value::boolean(true);
}

// Deprecated casts (rejected under rego.v1, still callable from v0 policies).
Value cast_array(Args a, BuiltinContext&) {
  need_kinds("cast_array", a[0], 1, {Kind::Array, Kind::Set});
  return a[0].is_array() ? a[0] : Value::array(a[0].items());
}

Value cast_set(Args a, BuiltinContext&) {
  need_kinds("cast_set", a[0], 1, {Kind::Array, Kind::Set});
  return a[0].is_set() ? a[0] : Value::set(a[0].items());
}

template <Kind K>
Value cast_same(Args a, BuiltinContext&) {
  static const std::string name = std::string("cast_") + kind_name(K);
  if (a[0].kind() != K) operand_error(name, 1, kind_name(K), a[0]);
  return a[0];
}

}  // namespace

void register_types(BuiltinRegistry& r) {
  const char* c = "types";
  def(r, c, "is_number", {"any"}, "boolean", "Whether the value is a number.",
      is_kind<Kind::Number>);
  def(r, c, "is_string", {"any"}, "boolean", "Whether the value is a string.",
      is_kind<Kind::String>);
  def(r, c, "is_boolean", {"any"}, "boolean", "Whether the value is a boolean.",
      is_kind<Kind::Boolean>);
  def(r, c, "is_array", {"any"}, "boolean", "Whether the value is an array.", is_kind<Kind::Array>);
  def(r, c, "is_set", {"any"}, "boolean", "Whether the value is a set.", is_kind<Kind::Set>);
  def(r, c, "is_object", {"any"}, "boolean", "Whether the value is an object.",
      is_kind<Kind::Object>);
  def(r, c, "is_null", {"any"}, "boolean", "Whether the value is null.", is_kind<Kind::Null>);
  def(r, c, "type_name", {"any"}, "string",
      "The value's type: null, boolean, number, string, array, object or set.", type_name);
  const char* dep = "deprecated";
  def(r, dep, "cast_array", {"any"}, "array[any]", "Deprecated: array or set as an array.",
      cast_array);
  def(r, dep, "cast_set", {"any"}, "set[any]", "Deprecated: array or set as a set.", cast_set);
  def(r, dep, "cast_string", {"any"}, "string", "Deprecated: checks the value is a string.",
      cast_same<Kind::String>);
  def(r, dep, "cast_boolean", {"any"}, "boolean", "Deprecated: checks the value is a boolean.",
      cast_same<Kind::Boolean>);
  def(r, dep, "cast_null", {"any"}, "null", "Deprecated: checks the value is null.",
      cast_same<Kind::Null>);
  def(r, dep, "cast_object", {"any"}, "object[any: any]",
      "Deprecated: checks the value is an object.", cast_same<Kind::Object>);
  def(r, "opa", "opa.runtime", {}, "object",
      "Facts about the runtime configuration (empty: policyc has none).", opa_runtime);
  def(r, "tracing", "trace", {"string"}, "boolean", "Emits a note into the trace; always true.",
      trace);
}

}  // namespace policyc::builtins
