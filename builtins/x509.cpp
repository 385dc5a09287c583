// X.509 builtins (crypto.x509.*): certificates, chains, CSRs, key pairs and RSA keys, as OPA
// v0.61 renders Go 1.21's crypto/x509 values through encoding/json. Parsing follows Go's
// parser (x509_parse.cpp, over a strict DER reader); OpenSSL 3 checks signatures.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include "internal.hpp"
#include "pem.hpp"
#include "x509_cert.hpp"

namespace policyc::builtins {

namespace {

using namespace x509;
using der::Oid;
using der::Reader;

constexpr const char* kParseCerts = "crypto.x509.parse_certificates";
constexpr const char* kVerifyCerts = "crypto.x509.parse_and_verify_certificates";
constexpr const char* kVerifyCertsOpts = "crypto.x509.parse_and_verify_certificates_with_options";
constexpr const char* kParseCsr = "crypto.x509.parse_certificate_request";
constexpr const char* kParseKeyPair = "crypto.x509.parse_keypair";
constexpr const char* kParseRsaKey = "crypto.x509.parse_rsa_private_key";

// --- Chain verification (Go's Certificate.Verify) --------------------------------------

struct VerifyOptions {
  std::string dns_name;
  std::optional<int64_t> current_time_ns;
  std::vector<int> key_usages;
  int64_t max_constraint_comparisons = 0;
};

// Go's checkSignature (SHA-1 and MD5 refused), with the parent's public key.
bool check_signature(const Cert& child, const Cert& parent) {
  const SigAlgDetails* d = sig_alg_details(child.sig_alg);
  if (!d || d->insecure) return false;
  if (!d->md && d->pk != kEd25519) return false;
  if (parent.pk_alg != d->pk || (d->pk != kRsa && d->pk != kEcdsa && d->pk != kEd25519))
    return false;
  const auto* p = reinterpret_cast<const unsigned char*>(parent.raw_spki.data());
  EVP_PKEY* k = d2i_PUBKEY(nullptr, &p, static_cast<long>(parent.raw_spki.size()));
  if (!k) return false;
  EVP_MD_CTX* mctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok = mctx && EVP_DigestVerifyInit(mctx, &pctx, d->md ? d->md() : nullptr, nullptr, k) == 1;
  if (ok && d->pk == kRsa) {
    if (child.sig_alg >= 13 && child.sig_alg <= 15)
      ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
    else
      ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
  }
  ok = ok && EVP_DigestVerify(mctx, reinterpret_cast<const unsigned char*>(child.signature.data()),
                              child.signature.size(),
                              reinterpret_cast<const unsigned char*>(child.raw_tbs.data()),
                              child.raw_tbs.size()) == 1;
  EVP_MD_CTX_free(mctx);
  EVP_PKEY_free(k);
  return ok;
}

// Go's CheckSignatureFrom.
bool check_signature_from(const Cert& child, const Cert& parent) {
  if ((parent.version == 3 && !parent.basic_constraints_valid) ||
      (parent.basic_constraints_valid && !parent.is_ca))
    return false;
  if (parent.key_usage != 0 && !(parent.key_usage & (1 << 5))) return false;
  if (parent.pk_alg == kUnknownPk) return false;
  return check_signature(child, parent);
}

std::string to_lower_ascii(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t i = s.find(sep, start);
    out.push_back(s.substr(start, i - start));
    if (i == std::string::npos) return out;
    start = i + 1;
  }
}

bool valid_hostname(std::string host, bool is_pattern) {
  if (!is_pattern && !host.empty() && host.back() == '.') host.pop_back();
  if (host.empty() || host == "*") return false;
  auto parts = split(host, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    if (part.empty()) return false;
    if (is_pattern && i == 0 && part == "*") continue;
    for (size_t j = 0; j < part.size(); ++j) {
      auto c = static_cast<unsigned char>(part[j]);
      if (std::isalnum(c) || c == '_' || (c == '-' && j != 0)) continue;
      return false;
    }
  }
  return true;
}

bool match_exactly(const std::string& a, const std::string& b) {
  if (a.empty() || a == "." || b.empty() || b == ".") return false;
  return to_lower_ascii(a) == to_lower_ascii(b);
}

bool match_hostnames(std::string pattern, std::string host) {
  pattern = to_lower_ascii(pattern);
  if (!host.empty() && host.back() == '.') host.pop_back();
  host = to_lower_ascii(host);
  if (pattern.empty() || host.empty()) return false;
  auto pp = split(pattern, '.'), hp = split(host, '.');
  if (pp.size() != hp.size()) return false;
  for (size_t i = 0; i < pp.size(); ++i) {
    if (i == 0 && pp[i] == "*") continue;
    if (pp[i] != hp[i]) return false;
  }
  return true;
}

// Go's Certificate.VerifyHostname.
bool verify_hostname(const Cert& c, const std::string& h) {
  std::string candidate_ip = h;
  if (h.size() >= 3 && h[0] == '[' && h.back() == ']') candidate_ip = h.substr(1, h.size() - 2);
  if (auto ip = parse_ip(candidate_ip)) {
    for (const auto& cand : c.ip_addresses)
      if (ip16(cand) == *ip) return true;
    return false;
  }
  std::string name = to_lower_ascii(h);
  bool valid_name = valid_hostname(name, false);
  for (const auto& match : c.dns_names) {
    if (valid_name && valid_hostname(match, true)) {
      if (match_hostnames(match, name)) return true;
    } else if (match_exactly(match, name)) {
      return true;
    }
  }
  return false;
}

// Go's matchDomainConstraint; nullopt for Go's errors.
std::optional<bool> match_domain_constraint(const std::string& domain, std::string constraint) {
  if (constraint.empty()) return true;
  auto domain_labels = reverse_labels(domain);
  if (!domain_labels) return std::nullopt;
  bool must_have_subdomains = constraint[0] == '.';
  if (must_have_subdomains) constraint = constraint.substr(1);
  auto constraint_labels = reverse_labels(constraint);
  if (!constraint_labels) return std::nullopt;
  if (domain_labels->size() < constraint_labels->size() ||
      (must_have_subdomains && domain_labels->size() == constraint_labels->size()))
    return false;
  for (size_t i = 0; i < constraint_labels->size(); ++i)
    if (to_lower_ascii((*constraint_labels)[i]) != to_lower_ascii((*domain_labels)[i]))
      return false;
  return true;
}

// Go's checkNameConstraints: excluded then permitted, counting comparisons. `match` returns
// nullopt for an error. False when the name is not allowed.
bool check_name_constraints(int64_t& count, int64_t max_count,
                            const std::function<std::optional<bool>(size_t, bool)>& match,
                            size_t n_permitted, size_t n_excluded) {
  count += static_cast<int64_t>(n_excluded);
  if (count > max_count) return false;
  for (size_t i = 0; i < n_excluded; ++i) {
    auto m = match(i, false);
    if (!m || *m) return false;
  }
  count += static_cast<int64_t>(n_permitted);
  if (count > max_count) return false;
  bool ok = true;
  for (size_t i = 0; i < n_permitted; ++i) {
    auto m = match(i, true);
    if (!m) return false;
    ok = *m;
    if (ok) break;
  }
  return ok;
}

bool has_name_constraints(const Cert& c) {
  return !c.permitted_dns.empty() || !c.excluded_dns.empty() || !c.permitted_ip.empty() ||
         !c.excluded_ip.empty() || !c.permitted_email.empty() || !c.excluded_email.empty() ||
         !c.permitted_uri.empty() || !c.excluded_uri.empty();
}

// The names of every certificate in `chain` that has a SAN extension, against CA `c`'s
// name constraints (Go's isValid for intermediates and roots).
bool names_allowed(const Cert& c, const std::vector<const Cert*>& chain, int64_t max_count) {
  int64_t count = 0;
  for (const Cert* san_cert : chain) {
    const Extension* san = san_cert->find_extension({2, 5, 29, 17});
    if (!san) continue;
    bool ok = true;
    try {
      for_each_san(san->value, [&](int tag, std::string_view data) {
        if (!ok) return;
        std::string name(data);
        switch (tag) {
          case 1: {
            auto mailbox = parse_mailbox(name);
            if (!mailbox) {
              ok = false;
              return;
            }
            ok = check_name_constraints(
                count, max_count,
                [&](size_t i, bool permitted) -> std::optional<bool> {
                  const std::string& con = permitted ? c.permitted_email[i] : c.excluded_email[i];
                  if (con.find('@') != std::string::npos) {
                    auto cm = parse_mailbox(con);
                    if (!cm) return std::nullopt;
                    return mailbox->first == cm->first &&
                           to_lower_ascii(mailbox->second) == to_lower_ascii(cm->second);
                  }
                  return match_domain_constraint(mailbox->second, con);
                },
                c.permitted_email.size(), c.excluded_email.size());
            break;
          }
          case 2:
            if (!reverse_labels(name)) {
              ok = false;
              return;
            }
            ok = check_name_constraints(
                count, max_count,
                [&](size_t i, bool permitted) {
                  return match_domain_constraint(
                      name, permitted ? c.permitted_dns[i] : c.excluded_dns[i]);
                },
                c.permitted_dns.size(), c.excluded_dns.size());
            break;
          case 6: {
            Url uri;
            try {
              uri = parse_url(name);
            } catch (const GoError&) {
              ok = false;
              return;
            }
            ok = check_name_constraints(
                count, max_count,
                [&](size_t i, bool permitted) -> std::optional<bool> {
                  std::string host = uri.host;
                  if (host.empty()) return std::nullopt;
                  if (host.find(':') != std::string::npos && host.back() != ']') {
                    // net.SplitHostPort
                    size_t colon = host.rfind(':');
                    std::string h = host.substr(0, colon);
                    if (!h.empty() && h[0] == '[') {
                      if (h.back() != ']') return std::nullopt;
                      h = h.substr(1, h.size() - 2);
                    } else if (h.find(':') != std::string::npos) {
                      return std::nullopt;
                    }
                    host = h;
                  }
                  if ((!host.empty() && host[0] == '[' && host.back() == ']') || parse_ip(host))
                    return std::nullopt;
                  return match_domain_constraint(
                      host, permitted ? c.permitted_uri[i] : c.excluded_uri[i]);
                },
                c.permitted_uri.size(), c.excluded_uri.size());
            break;
          }
          case 7:
            if (name.size() != 4 && name.size() != 16) {
              ok = false;
              return;
            }
            ok = check_name_constraints(
                count, max_count,
                [&](size_t i, bool permitted) -> std::optional<bool> {
                  const IpNet& net = permitted ? c.permitted_ip[i] : c.excluded_ip[i];
                  if (name.size() != net.ip.size()) return false;
                  for (size_t k = 0; k < name.size(); ++k) {
                    auto m = static_cast<uint8_t>(net.mask[k]);
                    if ((static_cast<uint8_t>(name[k]) & m) !=
                        (static_cast<uint8_t>(net.ip[k]) & m))
                      return false;
                  }
                  return true;
                },
                c.permitted_ip.size(), c.excluded_ip.size());
            break;
        }
      });
    } catch (const GoError&) {
      return false;
    }
    if (!ok) return false;
  }
  return true;
}

enum CertType { kLeaf, kIntermediate, kRoot };

// Go's isValid.
bool is_valid(const Cert& c, CertType type, const std::vector<const Cert*>& chain,
              const VerifyOptions& opts, int64_t now_ns) {
  if (!c.unhandled_critical.empty()) return false;
  if (!chain.empty() && chain.back()->raw_issuer != c.raw_subject) return false;
  // now.Before(NotBefore) / now.After(NotAfter), in nanoseconds.
  auto ns = [](const Time& t) { return static_cast<__int128>(t.sec) * 1000000000 + t.nsec; };
  if (static_cast<__int128>(now_ns) < ns(c.not_before) ||
      static_cast<__int128>(now_ns) > ns(c.not_after))
    return false;
  int64_t max_count = opts.max_constraint_comparisons;
  if (max_count == 0) max_count = 250000;
  if ((type == kIntermediate || type == kRoot) && chain.empty()) return false;
  if ((type == kIntermediate || type == kRoot) && has_name_constraints(c) &&
      !names_allowed(c, chain, max_count))
    return false;
  if (type == kIntermediate && (!c.basic_constraints_valid || !c.is_ca)) return false;
  if (c.basic_constraints_valid && c.max_path_len >= 0) {
    int64_t intermediates = static_cast<int64_t>(chain.size()) - 1;
    if (intermediates > c.max_path_len) return false;
  }
  return true;
}

// A CertPool as Go keeps it: certificates by raw subject, without duplicates.
struct Pool {
  std::vector<const Cert*> certs;
  void add(const Cert* c) {
    for (const Cert* x : certs)
      if (x->raw == c->raw) return;
    certs.push_back(c);
  }
  bool contains(const Cert& c) const {
    for (const Cert* x : certs)
      if (x->raw == c.raw) return true;
    return false;
  }
  // Go's findPotentialParents: matching key ids first, then one missing, then mismatched.
  std::vector<const Cert*> potential_parents(const Cert& c) const {
    std::vector<const Cert*> matching, one, mismatch;
    for (const Cert* p : certs) {
      if (p->raw_subject != c.raw_issuer) continue;
      std::string skid = p->subject_key_id.value_or(""), akid = c.authority_key_id.value_or("");
      if (skid == akid)
        matching.push_back(p);
      else if (skid.empty() != akid.empty())
        one.push_back(p);
      else
        mismatch.push_back(p);
    }
    matching.insert(matching.end(), one.begin(), one.end());
    matching.insert(matching.end(), mismatch.begin(), mismatch.end());
    return matching;
  }
};

// Go's alreadyInChain.
bool already_in_chain(const Cert& candidate, const std::vector<const Cert*>& chain) {
  const Extension* candidate_san = candidate.find_extension({2, 5, 29, 17});
  for (const Cert* c : chain) {
    if (candidate.raw_subject != c->raw_subject || candidate.raw_spki != c->raw_spki) continue;
    const Extension* san = c->find_extension({2, 5, 29, 17});
    if (!candidate_san && !san) return true;
    if (!candidate_san || !san) return false;
    if (candidate_san->value == san->value) return true;
  }
  return false;
}

struct ChainBuilder {
  const Pool& roots;
  const Pool& intermediates;
  const VerifyOptions& opts;
  int64_t now_ns;
  int sig_checks = 0;
  bool failed = false;  // Go's "signature check attempts limit reached"

