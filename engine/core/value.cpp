#include "policyc/core/value.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <mutex>
#include <new>
#include <unordered_map>

#include "policyc/core/frozen.hpp"
#include "policyc/core/number_paths.hpp"
#include "policyc/core/utf8.hpp"

namespace policyc {

namespace {

// Payload boxes come from per-size free lists: a document of a million small values is a
// million boxes, and malloc's bookkeeping was a large share of loading one. One list per
// thread, so files can be parsed in parallel; a box freed on another thread joins that
// thread's list (all boxes of a size are alike). Lists pass boxes between threads through a
// shared depot, in batches: a thread that has freed many boxes since it last gave gives a
// batch (the thread that ends a check frees what the loader and evaluator threads built), a
// thread whose chunk runs out takes a batch before it asks for a new chunk, and a thread that
// ends gives all it holds. So memory freed on one thread serves the others, and checks run one
// after another in a process stay within what one of them needs.
template <size_t Size>
class BoxPool {
 public:
  static void* allocate() {
    if (free_) {
      void* p = free_;
      free_ = *static_cast<void**>(p);
      return p;
    }
    // The depot is asked once per chunk, not per box: fresh boxes come from the chunk.
    if (next_ == end_ && !take_batch()) refill();
    if (free_) return allocate();
    void* p = next_;
    next_ += Size;
    return p;
  }
  static void release(void* p) {
    *static_cast<void**>(p) = free_;
    free_ = p;
    // Counting frees, not the list's length, keeps allocation free of bookkeeping.
    if (++freed_ == 1) register_exit();  // a thread that only frees still gives at its end
    if (freed_ > 2 * kBatch) give_batch();
  }

 private:
  static constexpr size_t kBatch = 1024;

  // The unused rest of an ended thread's chunk, handed on as it is: writing a free list
  // through it would touch pages nothing has used yet.
  struct Range {
    char* next;
    char* end;
  };
  struct Depot {
    std::mutex lock;
    std::vector<void*> batches;  // free lists
    std::vector<Range> ranges;
  };
  static Depot& depot() {
    static Depot& d = *new Depot;  // boxes outlive static destruction: never destroyed
    return d;
  }

  // Gives up to a batch from the head of the list (it may be shorter than freed_ says).
  static void give_batch() {
    freed_ = 1;
    if (!free_) return;
    void* head = free_;
    void* last = head;
    for (size_t n = 1; n < kBatch && *static_cast<void**>(last); ++n)
      last = *static_cast<void**>(last);
    free_ = *static_cast<void**>(last);
    *static_cast<void**>(last) = nullptr;
    Depot& d = depot();
    std::lock_guard<std::mutex> guard(d.lock);
    d.batches.push_back(head);
  }

  static bool take_batch() {
    Depot& d = depot();
    std::lock_guard<std::mutex> guard(d.lock);
    if (d.batches.empty()) return false;
    register_exit();
    free_ = d.batches.back();
    d.batches.pop_back();
    return true;
  }

  // A thread's boxes go to the depot when it ends, the unused rest of its chunk included.
  struct ThreadExit {
    ~ThreadExit() {
      Depot& d = depot();
      std::lock_guard<std::mutex> guard(d.lock);
      if (free_) d.batches.push_back(free_);
      if (next_ != end_) d.ranges.push_back({next_, end_});
      free_ = nullptr;
      next_ = end_ = nullptr;
    }
  };

  // Registered where a thread starts holding boxes; the hot paths touch only plain thread-local
  // pointers, which need no initialisation check.
  static void register_exit() {
    static thread_local ThreadExit exit_hook;
    (void)exit_hook;
  }

  static void refill() {
    register_exit();
    {
      Depot& d = depot();
      std::lock_guard<std::mutex> guard(d.lock);
      if (!d.ranges.empty()) {
        next_ = d.ranges.back().next;
        end_ = d.ranges.back().end;
        d.ranges.pop_back();
        return;
      }
    }
    constexpr size_t kChunk = 64 * 1024;
    next_ = static_cast<char*>(::operator new(kChunk));
    end_ = next_ + kChunk / Size * Size;
  }
  static inline thread_local void* free_ = nullptr;
  static inline thread_local size_t freed_ = 0;
  static inline thread_local char* next_ = nullptr;
  static inline thread_local char* end_ = nullptr;
};

// Under AddressSanitizer boxes come from the system allocator, so that a use after free
// is reported rather than hidden by reuse.
#if defined(__SANITIZE_ADDRESS__)
template <typename Box>
struct Pooled : Value::Heap {};
#else
template <typename Box>
struct Pooled : Value::Heap {
  static void* operator new(size_t) { return BoxPool<sizeof(Box)>::allocate(); }
  static void operator delete(void* p) { BoxPool<sizeof(Box)>::release(p); }
};
#endif

struct BigBox : Pooled<BigBox> {
  BigNumber n;
};

// Objects of up to four entries (most results, findings and messages) come from the pools
// too; larger ones from the system allocator.
template <size_t Entries>
using ObjectPool = BoxPool<sizeof(value_detail::ObjBox) + Entries * sizeof(ObjectEntry)>;

// Objects of more than kIndexedEntries entries (a document keyed by service id, a rule's
// value per service) carry a hash index of their string keys after the entries: a lookup
// is a probe or two instead of a binary search of string comparisons. Built once, when the
// object is, so lookups stay read-only (loader threads share documents).
constexpr size_t kIndexedEntries = 32;

// Slots of the index for n entries: a power of two, at most half full. 0 marks an empty
// slot, else the entry's position plus one.
size_t index_slots(size_t n) { return n <= kIndexedEntries ? 0 : std::bit_ceil(2 * n); }

uint32_t* object_index(const value_detail::ObjBox* box) {
  return reinterpret_cast<uint32_t*>(const_cast<ObjectEntry*>(box->data()) + box->size);
}

void* allocate_object_box(size_t n) {
#if !defined(__SANITIZE_ADDRESS__)
  switch (n) {
    case 0:
      return ObjectPool<0>::allocate();
    case 1:
      return ObjectPool<1>::allocate();
    case 2:
      return ObjectPool<2>::allocate();
    case 3:
      return ObjectPool<3>::allocate();
    case 4:
      return ObjectPool<4>::allocate();
    default:
      break;
  }
#endif
  return ::operator new(sizeof(value_detail::ObjBox) + n * sizeof(ObjectEntry) +
                        index_slots(n) * sizeof(uint32_t));
}

void release_object_box(void* p, [[maybe_unused]] size_t n) {
#if !defined(__SANITIZE_ADDRESS__)
  switch (n) {
    case 0:
      return ObjectPool<0>::release(p);
    case 1:
      return ObjectPool<1>::release(p);
    case 2:
      return ObjectPool<2>::release(p);
    case 3:
      return ObjectPool<3>::release(p);
    case 4:
      return ObjectPool<4>::release(p);
    default:
      break;
  }
#endif
  ::operator delete(p);
}

}  // namespace

namespace value_detail {

#if defined(__SANITIZE_ADDRESS__)
#define POLICYC_BOX_ALLOCATION(Box)                                     \
  void* Box::operator new(size_t size) { return ::operator new(size); } \
  void Box::operator delete(void* p) { ::operator delete(p); }
#else
#define POLICYC_BOX_ALLOCATION(Box)                                            \
  void* Box::operator new(size_t) { return BoxPool<sizeof(Box)>::allocate(); } \
  void Box::operator delete(void* p) { BoxPool<sizeof(Box)>::release(p); }
#endif
POLICYC_BOX_ALLOCATION(StrBox)
POLICYC_BOX_ALLOCATION(VecBox)
#undef POLICYC_BOX_ALLOCATION

const std::string& empty_string() {
  static const std::string empty;
  return empty;
}
const ValueVec& empty_items() {
  static const ValueVec empty;
  return empty;
}

}  // namespace value_detail

using value_detail::ObjBox;
using value_detail::StrBox;
using value_detail::VecBox;

namespace {

size_t mix(size_t h, size_t v) { return h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)); }

