// Go 1.21 crypto/x509 parsing for the crypto.x509.* builtins (x509.cpp): certificates and
// their parts (net/url URLs, net.IP addresses, pkix names, times, keys, extensions), rendered
// as OPA renders Go's values through encoding/json.
#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdio>
#include <set>

#include "pem.hpp"
#include "policyc/core/utf8.hpp"
#include "x509_cert.hpp"

namespace policyc::builtins::x509 {

// Go's json.Marshal of a string: invalid UTF-8 bytes become U+FFFD.
Value json_str(const std::string& s) {
  std::string out = s;
  replace_invalid_utf8(out);
  return Value::string(std::move(out));
}

Value bytes_value(const std::string& b) { return Value::string(go_base64_encode(b, false, true)); }
Value opt_bytes(const std::optional<std::string>& b) { return b ? bytes_value(*b) : Value::null(); }

Value strings_or_null(const std::vector<std::string>& v) {
  if (v.empty()) return Value::null();
  ValueVec out;
  for (const auto& s : v) out.push_back(json_str(s));
  return Value::array(std::move(out));
}

Value oid_value(const Oid& oid) {
  ValueVec out;
  for (int64_t c : oid) out.push_back(Value::integer(c));
  return Value::array(std::move(out));
}

Value oids_or_null(const std::vector<Oid>& v) {
  if (v.empty()) return Value::null();
  ValueVec out;
  for (const auto& o : v) out.push_back(oid_value(o));
  return Value::array(std::move(out));
}

// Big integers from DER two's-complement content.
Value big_from_twos(std::string_view b) {
  std::string mag(b);
  bool neg = !mag.empty() && (static_cast<uint8_t>(mag[0]) & 0x80);
  if (neg) {
    for (char& c : mag) c = static_cast<char>(~static_cast<uint8_t>(c));
    for (size_t i = mag.size(); i-- > 0;) {
      auto v = static_cast<uint8_t>(mag[i]);
      mag[i] = static_cast<char>(v + 1);
      if (v != 0xff) break;
    }
  }
  BIGNUM* bn = BN_bin2bn(reinterpret_cast<const unsigned char*>(mag.data()),
                         static_cast<int>(mag.size()), nullptr);
  char* dec = BN_bn2dec(bn);
  std::string text = (neg ? "-" : "") + std::string(dec);
  OPENSSL_free(dec);
  BN_free(bn);
  return Value::number_from_text(text);
}
bool twos_positive(std::string_view b) {
  if (b.empty() || (static_cast<uint8_t>(b[0]) & 0x80)) return false;
  for (char c : b)
    if (c != 0) return true;
  return false;
}
Value big_from_unsigned(std::string_view b) {
  return big_from_twos(std::string(1, '\0') + std::string(b));
}

// --- pkix.Name -------------------------------------------------------------------------

Value Name::to_value() const {
  ValueVec ns;
  for (const Atv& a : names)
    ns.push_back(Value::object({{key("Type"), oid_value(a.type)},
                                {key("Value"), a.is_string ? json_str(a.value) : a.other}}));
  return Value::object({{key("Country"), strings_or_null(country)},
                        {key("Organization"), strings_or_null(organization)},
                        {key("OrganizationalUnit"), strings_or_null(organizational_unit)},
                        {key("Locality"), strings_or_null(locality)},
                        {key("Province"), strings_or_null(province)},
                        {key("StreetAddress"), strings_or_null(street_address)},
                        {key("PostalCode"), strings_or_null(postal_code)},
                        {key("SerialNumber"), json_str(serial_number)},
                        {key("CommonName"), json_str(common_name)},
                        {key("Names"), names.empty() ? Value::null() : Value::array(ns)},
                        {key("ExtraNames"), Value::null()}});
}

bool is_printable(unsigned char b) {
  return std::isalnum(b) || b == ' ' || b == '\'' || b == '(' || b == ')' || b == '+' || b == ',' ||
         b == '-' || b == '.' || b == '/' || b == ':' || b == '=' || b == '?' || b == '*' ||
         b == '&';
}

bool valid_utf8(const std::string& s) {
  for (size_t i = 0; i < s.size(); i += utf8_sequence_length(s, i))
    if (utf8_sequence_length(s, i) == 0) return false;
  return true;
}

std::string bmp_string_utf8(std::string_view v) {
  if (v.size() >= 2 && v[v.size() - 1] == 0 && v[v.size() - 2] == 0) v.remove_suffix(2);
  std::vector<char32_t> cps;
  for (size_t i = 0; i + 1 < v.size(); i += 2) {
    char32_t u = (static_cast<uint8_t>(v[i]) << 8) | static_cast<uint8_t>(v[i + 1]);
    if (u >= 0xd800 && u < 0xdc00 && i + 3 < v.size()) {
      char32_t l = (static_cast<uint8_t>(v[i + 2]) << 8) | static_cast<uint8_t>(v[i + 3]);
      if (l >= 0xdc00 && l < 0xe000) {
        cps.push_back(0x10000 + ((u - 0xd800) << 10) + (l - 0xdc00));
        i += 2;
        continue;
      }
    }
    cps.push_back(u >= 0xd800 && u < 0xe000 ? 0xfffd : u);
  }
  return utf8_encode(cps);
}

// Go's parseASN1String.
std::string parse_asn1_string(uint8_t tag, std::string_view value) {
  std::string v(value);
  switch (tag) {
    case der::kT61String:
      return v;
    case der::kPrintableString:
      for (char c : v)
        if (!is_printable(static_cast<unsigned char>(c))) go_fail("invalid PrintableString");
      return v;
    case der::kUtf8String:
      if (!valid_utf8(v)) go_fail("invalid UTF-8 string");
      return v;
    case der::kBmpString:
      if (v.size() % 2 != 0) go_fail("invalid BMPString");
      return bmp_string_utf8(v);
    case der::kIa5String:
      if (!is_ia5(v)) go_fail("invalid IA5String");
      return v;
    case der::kNumericString:
      for (char c : v)
        if (!((c >= '0' && c <= '9') || c == ' ')) go_fail("invalid NumericString");
      return v;
  }
  go_fail("unsupported string type: " + std::to_string(tag));
}

void fill_from_rdns(Name& n) {
  for (const Atv& a : n.names) {
    const Oid& t = a.type;
    if (!a.is_string) continue;
    if (t.size() != 4 || t[0] != 2 || t[1] != 5 || t[2] != 4) continue;
    switch (t[3]) {
      case 3:
        n.common_name = a.value;
        break;
      case 5:
        n.serial_number = a.value;
        break;
      case 6:
        n.country.push_back(a.value);
        break;
      case 7:
        n.locality.push_back(a.value);
        break;
      case 8:
        n.province.push_back(a.value);
        break;
      case 9:
        n.street_address.push_back(a.value);
        break;
      case 10:
        n.organization.push_back(a.value);
        break;
      case 11:
        n.organizational_unit.push_back(a.value);
        break;
      case 17:
        n.postal_code.push_back(a.value);
        break;
    }
  }
}

Name parse_name(std::string_view raw) {
  Reader outer(raw), seq;
  if (!outer.read(der::kSequence, &seq)) go_fail("x509: invalid RDNSequence");
  Name n;
  while (!seq.empty()) {
    Reader set;
    if (!seq.read(der::kSet, &set)) go_fail("x509: invalid RDNSequence");
    while (!set.empty()) {
      Reader atav;
      if (!set.read(der::kSequence, &atav)) go_fail("x509: invalid RDNSequence: invalid attribute");
      Atv a;
      if (!atav.read_oid(&a.type)) go_fail("x509: invalid RDNSequence: invalid attribute type");
      std::string_view value;
      uint8_t tag = 0;
      if (!atav.read_any(&value, &tag))
        go_fail("x509: invalid RDNSequence: invalid attribute value");
      try {
        a.value = parse_asn1_string(tag, value);
      } catch (const GoError& e) {
        go_fail("x509: invalid RDNSequence: invalid attribute value: " + e.message);
      }
      n.names.push_back(a);
    }
  }
  fill_from_rdns(n);
  return n;
}

// --- Times -----------------------------------------------------------------------------

int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool digits(std::string_view s, size_t off, size_t n, int* out) {
  if (off + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[off + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

std::optional<Time> make_time(int y, int mo, int d, int h, int mi, int s, int32_t nsec) {
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 59 || d < 1) return std::nullopt;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > mdays[mo - 1] + (mo == 2 && leap ? 1 : 0)) return std::nullopt;
  Time t;
  t.sec = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
  t.nsec = nsec;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, h, mi, s);
  t.text = buf;
  if (nsec) {
    std::snprintf(buf, sizeof buf, ".%09d", nsec);
    std::string frac = buf;
    while (frac.back() == '0') frac.pop_back();
    t.text += frac;
  }
  t.text += "Z";
  return t;
}

// cryptobyte's ReadASN1UTCTime / ReadASN1GeneralizedTime, for UTC ("Z") times.
std::optional<Time> parse_time_value(uint8_t tag, std::string_view v) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (tag == der::kUtcTime) {
    if (!digits(v, 0, 2, &y) || !digits(v, 2, 2, &mo) || !digits(v, 4, 2, &d) ||
        !digits(v, 6, 2, &h) || !digits(v, 8, 2, &mi))
      return std::nullopt;
    size_t off = 10;
    if (v.size() == 13) {
      if (!digits(v, 10, 2, &s)) return std::nullopt;
      off = 12;
    }
    if (v.size() != off + 1 || v[off] != 'Z') return std::nullopt;
    y += y >= 50 ? 1900 : 2000;
    return make_time(y, mo, d, h, mi, s, 0);
  }
  if (!digits(v, 0, 4, &y) || !digits(v, 4, 2, &mo) || !digits(v, 6, 2, &d) ||
      !digits(v, 8, 2, &h) || !digits(v, 10, 2, &mi) || !digits(v, 12, 2, &s))
    return std::nullopt;
  size_t off = 14;
  int32_t nsec = 0;
  if (off < v.size() && v[off] == '.') {
    size_t start = ++off;
    while (off < v.size() && v[off] >= '0' && v[off] <= '9') ++off;
    size_t n = off - start;
    if (n == 0 || n > 9 || v[off - 1] == '0') return std::nullopt;
    int frac = 0;
    digits(v, start, n, &frac);
    nsec = frac;
    for (size_t i = n; i < 9; ++i) nsec *= 10;
  }
  if (v.size() != off + 1 || v[off] != 'Z') return std::nullopt;
  return make_time(y, mo, d, h, mi, s, nsec);
}

