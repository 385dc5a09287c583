// The types of OPA's type checker (its `types` package): scalars, arrays with static and
// dynamic parts, objects with static and dynamic properties, sets, functions, and `any` as a
// union of alternatives (no alternatives: any value at all). A null TypeRef is OPA's nil: a
// term the checker could not type. The operations follow OPA's: Or (union), Select, Keys,
// Values, and `unifies`, which is compatibility rather than equality.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "policyc/core/value.hpp"

namespace policyc::eval::types {

struct Type;
using TypeRef = std::shared_ptr<const Type>;

enum class Kind { Null, Boolean, Number, String, Array, Object, Set, Any, Function };

struct Type {
  Kind kind = Kind::Any;
  // Array: static elements; Any: alternatives (sorted, distinct); Function: arguments.
  std::vector<TypeRef> items;
  // Array: dynamic element; Set: element; Object: dynamic value; Function: result.
  TypeRef of;
  TypeRef key;                                   // Object: dynamic key
  std::vector<std::pair<Value, TypeRef>> props;  // Object: static properties, sorted by key
};

TypeRef null_type();
TypeRef boolean_type();
TypeRef number_type();
TypeRef string_type();
TypeRef any_type();  // any value
TypeRef array_of(std::vector<TypeRef> items, TypeRef dynamic);
TypeRef set_of(TypeRef element);
TypeRef object_of(std::vector<std::pair<Value, TypeRef>> props, TypeRef key, TypeRef value);
TypeRef function_of(std::vector<TypeRef> args, TypeRef result);

// The type of a constant value.
TypeRef type_of(const Value& v);
// Parses a builtin declaration's type ("array[any]|set[number]", "object[string: any]",
// "array[boolean, object]", ...); null when it cannot.
TypeRef parse_type(const std::string& text);

bool same(const TypeRef& a, const TypeRef& b);
TypeRef type_or(const TypeRef& a, const TypeRef& b);
TypeRef select(const TypeRef& t, const Value& key);
TypeRef keys(const TypeRef& t);
TypeRef values(const TypeRef& t);
// Whether the type is, or holds, a null (untyped) part.
bool has_nil(const TypeRef& t);
// OPA's `unifies`: whether values of the two types can be equal. A null type unifies with
// anything here: policyc's checker leaves untyped what it does not model, and must not report
// an error OPA would not.
bool unifies(const TypeRef& a, const TypeRef& b);

std::string to_string(const TypeRef& t);

}  // namespace policyc::eval::types
