// net/url, net.IP, domain and mailbox handling as Go's crypto/x509 uses them, for the
// crypto.x509.* builtins.
#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>

#include "x509_cert.hpp"

namespace policyc::builtins::x509 {

// --- net/url ---------------------------------------------------------------------------

// RFC 3986's sub-delims, which Go's net/url treats alike in both functions below.
static bool is_sub_delim(unsigned char c) {
  return c != 0 &&
         std::string_view("!$&'()*+,;=").find(static_cast<char>(c)) != std::string_view::npos;
}

bool should_escape(unsigned char c, Enc mode) {
  if (std::isalnum(c)) return false;
  if ((mode == Enc::Host || mode == Enc::Zone) &&
      (is_sub_delim(c) ||
       std::string_view(":[]<>\"").find(static_cast<char>(c)) != std::string_view::npos))
    return false;
  switch (c) {
    case '-':
    case '_':
    case '.':
    case '~':
      return false;
    case '$':
    case '&':
    case '+':
    case ',':
    case '/':
    case ':':
    case ';':
    case '=':
    case '?':
    case '@':
      switch (mode) {
        case Enc::Path:
          return c == '?';
        case Enc::UserPassword:
          return c == '@' || c == '/' || c == '?' || c == ':';
        case Enc::Fragment:
          return false;
        default:
          break;
      }
  }
  if (mode == Enc::Fragment && (c == '!' || c == '(' || c == ')' || c == '*')) return false;
  return true;
}

int unhex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string url_unescape(const std::string& s, Enc mode) {
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '%') {
      if (i + 2 >= s.size() || unhex(s[i + 1]) < 0 || unhex(s[i + 2]) < 0)
        go_fail("invalid URL escape " + go_quote(s.substr(i, 3)));
      std::string esc = s.substr(i, 3);
      if (mode == Enc::Host && unhex(s[i + 1]) < 8 && esc != "%25")
        go_fail("invalid URL escape " + go_quote(esc));
      if (mode == Enc::Zone) {
        auto v = static_cast<unsigned char>(unhex(s[i + 1]) << 4 | unhex(s[i + 2]));
        if (esc != "%25" && v != ' ' && should_escape(v, Enc::Host))
          go_fail("invalid URL escape " + go_quote(esc));
      }
      i += 3;
    } else {
      auto c = static_cast<unsigned char>(s[i]);
      if ((mode == Enc::Host || mode == Enc::Zone) && c < 0x80 && should_escape(c, mode))
        go_fail("invalid character " + go_quote(s.substr(i, 1)) + " in host name");
      ++i;
    }
  }
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      out += static_cast<char>(unhex(s[i + 1]) << 4 | unhex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string url_escape(const std::string& s, Enc mode) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (should_escape(c, mode)) {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += ch;
    }
  }
  return out;
}

bool valid_encoded(const std::string& s, Enc mode) {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (is_sub_delim(c) || std::string_view(":@[]%").find(ch) != std::string_view::npos) continue;
    if (should_escape(c, mode)) return false;
  }
  return true;
}

bool valid_optional_port(const std::string& port) {
  if (port.empty()) return true;
  if (port[0] != ':') return false;
  for (size_t i = 1; i < port.size(); ++i)
    if (port[i] < '0' || port[i] > '9') return false;
  return true;
}