Time parse_time(Reader& r) {
  std::string_view v;
  if (r.peek(der::kUtcTime)) {
    r.read(der::kUtcTime, &v);
    auto t = parse_time_value(der::kUtcTime, v);
    if (!t) go_fail("x509: malformed UTCTime");
    return *t;
  }
  if (r.peek(der::kGeneralizedTime)) {
    r.read(der::kGeneralizedTime, &v);
    auto t = parse_time_value(der::kGeneralizedTime, v);
    if (!t) go_fail("x509: malformed GeneralizedTime");
    return *t;
  }
  go_fail("x509: unsupported time format");
}

// --- Algorithms ------------------------------------------------------------------------

AlgorithmIdentifier parse_ai(Reader der) {
  AlgorithmIdentifier ai;
  if (!der.read_oid(&ai.algorithm)) go_fail("x509: malformed OID");
  if (der.empty()) return ai;
  std::string_view element;
  if (!der.read_any(nullptr, nullptr, &element)) go_fail("x509: malformed parameters");
  ai.params = element;
  return ai;
}

const std::vector<SigAlgDetails>& sig_algs() {
  static const std::vector<SigAlgDetails> table = {
      {1, {1, 2, 840, 113549, 1, 1, 2}, kRsa, nullptr, false},
      {2, {1, 2, 840, 113549, 1, 1, 4}, kRsa, EVP_md5, true},
      {3, {1, 2, 840, 113549, 1, 1, 5}, kRsa, EVP_sha1, true},
      {3, {1, 3, 14, 3, 2, 29}, kRsa, EVP_sha1, true},
      {4, {1, 2, 840, 113549, 1, 1, 11}, kRsa, EVP_sha256, false},
      {5, {1, 2, 840, 113549, 1, 1, 12}, kRsa, EVP_sha384, false},
      {6, {1, 2, 840, 113549, 1, 1, 13}, kRsa, EVP_sha512, false},
      {7, {1, 2, 840, 10040, 4, 3}, kDsa, EVP_sha1, true},
      {8, {2, 16, 840, 1, 101, 3, 4, 3, 2}, kDsa, EVP_sha256, false},
      {9, {1, 2, 840, 10045, 4, 1}, kEcdsa, EVP_sha1, true},
      {10, {1, 2, 840, 10045, 4, 3, 2}, kEcdsa, EVP_sha256, false},
      {11, {1, 2, 840, 10045, 4, 3, 3}, kEcdsa, EVP_sha384, false},
      {12, {1, 2, 840, 10045, 4, 3, 4}, kEcdsa, EVP_sha512, false},
      {13, {1, 2, 840, 113549, 1, 1, 10}, kRsa, EVP_sha256, false},
      {14, {1, 2, 840, 113549, 1, 1, 10}, kRsa, EVP_sha384, false},
      {15, {1, 2, 840, 113549, 1, 1, 10}, kRsa, EVP_sha512, false},
      {16, {1, 3, 101, 112}, kEd25519, nullptr, false},
  };
  return table;
}

