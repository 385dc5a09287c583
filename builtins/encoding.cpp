// Encodings: base64, base64url, hex, URL query strings, JSON and YAML.
#include <cstdio>

#include "internal.hpp"
#include "policyc/core/io.hpp"
#include "policyc/core/utf8.hpp"

namespace policyc::builtins {

std::string go_json_error(std::string_view text);  // json_scan.cpp

namespace {

constexpr const char* kStd = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr const char* kUrl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string b64_encode(std::string_view in, const char* alphabet, bool pad) {
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8) |
                 static_cast<uint8_t>(in[i + 2]);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  size_t rest = in.size() - i;
  if (rest) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16;
    if (rest == 2) v |= static_cast<uint8_t>(in[i + 1]) << 8;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (rest == 2) out += alphabet[(v >> 6) & 63];
    if (pad) out += rest == 2 ? "=" : "==";
  }
  return out;
}

// Go's base64 decoder with padding (encoding/base64 decodeQuantum); returns the offset of
// the first corrupt byte, or -1 on success.
long b64_decode(std::string_view src, const char* alphabet, std::string& out) {
  int8_t map[256];
  std::fill(std::begin(map), std::end(map), -1);
  for (int k = 0; k < 64; ++k) map[static_cast<uint8_t>(alphabet[k])] = static_cast<int8_t>(k);
  size_t si = 0;
  auto skip_newlines = [&] {
    while (si < src.size() && (src[si] == '\n' || src[si] == '\r')) ++si;
  };
  while (si < src.size()) {
    uint8_t dbuf[4] = {0, 0, 0, 0};
    int dlen = 4;
    bool done = false;
    for (int j = 0; j < 4; ++j) {
      if (si == src.size()) {
        if (j == 0) return -1;
        return static_cast<long>(si) - j;
      }
      char in = src[si++];
      int8_t v = map[static_cast<uint8_t>(in)];
      if (v >= 0) {
        dbuf[j] = static_cast<uint8_t>(v);
        continue;
      }
      if (in == '\n' || in == '\r') {
        --j;
        continue;
      }
      if (in != '=') return static_cast<long>(si) - 1;
      if (j == 0 || j == 1) return static_cast<long>(si) - 1;
      if (j == 2) {
        skip_newlines();
        if (si == src.size()) return static_cast<long>(src.size());
        if (src[si] != '=') return static_cast<long>(si) - 1;
        ++si;
      }
      skip_newlines();
      if (si < src.size()) return static_cast<long>(si);
      dlen = j;
      done = true;
      break;
    }
    uint32_t val = (dbuf[0] << 18) | (dbuf[1] << 12) | (dbuf[2] << 6) | dbuf[3];
    out += static_cast<char>(val >> 16);
    if (dlen >= 3) out += static_cast<char>((val >> 8) & 0xFF);
    if (dlen >= 4) out += static_cast<char>(val & 0xFF);
    if (done) break;
  }
  return -1;
}

}  // namespace

std::string go_base64_encode(std::string_view raw, bool url, bool pad) {
  return b64_encode(raw, url ? kUrl : kStd, pad);
}

long go_base64_decode(std::string_view text, bool url, std::string& out) {
  return b64_decode(text, url ? kUrl : kStd, out);
}

