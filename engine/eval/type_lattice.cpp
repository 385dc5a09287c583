#include "type_lattice.hpp"

#include <algorithm>

namespace policyc::eval::types {

namespace {

TypeRef make(Kind k) {
  auto t = std::make_shared<Type>();
  t->kind = k;
  return t;
}

int kind_rank(Kind k) { return static_cast<int>(k); }

// A total order on types, for sorting and deduplicating the alternatives of `any`.
int compare_types(const TypeRef& a, const TypeRef& b) {
  if (!a || !b) return a ? 1 : (b ? -1 : 0);
  if (a->kind != b->kind) return kind_rank(a->kind) < kind_rank(b->kind) ? -1 : 1;
  auto list = [](const std::vector<TypeRef>& x, const std::vector<TypeRef>& y) {
    if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
    for (size_t i = 0; i < x.size(); ++i)
      if (int c = compare_types(x[i], y[i])) return c;
    return 0;
  };
  if (int c = list(a->items, b->items)) return c;
  if (int c = compare_types(a->of, b->of)) return c;
  if (int c = compare_types(a->key, b->key)) return c;
  if (a->props.size() != b->props.size()) return a->props.size() < b->props.size() ? -1 : 1;
  for (size_t i = 0; i < a->props.size(); ++i) {
    if (int c = compare(a->props[i].first, b->props[i].first)) return c;
    if (int c = compare_types(a->props[i].second, b->props[i].second)) return c;
  }
  return 0;
}

TypeRef any_of(std::vector<TypeRef> alternatives) {
  std::vector<TypeRef> flat;
  for (auto& t : alternatives) {
    if (!t) continue;
    if (t->kind == Kind::Any) {
      if (t->items.empty()) return any_type();
      flat.insert(flat.end(), t->items.begin(), t->items.end());
    } else {
      flat.push_back(t);
    }
  }
  std::sort(flat.begin(), flat.end(),
            [](const TypeRef& x, const TypeRef& y) { return compare_types(x, y) < 0; });
  flat.erase(std::unique(flat.begin(), flat.end(),
                         [](const TypeRef& x, const TypeRef& y) { return same(x, y); }),
             flat.end());
  if (flat.size() == 1) return flat[0];
  auto t = std::make_shared<Type>();
  t->kind = Kind::Any;
  t->items = std::move(flat);
  return t;
}

bool unifies_any(const TypeRef& any, const TypeRef& other) {
  if (other && other->kind == Kind::Function) return false;
  for (const auto& alt : any->items)
    if (unifies(alt, other)) return true;
  return any->items.empty();
}

// OPA's Any.Contains: an alternative equal to `t`, or any at all.
bool any_contains(const TypeRef& any, const TypeRef& t) {
  if (!any) return false;
  if (any->kind != Kind::Any) return same(any, t);
  if (t && t->kind == Kind::Function) return false;
  for (const auto& alt : any->items)
    if (same(alt, t)) return true;
  return any->items.empty();
}

// Parser of declaration types.
class TypeParser {
 public:
  explicit TypeParser(const std::string& s) : s_(s) {}
  TypeRef parse() {
    TypeRef t = alternatives();
    skip();
    return pos_ == s_.size() ? t : nullptr;
  }

