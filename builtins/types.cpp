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
  def(r, "opa", "opa.runtime", {}, "object",
      "Facts about the runtime configuration (empty: policyc has none).", opa_runtime);
  def(r, "tracing", "trace", {"string"}, "boolean", "Emits a note into the trace; always true.",
      trace);
}

}  // namespace policyc::builtins
