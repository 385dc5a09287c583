// Frozen values (policyc/core/frozen.hpp): shared by threads while the arena lives, given back
// when it ends, and never freed under a handle that still owns them.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "policyc/core/frozen.hpp"

namespace policyc {
namespace {

Value document(int services) {
  ObjectEntries entries;
  for (int i = 0; i < services; ++i) {
    std::string id = "svc-" + std::to_string(i);
    entries.emplace_back(
        Value::string(id),
        Value::object({{Value::string("replicas"), Value::integer(i % 5)},
                       {Value::string("tags"), Value::array({Value::string(id), Value::null()})},
                       {Value::string("owner"), Value::interned("platform")}}));
  }
  return Value::object(std::move(entries));
}

TEST(FrozenValues, ThreadsCopyAndDropHandlesWhileTheArenaLives) {
  FrozenValues arena;
  Value shared = arena.freeze(document(200));
  std::vector<std::thread> readers;
  std::vector<int64_t> sums(4, 0);
  for (size_t t = 0; t < sums.size(); ++t) {
    readers.emplace_back([&, t] {
      for (int round = 0; round < 50; ++round) {
        Value copy = shared;  // copies and drops handles of frozen payloads on every thread
        for (const auto& [id, service] : copy.entries()) {
          Value replicas = *service.get_ptr(Value::string("replicas"));
          sums[t] += replicas.small_int();
          ValueVec kept(service.get_ptr(Value::string("tags"))->items());
          EXPECT_EQ(kept[0], id);
        }
      }
    });
  }
  for (auto& r : readers) r.join();
  for (int64_t s : sums) EXPECT_EQ(s, sums[0]);
}

TEST(FrozenValues, AHandleThatOwnedAPayloadBeforeTheFreezeKeepsItAfterTheArena) {
  // What a compiled policy's constant or a loaded document holds while a rule value that
  // shares it is frozen: it must survive the arena, with a whole count.
  Value owned = Value::array({Value::string("kept"), Value::integer(7)});
  {
    FrozenValues arena;
    Value frozen = arena.freeze(Value::object({{Value::string("a"), owned}}));
    Value uncounted = *frozen.get_ptr(Value::string("a"));
    EXPECT_EQ(uncounted, owned);
  }
  Value copy = owned;
  EXPECT_EQ(copy.items()[0], Value::string("kept"));
  EXPECT_EQ(copy.items()[1].small_int(), 7);
}

TEST(FrozenValues, AnOwnerDroppedWhileFrozenDoesNotKeepThePayloadAlive) {
  // Under LeakSanitizer a payload whose count stayed too high would be reported as a leak.
  FrozenValues arena;
  Value value = document(3);
  Value frozen = arena.freeze(value);
  value = Value();  // an owning handle dropped while frozen: its count is still taken off
  EXPECT_EQ(frozen.entries().size(), 3u);
}

TEST(FrozenValues, FreezingAValueTwiceOrAPartOfAFrozenValueIsHarmless) {
  FrozenValues arena;
  Value frozen = arena.freeze(document(4));
  Value part = *frozen.get_ptr(Value::string("svc-1"));
  Value again = arena.freeze(part);
  Value whole_again = arena.freeze(frozen);
  EXPECT_EQ(again, part);
  EXPECT_EQ(whole_again, frozen);
}

}  // namespace
}  // namespace policyc