const SigAlgDetails* sig_alg_details(int algo) {
  for (const auto& d : sig_algs())
    if (d.algo == algo) return &d;
  return nullptr;
}

bool is_null_or_absent(std::string_view params) {
  return params.empty() || params == std::string_view("\x05\x00", 2);
}

// An AlgorithmIdentifier inside an explicit [n] tag (PSS parameters).
bool read_explicit_ai(Reader& r, uint8_t n, AlgorithmIdentifier* out) {
  Reader tagged, seq;
  if (!r.read(der::kContext | der::kConstructed | n, &tagged) ||
      !tagged.read(der::kSequence, &seq) || !tagged.empty())
    return false;
  try {
    *out = parse_ai(seq);
  } catch (const GoError&) {
    return false;
  }
  return true;
}

// Go's getSignatureAlgorithmFromAI.
int signature_algorithm(const AlgorithmIdentifier& ai) {
  static const Oid pss = {1, 2, 840, 113549, 1, 1, 10};
  if (der::oid_eq(ai.algorithm, {1, 3, 101, 112}) && !ai.params.empty()) return 0;
  if (ai.algorithm != pss) {
    for (const auto& d : sig_algs())
      if (ai.algorithm == d.oid) return d.algo;
    return 0;
  }
  // RSASSA-PSS-params: hash [0], mgf [1], saltLength [2] required by Go's struct; trailer [3].
  Reader outer(ai.params), params;
  if (!outer.read(der::kSequence, &params)) return 0;
  AlgorithmIdentifier hash, mgf;
  if (!read_explicit_ai(params, 0, &hash) || !read_explicit_ai(params, 1, &mgf)) return 0;
  Reader salt_tag;
  int64_t salt = 0, trailer = 1;
  if (!params.read(der::kContext | der::kConstructed | 2, &salt_tag) || !salt_tag.read_int64(&salt))
    return 0;
  if (params.peek(der::kContext | der::kConstructed | 3)) {
    Reader t;
    if (!params.read(der::kContext | der::kConstructed | 3, &t) || !t.read_int64(&trailer))
      return 0;
  }
  Reader mgf_params(mgf.params), mgf_hash_seq;
  if (!mgf_params.read(der::kSequence, &mgf_hash_seq)) return 0;
  AlgorithmIdentifier mgf_hash;
  try {
    mgf_hash = parse_ai(mgf_hash_seq);
  } catch (const GoError&) {
    return 0;
  }
  if (!is_null_or_absent(hash.params) ||
      !der::oid_eq(mgf.algorithm, {1, 2, 840, 113549, 1, 1, 8}) ||
      mgf_hash.algorithm != hash.algorithm || !is_null_or_absent(mgf_hash.params) || trailer != 1)
    return 0;
  if (der::oid_eq(hash.algorithm, {2, 16, 840, 1, 101, 3, 4, 2, 1}) && salt == 32) return 13;
  if (der::oid_eq(hash.algorithm, {2, 16, 840, 1, 101, 3, 4, 2, 2}) && salt == 48) return 14;
  if (der::oid_eq(hash.algorithm, {2, 16, 840, 1, 101, 3, 4, 2, 3}) && salt == 64) return 15;
  return 0;
}

int public_key_algorithm(const Oid& oid) {
  if (der::oid_eq(oid, {1, 2, 840, 113549, 1, 1, 1})) return kRsa;
  if (der::oid_eq(oid, {1, 2, 840, 10040, 4, 1})) return kDsa;
  if (der::oid_eq(oid, {1, 2, 840, 10045, 2, 1})) return kEcdsa;
  if (der::oid_eq(oid, {1, 3, 101, 112})) return kEd25519;
  return kUnknownPk;
}

