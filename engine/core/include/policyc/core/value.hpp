// The evaluation value: a compact tagged value with shared immutable payloads.
//
// Numbers keep integer precision: small integers stay inline as int64; everything else
// (big integers, decimals) is an exact rational (GMP) plus the literal text it was written
// as, so `0.1 + 0.2 == 0.3` holds and `1.0` prints back as `1.0`, as OPA does.
// Objects and sets are sorted vectors under OPA's total order, so iteration, comparison
// and output are deterministic without extra sorting.
#pragma once

#include <gmpxx.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace policyc {

// Order matches OPA's total order across types (Undefined is never compared with others).
enum class Kind : uint8_t { Undefined, Null, Boolean, Number, String, Array, Object, Set };

class Value;
using ValueVec = std::vector<Value>;
using ObjectEntry = std::pair<Value, Value>;
using ObjectEntries = std::vector<ObjectEntry>;
// An object's entries, sorted by key: they live inside the object's own allocation.
using EntrySpan = std::span<const ObjectEntry>;

struct BigNumber {
  mpq_class q;
  std::string text;  // literal text when it came from source or JSON; empty when computed
};

class Value {
 public:
  Value() : u_{.int_ = 0} {}
  Value(const Value& o) : kind_(o.kind_), bool_(o.bool_), hold_(o.copy_hold()), u_(o.u_) {}
  Value(Value&& o) noexcept : kind_(o.kind_), bool_(o.bool_), hold_(o.hold_), u_(o.u_) {
    o.kind_ = Kind::Undefined;
    o.hold_ = Hold::Counted;
    o.u_.int_ = 0;
  }
  Value& operator=(const Value& o) {
    if (this != &o) {
      Hold hold = o.copy_hold();
      release();
      kind_ = o.kind_;
      bool_ = o.bool_;
      hold_ = hold;
      u_ = o.u_;
    }
    return *this;
  }
  Value& operator=(Value&& o) noexcept {
    if (this != &o) {
      release();
      kind_ = o.kind_;
      bool_ = o.bool_;
      hold_ = o.hold_;
      u_ = o.u_;
      o.kind_ = Kind::Undefined;
      o.hold_ = Hold::Counted;
      o.u_.int_ = 0;
    }
    return *this;
  }
  ~Value() { release(); }