size_t hash_string(std::string_view s) { return std::hash<std::string_view>{}(s); }

bool fits_int64(const mpz_class& z) { return mpz_fits_slong_p(z.get_mpz_t()) != 0; }

}  // namespace

// Counts runes as Go does: each byte of an invalid or truncated sequence is one rune.
size_t utf8_rune_count(std::string_view s) {
  size_t n = 0, i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    bool valid = len > 0 && i + len <= s.size();
    for (size_t k = 1; valid && k < len; ++k)
      valid = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (valid && len == 2) valid = c >= 0xC2;
    if (valid && len == 3) {
      unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
      valid = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);
    }
    if (valid && len == 4) {
      unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
      valid = c <= 0xF4 && !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
    }
    i += valid ? len : 1;
    ++n;
  }
  return n;
}

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::Undefined:
      return "undefined";
    case Kind::Null:
      return "null";
    case Kind::Boolean:
      return "boolean";
    case Kind::Number:
      return "number";
    case Kind::String:
      return "string";
    case Kind::Array:
      return "array";
    case Kind::Object:
      return "object";
    case Kind::Set:
      return "set";
  }
  return "unknown";
}

const BigNumber* Value::big() const {
  if (kind_ != Kind::Number || !bool_) return nullptr;
  return &static_cast<const BigBox*>(u_.heap_)->n;
}

void Value::destroy() {
  switch (kind_) {
    case Kind::Number:
      delete static_cast<BigBox*>(u_.heap_);
      break;
    case Kind::String:
      delete static_cast<StrBox*>(u_.heap_);
      break;
    case Kind::Array:
    case Kind::Set:
      delete static_cast<VecBox*>(u_.heap_);
      break;
    case Kind::Object: {
      auto* box = static_cast<ObjBox*>(u_.heap_);
      for (uint32_t i = 0; i < box->size; ++i) box->data()[i].~ObjectEntry();
      uint32_t n = box->size;
      box->~ObjBox();
      release_object_box(box, n);
      break;
    }
    default:
      break;
  }
}

Value Value::null() {
  Value v;
  v.kind_ = Kind::Null;
  return v;
}

Value Value::boolean(bool b) {
  Value v;
  v.kind_ = Kind::Boolean;
  v.bool_ = b;
  return v;
}

Value Value::integer(int64_t i) {
  Value v;
  v.kind_ = Kind::Number;
  v.u_.int_ = i;
  return v;
}

Value Value::rational(const mpq_class& q) {
  if (q.get_den() == 1 && fits_int64(q.get_num())) return integer(q.get_num().get_si());
  Value v;
  v.kind_ = Kind::Number;
  auto* box = new BigBox;
  box->n.q = q;
  box->n.q.canonicalize();
  v.bool_ = true;
  v.u_.heap_ = box;
  return v;
}

Value Value::from_double(double d) {
  if (!std::isfinite(d)) return Value();
  if (d == std::floor(d) && std::fabs(d) < 9.2e18) return integer(static_cast<int64_t>(d));
  mpq_class q(d);
  return rational(q);
}

