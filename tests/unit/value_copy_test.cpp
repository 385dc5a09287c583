// Copies and moves of a Value carry its payload whichever member of the payload union is
// active (an inline integer or a pointer to a shared box), and keep reference counts right:
// every copy stays equal to the original after the others are gone.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "policyc/core/value.hpp"

namespace policyc {
namespace {

std::vector<Value> every_kind() {
  ObjectEntries large;
  for (int i = 0; i < 40; ++i)
    large.emplace_back(Value::string("k" + std::to_string(i)), Value::integer(i));
  // Immortal payloads are never freed: kept in a static, they stay reachable (LeakSanitizer).
  static const Value immortal = [] {
    Value v = Value::array({Value::string("shared"), Value::integer(1)});
    v.make_immortal();
    return v;
  }();
  return {
      Value(),
      Value::null(),
      Value::boolean(true),
      Value::boolean(false),
      Value::integer(0),
      Value::integer(-1),
      Value::integer(INT64_MIN),
      Value::integer(INT64_MAX),
      Value::number_from_text("123456789012345678901234567890"),
      Value::number_from_text("0.1"),
      Value::number_from_text("1.0"),
      Value::string(""),
      Value::string("a string long enough to be on the heap"),
      Value::interned("interned"),
      Value::empty_array(),
      Value::array({Value::integer(1), Value::string("two"), Value::null()}),
      Value::empty_object(),
      Value::object({{Value::string("a"), Value::integer(1)}, {Value::integer(2), Value::null()}}),
      Value::object(std::move(large)),
      Value::empty_set(),
      Value::set({Value::integer(3), Value::integer(1), Value::string("x")}),
      immortal,
  };
}

// Compares through the printed form too, so a payload swapped for another of the same kind
// would show.
void expect_same(const Value& a, const Value& b) {
  ASSERT_EQ(a.kind(), b.kind());
  if (a.is_undefined()) return;
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.to_json(), b.to_json());
  EXPECT_EQ(a.hash(), b.hash());
}

TEST(ValueCopy, CopyConstructionKeepsEveryKind) {
  for (const Value& v : every_kind()) {
    std::string before = v.is_defined() ? v.to_json() : "";
    {
      Value copy(v);
      expect_same(copy, v);
      Value second(copy);
      expect_same(second, v);
    }
    // The copies are gone; the original's payload must still be there.
    if (v.is_defined()) {
      EXPECT_EQ(v.to_json(), before);
    }
  }
}

TEST(ValueCopy, CopyAssignmentOverEveryKind) {
  std::vector<Value> sources = every_kind();
  for (const Value& from : sources) {
    for (const Value& to : every_kind()) {
      Value target(to);
      target = from;
      expect_same(target, from);
      Value& self = target;
      target = self;
      expect_same(target, from);
    }
  }
}

TEST(ValueCopy, MovesLeaveUndefinedBehind) {
  std::vector<Value> sources = every_kind();
  std::vector<Value> originals = every_kind();
  for (size_t i = 0; i < sources.size(); ++i) {
    Value copy(sources[i]);
    Value moved(std::move(copy));
    expect_same(moved, originals[i]);
    EXPECT_TRUE(copy.is_undefined());  // NOLINT(bugprone-use-after-move)
    Value assigned = Value::string("replaced");
    assigned = std::move(moved);
    expect_same(assigned, originals[i]);
    EXPECT_TRUE(moved.is_undefined());  // NOLINT(bugprone-use-after-move)
  }
}

TEST(ValueCopy, SmallIntegersSurviveCopies) {
  for (int64_t i : {int64_t{0}, int64_t{1}, int64_t{-7}, INT64_MIN, INT64_MAX}) {
    Value v = Value::integer(i);
    Value c(v);
    ASSERT_TRUE(c.is_small_int());
    EXPECT_EQ(c.small_int(), i);
    Value a;
    a = c;
    EXPECT_EQ(a.small_int(), i);
  }
}

}  // namespace
}  // namespace policyc