  std::vector<std::vector<const Cert*>> build(const Cert& c, std::vector<const Cert*> chain) {
    std::vector<std::vector<const Cert*>> chains;
    auto consider = [&](CertType type, const Cert* candidate) {
      if (failed || already_in_chain(*candidate, chain)) return;
      if (++sig_checks > 100) {
        failed = true;
        return;
      }
      if (!check_signature_from(c, *candidate)) return;
      if (!is_valid(*candidate, type, chain, opts, now_ns)) return;
      std::vector<const Cert*> next = chain;
      next.push_back(candidate);
      if (type == kRoot) {
        chains.push_back(next);
      } else {
        auto more = build(*candidate, next);
        chains.insert(chains.end(), more.begin(), more.end());
      }
    };
    for (const Cert* root : roots.potential_parents(c)) consider(kRoot, root);
    for (const Cert* inter : intermediates.potential_parents(c)) consider(kIntermediate, inter);
    if (!chains.empty()) failed = false;
    return chains;
  }
};

// Go's checkChainForKeyUsage.
bool chain_allows_usages(const std::vector<const Cert*>& chain, std::vector<int> usages) {
  if (chain.empty()) return false;
  size_t remaining = usages.size();
  for (size_t k = chain.size(); k-- > 0;) {
    const Cert& cert = *chain[k];
    if (cert.ext_key_usage.empty() && cert.unknown_ext_key_usage.empty()) continue;
    bool any = false;
    for (int u : cert.ext_key_usage) any = any || u == 0;
    if (any) continue;
    for (int& requested : usages) {
      if (requested == -1) continue;
      bool found = false;
      for (int u : cert.ext_key_usage) {
        if (requested == u) {
          found = true;
          break;
        }
      }
      if (found) continue;
      requested = -1;
      if (--remaining == 0) return false;
    }
  }
  return true;
}

int64_t wall_clock_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// OPA's verifyX509CertificateChain: certs[0] the root, the last the leaf, the rest
// intermediates; the first verified chain (leaf first), or nullopt.
std::optional<std::vector<const Cert*>> verify_chain(const std::vector<Cert>& certs,
                                                     VerifyOptions opts) {
  if (certs.size() < 2) return std::nullopt;
  Pool roots, intermediates;
  roots.add(&certs[0]);
  for (size_t i = 1; i + 1 < certs.size(); ++i) intermediates.add(&certs[i]);
  const Cert& leaf = certs.back();
  int64_t now = opts.current_time_ns ? *opts.current_time_ns : wall_clock_ns();
  if (!is_valid(leaf, kLeaf, {}, opts, now)) return std::nullopt;
  if (!opts.dns_name.empty() && !verify_hostname(leaf, opts.dns_name)) return std::nullopt;
  std::vector<std::vector<const Cert*>> candidates;
  if (roots.contains(leaf)) {
    candidates.push_back({&leaf});
  } else {
    ChainBuilder b{roots, intermediates, opts, now};
    candidates = b.build(leaf, {&leaf});
    if (candidates.empty()) return std::nullopt;
  }
  if (opts.key_usages.empty()) opts.key_usages = {1};
  for (int u : opts.key_usages)
    if (u == 0) return candidates[0];
  for (const auto& chain : candidates)
    if (chain_allows_usages(chain, opts.key_usages)) return chain;
  return std::nullopt;
}

// --- crypto.x509.parse_certificates / parse_and_verify_certificates[_with_options] ------

Value certs_array(const std::vector<const Cert*>& certs, bool uri_strings) {
  ValueVec out;
  for (const Cert* c : certs) out.push_back(cert_value(*c, uri_strings));
  return Value::array(std::move(out));
}

Value parse_certificates(Args a, BuiltinContext& ctx) {
  const std::string& input = need_string(kParseCerts, a[0], 1);
  std::vector<Cert> certs;
  try {
    certs = certs_from_string(input);
  } catch (const GoError& e) {
    fail(kParseCerts, e.message);
  }
  std::vector<const Cert*> ptrs;
  for (const Cert& c : certs) ptrs.push_back(&c);
  Value out = certs_array(ptrs, true);
  reserve_serialized(ctx, out);
  return out;
}

Value invalid_result() { return Value::array({Value::boolean(false), Value::empty_array()}); }

Value parse_and_verify(Args a, BuiltinContext& ctx) {
  const std::string& input = need_string(kVerifyCerts, a[0], 1);
  std::vector<Cert> certs;
  try {
    certs = certs_from_string(input);
  } catch (const GoError&) {
    return invalid_result();
  }
  auto chain = verify_chain(certs, {});
  if (!chain) return invalid_result();
  Value out = Value::array({Value::boolean(true), certs_array(*chain, true)});
  reserve_serialized(ctx, out);
  return out;
}

const std::vector<std::pair<std::string, int>>& allowed_key_usages() {
  static const std::vector<std::pair<std::string, int>> table = {
      {"KeyUsageAny", 0},
      {"KeyUsageServerAuth", 1},
      {"KeyUsageClientAuth", 2},
      {"KeyUsageCodeSigning", 3},
      {"KeyUsageEmailProtection", 4},
      {"KeyUsageIPSECEndSystem", 5},
      {"KeyUsageIPSECTunnel", 6},
      {"KeyUsageIPSECUser", 7},
      {"KeyUsageTimeStamping", 8},
      {"KeyUsageOCSPSigning", 9},
      {"KeyUsageMicrosoftServerGatedCrypto", 10},
      {"KeyUsageNetscapeServerGatedCrypto", 11},
      {"KeyUsageMicrosoftCommercialCodeSigning", 12},
      {"KeyUsageMicrosoftKernelCodeSigning", 13},
  };
  return table;
}

std::string trim_quotes(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && s[b] == '"') ++b;
  while (e > b && s[e - 1] == '"') --e;
  return s.substr(b, e - b);
}