  static Value null();
  static Value boolean(bool b);
  static Value integer(int64_t i);
  static Value rational(const mpq_class& q);
  static Value from_double(double d);
  // Parses a JSON/Rego number literal exactly, keeping its text. Returns Undefined on bad text.
  static Value number_from_text(std::string_view text);
  static Value string(std::string s);
  static Value string(std::string_view s) { return string(std::string(s)); }
  static Value string(const char* s) { return string(std::string(s)); }
  // For a loader that already has string_hash(s) at hand.
  static Value string_with_hash(std::string s, size_t hash);
  // One shared payload per distinct text (object keys, policy string constants), so that key
  // lookups usually match by pointer. The table lives for the process.
  static Value interned(std::string_view s);
  // Freezes this value's payloads, all the way down: copying and dropping handles to them no
  // longer writes (or reads) their reference counts, so several threads may copy parts of the
  // value at once (as evaluators running side by side over one input do). Frozen payloads are
  // given back only by a FrozenValues arena that holds the value (frozen.hpp).
  void make_immortal();
  static Value array(ValueVec items);
  // Sorts by key; for duplicate keys the last one wins.
  static Value object(ObjectEntries entries);
  // Entries already sorted by key and unique (no checks).
  static Value object_sorted(ObjectEntries entries);
  // The same, moving the entries out of `entries`, in the order `order` gives when set
  // (order[i] is the index of the i-th entry).
  static Value object_sorted_moving(std::span<ObjectEntry> entries, const uint8_t* order = nullptr);
  // Sorts and removes duplicates.
  static Value set(ValueVec items);
  static Value set_sorted(ValueVec items);
  static Value empty_array();
  static Value empty_object();
  static Value empty_set();

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::Undefined; }
  bool is_defined() const { return kind_ != Kind::Undefined; }
  bool is_null() const { return kind_ == Kind::Null; }
  bool is_bool() const { return kind_ == Kind::Boolean; }
  bool is_number() const { return kind_ == Kind::Number; }
  bool is_string() const { return kind_ == Kind::String; }
  bool is_array() const { return kind_ == Kind::Array; }
  bool is_object() const { return kind_ == Kind::Object; }
  bool is_set() const { return kind_ == Kind::Set; }
  bool is_collection() const { return kind_ >= Kind::Array; }
  bool is_true() const { return kind_ == Kind::Boolean && bool_; }
  bool is_false() const { return kind_ == Kind::Boolean && !bool_; }

  bool as_bool() const { return kind_ == Kind::Boolean && bool_; }

  // Numbers.
  bool is_small_int() const { return kind_ == Kind::Number && !bool_; }
  int64_t small_int() const { return u_.int_; }
  bool is_integer() const;            // any integral number
  bool to_int64(int64_t& out) const;  // integral and in range
  double to_double() const;
  mpq_class to_rational() const;
  const std::string* number_text() const;  // literal text, if kept
  std::string number_to_string() const;    // how OPA prints it

  // Strings.
  const std::string& str() const;

  // Arrays and sets (both are item vectors; sets are sorted and unique).
  const ValueVec& items() const;
  // Objects: sorted by key.
  EntrySpan entries() const;
  size_t size() const;  // items, entries, or code points of a string

  const Value* find(const Value& key) const;  // object key lookup
  bool contains(const Value& item) const;     // set membership
  // Index a collection by key: array index, object key, set member. Undefined when absent.
  Value get(const Value& key) const;
  // Like get() without copying: null when absent.
  const Value* get_ptr(const Value& key) const;

  size_t hash() const;
  // What hash() gives for a string or an array with this content, without building it: lets
  // a loader find an equal value it already has before allocating a new one.
  static size_t string_hash(std::string_view s);
  static size_t array_hash(std::span<const Value> items);

  friend int compare(const Value& a, const Value& b);
  friend bool operator==(const Value& a, const Value& b) {
    if (a.kind_ == Kind::String && b.kind_ == Kind::String) return same_string(a, b);
    return compare(a, b) == 0;
  }
  friend bool operator!=(const Value& a, const Value& b) { return !(a == b); }
  friend bool operator<(const Value& a, const Value& b) { return compare(a, b) < 0; }

  // JSON text as OPA prints it (sets as arrays, non-string keys stringified), compact.
  std::string to_json() const;
  // Rego term text: sets as {a, b}, set() for the empty set, strings quoted.
  std::string to_rego() const;

  // Non-null for numbers that are not small integers.
  const BigNumber* big() const;

  // Payloads carry a plain (non-atomic) reference count: a payload that is not frozen or
  // immortal belongs to one thread, and atomic counting was a fifth of the iterate benchmark's
  // time. Interned strings and the shared empty collections are immortal: they live for the
  // process and their count is never written, so any thread may copy them. Frozen payloads
  // (make_immortal) are immortal until their FrozenValues arena thaws them; meanwhile the low
  // bits still count the handles that own a reference (Hold::Counted and Hold::Frozen), and a
  // drop of such a handle is the one write, made atomically.
  struct Heap {
    static constexpr uint32_t kImmortal = 0x80000000u;
    static constexpr uint32_t kFrozen = 0x40000000u;
    static constexpr uint32_t kCountMask = 0x3fffffffu;
    uint32_t refs = 1;
  };

  // How a handle holds its payload.
  enum class Hold : uint8_t {
    Counted,    // owns one count of the payload (or has no payload)
    Frozen,     // owned one when make_immortal froze the payload: copying it reads nothing
    Uncounted,  // copied while the payload was frozen or immortal: owns nothing
  };

 private:
  Kind kind_ = Kind::Undefined;
  // Booleans: the value. Numbers: true when the payload is a BigNumber.
  bool bool_ = false;
  // Frozen and Uncounted handles are copied without reading the payload's count: in a large
  // input spread over a hundred megabytes, that read was a cache miss per variable binding.
  Hold hold_ = Hold::Counted;
  // Copied as a whole (the union's own copy is of its bytes), never through one member: the
  // other member may be the active one, and reading it would be undefined.
  union Payload {
    int64_t int_;  // small integers
    Heap* heap_;   // strings, big numbers, arrays, sets, objects
  };
  Payload u_;

  // Equal strings: the same payload, or equal precomputed hashes and equal bytes.
  static bool same_string(const Value& a, const Value& b);
  bool has_heap() const { return kind_ >= Kind::String || (kind_ == Kind::Number && bool_); }
  // The hold of a copy of this handle, taking a count when the copy owns one.
  Hold copy_hold() const {
    if (!has_heap()) return Hold::Counted;
    if (hold_ != Hold::Counted || (u_.heap_->refs & Heap::kImmortal)) return Hold::Uncounted;
    ++u_.heap_->refs;
    return Hold::Counted;
  }
  void release() {
    if (!has_heap() || hold_ == Hold::Uncounted) return;
    if (u_.heap_->refs & Heap::kImmortal) {
      if (u_.heap_->refs & Heap::kFrozen) release_frozen();
      return;
    }
    if (--u_.heap_->refs == 0) destroy();
  }
  void release_frozen();
  void destroy();
  // A fresh, unshared value made immortal for the process (the shared empty collections).
  static Value make_permanent(Value v);
  friend class FrozenValues;
};

