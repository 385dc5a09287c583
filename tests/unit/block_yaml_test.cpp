// The fast block-style scanner must give exactly what libyaml gives: the same values, the
// same position of every value and key, and (through its fallback) the same errors. Every
// case is parsed both ways and compared; the scanner must also accept the files it exists
// for, or the comparison would only ever exercise the fallback.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "../../engine/blueprint/yaml_events.hpp"
#include "policyc/blueprint/blueprint.hpp"
#include "policyc/core/io.hpp"

namespace bp = policyc::blueprint;
using policyc::Diagnostic;

namespace {

const std::filesystem::path kExamples =
    std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "examples";

struct Parsed {
  bool ok = false;
  bp::SourceDocument doc;
  std::vector<Diagnostic> errors;
};

Parsed parse(const std::string& text, bp::YamlReader reader, bool lazy = false) {
  Parsed p;
  p.ok = bp::parse_source("case.yaml", text, p.doc, p.errors, lazy, reader);
  return p;
}

std::string describe(const bp::PositionMap& map) {
  std::vector<std::string> lines;
  for (const auto& [path, pos] : map) {
    lines.push_back(path + " @" + std::to_string(pos.line) + ":" + std::to_string(pos.col) +
                    " key@" + std::to_string(pos.key_line) + ":" + std::to_string(pos.key_col));
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

void expect_same_as_libyaml(const std::string& text) {
  SCOPED_TRACE("input:\n" + text);
  for (bool lazy : {false, true}) {
    Parsed fast = parse(text, bp::YamlReader::Fast, lazy);
    Parsed slow = parse(text, bp::YamlReader::Libyaml, lazy);
    ASSERT_EQ(fast.ok, slow.ok);
    ASSERT_EQ(fast.errors.size(), slow.errors.size());
    for (size_t i = 0; i < fast.errors.size(); ++i) {
      EXPECT_EQ(fast.errors[i].message, slow.errors[i].message);
      EXPECT_EQ(fast.errors[i].line, slow.errors[i].line);
      EXPECT_EQ(fast.errors[i].col, slow.errors[i].col);
    }
    if (!slow.ok) continue;
    ASSERT_EQ(fast.doc.documents.size(), slow.doc.documents.size());
    for (size_t d = 0; d < slow.doc.documents.size(); ++d) {
      EXPECT_EQ(fast.doc.documents[d].to_json(), slow.doc.documents[d].to_json());
      EXPECT_EQ(describe(fast.doc.position_map(d)), describe(slow.doc.position_map(d)));
    }
  }
}

class AcceptAll final : public bp::YamlEventSink {
 public:
  bool document_start() override { return true; }
  bool document_end() override { return true; }
  bool collection_start(bool, int, int, std::string_view) override { return true; }
  bool collection_end() override { return true; }
  bool scalar(std::string_view, bool, int, int, std::string_view) override { return true; }
};

bool scanner_accepts(const std::string& text) {
  AcceptAll sink;
  return bp::scan_block_yaml(text, sink);
}

TEST(BlockYaml, MatchesLibyamlOnBlockStyle) {
  const char* cases[] = {
      "a: 1\nb:\n  c: [x, 'y', \"z\"]\n  d: {}\n  e: [ ]\n",
      "metadata:\n  serviceId: svc\nreplicas: 2\nratio: 0.5\nbig: 1e3\nneg: -7\nlead: 007\n",
      "list:\n- a\n- b\nafter: 1\n",
      "list:\n  - name: x\n    port: 80\n  - name: y\n    tags: [a, b]\n",
      "a:\n  b:\n  c: 1\nd:\n",
      "a:\n  - x\n  -  y   \n  - 'q'\n",
      "# leading comment\n\na: 1 # trailing\n  # indented comment\nb: x#y\n",
      "---\na: 1\n---\nb: 2\n",
      "a: 1\n--- # second\nb: [1, 2]\n",
      "\"quoted key\": 1\n'single': 'it''s'\nesc: \"a\\\"b\\\\c\\/d\\ne\\tf\"\n",
      "url: http://example.com:8080/x\ncolon: a:b\nhash: a#b\n",
      "flags: [true, false, null, ~, yes, 1.5, -2]\nempty: ''\nspace: ' x '\n",
      "-\n  a: 1\n- b: 2\n  c: 3\n- plain\n",
      "a:\n  b:\n    c:\n      d: deep\n  e: up\n",
      "x:   \n  y: 1\n",
      "- [a, b]\n- {}\n",
      "",
      "# only a comment\n",
      "key  : spaced\n",
      "a: -5\nb: ?x\nc: :x\nd: --- \n",
      "seq:\n- a\n-\n  - nested\n",
      "m:\n  - a: 1\n    b:\n    - x\n    c: 2\n",
      "a: {b: 1, c: [x, y], 'd': \"e\", f: {g: -1}}\nh: [{name: x}, {name: y, v: [1]}]\n",
      "costProfile: {tier: premium, budgetLimit: $300/month}\nt: {clusterProfile: prod-aks}\n",
  };
  for (const char* text : cases) expect_same_as_libyaml(text);
}

TEST(BlockYaml, HandsEverythingElseToLibyaml) {
  const char* cases[] = {
      // Not in the scanner's subset, valid YAML.
      "a: &x 1\nb: *x\n", "a: !!str 1\n", "a: |\n  text\n", "a: >\n  folded\n",
      "? complex\n: value\n", "a: [x,\n  y]\n", "a: multi\n  line\n", "a: \"two\n  lines\"\n",
      "a: \"\\u0041\"\n", "- - nested\n", "a: {b:1}\n", "a: {b: }\n", "a: {b}\n", "a: {b: 1,}\n",
      "a: [b: c]\n", "a: {b: 1, b: 2}\n", "a: [- x]\n", "[1, 2]\n", "plain scalar\n",
      "%YAML 1.2\n---\na: 1\n", "a: 1\n...\n", "---\n", "a: 1\n---\n", "--- x\n",
      "a: caf\xc3\xa9\n", "a: 1\r\nb: 2\r\n", "a: [x, ]\n", "- \n- a\n", "a: \"x\"#c\n",
      // Mistakes: the errors must be libyaml's (and the builder's), word for word.
      "a: b: c\n", "a:\n\tb: 1\n", "a: 1\na: 2\n", "<<: {a: 1}\n", "a: \"open\n", "a: 1\n  b: 2\n",
      "a:\n  b: 1\n c: 2\n", "- a\nb: 1\n", "a: - b\n", "a: [b\n", "a: 'x' y\n", "{a: 1}: b\n"};
  for (const char* text : cases) expect_same_as_libyaml(text);
}

// Columns count characters and libyaml rejects control characters, so any byte outside
// printable ASCII and '\n' sends the file to libyaml, wherever it falls (the check reads
// eight bytes at a time, then the tail byte by byte).
TEST(BlockYaml, LeavesNonAsciiAndControlBytesToLibyaml) {
  const std::string clean = "service: orders-api\nreplicas: 3\n";
  ASSERT_TRUE(scanner_accepts(clean));
  for (unsigned char bad : {0x01, 0x09, 0x0d, 0x1f, 0x7f, 0x80, 0xc3, 0xff}) {
    for (size_t at = 0; at < clean.size(); ++at) {
      std::string text = clean;
      text[at] = static_cast<char>(bad);
      EXPECT_FALSE(scanner_accepts(text)) << "byte " << int(bad) << " at " << at;
    }
  }
}

TEST(BlockYaml, DeepNestingIsTheSameError) {
  std::string text;
  for (int i = 0; i < 300; ++i) text += std::string(static_cast<size_t>(i) * 2, ' ') + "k:\n";
  expect_same_as_libyaml(text);
}

// Every file of the bundled examples (broken ones included) parses the same both ways, and
// the well-formed block-style ones take the fast path.
TEST(BlockYaml, MatchesLibyamlOnEveryExampleFile) {
  size_t compared = 0;
  size_t accepted = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(kExamples)) {
    std::string ext = entry.path().extension().string();
    if (!entry.is_regular_file() || (ext != ".yaml" && ext != ".yml" && ext != ".json")) {
      continue;
    }
    std::string text;
    ASSERT_TRUE(policyc::read_file(entry.path().string(), text));
    SCOPED_TRACE(entry.path().string());
    expect_same_as_libyaml(text);
    ++compared;
    bool broken = entry.path().string().find("/broken/") != std::string::npos;
    if (ext == ".yaml" && !broken && text.find('&') == std::string::npos &&
        text.find('|') == std::string::npos) {
      EXPECT_TRUE(scanner_accepts(text)) << "the fast scanner gave up on this file";
      ++accepted;
    }
  }
  EXPECT_GT(compared, 50u);
  EXPECT_GT(accepted, 30u);
}

}  // namespace