std::string dec_from_bytes(const std::string& b) {
  BIGNUM* bn = BN_bin2bn(reinterpret_cast<const unsigned char*>(b.data()),
                         static_cast<int>(b.size()), nullptr);
  char* dec = BN_bn2dec(bn);
  std::string out(dec);
  OPENSSL_free(dec);
  BN_free(bn);
  return out;
}

// Go's parsePublicKey, rendered as json.Marshal renders the Go key.
Value parse_public_key(int alg, const AlgorithmIdentifier& ai, const std::string& pub,
                       std::string_view raw_spki) {
  Reader r(pub);
  switch (alg) {
    case kRsa: {
      if (ai.params != std::string_view("\x05\x00", 2))
        go_fail("x509: RSA key missing NULL parameters");
      Reader seq;
      std::string_view n;
      int64_t e = 0;
      if (!r.read(der::kSequence, &seq)) go_fail("x509: invalid RSA public key");
      if (!seq.read_integer_bytes(&n)) go_fail("x509: invalid RSA modulus");
      if (!seq.read_int64(&e)) go_fail("x509: invalid RSA public exponent");
      if (!twos_positive(n)) go_fail("x509: RSA modulus is not a positive number");
      if (e <= 0) go_fail("x509: RSA public exponent is not a positive number");
      return Value::object({{key("N"), big_from_twos(n)}, {key("E"), Value::integer(e)}});
    }
    case kDsa: {
      std::string_view y, p, q, g;
      if (!r.read_integer_bytes(&y)) go_fail("x509: invalid DSA public key");
      Reader params(ai.params), seq;
      if (!params.read(der::kSequence, &seq) || !seq.read_integer_bytes(&p) ||
          !seq.read_integer_bytes(&q) || !seq.read_integer_bytes(&g))
        go_fail("x509: invalid DSA parameters");
      if (!twos_positive(y) || !twos_positive(p) || !twos_positive(q) || !twos_positive(g))
        go_fail("x509: zero or negative DSA parameter");
      return Value::object({{key("P"), big_from_twos(p)},
                            {key("Q"), big_from_twos(q)},
                            {key("G"), big_from_twos(g)},
                            {key("Y"), big_from_twos(y)}});
    }
    case kEcdsa: {
      Reader params(ai.params);
      Oid curve;
      if (!params.read_oid(&curve)) go_fail("x509: invalid ECDSA parameters");
      size_t size = der::oid_eq(curve, {1, 3, 132, 0, 33})            ? 28
                    : der::oid_eq(curve, {1, 2, 840, 10045, 3, 1, 7}) ? 32
                    : der::oid_eq(curve, {1, 3, 132, 0, 34})          ? 48
                    : der::oid_eq(curve, {1, 3, 132, 0, 35})          ? 66
                                                                      : 0;
      if (!size) go_fail("x509: unsupported elliptic curve");
      // elliptic.Unmarshal: uncompressed points on the curve only.
      bool ok = pub.size() == 1 + 2 * size && pub[0] == 4;
      if (ok) {
        const auto* p = reinterpret_cast<const unsigned char*>(raw_spki.data());
        EVP_PKEY* k = d2i_PUBKEY(nullptr, &p, static_cast<long>(raw_spki.size()));
        ok = k != nullptr;
        EVP_PKEY_free(k);
      }
      if (!ok) go_fail("x509: failed to unmarshal elliptic curve point");
      return Value::object(
          {{key("Curve"), Value::empty_object()},
           {key("X"), Value::number_from_text(dec_from_bytes(pub.substr(1, size)))},
           {key("Y"), Value::number_from_text(dec_from_bytes(pub.substr(1 + size, size)))}});
    }
    case kEd25519:
      if (!ai.params.empty()) go_fail("x509: Ed25519 key encoded with illegal parameters");
      if (pub.size() != 32) go_fail("x509: wrong Ed25519 public key size");
      return bytes_value(pub);
  }
  return Value::null();
}

// --- x509.Certificate ------------------------------------------------------------------

Value ips_value(const std::vector<std::string>& ips) {
  if (ips.empty()) return Value::null();
  ValueVec out;
  for (const auto& ip : ips) out.push_back(str(ip_string(ip)));
  return Value::array(std::move(out));
}

Value ipnets_value(const std::vector<IpNet>& nets) {
  if (nets.empty()) return Value::null();
  ValueVec out;
  for (const auto& n : nets)
    out.push_back(
        Value::object({{key("IP"), str(ip_string(n.ip))}, {key("Mask"), bytes_value(n.mask)}}));
  return Value::array(std::move(out));
}

Value extensions_value(const std::vector<Extension>& exts) {
  if (exts.empty()) return Value::null();
  ValueVec out;
  for (const auto& e : exts)
    out.push_back(Value::object({{key("Id"), oid_value(e.id)},
                                 {key("Critical"), Value::boolean(e.critical)},
                                 {key("Value"), bytes_value(e.value)}}));
  return Value::array(std::move(out));
}

Value uris_value(const std::vector<Url>& uris) {
  if (uris.empty()) return Value::null();
  ValueVec out;
  for (const auto& u : uris) out.push_back(u.to_value());
  return Value::array(std::move(out));
}

