// Aggregates over collections, set algebra and array helpers.
#include <algorithm>

#include "internal.hpp"

namespace policyc::builtins {
namespace {

Value count(Args a, BuiltinContext&) {
  need_kinds("count", a[0], 1, {Kind::Array, Kind::Object, Kind::Set, Kind::String});
  return Value::integer(static_cast<int64_t>(a[0].size()));
}

const ValueVec& numbers_of(std::string_view fn, const Value& v) {
  need_kinds(fn, v, 1, {Kind::Set, Kind::Array});
  for (const auto& x : v.items())
    if (!x.is_number()) {
      std::string coll = kind_name(v.kind());
      operand_error_text(fn, 1, coll + " of numbers", coll + " containing " + kind_name(x.kind()));
    }
  return v.items();
}

Value sum(Args a, BuiltinContext&) {
  const ValueVec& xs = numbers_of("sum", a[0]);
  int64_t small = 0;
  mpq_class big = 0;
  bool use_big = false;
  for (const auto& x : xs) {
    int64_t next;
    if (!use_big && x.is_small_int() && !__builtin_add_overflow(small, x.small_int(), &next)) {
      small = next;
      continue;
    }
    if (!use_big) big = mpq_class(static_cast<long>(small));
    use_big = true;
    big += x.to_rational();
  }
  return use_big ? Value::rational(big) : Value::integer(small);
}

Value product(Args a, BuiltinContext&) {
  const ValueVec& xs = numbers_of("product", a[0]);
  mpq_class p = 1;
  for (const auto& x : xs) p *= x.to_rational();
  return Value::rational(p);
}

Value max_fn(Args a, BuiltinContext&) {
  need_kinds("max", a[0], 1, {Kind::Set, Kind::Array});
  const auto& xs = a[0].items();
  if (xs.empty()) return Value();
  return *std::max_element(xs.begin(), xs.end());
}

Value min_fn(Args a, BuiltinContext&) {
  need_kinds("min", a[0], 1, {Kind::Set, Kind::Array});
  const auto& xs = a[0].items();
  if (xs.empty()) return Value();
  return *std::min_element(xs.begin(), xs.end());
}

Value sort_fn(Args a, BuiltinContext&) {
  need_kinds("sort", a[0], 1, {Kind::Set, Kind::Array});
  ValueVec xs = a[0].items();
  if (a[0].is_array()) std::stable_sort(xs.begin(), xs.end());
  return Value::array(std::move(xs));
}

Value all_fn(Args a, BuiltinContext&) {
  need_kinds("all", a[0], 1, {Kind::Set, Kind::Array});
  for (const auto& x : a[0].items())
    if (!x.is_true()) return Value::boolean(false);
  return Value::boolean(true);
}

Value any_fn(Args a, BuiltinContext&) {
  need_kinds("any", a[0], 1, {Kind::Set, Kind::Array});
  for (const auto& x : a[0].items())
    if (x.is_true()) return Value::boolean(true);
  return Value::boolean(false);
}

Value set_and(const Value& x, const Value& y) {
  ValueVec out;
  std::set_intersection(x.items().begin(), x.items().end(), y.items().begin(), y.items().end(),
                        std::back_inserter(out));
  return Value::set_sorted(std::move(out));
}

Value set_or(const Value& x, const Value& y) {
  ValueVec out;
  std::set_union(x.items().begin(), x.items().end(), y.items().begin(), y.items().end(),
                 std::back_inserter(out));
  return Value::set_sorted(std::move(out));
}

Value set_diff(Args a, BuiltinContext&) {
  need_set("set_diff", a[0], 1);
  need_set("set_diff", a[1], 2);
  ValueVec out;
  std::set_difference(a[0].items().begin(), a[0].items().end(), a[1].items().begin(),
                      a[1].items().end(), std::back_inserter(out));
  return Value::set_sorted(std::move(out));
}

Value and_fn(Args a, BuiltinContext&) {
  need_set("and", a[0], 1);
  need_set("and", a[1], 2);
  return set_and(a[0], a[1]);
}

Value or_fn(Args a, BuiltinContext&) {
  need_set("or", a[0], 1);
  need_set("or", a[1], 2);
  return set_or(a[0], a[1]);
}

void need_set_of_sets(std::string_view fn, const Value& v) {
  need_set(fn, v, 1);
  for (const auto& x : v.items())
    if (!x.is_set())
      operand_error_text(fn, 1, "set of sets",
                         std::string("set containing ") + kind_name(x.kind()));
}

Value intersection(Args a, BuiltinContext&) {
  need_set_of_sets("intersection", a[0]);
  const auto& xs = a[0].items();
  if (xs.empty()) return Value::empty_set();
  Value acc = xs[0];
  for (size_t i = 1; i < xs.size(); ++i) acc = set_and(acc, xs[i]);
  return acc;
}

Value union_fn(Args a, BuiltinContext&) {
  need_set_of_sets("union", a[0]);
  ValueVec out;
  for (const auto& s : a[0].items()) out.insert(out.end(), s.items().begin(), s.items().end());
  return Value::set(std::move(out));
}

Value array_concat(Args a, BuiltinContext&) {
  need_array("array.concat", a[0], 1);
  need_array("array.concat", a[1], 2);
  ValueVec out = a[0].items();
  out.insert(out.end(), a[1].items().begin(), a[1].items().end());
  return Value::array(std::move(out));
}

Value array_slice(Args a, BuiltinContext&) {
  need_array("array.slice", a[0], 1);
  int64_t start = need_int64("array.slice", a[1], 2);
  int64_t stop = need_int64("array.slice", a[2], 3);
  const auto& xs = a[0].items();
  int64_t n = static_cast<int64_t>(xs.size());
  if (start < 0) start = 0;
  if (stop > n) stop = n;
  if (start >= stop) return Value::empty_array();
  return Value::array(ValueVec(xs.begin() + start, xs.begin() + stop));
}

Value array_reverse(Args a, BuiltinContext&) {
  need_array("array.reverse", a[0], 1);
  ValueVec out(a[0].items().rbegin(), a[0].items().rend());
  return Value::array(std::move(out));
}

Value array_flatten(Args a, BuiltinContext&) {
  need_array("array.flatten", a[0], 1);
  ValueVec out;
  for (const auto& x : a[0].items()) {
    if (x.is_array())
      out.insert(out.end(), x.items().begin(), x.items().end());
    else
      out.push_back(x);
  }
  return Value::array(std::move(out));
}

}  // namespace

void register_aggregates(BuiltinRegistry& r) {
  const char* c = "aggregates";
  def(r, c, "count", {"array[any]|object[any: any]|set[any]|string"}, "number",
      "Number of elements of a collection, or code points of a string.", count);
  def(r, c, "sum", {"array[number]|set[number]"}, "number", "Sum of numbers.", sum);
  def(r, c, "product", {"array[number]|set[number]"}, "number", "Product of numbers.", product);
  def(r, c, "max", {"array[any]|set[any]"}, "any", "Largest element (undefined when empty).",
      max_fn);
  def(r, c, "min", {"array[any]|set[any]"}, "any", "Smallest element (undefined when empty).",
      min_fn);
  def(r, c, "sort", {"array[any]|set[any]"}, "array[any]", "Sorted array of the elements.",
      sort_fn);
  def(r, c, "all", {"array[any]|set[any]"}, "boolean",
      "Deprecated: true when every element is true.", all_fn);
  def(r, c, "any", {"array[any]|set[any]"}, "boolean",
      "Deprecated: true when some element is true.", any_fn);
  const char* s = "sets";
  def(r, s, "and", {"set[any]", "set[any]"}, "set[any]", "Set intersection (the & operator).",
      and_fn);
  def(r, s, "or", {"set[any]", "set[any]"}, "set[any]", "Set union (the | operator).", or_fn);
  def(r, s, "set_diff", {"set[any]", "set[any]"}, "set[any]",
      "Deprecated: set difference (use the - operator).", set_diff);
  def(r, s, "intersection", {"set[set[any]]"}, "set[any]", "Intersection of a set of sets.",
      intersection);
  def(r, s, "union", {"set[set[any]]"}, "set[any]", "Union of a set of sets.", union_fn);
  const char* ar = "arrays";
  def(r, ar, "array.concat", {"array[any]", "array[any]"}, "array[any]", "Concatenates two arrays.",
      array_concat);
  def(r, ar, "array.slice", {"array[any]", "number", "number"}, "array[any]",
      "Elements from start (inclusive) to stop (exclusive), clamped to the array.", array_slice);
  def(r, ar, "array.reverse", {"array[any]"}, "array[any]", "Reverses an array.", array_reverse);
  def(r, ar, "array.flatten", {"array[any]"}, "array[any]", "Flattens nested arrays by one level.",
      array_flatten);
}

}  // namespace policyc::builtins
