// Mutated inputs must never crash the JSON and YAML parsers, and every rejection must say
// where. Deterministic (fixed seed), so failures reproduce; the sanitizer build runs it too.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "policyc/core/io.hpp"

namespace policyc {
namespace {

constexpr int kMutationsPerSeed = 3000;

const char* const kJsonSeeds[] = {
    R"({"items": [{"id": 1, "name": "a\u00e9\n", "tags": ["x", "y"]}, {"v": -1.5e10}], "n": null})",
    R"([true, false, 123456789012345678901234567890, "\ud83d\ude00", {"": {}}, [[[]]]])",
};

const char* const kYamlSeeds[] = {
    "a: &x {b: 1, c: [1, 2, 'q']}\nd: *x\ne:\n  <<: *x\n  f: |\n    text\n---\n- 0x1F\n- .5\n",
    "cases:\n- note: n\n  modules: [\"package p\"]\n  want_result:\n  - x: {y: [1, ~, yes]}\n",
};

std::string mutate(const std::string& seed, std::mt19937& rng) {
  std::string s = seed;
  static const char kInteresting[] = "{}[]\":,\\-+.eE0u'&*|>!#%@`\n\t \x80\xff";
  int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits && !s.empty(); ++e) {
    size_t pos = rng() % s.size();
    char c = kInteresting[rng() % (sizeof kInteresting - 1)];
    switch (rng() % 4) {
      case 0:
        s[pos] = c;
        break;
      case 1:
        s.insert(pos, 1, c);
        break;
      case 2:
        s.erase(pos, 1);
        break;
      case 3:
        s.resize(pos);
        break;
    }
  }
  return s;
}

TEST(IoRobustnessTest, MutatedJsonNeverCrashes) {
  std::mt19937 rng(12345);
  for (const char* seed : kJsonSeeds) {
    for (int i = 0; i < kMutationsPerSeed; ++i) {
      std::string text = mutate(seed, rng);
      Value v;
      TextError err;
      if (!parse_json(text, v, err)) {
        ASSERT_GE(err.line, 1) << text;
        ASSERT_GE(err.col, 1) << text;
        ASSERT_FALSE(err.message.empty()) << text;
      }
    }
  }
}

TEST(IoRobustnessTest, MutatedYamlNeverCrashes) {
  std::mt19937 rng(54321);
  for (const char* seed : kYamlSeeds) {
    for (int i = 0; i < kMutationsPerSeed; ++i) {
      std::string text = mutate(seed, rng);
      for (YamlSchema schema : {YamlSchema::Core12, YamlSchema::Go11}) {
        std::vector<Value> docs;
        TextError err;
        if (!parse_yaml(text, docs, err, schema)) {
          ASSERT_GE(err.line, 1) << text;
          ASSERT_GE(err.col, 1) << text;
          ASSERT_FALSE(err.message.empty()) << text;
        }
      }
    }
  }
}

}  // namespace
}  // namespace policyc