// json.Marshal(*x509.Certificate) (Go 1.21's fields); with `uri_strings`, OPA's extendedCert.
Value cert_value(const Cert& c, bool uri_strings) {
  ValueVec eku;
  for (int u : c.ext_key_usage) eku.push_back(Value::integer(u));
  ObjectEntries e = {
      {key("Raw"), bytes_value(c.raw)},
      {key("RawTBSCertificate"), bytes_value(c.raw_tbs)},
      {key("RawSubjectPublicKeyInfo"), bytes_value(c.raw_spki)},
      {key("RawSubject"), bytes_value(c.raw_subject)},
      {key("RawIssuer"), bytes_value(c.raw_issuer)},
      {key("Signature"), bytes_value(c.signature)},
      {key("SignatureAlgorithm"), Value::integer(c.sig_alg)},
      {key("PublicKeyAlgorithm"), Value::integer(c.pk_alg)},
      {key("PublicKey"), c.public_key},
      {key("Version"), Value::integer(c.version)},
      {key("SerialNumber"), c.serial},
      {key("Issuer"), c.issuer.to_value()},
      {key("Subject"), c.subject.to_value()},
      {key("NotBefore"), str(c.not_before.text)},
      {key("NotAfter"), str(c.not_after.text)},
      {key("KeyUsage"), Value::integer(c.key_usage)},
      {key("Extensions"), extensions_value(c.extensions)},
      {key("ExtraExtensions"), Value::null()},
      {key("UnhandledCriticalExtensions"), oids_or_null(c.unhandled_critical)},
      {key("ExtKeyUsage"), eku.empty() ? Value::null() : Value::array(eku)},
      {key("UnknownExtKeyUsage"), oids_or_null(c.unknown_ext_key_usage)},
      {key("BasicConstraintsValid"), Value::boolean(c.basic_constraints_valid)},
      {key("IsCA"), Value::boolean(c.is_ca)},
      {key("MaxPathLen"), Value::integer(c.max_path_len)},
      {key("MaxPathLenZero"), Value::boolean(c.max_path_len_zero)},
      {key("SubjectKeyId"), opt_bytes(c.subject_key_id)},
      {key("AuthorityKeyId"), opt_bytes(c.authority_key_id)},
      {key("OCSPServer"), strings_or_null(c.ocsp_server)},
      {key("IssuingCertificateURL"), strings_or_null(c.issuing_certificate_url)},
      {key("DNSNames"), strings_or_null(c.dns_names)},
      {key("EmailAddresses"), strings_or_null(c.email_addresses)},
      {key("IPAddresses"), ips_value(c.ip_addresses)},
      {key("URIs"), uris_value(c.uris)},
      {key("PermittedDNSDomainsCritical"), Value::boolean(c.permitted_dns_domains_critical)},
      {key("PermittedDNSDomains"), strings_or_null(c.permitted_dns)},
      {key("ExcludedDNSDomains"), strings_or_null(c.excluded_dns)},
      {key("PermittedIPRanges"), ipnets_value(c.permitted_ip)},
      {key("ExcludedIPRanges"), ipnets_value(c.excluded_ip)},
      {key("PermittedEmailAddresses"), strings_or_null(c.permitted_email)},
      {key("ExcludedEmailAddresses"), strings_or_null(c.excluded_email)},
      {key("PermittedURIDomains"), strings_or_null(c.permitted_uri)},
      {key("ExcludedURIDomains"), strings_or_null(c.excluded_uri)},
      {key("CRLDistributionPoints"), strings_or_null(c.crl_distribution_points)},
      {key("PolicyIdentifiers"), oids_or_null(c.policy_identifiers)},
  };
  if (uri_strings) {
    Value v = Value::null();
    if (!c.uris.empty()) {
      ValueVec us;
      for (const auto& u : c.uris) us.push_back(json_str(u.to_string()));
      v = Value::array(std::move(us));
    }
    e.emplace_back(key("URIStrings"), v);
  }
  return Value::object(std::move(e));
}

// --- Extensions ------------------------------------------------------------------------

// Go's forEachSAN: (tag ^ 0x80, data) for each GeneralName.
void for_each_san(std::string_view value,
                  const std::function<void(int, std::string_view)>& callback) {
  Reader outer(value), seq;
  if (!outer.read(der::kSequence, &seq)) go_fail("x509: invalid subject alternative names");
  while (!seq.empty()) {
    std::string_view data;
    uint8_t tag = 0;
    if (!seq.read_any(&data, &tag)) go_fail("x509: invalid subject alternative name");
    callback(tag ^ 0x80, data);
  }
}

Sans parse_sans(std::string_view value) {
  Sans s;
  for_each_san(value, [&](int tag, std::string_view data) {
    std::string d(data);
    switch (tag) {
      case 1:
        if (!is_ia5(d)) go_fail("x509: SAN rfc822Name is malformed");
        s.emails.push_back(d);
        break;
      case 2:
        if (!is_ia5(d)) go_fail("x509: SAN dNSName is malformed");
        s.dns.push_back(d);
        break;
      case 6: {
        if (!is_ia5(d)) go_fail("x509: SAN uniformResourceIdentifier is malformed");
        Url u;
        try {
          u = parse_url(d);
        } catch (const GoError& e) {
          go_fail("x509: cannot parse URI " + go_quote(d) + ": " + e.message);
        }
        if (!u.host.empty() && !valid_domain(u.host))
          go_fail("x509: cannot parse URI " + go_quote(d) + ": invalid domain");
        s.uris.push_back(u);
        break;
      }
      case 7:
        if (d.size() != 4 && d.size() != 16)
          go_fail("x509: cannot parse IP address of length " + std::to_string(d.size()));
        s.ips.push_back(d);
        break;
    }
  });
  return s;
}