// Payload boxes of strings, arrays/sets and objects, here so the accessors inline; they are
// allocated in value.cpp.
namespace value_detail {
struct StrBox : Value::Heap {
  std::string s;
  size_t hash = 0;
  static void* operator new(size_t size);
  static void operator delete(void* p);
};
struct VecBox : Value::Heap {
  ValueVec v;
  static void* operator new(size_t size);
  static void operator delete(void* p);
};
// The entries follow the box in the same allocation (one allocation per object, no vector).
struct alignas(8) ObjBox : Value::Heap {
  uint32_t size = 0;
  ObjectEntry* data() { return reinterpret_cast<ObjectEntry*>(this + 1); }
  const ObjectEntry* data() const { return reinterpret_cast<const ObjectEntry*>(this + 1); }
};
const std::string& empty_string();
const ValueVec& empty_items();
}  // namespace value_detail

inline const std::string& Value::str() const {
  if (kind_ != Kind::String) return value_detail::empty_string();
  return static_cast<const value_detail::StrBox*>(u_.heap_)->s;
}

inline bool Value::same_string(const Value& a, const Value& b) {
  if (a.u_.heap_ == b.u_.heap_) return true;
  const auto* x = static_cast<const value_detail::StrBox*>(a.u_.heap_);
  const auto* y = static_cast<const value_detail::StrBox*>(b.u_.heap_);
  return x->hash == y->hash && x->s == y->s;
}

inline const ValueVec& Value::items() const {
  if (kind_ != Kind::Array && kind_ != Kind::Set) return value_detail::empty_items();
  return static_cast<const value_detail::VecBox*>(u_.heap_)->v;
}

inline EntrySpan Value::entries() const {
  if (kind_ != Kind::Object) return {};
  const auto* box = static_cast<const value_detail::ObjBox*>(u_.heap_);
  return EntrySpan(box->data(), box->size);
}

struct ValueHash {
  size_t operator()(const Value& v) const { return v.hash(); }
};

// The value nearest to q with a 64-bit binary mantissa: how OPA (Go's big.Float) holds a
// non-integral computed number. Integers are returned unchanged.
mpq_class round_to_mantissa64(const mpq_class& q);

// Number of runes in UTF-8 text, counting each invalid byte as one (as Go does).
size_t utf8_rune_count(std::string_view s);

// Type name as OPA's type_name() reports it.
const char* kind_name(Kind k);

// Writes JSON for v into out. `pretty` indents with two spaces.
void write_json(std::string& out, const Value& v, bool pretty = false, int indent = 0);
// What write_json puts between items: with `pretty`, a line break and the indentation of
// `indent` levels; otherwise nothing. For writers that lay out write_json's text in parts.
void write_json_newline(std::string& out, bool pretty, int indent);

}  // namespace policyc