// ast.Number.Int64: strconv.ParseInt over the number's literal text (so 1.0 and 1e9 fail),
// or the integral value of a computed number; nullopt when it does not fit.
std::optional<int64_t> number_int64(const Value& v) {
  if (const std::string* text = v.number_text(); text && !text->empty()) {
    size_t i = (*text)[0] == '+' || (*text)[0] == '-' ? 1 : 0;
    if (i == text->size()) return std::nullopt;
    for (size_t k = i; k < text->size(); ++k)
      if ((*text)[k] < '0' || (*text)[k] > '9') return std::nullopt;
  }
  if (!v.is_integer()) return std::nullopt;
  mpz_class z = need_integer(kVerifyCertsOpts, v, 2);
  if (!z.fits_slong_p()) return std::nullopt;
  return static_cast<int64_t>(z.get_si());
}

// OPA's extractVerifyOpts.
VerifyOptions verify_options(const Value& options) {
  VerifyOptions o;
  for (const auto& [k, v] : options.entries()) {
    if (!k.is_string()) continue;
    const std::string& name = k.str();
    if (name == "DNSName") {
      if (!v.is_string()) fail(kVerifyCertsOpts, "'DNSName' should be a string");
      o.dns_name = trim_quotes(v.str());
    } else if (name == "CurrentTime") {
      if (!v.is_number()) fail(kVerifyCertsOpts, "'CurrentTime' should be a number");
      auto ns = number_int64(v);
      if (!ns) fail(kVerifyCertsOpts, "'CurrentTime' should be a valid int64 number");
      o.current_time_ns = *ns;
    } else if (name == "MaxConstraintComparisons") {
      if (!v.is_number()) fail(kVerifyCertsOpts, "'MaxConstraintComparisons' should be a number");
      auto n = number_int64(v);
      if (!n) fail(kVerifyCertsOpts, "'MaxConstraintComparisons' should be a valid number");
      o.max_constraint_comparisons = *n;
    } else if (name == "KeyUsages") {
      if (!v.is_array() && !v.is_set())
        fail(kVerifyCertsOpts, "'KeyUsages' should be an Array or Set");
      std::vector<std::string> invalid;
      for (const Value& u : v.items()) {
        if (!u.is_string()) continue;
        std::string s = trim_quotes(u.str());
        bool found = false;
        for (const auto& [kname, ku] : allowed_key_usages()) {
          if (kname == s) {
            o.key_usages.push_back(ku);
            found = true;
            break;
          }
        }
        if (!found) invalid.push_back(s);
      }
      if (!invalid.empty()) {
        std::string list;
        for (size_t i = 0; i < invalid.size(); ++i) list += (i ? " " : "") + invalid[i];
        fail(kVerifyCertsOpts, "invalid entries for 'KeyUsages' found: [" + list + "]");
      }
    } else {
      fail(kVerifyCertsOpts, "invalid key option");
    }
  }
  return o;
}

