// Object builtins, JSON filtering/patching and walk.
#include <algorithm>
#include <optional>

#include "internal.hpp"

namespace policyc::builtins {
namespace {

Value object_get(Args a, BuiltinContext&) {
  need_object("object.get", a[0], 1);
  if (!a[1].is_array()) {
    const Value* v = a[0].find(a[1]);
    return v ? *v : a[2];
  }
  Value cur = a[0];
  for (const auto& key : a[1].items()) {
    if (!cur.is_collection()) return a[2];
    Value next = cur.get(key);
    if (next.is_undefined()) return a[2];
    cur = next;
  }
  return cur;
}

Value object_keys(Args a, BuiltinContext&) {
  need_object("object.keys", a[0], 1);
  ValueVec keys;
  for (const auto& [k, v] : a[0].entries()) keys.push_back(k);
  return Value::set_sorted(std::move(keys));
}

Value key_collection(std::string_view fn, const Value& v) {
  need_kinds(fn, v, 2, {Kind::Object, Kind::Set, Kind::Array});
  ValueVec keys;
  if (v.is_object())
    for (const auto& [k, x] : v.entries()) keys.push_back(k);
  else
    keys = v.items();
  return Value::set(std::move(keys));
}

Value object_remove(Args a, BuiltinContext&) {
  need_object("object.remove", a[0], 1);
  Value keys = key_collection("object.remove", a[1]);
  ObjectEntries out;
  for (const auto& e : a[0].entries())
    if (!keys.contains(e.first)) out.push_back(e);
  return Value::object_sorted(std::move(out));
}

Value object_filter(Args a, BuiltinContext&) {
  need_object("object.filter", a[0], 1);
  Value keys = key_collection("object.filter", a[1]);
  ObjectEntries out;
  for (const auto& e : a[0].entries())
    if (keys.contains(e.first)) out.push_back(e);
  return Value::object_sorted(std::move(out));
}

Value merge(const Value& a, const Value& b) {
  if (!a.is_object() || !b.is_object()) return b;
  ObjectEntries out(a.entries().begin(), a.entries().end());
  for (const auto& [k, v] : b.entries()) {
    auto it = std::lower_bound(out.begin(), out.end(), k,
                               [](const auto& e, const Value& key) { return e.first < key; });
    if (it != out.end() && it->first == k)
      it->second = merge(it->second, v);
    else
      out.insert(it, {k, v});
  }
  return Value::object_sorted(std::move(out));
}

Value object_union(Args a, BuiltinContext&) {
  need_object("object.union", a[0], 1);
  need_object("object.union", a[1], 2);
  return merge(a[0], a[1]);
}

Value object_union_n(Args a, BuiltinContext&) {
  need_array("object.union_n", a[0], 1);
  Value acc = Value::empty_object();
  for (const auto& o : a[0].items()) {
    if (!o.is_object())
      operand_error_text("object.union_n", 1, "array of objects",
                         std::string("array containing ") + kind_name(o.kind()));
    acc = merge(acc, o);
  }
  return acc;
}

bool array_subset(const ValueVec& super, const ValueVec& sub) {
  if (sub.size() > super.size()) return false;
  return std::search(super.begin(), super.end(), sub.begin(), sub.end()) != super.end();
}

bool set_subset(const Value& super, const Value& sub) {
  for (const auto& x : sub.items())
    if (!super.contains(x)) return false;
  return true;
}

// OPA counts down once per super element found in the set, so duplicates in the array
// count repeatedly and an empty array never matches.
bool array_set_subset(const Value& super, const Value& sub) {
  size_t unmatched = sub.items().size();
  for (const auto& x : super.items()) {
    if (sub.contains(x)) --unmatched;
    if (unmatched == 0) return true;
  }
  return false;
}

bool object_subset(const Value& super, const Value& sub) {
  for (const auto& [k, v] : sub.entries()) {
    const Value* sv = super.find(k);
    if (!sv) return false;
    if (*sv == v) continue;
    if (sv->is_object() && v.is_object()) {
      if (!object_subset(*sv, v)) return false;
    } else if (sv->is_set() && v.is_set()) {
      if (!set_subset(*sv, v)) return false;
    } else if (sv->is_array() && v.is_array()) {
      if (!array_subset(sv->items(), v.items())) return false;
    } else {
      return false;
    }
  }
  return true;
}

Value object_subset(Args a, BuiltinContext&) {
  const Value &super = a[0], &sub = a[1];
  if (super.is_object() && sub.is_object()) return Value::boolean(object_subset(super, sub));
  if (super.is_set() && sub.is_set()) return Value::boolean(set_subset(super, sub));
  if (super.is_array() && sub.is_array())
    return Value::boolean(array_subset(super.items(), sub.items()));
  if (super.is_array() && sub.is_set()) return Value::boolean(array_set_subset(super, sub));
  throw BuiltinError(
      "object.subset: both arguments object.subset must be of the same type or array and set",
      kTypeError);
}

// --- paths ---------------------------------------------------------------------------

std::string unescape_pointer(std::string s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '~' && i + 1 < s.size() && (s[i + 1] == '0' || s[i + 1] == '1')) {
      out += s[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

ValueVec split_path(const std::string& path) {
  std::string p = path;
  while (!p.empty() && p.front() == '/') p.erase(0, 1);
  while (!p.empty() && p.back() == '/') p.pop_back();
  ValueVec out;
  if (p.empty()) return out;
  size_t start = 0;
  for (;;) {
    size_t slash = p.find('/', start);
    out.push_back(Value::string(unescape_pointer(p.substr(start, slash - start))));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return out;
}

std::vector<ValueVec> paths_operand(std::string_view fn, const Value& v) {
  need_kinds(fn, v, 2, {Kind::Set, Kind::Array});
  std::vector<ValueVec> out;
  for (const auto& p : v.items()) {
    if (p.is_string())
      out.push_back(split_path(p.str()));
    else if (p.is_array())
      out.push_back(p.items());
    else
      operand_error_text(fn, 2, "set or array of strings or arrays",
                         std::string(kind_name(v.kind())) + " containing " + kind_name(p.kind()));
  }
  return out;
}

bool segment_matches(const Value& seg, const Value& key) {
  if (seg == key) return true;
  if (seg.is_string() && key.is_number()) return seg.str() == key.number_to_string();
  return false;
}

// A trie of paths: each node maps a segment to its subtree; a leaf keeps everything below.
struct PathTrie {
  // Keys and subtries side by side: a vector of pairs would need PathTrie complete here.
  std::vector<Value> segments;
  std::vector<PathTrie> children;
  bool leaf = false;

  void insert(const ValueVec& path, size_t i = 0) {
    if (leaf) return;
    if (i == path.size()) {
      leaf = true;
      segments.clear();
      children.clear();
      return;
    }
    for (size_t k = 0; k < segments.size(); ++k)
      if (segments[k] == path[i]) return children[k].insert(path, i + 1);
    segments.push_back(path[i]);
    children.emplace_back();
    children.back().insert(path, i + 1);
  }
  const PathTrie* child(const Value& key) const {
    for (size_t k = 0; k < segments.size(); ++k)
      if (segment_matches(segments[k], key)) return &children[k];
    return nullptr;
  }
};

std::optional<Value> filter_value(const Value& v, const PathTrie& t) {
  if (t.leaf) return v;
  if (v.is_object()) {
    ObjectEntries out;
    for (const auto& [k, x] : v.entries())
      if (const PathTrie* c = t.child(k))
        if (auto f = filter_value(x, *c)) out.push_back({k, *f});
    return Value::object_sorted(std::move(out));
  }
  if (v.is_array()) {
    ValueVec out;
    for (size_t i = 0; i < v.items().size(); ++i)
      if (const PathTrie* c = t.child(Value::integer(static_cast<int64_t>(i))))
        if (auto f = filter_value(v.items()[i], *c)) out.push_back(*f);
    return Value::array(std::move(out));
  }
  if (v.is_set()) {
    ValueVec out;
    for (const auto& x : v.items())
      if (const PathTrie* c = t.child(x))
        if (auto f = filter_value(x, *c)) out.push_back(*f);
    return Value::set(std::move(out));
  }
  return std::nullopt;
}

Value json_filter(Args a, BuiltinContext&) {
  need_object("json.filter", a[0], 1);
  PathTrie trie;
  for (const auto& p : paths_operand("json.filter", a[1])) trie.insert(p);
  auto out = filter_value(a[0], trie);
  return out ? *out : Value::empty_object();
}

Value remove_value(const Value& v, const PathTrie& t) {
  if (v.is_object()) {
    ObjectEntries out;
    for (const auto& [k, x] : v.entries()) {
      const PathTrie* c = t.child(k);
      if (!c)
        out.push_back({k, x});
      else if (!c->leaf)
        out.push_back({k, remove_value(x, *c)});
    }
    return Value::object_sorted(std::move(out));
  }
  if (v.is_array()) {
    ValueVec out;
    for (size_t i = 0; i < v.items().size(); ++i) {
      const PathTrie* c = t.child(Value::integer(static_cast<int64_t>(i)));
      if (!c)
        out.push_back(v.items()[i]);
      else if (!c->leaf)
        out.push_back(remove_value(v.items()[i], *c));
    }
    return Value::array(std::move(out));
  }
  if (v.is_set()) {
    ValueVec out;
    for (const auto& x : v.items()) {
      const PathTrie* c = t.child(x);
      if (!c)
        out.push_back(x);
      else if (!c->leaf)
        out.push_back(remove_value(x, *c));
    }
    return Value::set(std::move(out));
  }
  return v;
}

Value json_remove(Args a, BuiltinContext&) {
  need_object("json.remove", a[0], 1);
  PathTrie trie;
  for (const auto& p : paths_operand("json.remove", a[1])) trie.insert(p);
  return remove_value(a[0], trie);
}

// --- json.patch (RFC 6902); any failing operation makes the result undefined -------------

struct PatchFailed {};

bool array_index(const Value& seg, size_t size, bool allow_end, size_t& out) {
  std::string s = seg.is_string() ? seg.str() : seg.is_number() ? seg.number_to_string() : "";
  if (allow_end && s == "-") {
    out = size;
    return true;
  }
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  if (s.size() > 9) return false;
  out = std::stoul(s);
  return allow_end ? out <= size : out < size;
}

enum class PatchOp { Add, Remove, Replace };

Value apply_at(const Value& doc, const ValueVec& path, size_t i, PatchOp op, const Value& val) {
  if (i == path.size()) {
    if (op == PatchOp::Remove) throw PatchFailed{};
    return val;
  }
  const Value& seg = path[i];
  bool last = i + 1 == path.size();
  if (doc.is_object()) {
    Value key =
        seg.is_string() ? seg : Value::string(seg.is_number() ? seg.number_to_string() : "");
    ObjectEntries out(doc.entries().begin(), doc.entries().end());
    auto it = std::lower_bound(out.begin(), out.end(), key,
                               [](const auto& e, const Value& k) { return e.first < k; });
    bool found = it != out.end() && it->first == key;
    if (last) {
      if (op == PatchOp::Add) {
        if (found)
          it->second = val;
        else
          out.insert(it, {key, val});
      } else {
        if (!found) throw PatchFailed{};
        if (op == PatchOp::Remove)
          out.erase(it);
        else
          it->second = val;
      }
    } else {
      if (!found) throw PatchFailed{};
      it->second = apply_at(it->second, path, i + 1, op, val);
    }
    return Value::object_sorted(std::move(out));
  }
  if (doc.is_array()) {
    ValueVec out = doc.items();
    size_t idx;
    if (!array_index(seg, out.size(), last && op == PatchOp::Add, idx)) throw PatchFailed{};
    if (last) {
      if (op == PatchOp::Add)
        out.insert(out.begin() + static_cast<long>(idx), val);
      else if (op == PatchOp::Remove)
        out.erase(out.begin() + static_cast<long>(idx));
      else
        out[idx] = val;
    } else {
      out[idx] = apply_at(out[idx], path, i + 1, op, val);
    }
    return Value::array(std::move(out));
  }
  if (doc.is_set() && last) {
    ValueVec out = doc.items();
    if (op == PatchOp::Add) {
      out.push_back(val);
      return Value::set(std::move(out));
    }
    auto it = std::find(out.begin(), out.end(), seg);
    if (it == out.end()) throw PatchFailed{};
    out.erase(it);
    if (op == PatchOp::Replace) out.push_back(val);
    return Value::set(std::move(out));
  }
  throw PatchFailed{};
}

Value lookup(const Value& doc, const ValueVec& path) {
  Value cur = doc;
  for (const auto& seg : path) {
    if (cur.is_object()) {
      Value key = seg.is_string() ? seg : Value::string(seg.number_to_string());
      const Value* v = cur.find(key);
      if (!v) throw PatchFailed{};
      cur = *v;
    } else if (cur.is_array()) {
      size_t idx;
      if (!array_index(seg, cur.items().size(), false, idx)) throw PatchFailed{};
      cur = cur.items()[idx];
    } else if (cur.is_set()) {
      if (!cur.contains(seg)) throw PatchFailed{};
      cur = seg;
    } else {
      throw PatchFailed{};
    }
  }
  return cur;
}

ValueVec patch_path(const Value* p) {
  if (!p) throw PatchFailed{};
  if (p->is_string()) {
    const std::string& s = p->str();
    if (!s.empty() && s[0] != '/') throw PatchFailed{};
    ValueVec out;
    if (s.empty()) return out;
    size_t start = 1;
    for (;;) {
      size_t slash = s.find('/', start);
      out.push_back(Value::string(unescape_pointer(s.substr(start, slash - start))));
      if (slash == std::string::npos) break;
      start = slash + 1;
    }
    return out;
  }
  if (p->is_array()) return p->items();
  throw PatchFailed{};
}

Value json_patch(Args a, BuiltinContext&) {
  need_kinds("json.patch", a[1], 2, {Kind::Array});
  Value doc = a[0];
  try {
    for (const auto& op : a[1].items()) {
      if (!op.is_object()) throw PatchFailed{};
      const Value* name = op.find(Value::string("op"));
      if (!name || !name->is_string()) throw PatchFailed{};
      const std::string& o = name->str();
      ValueVec path = patch_path(op.find(Value::string("path")));
      const Value* value = op.find(Value::string("value"));
      if (o == "add" || o == "replace") {
        if (!value) throw PatchFailed{};
        doc = apply_at(doc, path, 0, o == "add" ? PatchOp::Add : PatchOp::Replace, *value);
      } else if (o == "remove") {
        doc = apply_at(doc, path, 0, PatchOp::Remove, Value());
      } else if (o == "move" || o == "copy") {
        ValueVec from = patch_path(op.find(Value::string("from")));
        Value moved = lookup(doc, from);
        if (o == "move") {
          if (path.size() > from.size() && std::equal(from.begin(), from.end(), path.begin()))
            throw PatchFailed{};
          doc = apply_at(doc, from, 0, PatchOp::Remove, Value());
        }
        doc = apply_at(doc, path, 0, PatchOp::Add, moved);
      } else if (o == "test") {
        if (!value || lookup(doc, path) != *value) throw PatchFailed{};
      } else {
        throw PatchFailed{};
      }
    }
  } catch (const PatchFailed&) {
    return Value();
  }
  return doc;
}

void walk_into(const Value& v, ValueVec& path, ValueVec& out) {
  out.push_back(Value::array({Value::array(path), v}));
  if (v.is_object()) {
    for (const auto& [k, x] : v.entries()) {
      path.push_back(k);
      walk_into(x, path, out);
      path.pop_back();
    }
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.items().size(); ++i) {
      path.push_back(Value::integer(static_cast<int64_t>(i)));
      walk_into(v.items()[i], path, out);
      path.pop_back();
    }
  } else if (v.is_set()) {
    for (const auto& x : v.items()) {
      path.push_back(x);
      walk_into(x, path, out);
      path.pop_back();
    }
  }
}

Value walk(Args a, BuiltinContext&) {
  ValueVec out, path;
  walk_into(a[0], path, out);
  return Value::array(std::move(out));
}

}  // namespace

void register_objects(BuiltinRegistry& r) {
  const char* c = "objects";
  def(r, c, "object.get", {"object[any: any]", "any", "any"}, "any",
      "Value at a key (or, for an array key, a path), else the default.", object_get);
  def(r, c, "object.keys", {"object[any: any]"}, "set[any]", "Set of an object's keys.",
      object_keys);
  def(r, c, "object.remove", {"object[any: any]", "array[any]|object[any: any]|set[any]"},
      "object[any: any]", "Object without the given keys.", object_remove);
  def(r, c, "object.filter", {"object[any: any]", "array[any]|object[any: any]|set[any]"},
      "object[any: any]", "Object with only the given keys.", object_filter);
  def(r, c, "object.union", {"object[any: any]", "object[any: any]"}, "any",
      "Recursive merge; the second object wins on conflicts.", object_union);
  def(r, c, "object.union_n", {"array[object[any: any]]"}, "any",
      "Recursive merge of several objects, later ones winning.", object_union_n);
  def(r, c, "object.subset", {"any", "any"}, "boolean",
      "Whether the second operand is a (recursive) subset of the first.", object_subset);
  def(r, c, "json.filter", {"object[any: any]", "array[any]|set[any]"}, "any",
      "Keeps only the given JSON paths (\"a/b\" or [\"a\", \"b\"]).", json_filter);
  def(r, c, "json.remove", {"object[any: any]", "array[any]|set[any]"}, "any",
      "Removes the given JSON paths.", json_remove);
  def(r, c, "json.patch", {"any", "array[object[string: any]]"}, "any",
      "Applies an RFC 6902 JSON Patch; undefined when an operation fails.", json_patch);
  BuiltinDecl w;
  w.name = "walk";
  w.arg_types = {"any"};
  w.result_type = "array[array[any], any]";
  w.description = "Enumerates [path, value] for every node of a document, pre-order.";
  w.category = "graph";
  w.fn = walk;
  w.relation = true;
  r.add(std::move(w));
}

}  // namespace policyc::builtins