Value Value::number_from_text(std::string_view text) {
  // Grammar: -?digits(.digits)?([eE][+-]?digits)?  (leading '+' not allowed, as JSON)
  size_t i = 0, n = text.size();
  bool neg = false;
  if (i < n && text[i] == '-') {
    neg = true;
    ++i;
  }
  size_t int_start = i;
  while (i < n && text[i] >= '0' && text[i] <= '9') ++i;
  if (i == int_start) return Value();
  std::string digits(text.substr(int_start, i - int_start));
  int64_t exp10 = 0;
  bool plain_int = true;
  if (i < n && text[i] == '.') {
    plain_int = false;
    ++i;
    size_t frac_start = i;
    while (i < n && text[i] >= '0' && text[i] <= '9') ++i;
    if (i == frac_start) return Value();
    digits.append(text.substr(frac_start, i - frac_start));
    exp10 -= static_cast<int64_t>(i - frac_start);
  }
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    plain_int = false;
    ++i;
    bool eneg = false;
    if (i < n && (text[i] == '+' || text[i] == '-')) eneg = text[i++] == '-';
    size_t exp_start = i;
    int64_t e = 0;
    while (i < n && text[i] >= '0' && text[i] <= '9') {
      if (e < 100000000) e = e * 10 + (text[i] - '0');
      ++i;
    }
    if (i == exp_start) return Value();
    exp10 += eneg ? -e : e;
  }
  if (i != n) return Value();
  if (plain_int && digits.size() <= 18) {
    int64_t v = 0;
    for (char c : digits) v = v * 10 + (c - '0');
    // `-0` keeps its text (OPA echoes it), with the value zero.
    if (!(neg && v == 0)) return integer(neg ? -v : v);
  }
  if (exp10 > 100000 || exp10 < -100000) return Value();  // absurd magnitudes
  mpz_class num(digits, 10);
  if (neg) num = -num;
  mpq_class q;
  mpz_class p10;
  mpz_ui_pow_ui(p10.get_mpz_t(), 10, static_cast<unsigned long>(exp10 < 0 ? -exp10 : exp10));
  if (exp10 >= 0) {
    q = mpq_class(num * p10);
  } else {
    q = mpq_class(num, p10);
    q.canonicalize();
  }
  if (plain_int && !(neg && q == 0)) return rational(q);
  Value v;
  v.kind_ = Kind::Number;
  auto* box = new BigBox;
  box->n.q = q;
  box->n.text = std::string(text);
  v.bool_ = true;
  v.u_.heap_ = box;
  return v;
}

Value Value::string(std::string s) {
  size_t hash = hash_string(s);
  return string_with_hash(std::move(s), hash);
}

Value Value::string_with_hash(std::string s, size_t hash) {
  Value v;
  v.kind_ = Kind::String;
  auto* box = new StrBox;
  box->hash = hash;
  box->s = std::move(s);
  v.u_.heap_ = box;
  return v;
}

void Value::make_immortal() {
  // A frozen or immortal payload's children are frozen or immortal already, so the walk stops
  // there. Explicit stack: inputs may be deep. The handles inside are marked too; they are the
  // payloads' own, written only here and when the arena thaws them.
  std::vector<Value*> pending{this};
  while (!pending.empty()) {
    Value* v = pending.back();
    pending.pop_back();
    if (!v->has_heap() || v->hold_ == Hold::Uncounted) continue;
    v->hold_ = Hold::Frozen;
    if (v->u_.heap_->refs & Heap::kImmortal) continue;
    v->u_.heap_->refs |= Heap::kImmortal | Heap::kFrozen;
    if (v->is_object()) {
      for (const auto& [key, child] : v->entries()) {
        pending.push_back(const_cast<Value*>(&key));
        pending.push_back(const_cast<Value*>(&child));
      }
    } else if (v->is_array() || v->is_set()) {
      for (const auto& item : v->items()) pending.push_back(const_cast<Value*>(&item));
    }
  }
}

void Value::release_frozen() {
  // Threads may drop owning handles of one frozen payload at once. The count may reach zero
  // here: the payload stays until its arena thaws it, counting then the handles it reaches.
  std::atomic_ref<uint32_t>(u_.heap_->refs).fetch_sub(1, std::memory_order_relaxed);
}

Value FrozenValues::freeze(Value value) {
  value.make_immortal();
  std::lock_guard<std::mutex> guard(lock_);
  kept_.push_back(std::move(value));
  return kept_.back();
}

void FrozenValues::freeze_in_place(Value& value) {
  if (!value.has_heap()) return;
  value.make_immortal();
  std::lock_guard<std::mutex> guard(lock_);
  kept_.push_back(value);
}

FrozenValues::~FrozenValues() {
  // Thaw everything first, then drop: kept values share payloads, and a drop must see counts
  // that are whole. A handle the walk reaches owns a count from here on; one that was copied
  // while its payload was frozen (Uncounted) did not, so the payload gains one for it.
  std::vector<Value*> pending;
  for (auto& v : kept_) pending.push_back(&v);
  while (!pending.empty()) {
    Value* v = pending.back();
    pending.pop_back();
    if (!v->has_heap()) continue;
    uint32_t& refs = v->u_.heap_->refs;
    if ((refs & Value::Heap::kImmortal) && !(refs & Value::Heap::kFrozen)) continue;
    if (v->hold_ == Value::Hold::Uncounted) ++refs;
    v->hold_ = Value::Hold::Counted;
    if (!(refs & Value::Heap::kFrozen)) continue;  // thawed through another handle already
    refs &= Value::Heap::kCountMask;
    if (v->is_object()) {
      for (const auto& [key, child] : v->entries()) {
        pending.push_back(const_cast<Value*>(&key));
        pending.push_back(const_cast<Value*>(&child));
      }
    } else if (v->is_array() || v->is_set()) {
      for (const auto& item : v->items()) pending.push_back(const_cast<Value*>(&item));
    }
  }
  kept_.clear();
}

Value Value::interned(std::string_view s) {
  // Each thread looks in its own cache first; the process-wide table is locked only for a
  // text the thread has not interned before.
  thread_local std::unordered_map<std::string_view, Value> seen;
  auto hit = seen.find(s);
  if (hit != seen.end()) return hit->second;
  static std::mutex lock;
  // Never destroyed: the payloads are immortal, and stay reachable until the process ends.
  static auto& table = *new std::unordered_map<std::string_view, Value>;
  Value v;
  {
    std::lock_guard<std::mutex> guard(lock);
    auto it = table.find(s);
    if (it != table.end()) {
      v = it->second;
    } else {
      v = string(s);
      v.u_.heap_->refs = Heap::kImmortal;
      table.emplace(std::string_view(v.str()), v);  // the view points into the payload
    }
  }
  seen.emplace(std::string_view(v.str()), v);
  return v;
}

Value Value::array(ValueVec items) {
  Value v;
  v.kind_ = Kind::Array;
  auto* box = new VecBox;
  box->v = std::move(items);
  v.u_.heap_ = box;
  return v;
}