Value parse_and_verify_with_options(Args a, BuiltinContext& ctx) {
  const std::string& input = need_string(kVerifyCertsOpts, a[0], 1);
  const Value& options = need_object(kVerifyCertsOpts, a[1], 2);
  std::vector<Cert> certs;
  try {
    certs = certs_from_string(input);
  } catch (const GoError&) {
    return invalid_result();
  }
  VerifyOptions opts = verify_options(options);
  auto chain = verify_chain(certs, opts);
  if (!chain) return invalid_result();
  Value out = Value::array({Value::boolean(true), certs_array(*chain, false)});
  reserve_serialized(ctx, out);
  return out;
}

// --- crypto.x509.parse_rsa_private_key -------------------------------------------------

// Go's parser for the block's type; nullopt for other block types.
std::optional<GoPrivateKey> parse_private_key_block(const PemBlock& block) {
  if (block.type == "RSA PRIVATE KEY") return parse_pkcs1_private_key(block.der);
  if (block.type == "PRIVATE KEY") return parse_pkcs8_private_key(block.der);
  if (block.type == "EC PRIVATE KEY") return parse_ec_private_key(block.der);
  return std::nullopt;
}

// OPA's getPrivateKeysFromPEMData: the keys of the RSA PRIVATE KEY, PRIVATE KEY and EC PRIVATE
// KEY blocks (other blocks skipped), after an optional base64 decoding.
std::vector<GoPrivateKey> private_keys_from_pem(std::string data) {
  std::string decoded, err;
  if (decode_std_base64(data, decoded, err)) data = decoded;
  std::vector<GoPrivateKey> keys;
  while (auto block = pem_decode(data)) {
    if (auto k = parse_private_key_block(*block)) keys.push_back(std::move(*k));
    data = block->rest;
  }
  return keys;
}

