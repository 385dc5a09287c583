// Value I/O at the edges: JSON and YAML text to values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policyc/engine/value.hpp"

namespace policyc {

struct TextError {
  std::string message;
  int line = 0;  // 1-based
  int col = 0;   // 1-based
};

// Parses one JSON document. Numbers keep their text (Value::number_from_text).
bool parse_json(std::string_view text, Value& out, TextError& err);

enum class YamlSchema {
  // YAML 1.2 core schema: true/false, null/~, ints, floats (test corpora, blueprints).
  Core12,
  // YAML 1.1 as Go's yaml library reads it (OPA's yaml.unmarshal): also yes/no/on/off/y/n.
  Go11,
};

// Parses a YAML stream (one or more documents) with libyaml's event parser. Quoted scalars
// are strings. Errors carry libyaml's line/column.
bool parse_yaml(std::string_view text, std::vector<Value>& docs, TextError& err,
                YamlSchema schema = YamlSchema::Core12);

// Reads a whole file; false when it cannot be read.
bool read_file(const std::string& path, std::string& out);

}  // namespace policyc