Value Value::object(ObjectEntries entries) {
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto& a, const auto& b) { return compare(a.first, b.first) < 0; });
  // Keep the last of equal keys.
  ObjectEntries out;
  out.reserve(entries.size());
  for (auto& e : entries) {
    if (!out.empty() && out.back().first == e.first) {
      out.back().second = std::move(e.second);  // the first key's spelling (1 vs 1.0) stays
    } else {
      out.push_back(std::move(e));
    }
  }
  return object_sorted(std::move(out));
}

Value Value::object_sorted(ObjectEntries entries) {
  return object_sorted_moving(std::span<ObjectEntry>(entries));
}

Value Value::object_sorted_moving(std::span<ObjectEntry> entries, const uint8_t* order) {
  size_t n = entries.size();
  auto* box = new (allocate_object_box(n)) ObjBox;
  box->size = static_cast<uint32_t>(n);
  ObjectEntry* out = box->data();
  for (size_t i = 0; i < n; ++i)
    new (out + i) ObjectEntry(std::move(entries[order ? order[i] : i]));
  if (size_t slots = index_slots(n)) {
    uint32_t* index = object_index(box);
    std::fill(index, index + slots, 0u);
    const size_t mask = slots - 1;
    for (size_t i = 0; i < n; ++i) {
      if (out[i].first.kind() != Kind::String) continue;
      size_t j = static_cast<const StrBox*>(out[i].first.u_.heap_)->hash & mask;
      while (index[j]) j = (j + 1) & mask;
      index[j] = static_cast<uint32_t>(i + 1);
    }
  }
  Value v;
  v.kind_ = Kind::Object;
  v.u_.heap_ = box;
  return v;
}

Value Value::set(ValueVec items) {
  // Sets are often built by iterating a collection that is already in order (ids, keys of
  // an object, members of another set): one linear pass then replaces the sort.
  bool strictly_ascending = true;
  for (size_t i = 1; strictly_ascending && i < items.size(); ++i)
    strictly_ascending = compare(items[i - 1], items[i]) < 0;
  if (strictly_ascending) return set_sorted(std::move(items));
  std::sort(items.begin(), items.end(),
            [](const Value& a, const Value& b) { return compare(a, b) < 0; });
  items.erase(std::unique(items.begin(), items.end(),
                          [](const Value& a, const Value& b) { return compare(a, b) == 0; }),
              items.end());
  return set_sorted(std::move(items));
}

Value Value::set_sorted(ValueVec items) {
  Value v;
  v.kind_ = Kind::Set;
  auto* box = new VecBox;
  box->v = std::move(items);
  v.u_.heap_ = box;
  return v;
}

Value Value::make_permanent(Value v) {
  v.u_.heap_->refs = Heap::kImmortal;
  return v;
}

Value Value::empty_array() {
  static const Value v = make_permanent(array({}));
  return v;
}
Value Value::empty_object() {
  static const Value v = make_permanent(object_sorted({}));
  return v;
}
Value Value::empty_set() {
  static const Value v = make_permanent(set_sorted({}));
  return v;
}

bool Value::is_integer() const {
  if (kind_ != Kind::Number) return false;
  if (!bool_) return true;
  return big()->q.get_den() == 1;
}

bool Value::to_int64(int64_t& out) const {
  if (kind_ != Kind::Number) return false;
  if (!bool_) {
    out = u_.int_;
    return true;
  }
  const auto& q = big()->q;
  if (q.get_den() != 1 || !fits_int64(q.get_num())) return false;
  out = q.get_num().get_si();
  return true;
}

double Value::to_double() const {
  if (kind_ != Kind::Number) return 0;
  if (!bool_) return static_cast<double>(u_.int_);
  const auto* b = big();
  if (!b->text.empty()) return std::strtod(b->text.c_str(), nullptr);
  return b->q.get_d();
}

mpq_class Value::to_rational() const {
  if (kind_ != Kind::Number) return mpq_class(0);
  if (!bool_) return mpq_class(static_cast<long>(u_.int_));
  return big()->q;
}

const std::string* Value::number_text() const {
  if (kind_ != Kind::Number || !bool_) return nullptr;
  const auto* b = big();
  return b->text.empty() ? nullptr : &b->text;
}