namespace {

Value base64_encode(Args a, BuiltinContext&) {
  return Value::string(b64_encode(need_string("base64.encode", a[0], 1), kStd, true));
}

Value base64_decode(Args a, BuiltinContext&) {
  std::string out;
  long bad = b64_decode(need_string("base64.decode", a[0], 1), kStd, out);
  if (bad >= 0) fail("base64.decode", "illegal base64 data at input byte " + std::to_string(bad));
  return Value::string(std::move(out));
}

Value base64_is_valid(Args a, BuiltinContext&) {
  std::string out;
  return Value::boolean(b64_decode(need_string("base64.is_valid", a[0], 1), kStd, out) < 0);
}

Value base64url_encode(Args a, BuiltinContext&) {
  return Value::string(b64_encode(need_string("base64url.encode", a[0], 1), kUrl, true));
}

Value base64url_encode_no_pad(Args a, BuiltinContext&) {
  return Value::string(b64_encode(need_string("base64url.encode_no_pad", a[0], 1), kUrl, false));
}

Value base64url_decode(Args a, BuiltinContext&) {
  std::string s = need_string("base64url.decode", a[0], 1);
  // Encoders often omit the padding (RFC 7515); restore it as OPA does.
  if (!s.ends_with("=")) {
    switch (s.size() % 4) {
      case 0:
        break;
      case 2:
        s += "==";
        break;
      case 3:
        s += "=";
        break;
      default:
        fail("base64url.decode", "illegal base64url string: " + s);
    }
  }
  std::string out;
  long bad = b64_decode(s, kUrl, out);
  if (bad >= 0)
    fail("base64url.decode", "illegal base64 data at input byte " + std::to_string(bad));
  return Value::string(std::move(out));
}

Value hex_encode(Args a, BuiltinContext&) {
  const std::string& s = need_string("hex.encode", a[0], 1);
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return Value::string(std::move(out));
}

int hex_val(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

[[noreturn]] void hex_invalid_byte(char c) {
  char buf[64];
  unsigned char u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7F)
    std::snprintf(buf, sizeof buf, "encoding/hex: invalid byte: U+%04X '%c'", u, c);
  else
    std::snprintf(buf, sizeof buf, "encoding/hex: invalid byte: U+%04X", u);
  fail("hex.decode", buf);
}

Value hex_decode(Args a, BuiltinContext&) {
  const std::string& s = need_string("hex.decode", a[0], 1);
  std::string out;
  size_t i = 0;
  for (; i + 1 < s.size(); i += 2) {
    int hi = hex_val(s[i]), lo = hex_val(s[i + 1]);
    if (hi < 0) hex_invalid_byte(s[i]);
    if (lo < 0) hex_invalid_byte(s[i + 1]);
    out += static_cast<char>(hi * 16 + lo);
  }
  if (s.size() % 2) {
    if (hex_val(s.back()) < 0) hex_invalid_byte(s.back());
    fail("hex.decode", "encoding/hex: odd length hex string");
  }
  return Value::string(std::move(out));
}

std::string query_escape(std::string_view s) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

// Go's url.QueryUnescape; false with the Go error text on a bad escape.
bool query_unescape(std::string_view s, std::string& out, std::string& err) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size() || hex_val(s[i + 1]) < 0 || hex_val(s[i + 2]) < 0) {
        err = "invalid URL escape " + go_quote(s.substr(i, 3));
        return false;
      }
      int hi = hex_val(s[i + 1]), lo = hex_val(s[i + 2]);
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return true;
}

Value urlquery_encode(Args a, BuiltinContext&) {
  return Value::string(query_escape(need_string("urlquery.encode", a[0], 1)));
}

Value urlquery_decode(Args a, BuiltinContext&) {
  std::string out, err;
  if (!query_unescape(need_string("urlquery.decode", a[0], 1), out, err))
    fail("urlquery.decode", err);
  return Value::string(std::move(out));
}

Value urlquery_encode_object(Args a, BuiltinContext&) {
  const char* fn = "urlquery.encode_object";
  need_object(fn, a[0], 1);
  std::string out;
  auto add = [&](const std::string& k, const Value& v) {
    if (!v.is_string())
      operand_error(fn, 1, "object[string: string|array[string]|set[string]]", a[0]);
    if (!out.empty()) out += '&';
    out += query_escape(k) + "=" + query_escape(v.str());
  };
  for (const auto& [k, v] : a[0].entries()) {
    if (!k.is_string())
      operand_error(fn, 1, "object[string: string|array[string]|set[string]]", a[0]);
    if (v.is_array() || v.is_set()) {
      for (const auto& x : v.items()) add(k.str(), x);
    } else {
      add(k.str(), v);
    }
  }
  return Value::string(std::move(out));
}