// Go's parseNameConstraintsExtension; returns whether it holds unhandled name types.
bool parse_name_constraints(Cert& c, const Extension& e) {
  Reader outer(e.value), top;
  std::string_view permitted, excluded;
  bool have_permitted = false, have_excluded = false;
  if (!outer.read(der::kSequence, &top) || !outer.empty() ||
      !top.read_optional(der::kContext | der::kConstructed | 0, &permitted, &have_permitted) ||
      !top.read_optional(der::kContext | der::kConstructed | 1, &excluded, &have_excluded) ||
      !top.empty())
    go_fail("x509: invalid NameConstraints extension");
  if ((!have_permitted && !have_excluded) || (permitted.empty() && excluded.empty()))
    go_fail("x509: empty name constraints extension");
  bool unhandled = false;
  auto values = [&](std::string_view subtrees, std::vector<std::string>& dns,
                    std::vector<IpNet>& ips, std::vector<std::string>& emails,
                    std::vector<std::string>& uris) {
    Reader r(subtrees);
    while (!r.empty()) {
      Reader seq;
      std::string_view value;
      uint8_t tag = 0;
      if (!r.read(der::kSequence, &seq) || !seq.read_any(&value, &tag))
        go_fail("x509: invalid NameConstraints extension");
      std::string v(value);
      if (tag == (der::kContext | 2)) {
        if (!is_ia5(v))
          go_fail("x509: invalid constraint value: x509: " + go_quote(v) +
                  " cannot be encoded as an IA5String");
        std::string trimmed = !v.empty() && v[0] == '.' ? v.substr(1) : v;
        if (!valid_domain(trimmed))
          go_fail("x509: failed to parse dnsName constraint " + go_quote(v));
        dns.push_back(v);
      } else if (tag == (der::kContext | 7)) {
        if (v.size() != 8 && v.size() != 32)
          go_fail("x509: IP constraint contained value of length " + std::to_string(v.size()));
        size_t half = v.size() / 2;
        std::string ip = v.substr(0, half), mask = v.substr(half);
        // isValidIPMask: ones then zeros.
        bool seen_zero = false, valid = true;
        for (char ch : mask) {
          auto b = static_cast<uint8_t>(ch);
          if (seen_zero) {
            if (b != 0) valid = false;
            continue;
          }
          switch (b) {
            case 0x00:
            case 0x80:
            case 0xc0:
            case 0xe0:
            case 0xf0:
            case 0xf8:
            case 0xfc:
            case 0xfe:
              seen_zero = true;
              break;
            case 0xff:
              break;
            default:
              valid = false;
          }
        }
        if (!valid) {
          std::string hex;
          char buf[3];
          for (char ch : mask) {
            std::snprintf(buf, sizeof buf, "%02x", static_cast<uint8_t>(ch));
            hex += buf;
          }
          go_fail("x509: IP constraint contained invalid mask " + hex);
        }
        ips.push_back({ip, mask});
      } else if (tag == (der::kContext | 1)) {
        if (!is_ia5(v))
          go_fail("x509: invalid constraint value: x509: " + go_quote(v) +
                  " cannot be encoded as an IA5String");
        bool ok = v.find('@') != std::string::npos
                      ? parse_mailbox(v).has_value()
                      : valid_domain(!v.empty() && v[0] == '.' ? v.substr(1) : v);
        if (!ok) go_fail("x509: failed to parse rfc822Name constraint " + go_quote(v));
        emails.push_back(v);
      } else if (tag == (der::kContext | 6)) {
        if (!is_ia5(v))
          go_fail("x509: invalid constraint value: x509: " + go_quote(v) +
                  " cannot be encoded as an IA5String");
        if (parse_ip(v))
          go_fail("x509: failed to parse URI constraint " + go_quote(v) + ": cannot be IP address");
        std::string trimmed = !v.empty() && v[0] == '.' ? v.substr(1) : v;
        if (!valid_domain(trimmed)) go_fail("x509: failed to parse URI constraint " + go_quote(v));
        uris.push_back(v);
      } else {
        unhandled = true;
      }
    }
  };
  values(permitted, c.permitted_dns, c.permitted_ip, c.permitted_email, c.permitted_uri);
  values(excluded, c.excluded_dns, c.excluded_ip, c.excluded_email, c.excluded_uri);
  c.permitted_dns_domains_critical = e.critical;
  return unhandled;
}

int ext_key_usage_from_oid(const Oid& oid) {
  static const std::vector<std::pair<int, Oid>> table = {
      {0, {2, 5, 29, 37, 0}},
      {1, {1, 3, 6, 1, 5, 5, 7, 3, 1}},
      {2, {1, 3, 6, 1, 5, 5, 7, 3, 2}},
      {3, {1, 3, 6, 1, 5, 5, 7, 3, 3}},
      {4, {1, 3, 6, 1, 5, 5, 7, 3, 4}},
      {5, {1, 3, 6, 1, 5, 5, 7, 3, 5}},
      {6, {1, 3, 6, 1, 5, 5, 7, 3, 6}},
      {7, {1, 3, 6, 1, 5, 5, 7, 3, 7}},
      {8, {1, 3, 6, 1, 5, 5, 7, 3, 8}},
      {9, {1, 3, 6, 1, 5, 5, 7, 3, 9}},
      {10, {1, 3, 6, 1, 4, 1, 311, 10, 3, 3}},
      {11, {2, 16, 840, 1, 113730, 4, 1}},
      {12, {1, 3, 6, 1, 4, 1, 311, 2, 1, 22}},
      {13, {1, 3, 6, 1, 4, 1, 311, 61, 1, 1}},
  };
  for (const auto& [u, o] : table)
    if (oid == o) return u;
  return -1;
}

