// Certificate signing requests for crypto.x509.parse_certificate_request: Go 1.21's
// x509.ParseCertificateRequest, which decodes with encoding/asn1 (structures may carry extra
// trailing elements; attribute values decode into `any`), rendered as json.Marshal renders
// *x509.CertificateRequest.
#include <set>

#include "pem.hpp"
#include "x509_cert.hpp"

namespace policyc::builtins::x509 {

namespace {

// encoding/asn1's decoding of a primitive universal value into `any`: strings, integers, bit
// strings, OIDs, times and octet strings; null for other types. Throws GoError on bad values.
Value asn1_any(uint8_t tag, std::string_view content) {
  std::string v(content);
  auto syntax = [](const std::string& m) { go_fail("asn1: syntax error: " + m); };
  switch (tag) {
    case der::kPrintableString:
      for (char c : v)
        if (!is_printable(static_cast<unsigned char>(c)))
          syntax("PrintableString contains invalid character");
      return json_str(v);
    case der::kNumericString:
      for (char c : v)
        if (!((c >= '0' && c <= '9') || c == ' '))
          syntax("NumericString contains invalid character");
      return json_str(v);
    case der::kIa5String:
      if (!is_ia5(v)) syntax("IA5String contains invalid character");
      return json_str(v);
    case der::kT61String:
      return json_str(v);
    case der::kUtf8String:
      if (!valid_utf8(v)) syntax("invalid UTF-8 string");
      return json_str(v);
    case der::kInteger: {
      if (v.empty()) go_fail("asn1: syntax error: empty integer");
      if (v.size() > 1 &&
          ((v[0] == 0 && !(static_cast<uint8_t>(v[1]) & 0x80)) ||
           (static_cast<uint8_t>(v[0]) == 0xff && (static_cast<uint8_t>(v[1]) & 0x80))))
        go_fail("asn1: structure error: integer not minimally-encoded");
      if (v.size() > 8) go_fail("asn1: structure error: integer too large");
      return big_from_twos(v);
    }
    case der::kBitString: {
      if (v.empty()) syntax("zero length BIT STRING");
      auto pad = static_cast<uint8_t>(v[0]);
      if (pad > 7 || (v.size() == 1 && pad > 0) ||
          (static_cast<uint8_t>(v.back()) & ((1u << pad) - 1)) != 0)
        syntax("invalid padding bits in BIT STRING");
      return Value::object(
          {{key("Bytes"), bytes_value(v.substr(1))},
           {key("BitLength"), Value::integer(static_cast<int64_t>((v.size() - 1) * 8 - pad))}});
    }
    case der::kOid: {
      // Re-wrap for the OID reader (long-form length for long OIDs).
      std::string element(1, static_cast<char>(der::kOid));
      if (v.size() < 128) {
        element += static_cast<char>(v.size());
      } else {
        std::string len;
        for (size_t n = v.size(); n; n >>= 8) len.insert(len.begin(), static_cast<char>(n & 0xff));
        element += static_cast<char>(0x80 | len.size());
        element += len;
      }
      element += v;
      Reader r(element);
      Oid oid;
      if (!r.read_oid(&oid)) go_fail("asn1: syntax error: invalid object identifier");
      return oid_value(oid);
    }
    case der::kUtcTime:
    case der::kGeneralizedTime: {
      auto t = parse_time_value(tag, v);
      if (!t) go_fail("asn1: time did not serialize back to the original value and may be invalid");
      return str(t->text);
    }
    case der::kOctetString:
      return bytes_value(v);
    case der::kBmpString:
      if (v.size() % 2 != 0) go_fail("pkcs12: odd-length BMP string");
      return json_str(bmp_string_utf8(v));
  }
  return Value::null();
}

// An AttributeTypeAndValue decoded with encoding/asn1: SEQUENCE { OID, any, ... }.
Atv parse_atv(std::string_view body) {
  Reader r(body);
  Atv a;
  if (!r.read_oid(&a.type)) go_fail("asn1: structure error: tags don't match");
  std::string_view value;
  uint8_t tag = 0;
  if (!r.read_any(&value, &tag)) go_fail("asn1: syntax error: sequence truncated");
  bool primitive_universal = (tag & 0xe0) == 0;
  Value v = primitive_universal ? asn1_any(tag, value) : Value::null();
  if (primitive_universal &&
      (tag == der::kPrintableString || tag == der::kNumericString || tag == der::kIa5String ||
       tag == der::kT61String || tag == der::kUtf8String || tag == der::kBmpString)) {
    a.value = v.str();
  } else {
    a.is_string = false;
    a.other = v;
  }
  return a;
}

// pkix.RDNSequence through encoding/asn1 (values of any type).
Name parse_name_any(std::string_view raw) {
  Reader outer(raw), seq;
  if (!outer.read(der::kSequence, &seq))
    go_fail("asn1: structure error: tags don't match (RDNSequence)");
  if (!outer.empty()) go_fail("x509: trailing data after X.509 Subject");
  Name n;
  while (!seq.empty()) {
    Reader set;
    if (!seq.read(der::kSet, &set)) go_fail("asn1: structure error: tags don't match (SET)");
    while (!set.empty()) {
      std::string_view atv;
      if (!set.read(der::kSequence, &atv))
        go_fail("asn1: structure error: tags don't match (AttributeTypeAndValue)");
      n.names.push_back(parse_atv(atv));
    }
  }
  fill_from_rdns(n);
  return n;
}

// parseRawAttributes: each attribute that decodes as pkix.AttributeTypeAndValueSET
// (SEQUENCE { OID, SET OF SEQUENCE OF AttributeTypeAndValue }); others are skipped.
Value parse_raw_attributes(const std::vector<std::string_view>& raw) {
  ValueVec out;
  for (std::string_view element : raw) {
    try {
      Reader r(element), seq;
      if (!r.read(der::kSequence, &seq) || !r.empty()) continue;
      Oid type;
      Reader set;
      if (!seq.read_oid(&type) || !seq.read(der::kSet, &set)) continue;
      ValueVec sets;
      while (!set.empty()) {
        Reader list;
        if (!set.read(der::kSequence, &list)) go_fail("skip");
        ValueVec atvs;
        while (!list.empty()) {
          std::string_view atv;
          if (!list.read(der::kSequence, &atv)) go_fail("skip");
          Atv a = parse_atv(atv);
          atvs.push_back(
              Value::object({{key("Type"), oid_value(a.type)},
                             {key("Value"), a.is_string ? json_str(a.value) : a.other}}));
        }
        sets.push_back(Value::array(std::move(atvs)));
      }
      out.push_back(
          Value::object({{key("Type"), oid_value(type)}, {key("Value"), Value::array(sets)}}));
    } catch (const GoError&) {
    }
  }
  return out.empty() ? Value::null() : Value::array(std::move(out));
}

// parseCSRExtensions: the extensions of extensionRequest attributes.
std::vector<Extension> parse_csr_extensions(const std::vector<std::string_view>& raw) {
  static const Oid extension_request = {1, 2, 840, 113549, 1, 9, 14};
  std::vector<Extension> out;
  std::set<std::string> seen;
  for (std::string_view element : raw) {
    // pkcs10Attribute { Id, Values SET OF ANY }: attributes that do not decode are skipped.
    Reader r(element), seq, set;
    Oid id;
    if (!r.read(der::kSequence, &seq) || !r.empty() || !seq.read_oid(&id) ||
        !seq.read(der::kSet, &set))
      continue;
    std::vector<std::string_view> values;
    bool ok = true;
    while (ok && !set.empty()) {
      std::string_view v;
      ok = set.read_any(nullptr, nullptr, &v);
      values.push_back(v);
    }
    if (!ok || values.empty() || id != extension_request) continue;
    std::string_view first = values[0];
    Reader exts_outer(first), exts;
    if (!exts_outer.read(der::kSequence, &exts))
      go_fail("asn1: structure error: tags don't match (extensions)");
    while (!exts.empty()) {
      Reader ext;
      if (!exts.read(der::kSequence, &ext)) go_fail("asn1: structure error: tags don't match");
      Extension e;
      if (!ext.read_oid(&e.id)) go_fail("asn1: structure error: tags don't match");
      if (ext.peek(der::kBoolean) && !ext.read_bool(&e.critical))
        go_fail("asn1: syntax error: invalid boolean");
      std::string_view value;
      if (!ext.read(der::kOctetString, &value)) go_fail("asn1: syntax error: sequence truncated");
      e.value = std::string(value);
      if (!seen.insert(oid_string(e.id)).second)
        go_fail("x509: certificate request contains duplicate requested extensions");
      out.push_back(std::move(e));
    }
  }
  return out;
}

}  // namespace

Value parse_certificate_request_der(const std::string& der) {
  Reader input(der);
  std::string_view raw, body_view;
  if (auto top = asn1_struct_error(der, "certificateRequest")) go_fail(*top);
  if (!input.read(der::kSequence, &body_view, &raw)) go_fail("asn1: syntax error: data truncated");
  if (!input.empty()) go_fail("asn1: syntax error: trailing data");
  Reader body(body_view);
  std::string_view tbs_raw, tbs_body;
  if (!body.read(der::kSequence, &tbs_body, &tbs_raw))
    go_fail("asn1: structure error: tags don't match (tbsCertificateRequest)");
  Reader tbs(tbs_body);
  int64_t version = 0;
  if (!tbs.read_int64(&version)) go_fail("asn1: structure error: tags don't match (version)");
  std::string_view subject;
  if (!tbs.read_any(nullptr, nullptr, &subject)) go_fail("asn1: syntax error: data truncated");
  std::string_view spki_raw, spki_body;
  if (!tbs.read(der::kSequence, &spki_body, &spki_raw))
    go_fail("asn1: structure error: tags don't match (publicKeyInfo)");
  Reader spki(spki_body);
  std::string_view pk_ai;
  if (!spki.read(der::kSequence, &pk_ai))
    go_fail("asn1: structure error: tags don't match (AlgorithmIdentifier)");
  AlgorithmIdentifier pkai = parse_ai(Reader(pk_ai));
  std::string spk;
  size_t spk_len = 0;
  if (!spki.read_bit_string(&spk, &spk_len)) go_fail("asn1: structure error: tags don't match");
  Reader attrs;
  if (!tbs.read(der::kContext | der::kConstructed | 0, &attrs))
    go_fail("asn1: structure error: tags don't match (RawAttributes)");
  std::vector<std::string_view> raw_attributes;
  while (!attrs.empty()) {
    std::string_view element;
    if (!attrs.read_any(nullptr, nullptr, &element)) go_fail("asn1: syntax error: data truncated");
    raw_attributes.push_back(element);
  }
  std::string_view sig_ai;
  if (!body.read(der::kSequence, &sig_ai))
    go_fail("asn1: structure error: tags don't match (AlgorithmIdentifier)");
  std::string sig;
  size_t sig_len = 0;
  if (!body.read_bit_string(&sig, &sig_len)) go_fail("asn1: structure error: tags don't match");

  int sig_alg = signature_algorithm(parse_ai(Reader(sig_ai)));
  int pk_alg = public_key_algorithm(pkai.algorithm);
  Value attributes = parse_raw_attributes(raw_attributes);
  Value public_key = Value::null();
  if (pk_alg != kUnknownPk)
    public_key = parse_public_key(pk_alg, pkai, der::right_align(spk, spk_len), spki_raw);
  Name name = parse_name_any(subject);
  std::vector<Extension> extensions = parse_csr_extensions(raw_attributes);
  Sans sans;
  for (const Extension& e : extensions)
    if (der::oid_eq(e.id, {2, 5, 29, 17})) sans = parse_sans(e.value);
  return Value::object({
      {key("Raw"), bytes_value(std::string(raw))},
      {key("RawTBSCertificateRequest"), bytes_value(std::string(tbs_raw))},
      {key("RawSubjectPublicKeyInfo"), bytes_value(std::string(spki_raw))},
      {key("RawSubject"), bytes_value(std::string(subject))},
      {key("Version"), Value::integer(version)},
      {key("Signature"), bytes_value(der::right_align(sig, sig_len))},
      {key("SignatureAlgorithm"), Value::integer(sig_alg)},
      {key("PublicKeyAlgorithm"), Value::integer(pk_alg)},
      {key("PublicKey"), public_key},
      {key("Subject"), name.to_value()},
      {key("Attributes"), attributes},
      {key("Extensions"), extensions_value(extensions)},
      {key("ExtraExtensions"), Value::null()},
      {key("DNSNames"), strings_or_null(sans.dns)},
      {key("EmailAddresses"), strings_or_null(sans.emails)},
      {key("IPAddresses"), ips_value(sans.ips)},
      {key("URIs"), uris_value(sans.uris)},
  });
}

}  // namespace policyc::builtins::x509
