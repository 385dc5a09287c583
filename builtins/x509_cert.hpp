// Go 1.21 crypto/x509 values for the crypto.x509.* builtins: the parsed certificate and its
// parts, with their json.Marshal renderings as OPA returns them (x509_parse.cpp).
#pragma once

#include <openssl/evp.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "internal.hpp"
#include "x509_der.hpp"

namespace policyc::builtins::x509 {

using der::Oid;
using der::Reader;

// A Go error: the message OPA reports.
struct GoError {
  std::string message;
};

[[noreturn]] inline void go_fail(std::string message) { throw GoError{std::move(message)}; }

inline Value str(const std::string& s) { return Value::string(s); }
inline Value key(const char* s) { return Value::string(s); }

enum class Enc { Path, Host, Zone, UserPassword, Fragment };

struct Url {
  std::string scheme, opaque;
  bool has_user = false, password_set = false;
  std::string username, password;
  std::string host, path, raw_path;
  bool omit_host = false, force_query = false;
  std::string raw_query, fragment, raw_fragment;

  std::string escaped_path() const;
  std::string escaped_fragment() const;
  // Go's URL.String.
  std::string to_string() const;
  // json.Marshal(*url.URL).
  Value to_value() const;
};

struct Atv {
  Oid type;
  std::string value;  // a string value
  bool is_string = true;
  Value other;  // a non-string value's rendering (encoding/asn1 decoding into any)
};

struct Name {
  std::vector<std::string> country, organization, organizational_unit, locality, province,
      street_address, postal_code;
  std::string serial_number, common_name;
  std::vector<Atv> names;

  Value to_value() const;
};

struct Time {
  int64_t sec = 0;  // Unix seconds
  int32_t nsec = 0;
  std::string text;  // RFC 3339, as Go's time.Time.MarshalJSON
};

struct AlgorithmIdentifier {
  Oid algorithm;
  std::string_view params;  // the full parameters element, empty when absent
};

enum PkAlg { kUnknownPk = 0, kRsa = 1, kDsa = 2, kEcdsa = 3, kEd25519 = 4 };

struct SigAlgDetails {
  int algo;
  Oid oid;
  int pk;
  const EVP_MD* (*md)();  // nullptr: no usable hash (MD2) or none needed (Ed25519)
  bool insecure;          // MD5 and SHA-1: rejected by Go's chain verification
};

struct Extension {
  Oid id;
  bool critical = false;
  std::string value;
};

struct IpNet {
  std::string ip, mask;
};

struct Cert {
  std::string raw, raw_tbs, raw_spki, raw_subject, raw_issuer, signature;
  int sig_alg = 0, pk_alg = 0;
  Value public_key = Value::null();
  int version = 0;
  Value serial;
  Name issuer, subject;
  Time not_before, not_after;
  int key_usage = 0;
  std::vector<Extension> extensions;
  std::vector<Oid> unhandled_critical;
  std::vector<int> ext_key_usage;
  std::vector<Oid> unknown_ext_key_usage;
  bool basic_constraints_valid = false, is_ca = false, max_path_len_zero = false;
  int64_t max_path_len = 0;
  std::optional<std::string> subject_key_id, authority_key_id;
  std::vector<std::string> ocsp_server, issuing_certificate_url, dns_names, email_addresses;
  std::vector<std::string> ip_addresses;  // raw 4- or 16-byte addresses
  std::vector<Url> uris;
  bool permitted_dns_domains_critical = false;
  std::vector<std::string> permitted_dns, excluded_dns, permitted_email, excluded_email,
      permitted_uri, excluded_uri;
  std::vector<IpNet> permitted_ip, excluded_ip;
  std::vector<std::string> crl_distribution_points;
  std::vector<Oid> policy_identifiers;