// Go's processExtensions.
void process_extensions(Cert& c) {
  for (const Extension& e : c.extensions) {
    bool unhandled = false;
    const Oid& id = e.id;
    if (id.size() == 4 && id[0] == 2 && id[1] == 5 && id[2] == 29) {
      Reader val(e.value);
      switch (id[3]) {
        case 15: {
          std::string bits;
          size_t len = 0;
          if (!val.read_bit_string(&bits, &len)) go_fail("x509: invalid key usage");
          int usage = 0;
          for (size_t i = 0; i < 9; ++i)
            if (der::bit_at(bits, len, i)) usage |= 1 << i;
          c.key_usage = usage;
          break;
        }
        case 19: {
          Reader seq;
          bool is_ca = false;
          int64_t max_path_len = -1;
          // Go's messages carry these a/b/c suffixes.
          if (!val.read(der::kSequence, &seq)) go_fail("x509: invalid basic constraints a");
          if (seq.peek(der::kBoolean) && !seq.read_bool(&is_ca))
            go_fail("x509: invalid basic constraints b");
          if (seq.peek(der::kInteger) && !seq.read_int64(&max_path_len))
            go_fail("x509: invalid basic constraints c");
          c.is_ca = is_ca;
          c.max_path_len = max_path_len;
          c.basic_constraints_valid = true;
          c.max_path_len_zero = max_path_len == 0;
          break;
        }
        case 17: {
          Sans s = parse_sans(e.value);
          c.dns_names = s.dns;
          c.email_addresses = s.emails;
          c.ip_addresses = s.ips;
          c.uris = s.uris;
          if (s.dns.empty() && s.emails.empty() && s.ips.empty() && s.uris.empty())
            unhandled = true;
          break;
        }
        case 30:
          unhandled = parse_name_constraints(c, e);
          break;
        case 31: {
          Reader seq;
          if (!val.read(der::kSequence, &seq)) go_fail("x509: invalid CRL distribution points");
          while (!seq.empty()) {
            Reader dp;
            std::string_view name;
            bool present = false;
            if (!seq.read(der::kSequence, &dp) ||
                !dp.read_optional(der::kContext | der::kConstructed | 0, &name, &present))
              go_fail("x509: invalid CRL distribution point");
            if (!present) continue;
            Reader outer_name(name), full;
            if (!outer_name.read(der::kContext | der::kConstructed | 0, &full))
              go_fail("x509: invalid CRL distribution point");
            while (!full.empty()) {
              if (!full.peek(der::kContext | 6)) break;
              std::string_view uri;
              if (!full.read(der::kContext | 6, &uri))
                go_fail("x509: invalid CRL distribution point");
              c.crl_distribution_points.emplace_back(uri);
            }
          }
          break;
        }
        case 35: {
          Reader akid;
          if (!val.read(der::kSequence, &akid)) go_fail("x509: invalid authority key identifier");
          if (akid.peek(der::kContext | 0)) {
            std::string_view id0;
            if (!akid.read(der::kContext | 0, &id0))
              go_fail("x509: invalid authority key identifier");
            c.authority_key_id = std::string(id0);
          }
          break;
        }
        case 37: {
          Reader seq;
          if (!val.read(der::kSequence, &seq)) go_fail("x509: invalid extended key usages");
          std::vector<int> usages;
          std::vector<Oid> unknown;
          while (!seq.empty()) {
            Oid oid;
            if (!seq.read_oid(&oid)) go_fail("x509: invalid extended key usages");
            int u = ext_key_usage_from_oid(oid);
            if (u >= 0)
              usages.push_back(u);
            else
              unknown.push_back(oid);
          }
          c.ext_key_usage = usages;
          c.unknown_ext_key_usage = unknown;
          break;
        }
        case 14: {
          std::string_view skid;
          if (!val.read(der::kOctetString, &skid)) go_fail("x509: invalid subject key identifier");
          c.subject_key_id = std::string(skid);
          break;
        }
        case 32: {
          Reader seq;
          if (!val.read(der::kSequence, &seq)) go_fail("x509: invalid certificate policies");
          std::vector<Oid> oids;
          while (!seq.empty()) {
            Reader cp;
            Oid oid;
            if (!seq.read(der::kSequence, &cp) || !cp.read_oid(&oid))
              go_fail("x509: invalid certificate policies");
            oids.push_back(oid);
          }
          c.policy_identifiers = oids;
          break;
        }
        default:
          unhandled = true;
      }
    } else if (der::oid_eq(id, {1, 3, 6, 1, 5, 5, 7, 1, 1})) {
      Reader outer(e.value), seq;
      if (!outer.read(der::kSequence, &seq)) go_fail("x509: invalid authority info access");
      while (!seq.empty()) {
        Reader aia;
        Oid method;
        if (!seq.read(der::kSequence, &aia) || !aia.read_oid(&method))
          go_fail("x509: invalid authority info access");
        if (!aia.peek(der::kContext | 6)) continue;
        std::string_view uri;
        if (!aia.read(der::kContext | 6, &uri)) go_fail("x509: invalid authority info access");
        if (der::oid_eq(method, {1, 3, 6, 1, 5, 5, 7, 48, 1}))
          c.ocsp_server.emplace_back(uri);
        else if (der::oid_eq(method, {1, 3, 6, 1, 5, 5, 7, 48, 2}))
          c.issuing_certificate_url.emplace_back(uri);
      }
    } else {
      unhandled = true;
    }
    if (e.critical && unhandled) c.unhandled_critical.push_back(e.id);
  }
}

std::string oid_string(const Oid& oid) {
  std::string s;
  for (size_t i = 0; i < oid.size(); ++i) s += (i ? "." : "") + std::to_string(oid[i]);
  return s;
}

Extension parse_extension(Reader der) {
  Extension ext;
  if (!der.read_oid(&ext.id)) go_fail("x509: malformed extension OID field");
  if (der.peek(der::kBoolean) && !der.read_bool(&ext.critical))
    go_fail("x509: malformed extension critical field");
  std::string_view val;
  if (!der.read(der::kOctetString, &val)) go_fail("x509: malformed extension value field");
  ext.value = std::string(val);
  return ext;
}