namespace {

// OPA computes non-integral results in binary floating point with a 64-bit mantissa
// (Go's big.Float) and prints the shortest decimal that reads back to the same value, in
// %e form when the exponent is below -4 or at least 6. We keep exact rationals and print
// them the same way, so 1/3 shows as 0.33333333333333333334.
constexpr int kMantissaBits = 64;

// The 64-bit-mantissa binary value nearest to q (> 0), as m * 2^-e.
void round_to_binary(const mpq_class& q, mpz_class& m, long& e) {
  // Find e with 2^63 <= q * 2^e < 2^64.
  long bits = static_cast<long>(mpz_sizeinbase(q.get_num().get_mpz_t(), 2)) -
              static_cast<long>(mpz_sizeinbase(q.get_den().get_mpz_t(), 2));
  e = kMantissaBits - bits;
  for (int tries = 0; tries < 4; ++tries) {
    mpq_class scaled = q;
    if (e >= 0) {
      mpq_mul_2exp(scaled.get_mpq_t(), scaled.get_mpq_t(), static_cast<mp_bitcnt_t>(e));
    } else {
      mpq_div_2exp(scaled.get_mpq_t(), scaled.get_mpq_t(), static_cast<mp_bitcnt_t>(-e));
    }
    mpz_class lo = scaled.get_num() / scaled.get_den();
    size_t size = mpz_sizeinbase(lo.get_mpz_t(), 2);
    if (size < kMantissaBits) {
      ++e;
      continue;
    }
    if (size > kMantissaBits) {
      --e;
      continue;
    }
    mpq_class frac = scaled - mpq_class(lo);
    int c = cmp(frac, mpq_class(1, 2));
    m = lo;
    if (c > 0 || (c == 0 && mpz_odd_p(lo.get_mpz_t()))) {
      ++m;
      // Rounding up 2^64 - 1 carries into a 65th bit: keep the mantissa 64 bits wide, so
      // that e gives the ulp of the value's own binade (shortest_digits_exact's bounds).
      if (mpz_sizeinbase(m.get_mpz_t(), 2) > kMantissaBits) {
        mpz_tdiv_q_2exp(m.get_mpz_t(), m.get_mpz_t(), 1);
        --e;
      }
    }
    return;
  }
  m = q.get_num() / q.get_den();
}

// x86's extended precision has exactly the 64-bit mantissa OPA computes with, and its
// division rounds to nearest, ties to even, as round_to_binary does. So for a quotient of
// two integers below 2^64 (exact in long double) one hardware division gives the rounded
// value that the exact search above finds with a dozen GMP operations.
constexpr bool kLongDoubleHas64BitMantissa = std::numeric_limits<long double>::digits == 64;

bool as_long_double(const mpq_class& q, long double& out) {
  if (!kLongDoubleHas64BitMantissa) return false;
  const mpz_class& num = q.get_num();
  const mpz_class& den = q.get_den();
  if (mpz_sizeinbase(num.get_mpz_t(), 2) > 64 || mpz_sizeinbase(den.get_mpz_t(), 2) > 64 ||
      sizeof(mp_limb_t) != 8)
    return false;
  auto magnitude = [](const mpz_class& z) -> long double {
    return static_cast<long double>(static_cast<uint64_t>(mpz_getlimbn(z.get_mpz_t(), 0)));
  };
  long double x = magnitude(num) / magnitude(den);
  out = sgn(num) < 0 ? -x : x;
  return true;
}

mpq_class pow10q(long k) {
  mpz_class p;
  mpz_ui_pow_ui(p.get_mpz_t(), 10, static_cast<unsigned long>(k < 0 ? -k : k));
  return k >= 0 ? mpq_class(p) : mpq_class(mpz_class(1), p);
}

}  // namespace

namespace number_paths {

bool round_to_mantissa64_fast(const mpq_class& value, mpq_class& result) {
  long double x;
  if (as_long_double(value, x)) {
    // x = mantissa * 2^(exp - 64) exactly.
    int exp;
    long double fraction = std::frexp(std::fabs(x), &exp);
    auto mantissa = static_cast<uint64_t>(std::ldexp(fraction, 64));
    mpq_class out{mpz_class(static_cast<unsigned long>(mantissa))};
    long shift = exp - 64;
    if (shift >= 0) {
      mpq_mul_2exp(out.get_mpq_t(), out.get_mpq_t(), static_cast<mp_bitcnt_t>(shift));
    } else {
      mpq_div_2exp(out.get_mpq_t(), out.get_mpq_t(), static_cast<mp_bitcnt_t>(-shift));
    }
    result = x < 0 ? mpq_class(-out) : out;
    return true;
  }
  return false;
}

mpq_class round_to_mantissa64_exact(const mpq_class& value) {
  if (value == 0) return value;
  bool neg = value < 0;
  mpq_class q = neg ? mpq_class(-value) : value;
  mpz_class m;
  long e;
  round_to_binary(q, m, e);
  mpq_class out(m);
  if (e >= 0) {
    mpq_div_2exp(out.get_mpq_t(), out.get_mpq_t(), static_cast<mp_bitcnt_t>(e));
  } else {
    mpq_mul_2exp(out.get_mpq_t(), out.get_mpq_t(), static_cast<mp_bitcnt_t>(-e));
  }
  return neg ? mpq_class(-out) : out;
}

// The digits of a long double's shortest round-trip form (std::to_chars). Its bounds are
// Go's except below a power of two (to_chars admits only what reads back), so those go the
// exact way.
bool shortest_digits_fast(const mpq_class& value, std::string& digits, long& exp10) {
  long double x;
  if (!as_long_double(value, x)) return false;
  int binary_exp;
  if (std::frexp(std::fabs(x), &binary_exp) == 0.5L) return false;
  char buf[64];
  auto [end, ec] =
      std::to_chars(buf, buf + sizeof buf, std::fabs(x), std::chars_format::scientific);
  if (ec != std::errc()) return false;
  std::string_view text(buf, static_cast<size_t>(end - buf));
  size_t e = text.find('e');
  if (e == std::string_view::npos) return false;
  digits.clear();
  for (char c : text.substr(0, e))
    if (c != '.') digits.push_back(c);
  std::string_view exponent = text.substr(e + 1);
  if (!exponent.empty() && exponent[0] == '+') exponent.remove_prefix(1);
  return std::from_chars(exponent.data(), exponent.data() + exponent.size(), exp10).ec ==
         std::errc();
}

void shortest_digits_exact(const mpq_class& value, std::string& digits, long& exp10) {
  mpq_class q = value < 0 ? mpq_class(-value) : value;
  mpz_class m;
  long e;
  round_to_binary(q, m, e);
  // Digits are those of the binary value, as Go prints it.
  q = mpq_class(m);
  if (e >= 0) {
    mpq_div_2exp(q.get_mpq_t(), q.get_mpq_t(), static_cast<mp_bitcnt_t>(e));
  } else {
    mpq_mul_2exp(q.get_mpq_t(), q.get_mpq_t(), static_cast<mp_bitcnt_t>(-e));
  }
  // Go's bounds (math/big roundShortest): half an ulp either side of the binary value,
  // included when its mantissa is even. Below a power of two this is wider than the values
  // that read back (the spacing halves there), and Go prints what it admits.
  mpq_class half_ulp(1);
  if (e + 1 >= 0) {
    mpq_div_2exp(half_ulp.get_mpq_t(), half_ulp.get_mpq_t(), static_cast<mp_bitcnt_t>(e + 1));
  } else {
    mpq_mul_2exp(half_ulp.get_mpq_t(), half_ulp.get_mpq_t(), static_cast<mp_bitcnt_t>(-(e + 1)));
  }
  // Decimal exponent of q: 10^d10 <= q < 10^(d10+1).
  long d10 = static_cast<long>(mpz_sizeinbase(q.get_num().get_mpz_t(), 10)) -
             static_cast<long>(mpz_sizeinbase(q.get_den().get_mpz_t(), 10));
  while (q >= pow10q(d10 + 1)) ++d10;
  while (q < pow10q(d10)) --d10;
  exp10 = d10;
  for (int n = 1; n <= 40; ++n) {
    // n significant digits: round(q / 10^(d10 - n + 1)).
    mpq_class scaled = q / pow10q(d10 - n + 1);
    mpz_class cand = scaled.get_num() / scaled.get_den();
    mpq_class frac = scaled - mpq_class(cand);
    // To nearest, ties to even, as Go's decimal conversion rounds.
    int half = cmp(frac, mpq_class(1, 2));
    if (half > 0 || (half == 0 && mpz_odd_p(cand.get_mpz_t()))) ++cand;
    mpq_class back = mpq_class(cand) * pow10q(d10 - n + 1);
    mpq_class distance = back - q;
    int to_bound = cmp(abs(distance), half_ulp);
    if (to_bound < 0 || (to_bound == 0 && mpz_even_p(m.get_mpz_t()))) {
      digits = cand.get_str();
      exp10 = d10;
      if (static_cast<int>(digits.size()) > n) exp10 = d10 + 1;  // rounded up to 10^(d10+1)
      break;
    }
  }
}

}  // namespace number_paths