Value urlquery_decode_object(Args a, BuiltinContext&) {
  const std::string& s = need_string("urlquery.decode_object", a[0], 1);
  std::vector<std::pair<std::string, std::vector<std::string>>> pairs;
  size_t start = 0;
  while (start <= s.size()) {
    size_t amp = s.find('&', start);
    std::string part = s.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    start = amp == std::string::npos ? s.size() + 1 : amp + 1;
    if (part.empty()) continue;
    if (part.find(';') != std::string::npos)
      fail("urlquery.decode_object", "invalid semicolon separator in query");
    size_t eq = part.find('=');
    std::string key, value, err;
    if (!query_unescape(part.substr(0, eq), key, err)) fail("urlquery.decode_object", err);
    if (eq != std::string::npos && !query_unescape(part.substr(eq + 1), value, err))
      fail("urlquery.decode_object", err);
    auto it =
        std::find_if(pairs.begin(), pairs.end(), [&](const auto& p) { return p.first == key; });
    if (it == pairs.end())
      pairs.push_back({key, {value}});
    else
      it->second.push_back(value);
  }
  ObjectEntries out;
  for (auto& [k, vs] : pairs) out.push_back({Value::string(k), string_array(vs)});
  return Value::object(std::move(out));
}

Value json_marshal(Args a, BuiltinContext& ctx) {
  reserve_serialized(ctx, a[0]);
  return Value::string(a[0].to_json());
}

void write_indented(std::string& out, const Value& v, const std::string& prefix,
                    const std::string& indent, int depth) {
  auto newline = [&](int d) {
    out += '\n';
    out += prefix;
    for (int k = 0; k < d; ++k) out += indent;
  };
  if (v.is_array() || v.is_set()) {
    if (v.items().empty()) {
      out += "[]";
      return;
    }
    out += '[';
    bool first = true;
    for (const auto& x : v.items()) {
      if (!first) out += ',';
      first = false;
      newline(depth + 1);
      write_indented(out, x, prefix, indent, depth + 1);
    }
    newline(depth);
    out += ']';
  } else if (v.is_object()) {
    if (v.entries().empty()) {
      out += "{}";
      return;
    }
    out += '{';
    bool first = true;
    for (const auto& [k, x] : v.entries()) {
      if (!first) out += ',';
      first = false;
      newline(depth + 1);
      out += k.is_string() ? k.to_json() : Value::string(k.to_json()).to_json();
      out += ": ";
      write_indented(out, x, prefix, indent, depth + 1);
    }
    newline(depth);
    out += '}';
  } else {
    out += v.to_json();
  }
}

Value json_marshal_with_options(Args a, BuiltinContext& ctx) {
  const char* fn = "json.marshal_with_options";
  reserve_serialized(ctx, a[0]);
  need_object(fn, a[1], 2);
  bool pretty = false, pretty_set = false;
  std::string prefix, indent = "\t";
  bool custom = false;
  for (const auto& [k, v] : a[1].entries()) {
    const std::string& key = k.str();
    if (key == "pretty") {
      if (!v.is_bool()) fail(fn, "pretty option must be a boolean");
      pretty = v.as_bool();
      pretty_set = true;
    } else if (key == "indent") {
      if (!v.is_string()) fail(fn, "indent option must be a string");
      indent = v.str();
      custom = true;
    } else if (key == "prefix") {
      if (!v.is_string()) fail(fn, "prefix option must be a string");
      prefix = v.str();
      custom = true;
    } else {
      fail(fn, "object contained unknown key " + k.to_json());
    }
  }
  if (!pretty_set) pretty = custom;
  if (!pretty) return Value::string(a[0].to_json());
  std::string out = prefix;
  write_indented(out, a[0], prefix, indent, 0);
  return Value::string(std::move(out));
}

Value json_unmarshal(Args a, BuiltinContext&) {
  const std::string& s = need_string("json.unmarshal", a[0], 1);
  Value out;
  TextError err;
  if (!parse_json(s, out, err)) fail("json.unmarshal", go_json_error(s));
  return out;
}

Value json_is_valid(Args a, BuiltinContext&) {
  if (!a[0].is_string()) return Value::boolean(false);
  Value out;
  TextError err;
  return Value::boolean(parse_json(a[0].str(), out, err));
}