// OPA's jwk.New(key) marshalled: RSA keys with their parameters (base64url), EC keys as
// {"kty": "EC"} only (OPA's ECDSAPrivateKey JWK carries no parameters).
Value private_key_jwk(const GoPrivateKey& k) {
  switch (k.kind) {
    case GoPrivateKey::Rsa: {
      std::string e;
      for (int64_t v = k.rsa_e; v; v >>= 8) e.insert(e.begin(), static_cast<char>(v & 0xff));
      ObjectEntries out = {{key("kty"), str("RSA")}};
      const std::pair<const char*, const std::string*> params[] = {
          {"n", &k.rsa_n}, {"e", &e},         {"d", &k.rsa_d},   {"p", &k.rsa_p},
          {"q", &k.rsa_q}, {"dp", &k.rsa_dp}, {"dq", &k.rsa_dq}, {"qi", &k.rsa_qinv},
      };
      for (const auto& [name, bytes] : params)
        if (!bytes->empty())
          out.emplace_back(key(name), str(go_base64_encode(*bytes, true, false)));
      return Value::object(std::move(out));
    }
    case GoPrivateKey::Ec:
      return Value::object({{key("kty"), str("EC")}});
    case GoPrivateKey::Ed25519:
      go_fail("invalid key type ed25519.PrivateKey");
    case GoPrivateKey::X25519:
      go_fail("invalid key type *ecdh.PrivateKey");
  }
  return Value::null();
}