  const Extension* find_extension(std::initializer_list<int64_t> id) const {
    for (const auto& e : extensions)
      if (der::oid_eq(e.id, id)) return &e;
    return nullptr;
  }
};

struct Sans {
  std::vector<std::string> dns, emails, ips;
  std::vector<Url> uris;
};

// Value helpers: Go's json.Marshal of strings (invalid UTF-8 as U+FFFD), []byte (base64), OIDs.
Value json_str(const std::string& s);
Value bytes_value(const std::string& b);
Value strings_or_null(const std::vector<std::string>& v);
Value oid_value(const Oid& oid);
Value big_from_twos(std::string_view b);      // DER INTEGER content as a JSON number
Value big_from_unsigned(std::string_view b);  // unsigned big-endian bytes as a JSON number
bool twos_positive(std::string_view b);

// net/url.
std::string url_unescape(const std::string& s, Enc mode);
std::string url_escape(const std::string& s, Enc mode);
bool valid_encoded(const std::string& s, Enc mode);
Url parse_url(const std::string& raw);  // throws GoError with url.Parse's message

// Domains, mailboxes and IP addresses as crypto/x509 and net treat them.
std::optional<std::vector<std::string>> reverse_labels(const std::string& domain);
bool valid_domain(const std::string& domain);
std::optional<std::pair<std::string, std::string>> parse_mailbox(const std::string& in);
bool is_ia5(const std::string& s);
std::string ip_string(const std::string& ip);               // net.IP.String
std::optional<std::string> parse_ip(const std::string& s);  // net.ParseIP (16 bytes)
std::string ip16(const std::string& ip);                    // net.IP.To16

// encoding/asn1's error for the outermost element when unmarshalling a struct named
// `type_name` (a SEQUENCE) from `der`, or nullopt when that element's header is well formed.
std::optional<std::string> asn1_struct_error(std::string_view der, const char* type_name);

// Parsing parts shared by certificates and certificate requests.
Name parse_name(std::string_view raw);
// pkix.Name.FillFromRDNSequence over n.names.
void fill_from_rdns(Name& n);
// Time values as Go's time.Time.MarshalJSON renders them (UTC only); nullopt when malformed.
std::optional<Time> parse_time_value(uint8_t tag, std::string_view v);
bool is_printable(unsigned char b);
bool valid_utf8(const std::string& s);
// A BMPString's UTF-16BE code units (even in number) as UTF-8, as Go decodes them: one trailing
// NUL dropped, an unpaired surrogate as U+FFFD.
std::string bmp_string_utf8(std::string_view v);
AlgorithmIdentifier parse_ai(Reader der);
int signature_algorithm(const AlgorithmIdentifier& ai);
int public_key_algorithm(const Oid& oid);
const SigAlgDetails* sig_alg_details(int algo);
Value parse_public_key(int alg, const AlgorithmIdentifier& ai, const std::string& pub,
                       std::string_view raw_spki);
Extension parse_extension(Reader der);
Sans parse_sans(std::string_view value);
void for_each_san(std::string_view value,
                  const std::function<void(int, std::string_view)>& callback);
Value extensions_value(const std::vector<Extension>& exts);
Value ips_value(const std::vector<std::string>& ips);
Value uris_value(const std::vector<Url>& uris);
std::string oid_string(const Oid& oid);

// Certificates: Go's parseCertificate over DER, and OPA's getX509CertsFromString (PEM,
// base64-encoded PEM, or base64-encoded DER).
Cert parse_certificate(Reader& input);  // one certificate from the front of `input`
std::vector<Cert> parse_certificates_der(const std::string& der);
std::vector<Cert> certs_from_string(const std::string& input);
// json.Marshal(*x509.Certificate); with `uri_strings`, OPA's extendedCert (URIStrings).
Value cert_value(const Cert& c, bool uri_strings);

// A private key as Go's crypto/x509 parses it (x509_keys.cpp); big integers as unsigned
// big-endian bytes.
struct GoPrivateKey {
  enum Kind { Rsa, Ec, Ed25519, X25519 } kind = Rsa;
  int64_t rsa_e = 0;
  std::string rsa_n, rsa_d, rsa_p, rsa_q, rsa_dp, rsa_dq, rsa_qinv;  // CRT values recomputed
  std::string ec_d, ec_x, ec_y;                                      // X, Y derived from D
  std::string ed_seed, ed_pub;
};
// x509.ParsePKCS1PrivateKey, ParsePKCS8PrivateKey and ParseECPrivateKey; throw GoError.
GoPrivateKey parse_pkcs1_private_key(const std::string& der);
GoPrivateKey parse_pkcs8_private_key(const std::string& der);
GoPrivateKey parse_ec_private_key(const std::string& der);
// json.Marshal of the Go key (*rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey).
Value go_private_key_json(const GoPrivateKey& k);

// x509.ParseCertificateRequest rendered as json.Marshal(*x509.CertificateRequest) (x509_csr.cpp).
Value parse_certificate_request_der(const std::string& der);

}  // namespace policyc::builtins::x509