// Go's parseCertificate: one certificate from the front of `input`, which it advances.
Cert parse_certificate(Reader& input) {
  Cert c;
  std::string_view raw, cert_body;
  if (!input.read(der::kSequence, &cert_body, &raw)) go_fail("x509: malformed certificate");
  c.raw = std::string(raw);
  Reader body(cert_body);
  std::string_view tbs_body, tbs_raw;
  if (!body.read(der::kSequence, &tbs_body, &tbs_raw)) go_fail("x509: malformed tbs certificate");
  c.raw_tbs = std::string(tbs_raw);
  Reader tbs(tbs_body);
  int64_t version = 0;
  if (tbs.peek(der::kContext | der::kConstructed | 0)) {
    Reader v;
    if (!tbs.read(der::kContext | der::kConstructed | 0, &v) || !v.read_int64(&version))
      go_fail("x509: malformed version");
  }
  if (version < 0) go_fail("x509: malformed version");
  ++version;
  if (version > 3) go_fail("x509: invalid version");
  c.version = static_cast<int>(version);
  std::string_view serial;
  if (!tbs.read_integer_bytes(&serial)) go_fail("x509: malformed serial number");
  c.serial = big_from_twos(serial);
  std::string_view sig_ai;
  if (!tbs.read(der::kSequence, &sig_ai)) go_fail("x509: malformed signature algorithm identifier");
  std::string_view outer_sig_ai;
  if (!body.read(der::kSequence, &outer_sig_ai)) go_fail("x509: malformed algorithm identifier");
  if (outer_sig_ai != sig_ai)
    go_fail("x509: inner and outer signature algorithm identifiers don't match");
  c.sig_alg = signature_algorithm(parse_ai(Reader(sig_ai)));
  std::string_view issuer;
  if (!tbs.read(der::kSequence, nullptr, &issuer)) go_fail("x509: malformed issuer");
  c.raw_issuer = std::string(issuer);
  c.issuer = parse_name(issuer);
  Reader validity;
  if (!tbs.read(der::kSequence, &validity)) go_fail("x509: malformed validity");
  c.not_before = parse_time(validity);
  c.not_after = parse_time(validity);
  std::string_view subject;
  if (!tbs.read(der::kSequence, nullptr, &subject)) go_fail("x509: malformed issuer");
  c.raw_subject = std::string(subject);
  c.subject = parse_name(subject);
  std::string_view spki_raw;
  Reader spki;
  {
    std::string_view spki_body;
    if (!tbs.read(der::kSequence, &spki_body, &spki_raw)) go_fail("x509: malformed spki");
    spki = Reader(spki_body);
  }
  c.raw_spki = std::string(spki_raw);
  std::string_view pk_ai;
  if (!spki.read(der::kSequence, &pk_ai))
    go_fail("x509: malformed public key algorithm identifier");
  AlgorithmIdentifier pkai = parse_ai(Reader(pk_ai));
  c.pk_alg = public_key_algorithm(pkai.algorithm);
  std::string spk;
  size_t spk_len = 0;
  if (!spki.read_bit_string(&spk, &spk_len)) go_fail("x509: malformed subjectPublicKey");
  if (c.pk_alg != kUnknownPk)
    c.public_key = parse_public_key(c.pk_alg, pkai, der::right_align(spk, spk_len), spki_raw);
  if (c.version > 1) {
    if (!tbs.skip_optional(der::kContext | 1)) go_fail("x509: malformed issuerUniqueID");
    if (!tbs.skip_optional(der::kContext | 2)) go_fail("x509: malformed subjectUniqueID");
    if (c.version == 3) {
      std::string_view exts;
      bool present = false;
      if (!tbs.read_optional(der::kContext | der::kConstructed | 3, &exts, &present))
        go_fail("x509: malformed extensions");
      if (present) {
        Reader outer(exts), seq;
        if (!outer.read(der::kSequence, &seq)) go_fail("x509: malformed extensions");
        std::set<std::string> seen;
        while (!seq.empty()) {
          Reader ext;
          if (!seq.read(der::kSequence, &ext)) go_fail("x509: malformed extension");
          Extension e = parse_extension(ext);
          if (!seen.insert(oid_string(e.id)).second)
            go_fail("x509: certificate contains duplicate extensions");
          c.extensions.push_back(std::move(e));
        }
        process_extensions(c);
      }
    }
  }
  std::string sig;
  size_t sig_len = 0;
  if (!body.read_bit_string(&sig, &sig_len)) go_fail("x509: malformed signature");
  c.signature = der::right_align(sig, sig_len);
  return c;
}

// x509.ParseCertificates.
std::vector<Cert> parse_certificates_der(const std::string& der) {
  std::vector<Cert> out;
  Reader r(der);
  while (!r.empty()) out.push_back(parse_certificate(r));
  return out;
}

// OPA's getX509CertsFromPem.
std::vector<Cert> certs_from_pem(const std::string& pem) {
  std::string data = pem, ders;
  while (!data.empty()) {
    auto block = pem_decode(data);
    if (!block) break;
    if (block->type != "CERTIFICATE")
      go_fail("PEM block type is '" + block->type + "', expected CERTIFICATE");
    data = block->rest;
    ders += block->der;
  }
  return parse_certificates_der(ders);
}

// OPA's getX509CertsFromString: PEM, base64-encoded PEM, or base64-encoded DER.
std::vector<Cert> certs_from_string(const std::string& input) {
  if (input.rfind("-----BEGIN", 0) == 0) return certs_from_pem(input);
  std::string decoded, err;
  if (!decode_std_base64(input, decoded, err)) go_fail(err);
  if (decoded.rfind("-----BEGIN", 0) == 0) return certs_from_pem(decoded);
  return parse_certificates_der(decoded);
}

}  // namespace policyc::builtins::x509