Value parse_rsa_private_key(Args a, BuiltinContext&) {
  std::string data = need_string(kParseRsaKey, a[0], 1);
  try {
    if (data.empty()) go_fail("input PEM data was empty");
    if (data.rfind("-----BEGIN", 0) != 0) {
      std::string decoded, err;
      if (!decode_std_base64(data, decoded, err)) go_fail(err);
      data = decoded;
    }
    std::vector<GoPrivateKey> keys = private_keys_from_pem(data);
    if (keys.empty()) return Value::null();
    return private_key_jwk(keys[0]);
  } catch (const GoError& e) {
    fail(kParseRsaKey, e.message);
  }
}

// --- crypto.x509.parse_certificate_request ---------------------------------------------

Value parse_certificate_request(Args a, BuiltinContext& ctx) {
  const std::string& input = need_string(kParseCsr, a[0], 1);
  try {
    std::string bytes = input;
    if (input.rfind("-----BEGIN CERTIFICATE REQUEST-----", 0) != 0) {
      std::string err;
      if (!decode_std_base64(input, bytes, err)) go_fail(err);
    }
    auto block = pem_decode(bytes);
    if (block && block->type != "CERTIFICATE REQUEST")
      go_fail("invalid PEM-encoded certificate signing request");
    if (block) bytes = block->der;
    Value out = parse_certificate_request_der(bytes);
    reserve_serialized(ctx, out);
    return out;
  } catch (const GoError& e) {
    fail(kParseCsr, e.message);
  }
}

