// JSON and YAML loading: values, number text, error positions, YAML 1.1 vs 1.2 schemas.
#include "policyc/core/io.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "policyc/core/diagnostic.hpp"

namespace policyc {
namespace {

Value json(const std::string& text) {
  Value v;
  TextError err;
  EXPECT_TRUE(parse_json(text, v, err)) << err.message << " at " << err.line << ":" << err.col;
  return v;
}

TextError json_error(const std::string& text) {
  Value v;
  TextError err;
  EXPECT_FALSE(parse_json(text, v, err)) << "parsed: " << text;
  return err;
}

Value yaml(const std::string& text, YamlSchema schema = YamlSchema::Core12) {
  std::vector<Value> docs;
  TextError err;
  EXPECT_TRUE(parse_yaml(text, docs, err, schema))
      << err.message << " at " << err.line << ":" << err.col;
  EXPECT_EQ(docs.size(), 1u);
  return docs.empty() ? Value() : docs[0];
}

TextError yaml_error(const std::string& text, YamlSchema schema = YamlSchema::Core12) {
  std::vector<Value> docs;
  TextError err;
  EXPECT_FALSE(parse_yaml(text, docs, err, schema)) << "parsed: " << text;
  return err;
}

// What write_json_parallel writes to a file.
std::string written_in_parallel(const Value& v, bool pretty) {
  std::FILE* file = std::tmpfile();
  EXPECT_NE(file, nullptr);
  if (!file) return "";
  write_json_parallel(file, v, pretty);
  std::string text(static_cast<size_t>(std::ftell(file)), '\0');
  std::rewind(file);
  EXPECT_EQ(std::fread(text.data(), 1, text.size(), file), text.size());
  std::fclose(file);
  return text;
}

// The threaded writer cuts big collections into pieces written apart and appended in turn:
// the text must be write_json's, byte for byte, wherever the cuts fall and whatever the
// keys are.
TEST(JsonTest, ParallelWriterMatchesTheSerialWriter) {
  ObjectEntries services;
  ValueVec order;
  for (int i = 0; i < 1500; ++i) {
    std::string id = "svc-" + std::to_string(10000 + i);
    ObjectEntries fields;
    fields.emplace_back(Value::string("replicas"), Value::integer(i % 7));
    fields.emplace_back(Value::string("tags"),
                        Value::array({Value::string("a<b>&\"q\""), Value::boolean(i % 2 == 0)}));
    fields.emplace_back(Value::string("empty"), Value::empty_object());
    services.emplace_back(Value::string(id), Value::object(std::move(fields)));
    order.push_back(Value::string(id));
  }
  ObjectEntries odd_keys;  // non-string keys: written in the order of their JSON text
  for (int i = 0; i < 600; ++i) odd_keys.emplace_back(Value::integer(600 - i), Value::null());
  Value order_value = Value::array(std::move(order));
  ObjectEntries top;
  top.emplace_back(Value::string("services"), Value::object(std::move(services)));
  top.emplace_back(Value::string("order"), order_value);
  top.emplace_back(Value::string("odd"), Value::object(std::move(odd_keys)));
  top.emplace_back(Value::string("set"), Value::set({Value::integer(3), Value::integer(1)}));
  top.emplace_back(Value::string("small"), Value::array({Value::integer(1)}));
  Value document = Value::object(std::move(top));
  for (const Value* v : {&document, &order_value}) {
    for (bool pretty : {true, false}) {
      std::string serial;
      write_json(serial, *v, pretty, 0);
      EXPECT_EQ(written_in_parallel(*v, pretty), serial);
    }
  }
}

TEST(JsonTest, ParsesScalarsAndCollections) {
  Value v = json(R"({"b": [1, 2.5, true, null], "a": "x"})");
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v.to_json(), R"({"a":"x","b":[1,2.5,true,null]})");
  EXPECT_TRUE(json("[]").is_array());
  EXPECT_TRUE(json("{}").is_object());
  EXPECT_TRUE(json("  false ").is_false());
}

TEST(JsonTest, KeepsNumberTextAndExactBigIntegers) {
  Value v = json("[1.0, 1e3, 123456789012345678901234567890, -0.5, 18446744073709551616]");
  const auto& items = v.items();
  EXPECT_EQ(items[0].number_to_string(), "1.0");
  EXPECT_EQ(items[1].number_to_string(), "1e3");
  EXPECT_EQ(items[1], Value::integer(1000));
  EXPECT_EQ(items[2].number_to_string(), "123456789012345678901234567890");
  EXPECT_EQ(items[3], Value::number_from_text("-0.5"));
  EXPECT_FALSE(items[4].is_small_int());
  EXPECT_TRUE(json("-42").is_small_int());
  EXPECT_EQ(json("-42").small_int(), -42);
}

TEST(JsonTest, DecodesEscapesAndSurrogatePairs) {
  EXPECT_EQ(json(R"("a\"b\\c\/d\n\t")").str(), "a\"b\\c/d\n\t");
  EXPECT_EQ(json(R"("\u00e9")").str(), "\xC3\xA9");
  EXPECT_EQ(json(R"("\ud83d\ude00")").str(), "\xF0\x9F\x98\x80");
  // A lone surrogate decodes to U+FFFD, as Go's encoding/json does.
  EXPECT_EQ(json(R"("\ud83d!")").str(), "\xEF\xBF\xBD!");
}

TEST(JsonTest, AnEmptyKeyWhereNoKeyWasRememberedStaysAString) {
  // The first object's first key is not plain (not remembered), its second is: a later
  // empty key at the first position must not match the empty slot (found by fuzzing).
  Value v = json("[{\"\\u00e9x\": 1, \"b\": 2}, {\"\": 3}]");
  ASSERT_EQ(v.items()[1].entries().size(), 1u);
  EXPECT_TRUE(v.items()[1].entries()[0].first.is_string());
  EXPECT_EQ(v.items()[1].entries()[0].first.str(), "");
}

TEST(JsonTest, InvalidUtf8BecomesReplacementCharacters) {
  // Valid multi-byte text is kept as is.
  EXPECT_EQ(json("\"caf\xC3\xA9 \xF0\x9F\x98\x80\"").str(), "caf\xC3\xA9 \xF0\x9F\x98\x80");
  // A stray continuation byte, a truncated sequence, an overlong form and an encoded
  // surrogate each become U+FFFD per invalid byte, as Go decodes them.
  EXPECT_EQ(json("\"a\x80"
                 "b\"")
                .str(),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(json("\"\xE2\x82\"").str(), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(json("\"\xC0\xAF\"").str(), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(json("\"\xED\xA0\x80\"").str(), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  // Also in keys and next to escapes.
  Value v = json("{\"k\xFF\": \"\\n\xFF\"}");
  EXPECT_EQ(v.entries()[0].first.str(), "k\xEF\xBF\xBD");
  EXPECT_EQ(v.entries()[0].second.str(), "\n\xEF\xBF\xBD");
}

// Strings that builtins make (base64.decode) may hold bytes that are not UTF-8: the writer
// escapes each such byte as \ufffd, and U+2028 and U+2029 as Go's encoding/json does, so the
// text is valid JSON that reads back as the reader would have decoded the raw bytes.
TEST(JsonTest, WriterEscapesInvalidUtf8AndLineSeparators) {
  auto written = [](std::string s) {
    std::string out;
    write_json(out, Value::string(std::move(s)), false, 0);
    return out;
  };
  EXPECT_EQ(written("a\xFF"
                    "b"),
            "\"a\\ufffdb\"");
  EXPECT_EQ(written("\xE2\x82"), "\"\\ufffd\\ufffd\"");
  EXPECT_EQ(written("\xC0\xAF"), "\"\\ufffd\\ufffd\"");
  EXPECT_EQ(written("\xED\xA0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
  EXPECT_EQ(written("x\xE2\x80\xA8y\xE2\x80\xA9z"), "\"x\\u2028y\\u2029z\"");
  EXPECT_EQ(written("caf\xC3\xA9 \xF0\x9F\x98\x80 \xE2\x80\xA7<"),
            "\"caf\xC3\xA9 \xF0\x9F\x98\x80 \xE2\x80\xA7\\u003c\"");
  for (const char* raw : {"a\xFF", "\xE2\x82", "\xED\xA0\x80", "k\xC3"}) {
    std::string text = written(raw);
    EXPECT_EQ(json(text).str(), json("\"" + std::string(raw) + "\"").str()) << text;
  }
}

TEST(JsonTest, RepeatedSmallValuesAreSharedWithoutChangingThem) {
  Value v =
      json(R"([["red", "blue"], ["red", "blue"], [1.0], [1], [1.0], "red", ["red"], "re\u0064"])");
  EXPECT_EQ(v.to_json(), R"([["red","blue"],["red","blue"],[1.0],[1],[1.0],"red",["red"],"red"])");
  const ValueVec& items = v.items();
  EXPECT_EQ(&items[0].items(), &items[1].items());  // one payload for equal tag lists
  EXPECT_NE(&items[2].items(), &items[3].items());  // 1.0 and 1 print differently
  EXPECT_EQ(&items[5].str(), &items[6].items()[0].str());
}

TEST(JsonTest, KeysMatchedAgainstThePreviousObjectStillReadWhole) {
  // The previous object's key at the same position is tried first: a longer key, an
  // escaped spelling of the same key and a key at the end of the text must all read right.
  EXPECT_EQ(json(R"([{"id": 1}, {"idx": 2}, {"i\u0064": 3}, {"id": 4}, {"i": 5}])").to_json(),
            R"([{"id":1},{"idx":2},{"id":3},{"id":4},{"i":5}])");
  json_error(R"([{"id": 1}, {"id)");
}

TEST(JsonTest, DuplicateKeysKeepTheLast) {
  EXPECT_EQ(json(R"({"a": 1, "a": 2})").to_json(), R"({"a":2})");
}

TEST(JsonTest, ReportsErrorPositions) {
  TextError err = json_error("{\n  \"a\": 1,\n  \"b\" 2\n}");
  EXPECT_EQ(err.line, 3);
  EXPECT_EQ(err.col, 7);
  err = json_error("[1, 2");
  EXPECT_EQ(err.line, 1);
  EXPECT_NE(err.message.find("end of input"), std::string::npos);
  json_error("01");
  json_error("[1,]");
  json_error("\"abc");
  json_error("\"\\x\"");
  json_error("{} x");
  json_error("tru");
}

TEST(JsonTest, DeepNestingIsAnErrorNotACrash) {
  std::string deep(100000, '[');
  TextError err = json_error(deep);
  EXPECT_NE(err.message.find("deep"), std::string::npos);
}

// The two-thread parse of large documents (json.cpp) must give exactly the one-pass result:
// the same value, or the same error at the same place, wherever its guess lands.
struct ParseOutcome {
  bool ok = false;
  std::string value;
  TextError err;
};

ParseOutcome parse_with(const std::string& text, size_t parallel_min_bytes) {
  ParseOutcome out;
  Value v;
  JsonOptions options;
  options.parallel_min_bytes = parallel_min_bytes;
  out.ok = parse_json(text, v, out.err, options);
  if (out.ok) out.value = v.to_json();
  return out;
}

void expect_same_as_one_pass(const std::string& text) {
  ParseOutcome serial = parse_with(text, SIZE_MAX);
  ParseOutcome parallel = parse_with(text, 0);
  EXPECT_EQ(parallel.ok, serial.ok);
  EXPECT_EQ(parallel.value, serial.value);
  EXPECT_EQ(parallel.err.message, serial.err.message);
  EXPECT_EQ(parallel.err.line, serial.err.line);
  EXPECT_EQ(parallel.err.col, serial.err.col);
}

// {"items": [n objects]}; `extra` goes into the string of object `at`.
std::string items(int n, const std::string& extra = "", int at = -1) {
  std::string text = "{\"items\": [";
  for (int i = 0; i < n; ++i) {
    if (i) text += ", ";
    text += "{\"id\": " + std::to_string(i) + ", \"tags\": [\"red\", \"blue\"], \"s\": \"x" +
            (i == at ? extra : "") + "\"}";
  }
  return text + "], \"after\": {}}";
}

TEST(JsonTest, TwoThreadParseGivesTheOnePassResult) {
  expect_same_as_one_pass(items(1000));
  // The guessed boundary inside a string: the second parser's work must be dropped.
  expect_same_as_one_pass(items(1000, std::string(3000, 'z') + "}, {\\\"id\\\": 1}, {", 500));
  std::string in_string = "[\"" + std::string(600, 'a') + "}, {" + std::string(400, 'b') + "\"]";
  expect_same_as_one_pass(in_string);
  // Nested arrays of objects: the guess lands in an inner array.
  std::string nested = "[";
  for (int i = 0; i < 200; ++i) nested += std::string(i ? "," : "") + "[{\"a\":1}, {\"b\":[]}]";
  expect_same_as_one_pass(nested + "]");
  // Objects with the same keys share their payloads on both threads.
  Value v;
  TextError err;
  JsonOptions options;
  options.parallel_min_bytes = 0;
  ASSERT_TRUE(parse_json(items(1000), v, err, options));
  const Value* list = v.find(Value::string("items"));
  ASSERT_NE(list, nullptr);
  EXPECT_EQ(list->items().size(), 1000u);
  EXPECT_EQ(list->items()[999].find(Value::string("id"))->small_int(), 999);
}

TEST(JsonTest, TwoThreadParseReportsTheOnePassError) {
  std::string text = items(1000);
  for (size_t at : {text.size() / 4, text.size() / 2 + 40, text.size() * 3 / 4, text.size() - 3}) {
    std::string broken = text;
    broken[at] = '#';
    expect_same_as_one_pass(broken);
  }
  expect_same_as_one_pass(items(1000).substr(0, text.size() - 20));  // truncated
  // Too deep only counted from the document's root: the second parser alone accepts it.
  for (int brackets : {990, 998}) {
    std::string nesting = std::string(static_cast<size_t>(brackets), '[') +
                          std::string(static_cast<size_t>(brackets), ']');
    expect_same_as_one_pass(items(1000, "\", \"deep\": " + nesting + ", \"t\": \"", 800));
  }
}

TEST(FileTextTest, MapsRegularFilesAndReleasesParsedPages) {
  auto path = std::filesystem::temp_directory_path() / "policyc_io_test_items.json";
  std::string text = items(50000);
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  FileText file;
  ASSERT_TRUE(file.open(path.string()));
  EXPECT_TRUE(file.mapped());
  EXPECT_EQ(file.text(), text);
  Value v;
  TextError err;
  JsonOptions options;
  options.release_parsed_pages = true;
  ASSERT_TRUE(parse_json(file.text(), v, err, options)) << err.message;
  EXPECT_EQ(v.to_json(), parse_with(text, SIZE_MAX).value);
  EXPECT_EQ(file.text(), text);  // released pages read back from the file
  std::filesystem::remove(path);
  FileText missing;
  EXPECT_FALSE(missing.open(path.string()));
}

// Files are read through a 64 KiB per-thread scratch buffer: small ones, ones exactly its
// size and larger ones all come back whole; a missing file and a directory are told apart.
TEST(FileTest, ReadsWholeFilesOfEverySizeAndTellsMissingFromUnreadable) {
  auto dir = std::filesystem::temp_directory_path() / "policyc_io_test_read";
  std::filesystem::create_directories(dir);
  for (size_t size : {size_t{0}, size_t{1}, size_t{2000}, size_t{65535}, size_t{65536},
                      size_t{65537}, size_t{300000}}) {
    std::string text(size, 'x');
    for (size_t i = 0; i < size; ++i) text[i] = static_cast<char>('a' + i % 26);
    auto path = dir / ("f" + std::to_string(size));
    {
      std::FILE* f = std::fopen(path.c_str(), "wb");
      ASSERT_NE(f, nullptr);
      std::fwrite(text.data(), 1, text.size(), f);
      std::fclose(f);
    }
    std::string read;
    EXPECT_EQ(read_file_status(path.string(), read), ReadStatus::Ok) << size;
    EXPECT_EQ(read, text) << size;
  }
  std::string read = "stale";
  EXPECT_EQ(read_file_status((dir / "absent").string(), read), ReadStatus::Missing);
  EXPECT_EQ(read_file_status(dir.string(), read), ReadStatus::Failed);
  EXPECT_TRUE(read.empty());
  std::filesystem::remove_all(dir);
}

TEST(YamlTest, Core12Scalars) {
  Value v = yaml(
      "a: true\nb: False\nc: ~\nd:\ne: 0x1F\nf: 0o17\ng: 1e3\nh: .5\ni: yes\nj: 'true'\n"
      "k: -12\nl: 1.50\nm: 007\nn: on\n");
  EXPECT_TRUE(v.get(Value::string("a")).is_true());
  EXPECT_TRUE(v.get(Value::string("b")).is_false());
  EXPECT_TRUE(v.get(Value::string("c")).is_null());
  EXPECT_TRUE(v.get(Value::string("d")).is_null());
  EXPECT_EQ(v.get(Value::string("e")), Value::integer(31));
  EXPECT_EQ(v.get(Value::string("f")), Value::integer(15));
  EXPECT_EQ(v.get(Value::string("g")), Value::integer(1000));
  EXPECT_EQ(v.get(Value::string("h")), Value::number_from_text("0.5"));
  EXPECT_EQ(v.get(Value::string("i")), Value::string("yes"));
  EXPECT_EQ(v.get(Value::string("j")), Value::string("true"));
  EXPECT_EQ(v.get(Value::string("k")), Value::integer(-12));
  EXPECT_EQ(v.get(Value::string("l")), Value::number_from_text("1.5"));
  EXPECT_EQ(v.get(Value::string("m")), Value::integer(7));
  EXPECT_EQ(v.get(Value::string("n")), Value::string("on"));
}

TEST(YamlTest, Go11Scalars) {
  Value v = yaml("a: yes\nb: Off\nc: y\nd: NO\ne: 0777\nf: 1_000\ng: 0b101\nh: \"yes\"\n",
                 YamlSchema::Go11);
  EXPECT_TRUE(v.get(Value::string("a")).is_true());
  EXPECT_TRUE(v.get(Value::string("b")).is_false());
  EXPECT_TRUE(v.get(Value::string("c")).is_true());
  EXPECT_TRUE(v.get(Value::string("d")).is_false());
  EXPECT_EQ(v.get(Value::string("e")), Value::integer(511));
  EXPECT_EQ(v.get(Value::string("f")), Value::integer(1000));
  EXPECT_EQ(v.get(Value::string("g")), Value::integer(5));
  EXPECT_EQ(v.get(Value::string("h")), Value::string("yes"));
}

TEST(YamlTest, BigIntegersStayExact) {
  Value v = yaml("n: 123456789012345678901234567890\nm: -99999999999999999999\n");
  EXPECT_EQ(v.get(Value::string("n")).number_to_string(), "123456789012345678901234567890");
  EXPECT_EQ(v.get(Value::string("m")), Value::number_from_text("-99999999999999999999"));
}

TEST(YamlTest, KeysAreStrings) {
  Value v = yaml("1: a\ntrue: b\n");
  EXPECT_EQ(v.get(Value::string("1")), Value::string("a"));
  EXPECT_EQ(v.get(Value::string("true")), Value::string("b"));
}

TEST(YamlTest, MultipleDocuments) {
  std::vector<Value> docs;
  TextError err;
  ASSERT_TRUE(parse_yaml("a: 1\n---\n- x\n---\n", docs, err));
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_TRUE(docs[0].is_object());
  EXPECT_TRUE(docs[1].is_array());
  EXPECT_TRUE(docs[2].is_null());
  ASSERT_TRUE(parse_yaml("", docs, err));
  EXPECT_TRUE(docs.empty());
}

TEST(YamlTest, AnchorsAliasesAndMergeKeys) {
  Value v = yaml("base: &b {x: 1, y: 2}\nuse: *b\nmerged:\n  <<: *b\n  y: 3\n");
  EXPECT_EQ(v.get(Value::string("use")).to_json(), R"({"x":1,"y":2})");
  EXPECT_EQ(v.get(Value::string("merged")).to_json(), R"({"x":1,"y":3})");
}

TEST(YamlTest, RefusesAliasBombs) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'j'; ++c) {
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", *" : "*") + prev;
    bomb += "]\n";
    prev = c;
  }
  TextError err = yaml_error(bomb);
  EXPECT_NE(err.message.find("alias"), std::string::npos);
  EXPECT_GT(err.line, 1);
}

TEST(YamlTest, DuplicateKeysAreErrorsWithPosition) {
  TextError err = yaml_error("a: 1\nb: 2\na: 3\n");
  EXPECT_EQ(err.line, 3);
  EXPECT_EQ(err.col, 1);
  EXPECT_NE(err.message.find("duplicate"), std::string::npos);
}

TEST(YamlTest, SyntaxErrorsHaveOneBasedPositions) {
  TextError err = yaml_error("a: [1, 2\nb: 3\n");
  EXPECT_GE(err.line, 2);
  EXPECT_GE(err.col, 1);
  err = yaml_error("a:\n  b: 1\n c: 2\n");
  EXPECT_GE(err.line, 3);
}

TEST(YamlTest, DepthLimitIsAnError) {
  std::string deep(5000, '[');
  TextError err = yaml_error(deep);
  EXPECT_NE(err.message.find("deeper"), std::string::npos);
}

TEST(YamlTest, InfinityIsAnError) {
  TextError err = yaml_error("a: 1\nb: .inf\n");
  EXPECT_EQ(err.line, 2);
  EXPECT_EQ(yaml("b: '.inf'\n").get(Value::string("b")), Value::string(".inf"));
}

TEST(YamlTest, BlockScalarsAreStrings) {
  Value v = yaml("s: |\n  package test\n  p := 1\nt: >-\n  123\n");
  EXPECT_EQ(v.get(Value::string("s")), Value::string("package test\np := 1\n"));
  EXPECT_EQ(v.get(Value::string("t")), Value::string("123"));
}

TEST(DiagnosticTest, FormatsLocationAndCaret) {
  Diagnostic d;
  d.code = "rego_parse_error";
  d.message = "unexpected token";
  d.file = "p.rego";
  d.line = 3;
  d.col = 5;
  d.source_line = "\tp := := 1";
  EXPECT_EQ(format_diagnostic(d),
            "p.rego:3:5: rego_parse_error: unexpected token\n  \tp := := 1\n  \t   ^\n");
}

}  // namespace
}  // namespace policyc

// One resolver for plain YAML scalars, three schemas: what differs is written down here.
TEST(YamlPlainScalars, EachSchemaResolvesTheSameTextItsOwnWay) {
  using policyc::resolve_plain_scalar;
  using policyc::YamlSchema;
  struct Case {
    const char* text;
    const char* core12;
    const char* go11;
    const char* decimal12;
  };
  const Case cases[] = {
      {"", "null", "null", "null"},
      {"~", "null", "null", "null"},
      {"True", "true", "true", "true"},
      {"yes", "\"yes\"", "true", "\"yes\""},
      {"007", "7", "7", "7"},
      {"0x1F", "31", "31", "\"0x1F\""},
      {"0o17", "15", "15", "\"0o17\""},
      {"1_000", "\"1_000\"", "1000", "\"1_000\""},
      {"-2.50", "-2.50", "-2.50", "-2.50"},
      {"1e3", "1e3", "1e3", "1e3"},
      {"1.2.3", "\"1.2.3\"", "\"1.2.3\"", "\"1.2.3\""},
      {".inf", "undefined", "undefined", "\".inf\""},
  };
  auto show = [](const policyc::Value& v) {
    return v.is_undefined() ? std::string("undefined") : v.to_json();
  };
  for (const auto& c : cases) {
    EXPECT_EQ(show(resolve_plain_scalar(c.text, YamlSchema::Core12)), c.core12) << c.text;
    EXPECT_EQ(show(resolve_plain_scalar(c.text, YamlSchema::Go11)), c.go11) << c.text;
    EXPECT_EQ(show(resolve_plain_scalar(c.text, YamlSchema::Decimal12)), c.decimal12) << c.text;
  }
}