mpq_class round_to_mantissa64(const mpq_class& value) {
  if (value == 0 || value.get_den() == 1) return value;
  mpq_class out;
  if (number_paths::round_to_mantissa64_fast(value, out)) return out;
  return number_paths::round_to_mantissa64_exact(value);
}

namespace {

// Go's %g-like form of big.Float.Text('g', -1): %e when the exponent is below -4 or at
// least 6, plain decimals otherwise.
std::string format_shortest(bool neg, std::string digits, long exp10) {
  if (digits.empty()) digits = "0";
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out = neg ? "-" : "";
  if (exp10 < -4 || exp10 >= 6) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    out += exp10 < 0 ? "e-" : "e+";
    std::string ex = std::to_string(exp10 < 0 ? -exp10 : exp10);
    if (ex.size() < 2) ex.insert(0, "0");
    return out + ex;
  }
  if (exp10 < 0) return out + "0." + std::string(static_cast<size_t>(-exp10 - 1), '0') + digits;
  size_t int_len = static_cast<size_t>(exp10) + 1;
  if (digits.size() <= int_len) return out + digits + std::string(int_len - digits.size(), '0');
  return out + digits.substr(0, int_len) + "." + digits.substr(int_len);
}

std::string format_rational(const mpq_class& value) {
  std::string digits;
  long exp10 = 0;
  if (!number_paths::shortest_digits_fast(value, digits, exp10))
    number_paths::shortest_digits_exact(value, digits, exp10);
  return format_shortest(value < 0, std::move(digits), exp10);
}

}  // namespace

std::string Value::number_to_string() const {
  if (!bool_) return std::to_string(u_.int_);
  const auto* b = big();
  if (!b->text.empty()) return b->text;
  if (b->q.get_den() == 1) return b->q.get_num().get_str();
  return format_rational(b->q);
}

size_t Value::size() const {
  switch (kind_) {
    case Kind::Array:
    case Kind::Set:
      return items().size();
    case Kind::Object:
      return entries().size();
    case Kind::String:
      return utf8_rune_count(str());
    default:
      return 0;
  }
}

const Value* Value::find(const Value& key) const {
  if (kind_ != Kind::Object) return nullptr;
  const auto& e = entries();
  // Objects of up to a few dozen string keys (most documents; a blueprint service has about
  // 25): a linear scan beats a binary search of three-way comparisons. Shared key strings
  // match by pointer; others are told apart by their precomputed hashes before any memcmp.
  if (key.kind_ == Kind::String) {
    if (e.size() <= kIndexedEntries) {
      for (const auto& entry : e)
        if (entry.first.kind_ == Kind::String && same_string(entry.first, key))
          return &entry.second;
      return nullptr;
    }
    const auto* box = static_cast<const ObjBox*>(u_.heap_);
    const uint32_t* index = object_index(box);
    const size_t mask = index_slots(e.size()) - 1;
    for (size_t j = static_cast<const StrBox*>(key.u_.heap_)->hash & mask; index[j];
         j = (j + 1) & mask) {
      const ObjectEntry& entry = e[index[j] - 1];
      if (same_string(entry.first, key)) return &entry.second;
    }
    return nullptr;
  }
  auto it = std::lower_bound(e.begin(), e.end(), key, [](const auto& entry, const Value& k) {
    return compare(entry.first, k) < 0;
  });
  if (it != e.end() && compare(it->first, key) == 0) return &it->second;
  return nullptr;
}

bool Value::contains(const Value& item) const {
  if (kind_ != Kind::Set) return false;
  const auto& v = items();
  auto it = std::lower_bound(v.begin(), v.end(), item,
                             [](const Value& a, const Value& b) { return compare(a, b) < 0; });
  return it != v.end() && compare(*it, item) == 0;
}

Value Value::get(const Value& key) const {
  switch (kind_) {
    case Kind::Object: {
      const Value* v = find(key);
      return v ? *v : Value();
    }
    case Kind::Array: {
      int64_t i;
      if (!key.to_int64(i)) return Value();
      const auto& v = items();
      if (i < 0 || static_cast<size_t>(i) >= v.size()) return Value();
      return v[static_cast<size_t>(i)];
    }
    case Kind::Set:
      return contains(key) ? key : Value();
    default:
      return Value();
  }
}

const Value* Value::get_ptr(const Value& key) const {
  switch (kind_) {
    case Kind::Object:
      return find(key);
    case Kind::Array: {
      int64_t i;
      if (!key.to_int64(i)) return nullptr;
      const auto& v = items();
      if (i < 0 || static_cast<size_t>(i) >= v.size()) return nullptr;
      return &v[static_cast<size_t>(i)];
    }
    case Kind::Set: {
      const auto& v = items();
      auto it = std::lower_bound(v.begin(), v.end(), key,
                                 [](const Value& a, const Value& b) { return compare(a, b) < 0; });
      return it != v.end() && compare(*it, key) == 0 ? &*it : nullptr;
    }
    default:
      return nullptr;
  }
}