// --- crypto.x509.parse_keypair (Go's tls.X509KeyPair) ----------------------------------

std::string go_string_list(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? " " : "") + v[i];
  return out + "]";
}

// tls's parsePrivateKey: PKCS #1, then PKCS #8 (RSA, ECDSA, Ed25519), then SEC 1.
GoPrivateKey tls_private_key(const std::string& der) {
  try {
    return parse_pkcs1_private_key(der);
  } catch (const GoError&) {
  }
  std::optional<GoPrivateKey> k;
  try {
    k = parse_pkcs8_private_key(der);
  } catch (const GoError&) {
  }
  if (k) {
    if (k->kind == GoPrivateKey::X25519)
      go_fail("tls: found unknown private key type in PKCS#8 wrapping");
    return *k;
  }
  try {
    return parse_ec_private_key(der);
  } catch (const GoError&) {
  }
  go_fail("tls: failed to parse private key");
}

Value x509_key_pair(std::string cert_pem, std::string key_pem) {
  std::vector<std::string> certs, skipped;
  std::string data = cert_pem;
  while (auto block = pem_decode(data)) {
    if (block->type == "CERTIFICATE")
      certs.push_back(block->der);
    else
      skipped.push_back(block->type);
    data = block->rest;
  }
  if (certs.empty()) {
    if (skipped.empty()) go_fail("tls: failed to find any PEM data in certificate input");
    const std::string& t = skipped[0];
    if (skipped.size() == 1 && t.size() >= 11 && t.compare(t.size() - 11, 11, "PRIVATE KEY") == 0)
      go_fail(
          "tls: failed to find certificate PEM data in certificate input, but did find a private "
          "key; PEM inputs may have been switched");
    go_fail(
        "tls: failed to find \"CERTIFICATE\" PEM block in certificate input after skipping PEM "
        "blocks of the following types: " +
        go_string_list(skipped));
  }
  skipped.clear();
  data = key_pem;
  std::optional<PemBlock> key_block;
  for (;;) {
    key_block = pem_decode(data);
    if (!key_block) {
      if (skipped.empty()) go_fail("tls: failed to find any PEM data in key input");
      if (skipped.size() == 1 && skipped[0] == "CERTIFICATE")
        go_fail("tls: found a certificate rather than a key in the PEM for the private key");
      go_fail(
          "tls: failed to find PEM block with type ending in \"PRIVATE KEY\" in key input after "
          "skipping PEM blocks of the following types: " +
          go_string_list(skipped));
    }
    const std::string& t = key_block->type;
    if (t == "PRIVATE KEY" || (t.size() >= 12 && t.compare(t.size() - 12, 12, " PRIVATE KEY") == 0))
      break;
    skipped.push_back(t);
    data = key_block->rest;
  }
  // x509.ParseCertificate: exactly one certificate.
  Reader r(certs[0]);
  Cert leaf = parse_certificate(r);
  if (!r.empty()) go_fail("x509: trailing data");
  GoPrivateKey priv = tls_private_key(key_block->der);
  const Value* pub = leaf.public_key.is_object() ? &leaf.public_key : nullptr;
  auto field = [&](const char* name) {
    const Value* v = pub ? pub->find(key(name)) : nullptr;
    return v ? *v : Value::null();
  };
  switch (leaf.pk_alg) {
    case kRsa:
      if (priv.kind != GoPrivateKey::Rsa)
        go_fail("tls: private key type does not match public key type");
      if (field("N") != big_from_unsigned(priv.rsa_n))
        go_fail("tls: private key does not match public key");
      break;
    case kEcdsa:
      if (priv.kind != GoPrivateKey::Ec)
        go_fail("tls: private key type does not match public key type");
      if (field("X") != big_from_unsigned(priv.ec_x) || field("Y") != big_from_unsigned(priv.ec_y))
        go_fail("tls: private key does not match public key");
      break;
    case kEd25519:
      if (priv.kind != GoPrivateKey::Ed25519)
        go_fail("tls: private key type does not match public key type");
      if (leaf.public_key != bytes_value(priv.ed_pub))
        go_fail("tls: private key does not match public key");
      break;
    default:
      go_fail("tls: unknown public key algorithm");
  }
  ValueVec ders;
  for (const std::string& d : certs) ders.push_back(bytes_value(d));
  return Value::object({{key("Certificate"), Value::array(std::move(ders))},
                        {key("PrivateKey"), go_private_key_json(priv)},
                        {key("SupportedSignatureAlgorithms"), Value::null()},
                        {key("OCSPStaple"), Value::null()},
                        {key("SignedCertificateTimestamps"), Value::null()},
                        {key("Leaf"), Value::null()}});
}