std::string Url::escaped_path() const {
  if (!raw_path.empty() && valid_encoded(raw_path, Enc::Path)) {
    try {
      if (url_unescape(raw_path, Enc::Path) == path) return raw_path;
    } catch (const GoError&) {
    }
  }
  if (path == "*") return "*";
  return url_escape(path, Enc::Path);
}
std::string Url::escaped_fragment() const {
  if (!raw_fragment.empty() && valid_encoded(raw_fragment, Enc::Fragment)) {
    try {
      if (url_unescape(raw_fragment, Enc::Fragment) == fragment) return raw_fragment;
    } catch (const GoError&) {
    }
  }
  return url_escape(fragment, Enc::Fragment);
}
// Go's URL.String.
std::string Url::to_string() const {
  std::string buf;
  if (!scheme.empty()) buf += scheme + ":";
  if (!opaque.empty()) {
    buf += opaque;
  } else {
    if (!scheme.empty() || !host.empty() || has_user) {
      if (!(omit_host && host.empty() && !has_user)) {
        if (!host.empty() || !path.empty() || has_user) buf += "//";
        if (has_user) {
          buf += url_escape(username, Enc::UserPassword);
          if (password_set) buf += ":" + url_escape(password, Enc::UserPassword);
          buf += "@";
        }
        if (!host.empty()) buf += url_escape(host, Enc::Host);
      }
    }
    std::string p = escaped_path();
    if (!p.empty() && p[0] != '/' && !host.empty()) buf += "/";
    if (buf.empty()) {
      std::string segment = p.substr(0, p.find('/'));
      if (segment.find(':') != std::string::npos) buf += "./";
    }
    buf += p;
  }
  if (force_query || !raw_query.empty()) buf += "?" + raw_query;
  if (!fragment.empty()) buf += "#" + escaped_fragment();
  return buf;
}
Value Url::to_value() const {
  return Value::object({{key("Scheme"), str(scheme)},
                        {key("Opaque"), str(opaque)},
                        {key("User"), has_user ? Value::empty_object() : Value::null()},
                        {key("Host"), json_str(host)},
                        {key("Path"), json_str(path)},
                        {key("RawPath"), str(raw_path)},
                        {key("OmitHost"), Value::boolean(omit_host)},
                        {key("ForceQuery"), Value::boolean(force_query)},
                        {key("RawQuery"), str(raw_query)},
                        {key("Fragment"), json_str(fragment)},
                        {key("RawFragment"), str(raw_fragment)}});
}

bool valid_userinfo(const std::string& s) {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c)) continue;
    if (std::string_view("-._:~!$&'()*+,;=%@").find(ch) != std::string_view::npos) continue;
    return false;
  }
  return true;
}

std::string parse_host(const std::string& host) {
  if (!host.empty() && host[0] == '[') {
    size_t i = host.rfind(']');
    if (i == std::string::npos) go_fail("missing ']' in host");
    std::string colon_port = host.substr(i + 1);
    if (!valid_optional_port(colon_port))
      go_fail("invalid port " + go_quote(colon_port) + " after host");
    size_t zone = host.substr(0, i).find("%25");
    if (zone != std::string::npos) {
      return url_unescape(host.substr(0, zone), Enc::Host) +
             url_unescape(host.substr(zone, i - zone), Enc::Zone) +
             url_unescape(host.substr(i), Enc::Host);
    }
  } else if (size_t i = host.rfind(':'); i != std::string::npos) {
    std::string colon_port = host.substr(i);
    if (!valid_optional_port(colon_port))
      go_fail("invalid port " + go_quote(colon_port) + " after host");
  }
  return url_unescape(host, Enc::Host);
}