size_t Value::string_hash(std::string_view s) { return hash_string(s); }

size_t Value::array_hash(std::span<const Value> items) {
  size_t h = 0xA1;
  for (const auto& v : items) h = mix(h, v.hash());
  return h;
}

size_t Value::hash() const {
  switch (kind_) {
    case Kind::Undefined:
      return 0;
    case Kind::Null:
      return 0x51;
    case Kind::Boolean:
      return bool_ ? 0x77 : 0x78;
    case Kind::Number: {
      int64_t i;
      if (to_int64(i)) return std::hash<int64_t>{}(i);
      return std::hash<double>{}(round_to_mantissa64(to_rational()).get_d());
    }
    case Kind::String:
      return static_cast<const StrBox*>(u_.heap_)->hash;
    case Kind::Array:
      return array_hash(items());
    case Kind::Set: {
      size_t h = 0x5E;
      for (const auto& v : items()) h = mix(h, v.hash());
      return h;
    }
    case Kind::Object: {
      size_t h = 0x0B;
      for (const auto& [k, v] : entries()) h = mix(mix(h, k.hash()), v.hash());
      return h;
    }
  }
  return 0;
}

int compare(const Value& a, const Value& b) {
  if (a.kind_ != b.kind_) return a.kind_ < b.kind_ ? -1 : 1;
  switch (a.kind_) {
    case Kind::Undefined:
    case Kind::Null:
      return 0;
    case Kind::Boolean:
      return a.bool_ == b.bool_ ? 0 : (a.bool_ ? 1 : -1);
    case Kind::Number: {
      if (!a.bool_ && !b.bool_) return a.u_.int_ < b.u_.int_ ? -1 : (a.u_.int_ > b.u_.int_ ? 1 : 0);
      // Non-integers compare as OPA holds them: with a 64-bit binary mantissa.
      mpq_class x = a.to_rational(), y = b.to_rational();
      if (x.get_den() != 1 || y.get_den() != 1) {
        x = round_to_mantissa64(x);
        y = round_to_mantissa64(y);
      }
      int c = cmp(x, y);
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case Kind::String: {
      if (a.u_.heap_ == b.u_.heap_) return 0;
      int c = a.str().compare(b.str());
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case Kind::Array:
    case Kind::Set: {
      if (a.u_.heap_ == b.u_.heap_) return 0;
      const auto& x = a.items();
      const auto& y = b.items();
      size_t n = std::min(x.size(), y.size());
      for (size_t i = 0; i < n; ++i) {
        int c = compare(x[i], y[i]);
        if (c) return c;
      }
      return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
    }
    case Kind::Object: {
      if (a.u_.heap_ == b.u_.heap_) return 0;
      const auto& x = a.entries();
      const auto& y = b.entries();
      size_t n = std::min(x.size(), y.size());
      for (size_t i = 0; i < n; ++i) {
        int c = compare(x[i].first, y[i].first);
        if (c) return c;
        c = compare(x[i].second, y[i].second);
        if (c) return c;
      }
      return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
    }
  }
  return 0;
}

namespace {

// Bytes a JSON string cannot copy without a look: control characters, the quote and
// backslash, the HTML-sensitive <, > and &, and every non-ASCII byte. Go's encoding/json,
// which OPA's output follows, also escapes U+2028 and U+2029 and writes \ufffd for each byte
// that is not UTF-8 (base64.decode can make such strings), so the text stays valid JSON.
constexpr std::array<bool, 256> kJsonEscaped = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[static_cast<size_t>(c)] = true;
  for (unsigned char c : {'"', '\\', '<', '>', '&'}) table[c] = true;
  for (int c = 0x80; c < 0x100; ++c) table[static_cast<size_t>(c)] = true;
  return table;
}();

// The length of the UTF-8 sequence at s[i] that JSON text may hold as it is, or 0 for an
// invalid byte, U+2028 or U+2029.
size_t json_verbatim_sequence(std::string_view s, size_t i) {
  size_t n = utf8_sequence_length(s, i);
  if (n == 3 && static_cast<unsigned char>(s[i]) == 0xE2 &&
      static_cast<unsigned char>(s[i + 1]) == 0x80 &&
      (static_cast<unsigned char>(s[i + 2]) & 0xFE) == 0xA8)
    return 0;
  return n;
}

// Writes JSON text into a buffer of its own and hands it to the string in chunks. Writing
// tens of megabytes (`resolve --format json` of a large system) a character at a time into
// the string itself spent most of its instructions checking the string's capacity.
class JsonWriter {
 public:
  JsonWriter(std::string& out, bool pretty) : out_(out), pretty_(pretty) {}
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;
  ~JsonWriter() { flush(); }

  void value(const Value& v, int indent) {
    switch (v.kind()) {
      case Kind::Undefined:
      case Kind::Null:
        text("null");
        return;
      case Kind::Boolean:
        text(v.as_bool() ? std::string_view("true") : std::string_view("false"));
        return;
      case Kind::Number:
        if (v.is_small_int()) {
          room(24);
          at_ = std::to_chars(at_, at_ + 24, v.small_int()).ptr;
        } else {
          text(v.number_to_string());
        }
        return;
      case Kind::String:
        string(v.str());
        return;
      case Kind::Array:
      case Kind::Set:
        array(v.items(), indent);
        return;
      case Kind::Object:
        object(v.entries(), indent);
        return;
    }
  }

 private:
  static constexpr size_t kBuffer = 16384;
  static constexpr size_t kCopyDirect = kBuffer / 4;  // longer texts skip the buffer

  void flush() {
    out_.append(buffer_, static_cast<size_t>(at_ - buffer_));
    at_ = buffer_;
  }
  // Makes room for n more bytes (n <= kBuffer).
  void room(size_t n) {
    if (static_cast<size_t>(buffer_ + kBuffer - at_) < n) flush();
  }
  void put(char c) {
    room(1);
    *at_++ = c;
  }
  void text(std::string_view s) {
    if (s.size() > kCopyDirect) {
      flush();
      out_.append(s);
      return;
    }
    room(s.size());
    std::memcpy(at_, s.data(), s.size());
    at_ += s.size();
  }
  // With `pretty`, a line break and two spaces per level of indentation.
  void newline(int indent) {
    if (!pretty_) return;
    size_t width = static_cast<size_t>(indent) * 2;
    if (width + 1 > kCopyDirect) {
      flush();
      write_json_newline(out_, true, indent);
      return;
    }
    room(width + 1);
    *at_++ = '\n';
    std::memset(at_, ' ', width);
    at_ += width;
  }

  void string(std::string_view s) {
    static const char* hex = "0123456789abcdef";
    put('"');
    // Runs of characters that need no escape are copied at once: most strings are one run.
    size_t i = 0;
    while (i < s.size()) {
      size_t run = i;
      for (;;) {
        while (run < s.size() && !kJsonEscaped[static_cast<unsigned char>(s[run])]) ++run;
        if (run == s.size() || static_cast<unsigned char>(s[run]) < 0x80) break;
        size_t n = json_verbatim_sequence(s, run);
        if (n == 0) break;
        run += n;
      }
      text(s.substr(i, run - i));
      if (run == s.size()) break;
      i = run + 1;
      unsigned char c = static_cast<unsigned char>(s[run]);
      if (c >= 0x80) {
        if (utf8_sequence_length(s, run) == 0) {
          text("\\ufffd");
        } else {
          text(static_cast<unsigned char>(s[run + 2]) == 0xA8 ? "\\u2028" : "\\u2029");
          i = run + 3;
        }
        continue;
      }
      switch (c) {
        case '"':
          text("\\\"");
          break;
        case '\\':
          text("\\\\");
          break;
        case '\n':
          text("\\n");
          break;
        case '\r':
          text("\\r");
          break;
        case '\t':
          text("\\t");
          break;
        default: {  // other control characters and <, >, &
          const char escape[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
          text(std::string_view(escape, sizeof escape));
        }
      }
    }
    put('"');
  }

  void array(const ValueVec& items, int indent) {
    if (items.empty()) {
      text("[]");
      return;
    }
    put('[');
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) put(',');
      newline(indent + 1);
      value(items[i], indent + 1);
    }
    newline(indent);
    put(']');
  }

  void object(EntrySpan entries, int indent) {
    if (entries.empty()) {
      text("{}");
      return;
    }
    bool string_keys = true;
    for (const auto& entry : entries) string_keys = string_keys && entry.first.is_string();
    if (string_keys) {  // already in output order
      members(
          entries.size(), [&](size_t i) -> std::string_view { return entries[i].first.str(); },
          [&](size_t i) -> const Value& { return entries[i].second; }, indent);
      return;
    }
    // Non-string keys are rendered as their JSON text; re-sort by that text.
    std::vector<std::pair<std::string, const Value*>> keyed;
    keyed.reserve(entries.size());
    for (const auto& [k, val] : entries) {
      std::string key_text;
      if (k.is_string()) {
        key_text = k.str();
      } else {
        write_json(key_text, k, false, 0);
      }
      keyed.emplace_back(std::move(key_text), &val);
    }
    std::stable_sort(keyed.begin(), keyed.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    keyed.erase(std::unique(keyed.begin(), keyed.end(),
                            [](const auto& a, const auto& b) { return a.first == b.first; }),
                keyed.end());
    members(
        keyed.size(), [&](size_t i) -> std::string_view { return keyed[i].first; },
        [&](size_t i) -> const Value& { return *keyed[i].second; }, indent);
  }

  template <typename KeyAt, typename ValueAt>
  void members(size_t n, KeyAt&& key_at, ValueAt&& value_at, int indent) {
    put('{');
    for (size_t i = 0; i < n; ++i) {
      if (i) put(',');
      newline(indent + 1);
      string(key_at(i));
      text(pretty_ ? std::string_view(": ") : std::string_view(":"));
      value(value_at(i), indent + 1);
    }
    newline(indent);
    put('}');
  }

  std::string& out_;
  bool pretty_;
  char buffer_[kBuffer];
  char* at_ = buffer_;
};

}  // namespace

void write_json_newline(std::string& out, bool pretty, int indent) {
  if (!pretty) return;
  // A line break and the deepest indentation JSON output usually needs, appended in one go.
  static const std::string kBreak = "\n" + std::string(64, ' ');
  size_t width = static_cast<size_t>(indent) * 2;
  if (width < kBreak.size()) {
    out.append(kBreak, 0, width + 1);
    return;
  }
  out.push_back('\n');
  out.append(width, ' ');
}

void write_json(std::string& out, const Value& v, bool pretty, int indent) {
  JsonWriter(out, pretty).value(v, indent);
}

std::string Value::to_json() const {
  std::string out;
  write_json(out, *this);
  return out;
}

std::string Value::to_rego() const {
  std::string out;
  switch (kind_) {
    case Kind::Array: {
      out = "[";
      bool first = true;
      for (const auto& v : items()) {
        if (!first) out += ", ";
        first = false;
        out += v.to_rego();
      }
      return out + "]";
    }
    case Kind::Set: {
      if (items().empty()) return "set()";
      out = "{";
      bool first = true;
      for (const auto& v : items()) {
        if (!first) out += ", ";
        first = false;
        out += v.to_rego();
      }
      return out + "}";
    }
    case Kind::Object: {
      out = "{";
      bool first = true;
      for (const auto& [k, v] : entries()) {
        if (!first) out += ", ";
        first = false;
        out += k.to_rego() + ": " + v.to_rego();
      }
      return out + "}";
    }
    case Kind::Undefined:
      return "undefined";
    default:
      write_json(out, *this);
      return out;
  }
}

}  // namespace policyc