// OPA's getTLSx509KeyPairFromString: PEM, base64-encoded PEM, or base64-encoded DER (a
// certificate, and a private key taken as a "PRIVATE KEY" block).
std::string pem_or_der(const std::string& input, const char* der_type) {
  std::string data = input;
  if (data.rfind("-----BEGIN", 0) != 0) {
    std::string err;
    if (!decode_std_base64(input, data, err)) go_fail(err);
  }
  if (data.rfind("-----BEGIN", 0) == 0) return data;
  std::string b64 = go_base64_encode(data, false, true),
              out = "-----BEGIN " + std::string(der_type) + "-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  return out + "-----END " + der_type + "-----\n";
}

Value parse_keypair(Args a, BuiltinContext& ctx) {
  const std::string& cert = need_string(kParseKeyPair, a[0], 1);
  const std::string& key_text = need_string(kParseKeyPair, a[1], 1);  // OPA reports operand 1
  try {
    Value out = x509_key_pair(pem_or_der(cert, "CERTIFICATE"), pem_or_der(key_text, "PRIVATE KEY"));
    reserve_serialized(ctx, out);
    return out;
  } catch (const GoError& e) {
    fail(kParseKeyPair, e.message);
  }
}

}  // namespace

void register_x509(BuiltinRegistry& r) {
  def(r, "crypto", kParseCerts, {"string"}, "array[object[string: any]]",
      "Certificates from PEM, base64-encoded PEM or base64-encoded DER data, as OPA renders "
      "Go's x509.Certificate (with URIStrings).",
      parse_certificates);
  def(r, "crypto", kVerifyCerts, {"string"}, "array[boolean, array[object[string: any]]]",
      "Parses certificates (root first, leaf last) and verifies the chain as Go's "
      "Certificate.Verify does; [valid, chain from the leaf].",
      parse_and_verify);
  def(r, "crypto", kVerifyCertsOpts, {"string", "object[string: any]"},
      "array[boolean, array[object[string: any]]]",
      "parse_and_verify_certificates with options DNSName, CurrentTime (ns), "
      "MaxConstraintComparisons and KeyUsages (OPA v0.63.0's builtin; certificates without "
      "URIStrings).",
      parse_and_verify_with_options);
  def(r, "crypto", kParseRsaKey, {"string"}, "object[string: any]",
      "The first private key in PEM (or base64-encoded PEM) data as a JWK object, as OPA "
      "renders it.",
      parse_rsa_private_key);
  def(r, "crypto", kParseCsr, {"string"}, "object[string: any]",
      "A certificate signing request from PEM, base64-encoded PEM or base64-encoded DER data, "
      "as OPA renders Go's x509.CertificateRequest.",
      parse_certificate_request);
  def(r, "crypto", kParseKeyPair, {"string", "string"}, "object[string: any]",
      "A certificate chain and its private key (PEM, base64-encoded PEM or base64-encoded DER) "
      "as OPA renders Go's tls.Certificate from tls.X509KeyPair.",
      parse_keypair);
}

}  // namespace policyc::builtins