 private:
  void skip() {
    while (pos_ < s_.size() && s_[pos_] == ' ') ++pos_;
  }
  bool eat(char c) {
    skip();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  TypeRef alternatives() {
    std::vector<TypeRef> alts;
    do {
      TypeRef t = one();
      if (!t) return nullptr;
      alts.push_back(t);
    } while (eat('|'));
    return alts.size() == 1 ? alts[0] : any_of(std::move(alts));
  }
  TypeRef one() {
    skip();
    size_t start = pos_;
    while (pos_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    std::string word = s_.substr(start, pos_ - start);
    if (word == "any") return any_type();
    if (word == "null") return null_type();
    if (word == "boolean") return boolean_type();
    if (word == "number") return number_type();
    if (word == "string") return string_type();
    if (word == "array") {
      if (!eat('[')) return array_of({}, any_type());
      std::vector<TypeRef> items;
      do {
        TypeRef t = alternatives();
        if (!t) return nullptr;
        items.push_back(t);
      } while (eat(','));
      if (!eat(']')) return nullptr;
      // One element type: a dynamic array; several: a tuple.
      if (items.size() == 1) return array_of({}, items[0]);
      return array_of(std::move(items), nullptr);
    }
    if (word == "set") {
      if (!eat('[')) return set_of(any_type());
      TypeRef t = alternatives();
      if (!t || !eat(']')) return nullptr;
      return set_of(t);
    }
    if (word == "object") {
      if (!eat('[')) return object_of({}, any_type(), any_type());
      TypeRef k = alternatives();
      if (!k || !eat(':')) return nullptr;
      TypeRef v = alternatives();
      if (!v || !eat(']')) return nullptr;
      return object_of({}, k, v);
    }
    return nullptr;
  }

  const std::string& s_;
  size_t pos_ = 0;
};

}  // namespace

TypeRef null_type() {
  static const TypeRef t = make(Kind::Null);
  return t;
}
TypeRef boolean_type() {
  static const TypeRef t = make(Kind::Boolean);
  return t;
}
TypeRef number_type() {
  static const TypeRef t = make(Kind::Number);
  return t;
}
TypeRef string_type() {
  static const TypeRef t = make(Kind::String);
  return t;
}
TypeRef any_type() {
  static const TypeRef t = make(Kind::Any);
  return t;
}

TypeRef array_of(std::vector<TypeRef> items, TypeRef dynamic) {
  auto t = std::make_shared<Type>();
  t->kind = Kind::Array;
  t->items = std::move(items);
  t->of = std::move(dynamic);
  return t;
}

TypeRef set_of(TypeRef element) {
  auto t = std::make_shared<Type>();
  t->kind = Kind::Set;
  t->of = std::move(element);
  return t;
}

TypeRef object_of(std::vector<std::pair<Value, TypeRef>> props, TypeRef key, TypeRef value) {
  auto t = std::make_shared<Type>();
  t->kind = Kind::Object;
  std::sort(props.begin(), props.end(),
            [](const auto& a, const auto& b) { return compare(a.first, b.first) < 0; });
  t->props = std::move(props);
  t->key = std::move(key);
  t->of = std::move(value);
  return t;
}

TypeRef function_of(std::vector<TypeRef> args, TypeRef result) {
  auto t = std::make_shared<Type>();
  t->kind = Kind::Function;
  t->items = std::move(args);
  t->of = std::move(result);
  return t;
}

TypeRef type_of(const Value& v) {
  switch (v.kind()) {
    case policyc::Kind::Null:
      return null_type();
    case policyc::Kind::Boolean:
      return boolean_type();
    case policyc::Kind::Number:
      return number_type();
    case policyc::Kind::String:
      return string_type();
    case policyc::Kind::Array: {
      std::vector<TypeRef> items;
      for (const auto& i : v.items()) items.push_back(type_of(i));
      if (items.empty()) return array_of({}, any_type());  // as OPA types `[]`
      return array_of(std::move(items), nullptr);
    }
    case policyc::Kind::Set: {
      TypeRef of;
      for (const auto& i : v.items()) of = type_or(of, type_of(i));
      return set_of(of ? of : any_type());
    }
    case policyc::Kind::Object: {
      std::vector<std::pair<Value, TypeRef>> props;
      for (const auto& [k, x] : v.entries()) props.emplace_back(k, type_of(x));
      if (props.empty()) return object_of({}, any_type(), any_type());  // as OPA types `{}`
      return object_of(std::move(props), nullptr, nullptr);
    }
    default:
      return any_type();
  }
}

TypeRef parse_type(const std::string& text) { return TypeParser(text).parse(); }

bool same(const TypeRef& a, const TypeRef& b) { return compare_types(a, b) == 0; }

TypeRef type_or(const TypeRef& a, const TypeRef& b) {
  if (!a) return b;
  if (!b) return a;
  bool fa = a->kind == Kind::Function, fb = b->kind == Kind::Function;
  if (fa && fb) {
    if (a->items.size() != b->items.size()) return nullptr;
    std::vector<TypeRef> args;
    for (size_t i = 0; i < a->items.size(); ++i) args.push_back(type_or(a->items[i], b->items[i]));
    return function_of(std::move(args), type_or(a->of, b->of));
  }
  if (fa || fb) return nullptr;
  if (same(a, b)) return a;
  return any_of({a, b});
}

// The union of `f` over a union type's alternatives; any value at all for `any`.
template <class F>
TypeRef over_alternatives(const TypeRef& t, F f) {
  if (t->items.empty()) return any_type();
  TypeRef out;
  for (const auto& alt : t->items) out = type_or(out, f(alt));
  return out;
}

TypeRef select(const TypeRef& t, const Value& key) {
  if (!t) return nullptr;
  switch (t->kind) {
    case Kind::Array: {
      if (!key.is_number() || !key.is_small_int()) return nullptr;
      int64_t i = key.small_int();
      if (i >= 0 && static_cast<size_t>(i) < t->items.size())
        return t->items[static_cast<size_t>(i)];
      return t->of;
    }
    case Kind::Object: {
      for (const auto& [k, v] : t->props)
        if (k == key) return v;
      if (t->of && any_contains(t->key, type_of(key))) return t->of;
      return nullptr;
    }
    case Kind::Set: {
      TypeRef kt = type_of(key);
      if (same(t->of, kt)) return t->of;
      if (t->of && t->of->kind == Kind::Any && any_contains(t->of, kt)) return kt;
      return nullptr;
    }
    case Kind::Any:
      return over_alternatives(t, [&](const TypeRef& alt) { return select(alt, key); });
    default:
      return nullptr;
  }
}

TypeRef keys(const TypeRef& t) {
  if (!t) return nullptr;
  switch (t->kind) {
    case Kind::Array:
      return number_type();
    case Kind::Object: {
      TypeRef out;
      for (const auto& [k, v] : t->props) out = type_or(out, type_of(k));
      if (t->of) out = type_or(out, t->key);
      return out;
    }
    case Kind::Set:
      return t->of;
    case Kind::Any:
      return over_alternatives(t, [](const TypeRef& alt) { return keys(alt); });
    default:
      return nullptr;
  }
}

TypeRef values(const TypeRef& t) {
  if (!t) return nullptr;
  switch (t->kind) {
    case Kind::Array: {
      TypeRef out;
      for (const auto& i : t->items) out = type_or(out, i);
      return type_or(out, t->of);
    }
    case Kind::Object: {
      TypeRef out;
      for (const auto& [k, v] : t->props) out = type_or(out, v);
      if (t->of) out = type_or(out, t->of);
      return out;
    }
    case Kind::Set:
      return t->of;
    case Kind::Any:
      return over_alternatives(t, [](const TypeRef& alt) { return values(alt); });
    default:
      return nullptr;
  }
}

bool has_nil(const TypeRef& t) {
  if (!t) return true;
  switch (t->kind) {
    case Kind::Array:
      for (const auto& i : t->items)
        if (has_nil(i)) return true;
      return t->of && has_nil(t->of);
    case Kind::Object:
      for (const auto& [k, v] : t->props)
        if (has_nil(v)) return true;
      return t->of && (has_nil(t->key) || has_nil(t->of));
    case Kind::Set:
      return has_nil(t->of);
    default:
      return false;
  }
}

bool unifies(const TypeRef& a, const TypeRef& b) {
  if (!a || !b) return true;
  bool any_a = a->kind == Kind::Any, any_b = b->kind == Kind::Any;
  if (any_a && unifies_any(a, b)) return true;
  if (any_b && unifies_any(b, a)) return true;
  if (any_a || any_b) return false;
  if (a->kind != b->kind) return false;
  switch (a->kind) {
    case Kind::Array: {
      for (size_t i = 0; i < a->items.size(); ++i) {
        TypeRef other = i < b->items.size() ? b->items[i] : b->of;
        if (!other || !unifies(a->items[i], other)) return false;
      }
      for (size_t i = 0; i < b->items.size(); ++i) {
        TypeRef other = i < a->items.size() ? a->items[i] : a->of;
        if (!other || !unifies(b->items[i], other)) return false;
      }
      return !a->of || !b->of || unifies(a->of, b->of);
    }
    case Kind::Object: {
      for (const auto& [k, v] : a->props) {
        TypeRef other = select(b, k);
        if (!other || !unifies(v, other)) return false;
      }
      for (const auto& [k, v] : b->props) {
        TypeRef other = select(a, k);
        if (!other || !unifies(v, other)) return false;
      }
      return !a->of || !b->of || unifies(a->of, b->of);
    }
    case Kind::Set:
      return unifies(a->of, b->of);
    case Kind::Function:
      return false;
    default:
      return true;
  }
}

std::string to_string(const TypeRef& t) {
  if (!t) return "???";
  switch (t->kind) {
    case Kind::Null:
      return "null";
    case Kind::Boolean:
      return "boolean";
    case Kind::Number:
      return "number";
    case Kind::String:
      return "string";
    case Kind::Array: {
      if (t->items.empty()) return "array[" + to_string(t->of) + "]";
      std::string out = "array<";
      for (size_t i = 0; i < t->items.size(); ++i) out += (i ? ", " : "") + to_string(t->items[i]);
      if (t->of) out += ", ..." + to_string(t->of);
      return out + ">";
    }
    case Kind::Set:
      return "set[" + to_string(t->of) + "]";
    case Kind::Object: {
      std::string out = "object<";
      for (size_t i = 0; i < t->props.size(); ++i)
        out += (i ? ", " : "") + t->props[i].first.to_json() + ": " + to_string(t->props[i].second);
      if (t->of)
        out += std::string(t->props.empty() ? "" : ", ") + "[" + to_string(t->key) +
               "]: " + to_string(t->of);
      return out + ">";
    }
    case Kind::Any: {
      if (t->items.empty()) return "any";
      std::string out = "any<";
      for (size_t i = 0; i < t->items.size(); ++i) out += (i ? ", " : "") + to_string(t->items[i]);
      return out + ">";
    }
    case Kind::Function: {
      std::string out = "(";
      for (size_t i = 0; i < t->items.size(); ++i) out += (i ? ", " : "") + to_string(t->items[i]);
      return out + ") => " + to_string(t->of);
    }
  }
  return "?";
}

}  // namespace policyc::eval::types