// Go's url.Parse; throws GoError with Go's message.
Url parse_url(const std::string& raw) {
  size_t hash = raw.find('#');
  std::string u = raw.substr(0, hash);
  std::string frag = hash == std::string::npos ? "" : raw.substr(hash + 1);
  Url url;
  auto wrap = [](const std::string& what, const std::function<void()>& f) {
    try {
      f();
    } catch (const GoError& e) {
      go_fail("parse " + go_quote(what) + ": " + e.message);
    }
  };
  wrap(u, [&] {
    for (char c : u)
      if (static_cast<unsigned char>(c) < ' ' || c == 0x7f)
        go_fail("net/url: invalid control character in URL");
    if (u == "*") {
      url.path = "*";
      return;
    }
    std::string rest = u;
    for (size_t i = 0; i < u.size(); ++i) {
      char c = u[i];
      if (std::isalpha(static_cast<unsigned char>(c))) continue;
      if (std::isdigit(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.') {
        if (i == 0) break;
        continue;
      }
      if (c == ':') {
        if (i == 0) go_fail("missing protocol scheme");
        url.scheme = u.substr(0, i);
        rest = u.substr(i + 1);
      }
      break;
    }
    for (char& c : url.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!rest.empty() && rest.back() == '?' && std::count(rest.begin(), rest.end(), '?') == 1) {
      url.force_query = true;
      rest.pop_back();
    } else if (size_t q = rest.find('?'); q != std::string::npos) {
      url.raw_query = rest.substr(q + 1);
      rest = rest.substr(0, q);
    }
    if (rest.empty() || rest[0] != '/') {
      if (!url.scheme.empty()) {
        url.opaque = rest;
        return;
      }
      std::string segment = rest.substr(0, rest.find('/'));
      if (segment.find(':') != std::string::npos)
        go_fail("first path segment in URL cannot contain colon");
    }
    if ((!url.scheme.empty() || rest.rfind("///", 0) != 0) && rest.rfind("//", 0) == 0) {
      std::string authority = rest.substr(2);
      rest.clear();
      if (size_t i = authority.find('/'); i != std::string::npos) {
        rest = authority.substr(i);
        authority = authority.substr(0, i);
      }
      size_t at = authority.rfind('@');
      url.host = parse_host(at == std::string::npos ? authority : authority.substr(at + 1));
      if (at != std::string::npos) {
        std::string userinfo = authority.substr(0, at);
        if (!valid_userinfo(userinfo)) go_fail("net/url: invalid userinfo");
        url.has_user = true;
        size_t colon = userinfo.find(':');
        url.username = url_unescape(userinfo.substr(0, colon), Enc::UserPassword);
        if (colon != std::string::npos) {
          url.password_set = true;
          url.password = url_unescape(userinfo.substr(colon + 1), Enc::UserPassword);
        }
      }
    } else if (!url.scheme.empty() && !rest.empty() && rest[0] == '/') {
      url.omit_host = true;
    }
    url.path = url_unescape(rest, Enc::Path);
    if (url_escape(url.path, Enc::Path) != rest) url.raw_path = rest;
  });
  if (frag.empty()) return url;
  wrap(raw, [&] {
    url.fragment = url_unescape(frag, Enc::Fragment);
    if (url_escape(url.fragment, Enc::Fragment) != frag) url.raw_fragment = frag;
  });
  return url;
}

// Go's domainToReverseLabels.
std::optional<std::vector<std::string>> reverse_labels(const std::string& domain) {
  std::vector<std::string> labels;
  std::string d = domain;
  while (!d.empty()) {
    size_t i = d.rfind('.');
    if (i == std::string::npos) {
      labels.push_back(d);
      d.clear();
    } else {
      labels.push_back(d.substr(i + 1));
      d = d.substr(0, i);
      if (i == 0) labels.push_back("");
    }
  }
  if (!labels.empty() && labels[0].empty()) return std::nullopt;
  for (const auto& l : labels) {
    if (l.empty()) return std::nullopt;
    for (char c : l)
      if (static_cast<unsigned char>(c) < 33 || static_cast<unsigned char>(c) > 126)
        return std::nullopt;
  }
  return labels;
}

bool valid_domain(const std::string& domain) { return reverse_labels(domain).has_value(); }

bool is_ia5(const std::string& s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

// --- net.IP ----------------------------------------------------------------------------

std::string ip_string(const std::string& ip) {
  auto b = [&](size_t i) { return static_cast<uint8_t>(ip[i]); };
  auto dotted = [&](size_t off) {
    return std::to_string(b(off)) + "." + std::to_string(b(off + 1)) + "." +
           std::to_string(b(off + 2)) + "." + std::to_string(b(off + 3));
  };
  if (ip.size() == 4) return dotted(0);
  if (ip.size() != 16) return "";
  bool v4mapped = b(10) == 0xff && b(11) == 0xff;
  for (size_t i = 0; i < 10 && v4mapped; ++i) v4mapped = b(i) == 0;
  if (v4mapped) return dotted(12);
  int e0 = -1, e1 = -1;
  for (int i = 0; i < 16; i += 2) {
    int j = i;
    while (j < 16 && b(j) == 0 && b(j + 1) == 0) j += 2;
    if (j > i && j - i > e1 - e0) {
      e0 = i;
      e1 = j;
      i = j;
    }
  }
  if (e1 - e0 <= 2) e0 = e1 = -1;
  std::string out;
  char buf[8];
  for (int i = 0; i < 16; i += 2) {
    if (i == e0) {
      out += "::";
      i = e1;
      if (i >= 16) break;
    } else if (i > 0) {
      out += ':';
    }
    std::snprintf(buf, sizeof buf, "%x", (b(i) << 8) | b(i + 1));
    out += buf;
  }
  return out;
}

// Go's net.ParseIP: 4 or 16 bytes, or nullopt.
std::optional<std::string> parse_ip(const std::string& s) {
  unsigned char buf[16];
  if (s.find(':') == std::string::npos) {
    if (inet_pton(AF_INET, s.c_str(), buf) == 1) {
      std::string out(10, '\0');
      out += "\xff\xff";
      out.append(reinterpret_cast<char*>(buf), 4);
      return out;
    }
    return std::nullopt;
  }
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1)
    return std::string(reinterpret_cast<char*>(buf), 16);
  return std::nullopt;
}

// 16-byte form (net.IP.To16).
std::string ip16(const std::string& ip) {
  if (ip.size() == 4) return std::string(10, '\0') + "\xff\xff" + ip;
  return ip;
}

// Go's parseRFC2821Mailbox (RFC 5321 local part, then a domain): (local, domain).
std::optional<std::pair<std::string, std::string>> parse_mailbox(const std::string& in) {
  if (in.empty()) return std::nullopt;
  size_t i = 0;
  std::string local;
  if (in[0] == '"') {
    ++i;
    for (;;) {
      if (i >= in.size()) return std::nullopt;
      char c = in[i++];
      if (c == '"') break;
      if (c == '\\') {
        if (i >= in.size()) return std::nullopt;
        char n = in[i++];
        if (!((n >= 32 && n <= 126) || n == 9)) return std::nullopt;
        local += n;
        continue;
      }
      if (c == 11 || c == 12 || (c >= 1 && c <= 8) || (c >= 14 && c <= 31) || c == 127 || c == 32 ||
          c == 33 || (c >= 35 && c <= 91) || (c >= 93 && c <= 126)) {
        local += c;
        continue;
      }
      return std::nullopt;
    }
  } else {
    while (i < in.size()) {
      char c = in[i];
      if (c == '\\') {
        ++i;
        if (i >= in.size()) return std::nullopt;
        char n = in[i++];
        if (!((n >= 32 && n <= 126) || n == 9)) return std::nullopt;
        local += n;
        continue;
      }
      if (std::isalnum(static_cast<unsigned char>(c)) ||
          std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) != std::string_view::npos) {
        local += c;
        ++i;
        continue;
      }
      break;
    }
    if (local.empty() || local[0] == '.' || local.back() == '.' ||
        local.find("..") != std::string::npos)
      return std::nullopt;
  }
  if (i >= in.size() || in[i] != '@') return std::nullopt;
  std::string domain = in.substr(i + 1);
  if (!valid_domain(domain)) return std::nullopt;
  return std::make_pair(local, domain);
}