// --- YAML output in the style of Go's yaml.v2 (what OPA's yaml.marshal uses) ---------

bool yaml_plain_ok(const std::string& s) {
  if (s.empty()) return false;
  static const char* reserved[] = {"true", "false", "yes", "no",   "on",    "off",  "y",
                                   "n",    "null",  "~",   "True", "False", "TRUE", "FALSE",
                                   "Yes",  "No",    "YES", "NO",   "On",    "Off",  "ON",
                                   "OFF",  "Y",     "N",   "Null", "NULL"};
  for (const char* r : reserved)
    if (s == r) return false;
  if (Value::number_from_text(s).is_defined()) return false;
  char c0 = s[0];
  if (std::string_view("-?:,[]{}#&*!|>'\"%@` ").find(c0) != std::string_view::npos) return false;
  if (s.back() == ' ') return false;
  if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos) return false;
  if (s.back() == ':') return false;
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7F) return false;
  // Things YAML 1.1 would read as numbers (e.g. 1_000, .5, 0x1F) stay quoted.
  if (std::isdigit(static_cast<unsigned char>(c0)) || c0 == '.' || c0 == '+') {
    bool numeric_like = true;
    for (char c : s)
      if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == 'x' ||
            c == 'o' || c == '+' || c == '-' || c == ':' || c == 'e' || c == 'E'))
        numeric_like = false;
    if (numeric_like) return false;
  }
  return true;
}

std::string yaml_scalar(const Value& v) {
  switch (v.kind()) {
    case Kind::Null:
      return "null";
    case Kind::Boolean:
      return v.as_bool() ? "true" : "false";
    case Kind::Number:
      return v.number_to_string();
    case Kind::String: {
      // OPA's yaml.marshal goes through json.Marshal, which turns each byte that is not
      // UTF-8 into U+FFFD before the YAML is written.
      std::string s = v.str();
      replace_invalid_utf8(s);
      if (yaml_plain_ok(s)) return s;
      if (s.find('\n') != std::string::npos) return Value::string(s).to_json();
      return go_quote(s);
    }
    default:
      return v.to_json();
  }
}

// Multi-line strings use literal block style, as yaml.v2 emits them.
std::string yaml_literal(const std::string& s, int content_indent) {
  size_t trailing = 0;
  while (trailing < s.size() && s[s.size() - 1 - trailing] == '\n') ++trailing;
  std::string body = s.substr(0, s.size() - trailing);
  std::string out = trailing == 0 ? "|-" : trailing == 1 ? "|" : "|+";
  std::string pad(static_cast<size_t>(content_indent), ' ');
  size_t start = 0;
  for (;;) {
    size_t nl = body.find('\n', start);
    std::string line = body.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    out += '\n';
    if (!line.empty()) out += pad + line;
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  for (size_t i = 1; i < trailing; ++i) out += '\n';
  return out;
}

std::string yaml_inline(const Value& v, int content_indent) {
  if (v.is_object()) return "{}";
  if (v.is_collection()) return "[]";
  if (v.is_string() && v.str().find('\n') != std::string::npos && v.str()[0] != ' ' &&
      v.str()[0] != '\n')
    return yaml_literal(v.str(), content_indent);
  return yaml_scalar(v);
}

void write_yaml(std::string& out, const Value& v, int indent, bool in_seq) {
  std::string pad(static_cast<size_t>(indent), ' ');
  if (v.is_object() && !v.entries().empty()) {
    bool first = true;
    for (const auto& [k, x] : v.entries()) {
      if (!(first && in_seq)) out += pad;
      first = false;
      out += yaml_scalar(k.is_string() ? k : Value::string(k.to_json())) + ":";
      if (x.is_object() && !x.entries().empty()) {
        out += "\n";
        write_yaml(out, x, indent + 2, false);
      } else if ((x.is_array() || x.is_set()) && !x.items().empty()) {
        out += "\n";
        write_yaml(out, x, indent, false);
      } else {
        out += ' ';
        out += yaml_inline(x, indent + 2);
        out += '\n';
      }
    }
    return;
  }
  if ((v.is_array() || v.is_set()) && !v.items().empty()) {
    bool first = true;
    for (const auto& x : v.items()) {
      if (!(first && in_seq)) out += pad;
      first = false;
      out += "- ";
      if ((x.is_object() && !x.entries().empty()) ||
          ((x.is_array() || x.is_set()) && !x.items().empty()))
        write_yaml(out, x, indent + 2, true);
      else {
        out += yaml_inline(x, indent + 2);
        out += '\n';
      }
    }
    return;
  }
  if (!in_seq) out += pad;
  out += yaml_inline(v, indent + 2);
  out += '\n';
}

Value yaml_marshal(Args a, BuiltinContext& ctx) {
  reserve_serialized(ctx, a[0]);
  std::string out;
  write_yaml(out, a[0], 0, false);
  return Value::string(std::move(out));
}

Value yaml_unmarshal(Args a, BuiltinContext&) {
  const std::string& s = need_string("yaml.unmarshal", a[0], 1);
  std::vector<Value> docs;
  TextError err;
  if (!parse_yaml(s, docs, err, YamlSchema::Go11))
    fail("yaml.unmarshal", "yaml: line " + std::to_string(err.line) + ": " + err.message);
  if (docs.empty()) return Value::null();
  return docs[0];
}

Value yaml_is_valid(Args a, BuiltinContext&) {
  if (!a[0].is_string()) return Value::boolean(false);
  std::vector<Value> docs;
  TextError err;
  return Value::boolean(parse_yaml(a[0].str(), docs, err, YamlSchema::Go11));
}

}  // namespace

