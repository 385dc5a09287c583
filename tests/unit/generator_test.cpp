// The generator's emitter and diff: YAML that reads back as the value it was made from under
// both YAML 1.1 and 1.2 resolvers, with quotes only where a plain scalar would change type, and
// unified diffs as `diff -u` writes them.
#include "policyc/generator/generator.hpp"

#include <gtest/gtest.h>

#include "policyc/core/io.hpp"

namespace policyc {
namespace {

Value read_back(const std::string& text, YamlSchema schema) {
  std::vector<Value> docs;
  TextError err;
  EXPECT_TRUE(parse_yaml(text, docs, err, schema)) << err.message << "\n" << text;
  return docs.empty() ? Value() : docs[0];
}

Value str(const char* s) { return Value::string(s); }

TEST(GeneratorYaml, ReadsBackAsTheSameValue) {
  ObjectEntries entries;
  const char* tricky[] = {"yes",    "no",    "on",   "off",   "null", "~",    "true",
                          "1.0",    "0x1F",  "1e3",  "1_000", "1:30", "",     " lead",
                          "trail ", "- a",   "a: b", "a #b",  "#c",   "*ref", "&anchor",
                          "!tag",   "{x}",   "[x]",  "%d",    "@at",  "`b`",  "'q'",
                          "\"dq\"", "tab\t", ".inf", "0o17",  "-.5",  "+1"};
  for (const char* s : tricky) entries.emplace_back(str(s), str(s));
  entries.emplace_back(str("plain"), str("250m"));
  entries.emplace_back(str("version"), str("1.0.0"));
  entries.emplace_back(str("cidr"), str("0.0.0.0/0"));
  entries.emplace_back(str("block"), str("line one\n  indented\nline three\n"));
  entries.emplace_back(str("block_no_newline"), str("a\nb"));
  entries.emplace_back(str("list"), Value::array({Value::integer(1), str("two"),
                                                  Value::object({{str("k"), str("v")}})}));
  entries.emplace_back(str("empty_list"), Value::empty_array());
  entries.emplace_back(str("empty_object"), Value::empty_object());
  entries.emplace_back(str("number"), Value::integer(8080));
  entries.emplace_back(str("flag"), Value::boolean(false));
  entries.emplace_back(str("nothing"), Value::null());
  Value doc = Value::object(std::move(entries));
  std::string text = generator::to_yaml(doc);
  EXPECT_EQ(read_back(text, YamlSchema::Core12), doc) << text;
  EXPECT_EQ(read_back(text, YamlSchema::Go11), doc) << text;
}

TEST(GeneratorYaml, QuotesOnlyWhereNeeded) {
  Value doc = Value::object({{str("cpu"), str("250m")},
                             {str("tag"), str("1.4.2")},
                             {str("port"), str("8080")},
                             {str("answer"), str("yes")}});
  EXPECT_EQ(generator::to_yaml(doc), "answer: \"yes\"\ncpu: 250m\nport: \"8080\"\ntag: 1.4.2\n");
}

TEST(GeneratorYaml, MultiLineStringsAreLiteralBlocks) {
  Value doc = Value::object({{str("config.yaml"), str("a: 1\nb:\n  c: 2\n")}});
  EXPECT_EQ(generator::to_yaml(doc), "config.yaml: |\n  a: 1\n  b:\n    c: 2\n");
}

TEST(GeneratorDiff, UnifiedHunksWithContext) {
  std::string a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n";
  std::string b = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n";
  EXPECT_EQ(generator::unified_diff("a/f", a, "b/f", b),
            "--- a/f\n+++ b/f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
  EXPECT_EQ(generator::unified_diff("a/f", a, "b/f", a), "");
  EXPECT_EQ(generator::unified_diff("/dev/null", "", "b/f", "x\n"),
            "--- /dev/null\n+++ b/f\n@@ -0,0 +1,1 @@\n+x\n");
}

}  // namespace
}  // namespace policyc