std::optional<std::string> asn1_struct_error(std::string_view der, const char* type_name) {
  const std::string syntax = "asn1: syntax error: ", structure = "asn1: structure error: ";
  if (der.empty()) return syntax + "sequence truncated";
  size_t offset = 0;
  auto b = static_cast<uint8_t>(der[offset++]);
  int cls = b >> 6, tag = b & 0x1f;
  bool compound = b & 0x20;
  if (tag == 0x1f) {
    int64_t t = 0;
    for (int shifted = 0;; ++shifted) {
      if (offset >= der.size()) return syntax + "truncated base 128 integer";
      if (shifted == 5) return structure + "base 128 integer too large";
      auto c = static_cast<uint8_t>(der[offset++]);
      if (shifted == 0 && c == 0x80) return syntax + "integer is not minimally encoded";
      t = (t << 7) | (c & 0x7f);
      if (!(c & 0x80)) {
        if (t > 2147483647) return structure + "base 128 integer too large";
        break;
      }
    }
    if (t < 0x1f) return syntax + "non-minimal tag";
    tag = static_cast<int>(t);
  }
  if (offset >= der.size()) return syntax + "truncated tag or length";
  b = static_cast<uint8_t>(der[offset++]);
  int64_t length = 0;
  if (!(b & 0x80)) {
    length = b & 0x7f;
  } else {
    int n = b & 0x7f;
    if (n == 0) return syntax + "indefinite length found (not DER)";
    for (int i = 0; i < n; ++i) {
      if (offset >= der.size()) return syntax + "truncated tag or length";
      if (length >= (int64_t{1} << 23)) return structure + "length too large";
      length = (length << 8) | static_cast<uint8_t>(der[offset++]);
      if (length == 0) return structure + "superfluous leading zeros in length";
    }
    if (length < 0x80) return structure + "non-minimal length";
  }
  if (cls != 0 || tag != 16 || !compound)
    return structure + "tags don't match (16 vs {class:" + std::to_string(cls) +
           " tag:" + std::to_string(tag) + " length:" + std::to_string(length) +
           " isCompound:" + (compound ? "true" : "false") +
           "}) {optional:false explicit:false application:false private:false "
           "defaultValue:<nil> tag:<nil> stringType:0 timeType:0 set:false omitEmpty:false} " +
           type_name + " @" + std::to_string(offset);
  if (length > static_cast<int64_t>(der.size() - offset)) return syntax + "data truncated";
  return std::nullopt;
}

}  // namespace policyc::builtins::x509
