// The YAML emitter of generated files. Structural: a value in, text that reads back as the
// same value out, so a template can never produce malformed YAML.
#include <re2/re2.h>

#include <cctype>
#include <string>
#include <string_view>

#include "policyc/generator/generator.hpp"

namespace policyc::generator {

namespace {

// Plain scalars YAML 1.1 or 1.2 resolvers read as something other than a string.
bool reads_as_other_type(std::string_view s) {
  static constexpr std::string_view kWords[] = {
      "true", "false", "yes",   "no",    "on",   "off",  "y",   "n",   "null",
      "~",    "True",  "False", "Yes",   "No",   "On",   "Off", "Y",   "N",
      "Null", "NULL",  "TRUE",  "FALSE", "YES",  "NO",   "ON",  "OFF", ".inf",
      ".Inf", ".INF",  "-.inf", ".nan",  ".NaN", ".NAN", "<<"};
  for (auto w : kWords)
    if (s == w) return true;
  // Numbers as YAML 1.1 (ints with base prefixes and underscores, sexagesimal, floats) or
  // YAML 1.2 (exponents without a dot) read them; "250m" and "1.0.0" stay plain.
  static const RE2 kNumber(
      "[-+]?(0b[01_]+|0o?[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(:[0-5]?[0-9])+"
      "|[0-9][0-9_]*|([0-9][0-9_]*)?\\.[0-9_]*([eE][-+]?[0-9]+)?|[0-9][0-9_]*[eE][-+]?[0-9]+"
      "|\\.[0-9]+([eE][-+]?[0-9]+)?)");
  return RE2::FullMatch(s, kNumber);
}

// Most keys and values are words, names, paths or quantities: plain without a closer look.
bool plainly_safe(std::string_view s) {
  if (s.size() <= 5 || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.' &&
        c != '/')
      return false;
  }
  return true;
}

bool needs_quotes(std::string_view s) {
  if (plainly_safe(s)) return false;
  if (s.empty() || reads_as_other_type(s)) return true;
  if (s.front() == ' ' || s.back() == ' ') return true;
  static constexpr std::string_view kLeading = "-?:,[]{}#&*!|>'\"%@`";
  if (kLeading.find(s.front()) != std::string_view::npos) {
    // "-x" and "?x" and ":x" are plain when followed by a non-space, but quoting is simpler
    // and always right.
    return true;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return true;
    if (c == ':' && (i + 1 == s.size() || s[i + 1] == ' ')) return true;
    if (c == '#' && i > 0 && s[i - 1] == ' ') return true;
  }
  return false;
}

void append_scalar(std::string& out, const Value& v) {
  if (v.is_string()) {
    const std::string& s = v.str();
    if (needs_quotes(s)) {
      out += Value::string(s).to_json();
    } else {
      out += s;
    }
  } else if (v.is_null()) {
    out += "null";
  } else {
    out += v.to_json();
  }
}

// A multi-line string without trailing spaces or control characters: a literal block.
bool literal_block(const Value& v) {
  if (!v.is_string()) return false;
  const std::string& s = v.str();
  if (s.find('\n') == std::string::npos || s.front() == ' ' || s.front() == '\n') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c < 0x20 && c != '\n') || c == 0x7f) return false;
    if (c == '\n' && i > 0 && s[i - 1] == ' ') return false;
  }
  return true;
}

void write_block(std::string& out, const std::string& s, int indent) {
  // "|" keeps one final newline; "|-" none; a string ending in several cannot be kept by a
  // block (it was refused by literal_block's caller only for leading space), so "|+".
  size_t trailing = 0;
  while (trailing < s.size() && s[s.size() - 1 - trailing] == '\n') ++trailing;
  out += trailing == 0 ? "|-" : trailing == 1 ? "|" : "|+";
  out += '\n';
  std::string pad(static_cast<size_t>(indent), ' ');
  size_t start = 0;
  const size_t end = s.size() - (trailing > 0 ? 1 : 0);
  while (start <= end && start < s.size()) {
    size_t nl = s.find('\n', start);
    if (nl == std::string::npos || nl > end) nl = end;
    std::string_view line(s.data() + start, nl - start);
    if (!line.empty()) {
      out += pad;
      out += line;
    }
    out += '\n';
    if (nl >= end) break;
    start = nl + 1;
  }
}

void pad(std::string& out, int indent) { out.append(static_cast<size_t>(indent), ' '); }

// An empty collection or a scalar, and the end of its line.
void append_leaf(std::string& out, const Value& v) {
  if (v.is_object()) {
    out += "{}";
  } else if (v.is_collection()) {
    out += "[]";
  } else {
    append_scalar(out, v);
  }
  out += '\n';
}

// A value that is not a non-empty collection, after "key:" or "-".
void write_inline(std::string& out, const Value& v, int indent) {
  if (literal_block(v)) {
    out += ' ';
    write_block(out, v.str(), indent + 2);
    return;
  }
  out += ' ';
  append_leaf(out, v);
}

// `first_inline`: the first line continues one already started ("- "), unpadded.
void write_value(std::string& out, const Value& v, int indent, bool first_inline) {
  if (v.is_object() && v.size() > 0) {
    bool first = true;
    for (const auto& [key, child] : v.entries()) {
      if (!(first && first_inline)) pad(out, indent);
      first = false;
      append_scalar(out, key.is_string() ? key : Value::string(key.to_json()));
      out += ':';
      if (child.is_collection() && child.size() > 0) {
        out += '\n';
        write_value(out, child, child.is_object() ? indent + 2 : indent, false);
      } else {
        write_inline(out, child, indent);
      }
    }
    return;
  }
  if ((v.is_array() || v.is_set()) && v.size() > 0) {
    bool first = true;
    for (const auto& item : v.items()) {
      if (!(first && first_inline)) pad(out, indent);
      first = false;
      out += '-';
      if (item.is_object() && item.size() > 0) {
        // The first key goes on the dash line; the rest align under it.
        out += ' ';
        write_value(out, item, indent + 2, true);
      } else if (item.is_collection() && item.size() > 0) {
        out += '\n';
        write_value(out, item, indent + 2, false);
      } else {
        write_inline(out, item, indent);
      }
    }
    return;
  }
  if (!first_inline) pad(out, indent);
  if (literal_block(v)) {
    write_block(out, v.str(), indent + 2);
    return;
  }
  append_leaf(out, v);
}

}  // namespace

std::string to_yaml(const Value& value) {
  std::string out;
  write_value(out, value, 0, false);
  return out;
}

}  // namespace policyc::generator
