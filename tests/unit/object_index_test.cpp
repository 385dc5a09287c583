// Large objects carry a hash index of their string keys (engine/core/value.cpp): every key must
// be found through it, absent keys must not, and keys of other types still go through the
// sorted entries.
#include <gtest/gtest.h>

#include "policyc/core/value.hpp"

namespace policyc {
namespace {

TEST(ObjectIndex, FindsEveryKeyOfALargeObject) {
  for (size_t n : {31u, 32u, 33u, 64u, 500u, 1500u}) {
    ObjectEntries entries;
    for (size_t i = 0; i < n; ++i)
      entries.emplace_back(Value::string("svc-" + std::to_string(i)), Value::integer(int64_t(i)));
    // Keys of other types sort before strings and are not in the index.
    entries.emplace_back(Value::integer(7), Value::string("seven"));
    entries.emplace_back(Value::null(), Value::string("null"));
    Value obj = Value::object(std::move(entries));
    for (size_t i = 0; i < n; ++i) {
      // A key built apart from the object's own (another payload, same text).
      const Value* v = obj.find(Value::string("svc-" + std::to_string(i)));
      ASSERT_NE(v, nullptr) << n << " " << i;
      EXPECT_EQ(*v, Value::integer(int64_t(i)));
    }
    EXPECT_EQ(obj.find(Value::string("svc-" + std::to_string(n))), nullptr);
    EXPECT_EQ(obj.find(Value::string("")), nullptr);
    ASSERT_NE(obj.find(Value::integer(7)), nullptr);
    EXPECT_EQ(*obj.find(Value::integer(7)), Value::string("seven"));
    ASSERT_NE(obj.find(Value::null()), nullptr);
    EXPECT_EQ(obj.get(Value::string("svc-0")), Value::integer(0));
  }
}

TEST(ObjectIndex, CopiesAndUnionsKeepLookupsRight) {
  ObjectEntries entries;
  for (int i = 0; i < 100; ++i)
    entries.emplace_back(Value::string("k" + std::to_string(i)), Value::integer(i));
  Value a = Value::object(entries);
  entries.emplace_back(Value::string("k5"), Value::string("last wins"));
  Value b = Value::object(std::move(entries));
  Value copy = b;
  EXPECT_EQ(*copy.find(Value::string("k5")), Value::string("last wins"));
  EXPECT_EQ(*a.find(Value::string("k5")), Value::integer(5));
  EXPECT_EQ(copy.size(), 100u);
}

}  // namespace
}  // namespace policyc