void register_encoding(BuiltinRegistry& r) {
  const char* c = "encoding";
  def(r, c, "base64.encode", {"string"}, "string", "Base64-encodes a string.", base64_encode);
  def(r, c, "base64.decode", {"string"}, "string", "Decodes padded base64.", base64_decode);
  def(r, c, "base64.is_valid", {"string"}, "boolean", "Whether a string is valid padded base64.",
      base64_is_valid);
  def(r, c, "base64url.encode", {"string"}, "string", "URL-safe base64 with padding.",
      base64url_encode);
  def(r, c, "base64url.encode_no_pad", {"string"}, "string", "URL-safe base64 without padding.",
      base64url_encode_no_pad);
  def(r, c, "base64url.decode", {"string"}, "string", "Decodes URL-safe base64, padded or not.",
      base64url_decode);
  def(r, c, "hex.encode", {"string"}, "string", "Lower-case hex of a string's bytes.", hex_encode);
  def(r, c, "hex.decode", {"string"}, "string", "Decodes hex into bytes.", hex_decode);
  def(r, c, "urlquery.encode", {"string"}, "string", "URL query escaping.", urlquery_encode);
  def(r, c, "urlquery.decode", {"string"}, "string", "URL query unescaping.", urlquery_decode);
  def(r, c, "urlquery.encode_object", {"object[string: string|array[string]|set[string]]"},
      "string", "Encodes an object as a query string, keys sorted.", urlquery_encode_object);
  def(r, c, "urlquery.decode_object", {"string"}, "object[string: array[string]]",
      "Decodes a query string into an object of value arrays.", urlquery_decode_object);
  def(r, c, "json.marshal", {"any"}, "string", "Compact JSON text of a value.", json_marshal);
  def(r, c, "json.marshal_with_options", {"any", "object[string: any]"}, "string",
      "JSON text with pretty/indent/prefix options.", json_marshal_with_options);
  def(r, c, "json.unmarshal", {"string"}, "any", "Parses JSON text.", json_unmarshal);
  def(r, c, "json.is_valid", {"string"}, "boolean", "Whether a string is valid JSON.",
      json_is_valid);
  def(r, c, "yaml.marshal", {"any"}, "string", "YAML text of a value.", yaml_marshal);
  def(r, c, "yaml.unmarshal", {"string"}, "any", "Parses YAML (first document, YAML 1.1).",
      yaml_unmarshal);
  def(r, c, "yaml.is_valid", {"string"}, "boolean", "Whether a string is valid YAML.",
      yaml_is_valid);
}

}  // namespace policyc::builtins
