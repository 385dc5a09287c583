// The standard builtin table, the unsupported list and the generated reference.
#include <map>

#include "internal.hpp"
#include "policyc/builtins/builtins.hpp"

namespace policyc {

void register_standard_builtins(BuiltinRegistry& registry) {
  using namespace builtins;
  register_arith(registry);
  register_aggregates(registry);
  register_strings(registry);
  register_sprintf(registry);
  register_regex(registry);
  register_glob(registry);
  register_objects(registry);
  register_encoding(registry);
  register_jsonschema(registry);
  register_time(registry);
  register_net(registry);
  register_semver(registry);
  register_units(registry);
  register_crypto(registry);
  register_jwt(registry);
  register_x509(registry);
  register_graph(registry);
  register_types(registry);
  register_evaluator_builtins(registry);
  // Known but unsupported: calls are compile errors naming the reason (unless mocked with `with`).
  for (const auto& u : unsupported_builtins()) registry.add_unsupported(u.name, u.reason);
}

const std::vector<UnsupportedBuiltin>& unsupported_builtins() {
  static const std::vector<UnsupportedBuiltin> list = [] {
    std::vector<UnsupportedBuiltin> v = {
        {"http.send", "network I/O makes policy results depend on remote services"},
        {"net.lookup_ip_addr", "DNS lookups make policy results depend on the network"},
        {"providers.aws.sign_req", "AWS request signing is out of scope"},
        {"graphql.is_valid", "GraphQL parsing is out of scope"},
        {"graphql.parse", "GraphQL parsing is out of scope"},
        {"graphql.parse_and_verify", "GraphQL parsing is out of scope"},
        {"graphql.parse_query", "GraphQL parsing is out of scope"},
        {"graphql.parse_schema", "GraphQL parsing is out of scope"},
        {"graphql.schema_is_valid", "GraphQL parsing is out of scope"},
        {"rego.parse_module",
         "its result is OPA's internal AST JSON, which policyc does not model"},
    };
    v.push_back({"io.jwt.verify_eddsa", "EdDSA is not among the JWT algorithms OPA 0.61 has"});
    return v;
  }();
  return list;
}

namespace {
std::string escape_cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}
}  // namespace

std::string builtins_markdown(const BuiltinRegistry& registry) {
  std::map<std::string, std::vector<const BuiltinDecl*>> by_category;
  for (const auto& [name, decl] : registry.all()) by_category[decl.category].push_back(&decl);
  std::string out =
      "# Built-in functions\n\n"
      "Generated from the builtin registry (`builtins_markdown`); do not edit by hand.\n\n";
  for (const auto& [category, decls] : by_category) {
    out += "## " + category + "\n\n| name | signature | description |\n|---|---|---|\n";
    for (const BuiltinDecl* d : decls) {
      std::string sig = "(";
      for (size_t i = 0; i < d->arg_types.size(); ++i) {
        if (i) sig += ", ";
        sig += d->arg_types[i];
      }
      sig += ") -> " + d->result_type;
      out += "| `" + d->name + "` | `" + escape_cell(sig) + "` | " + escape_cell(d->description);
      if (d->nondeterministic) out += " (non-deterministic)";
      if (d->relation) out += " (relation: yields several results)";
      out += " |\n";
    }
    out += "\n";
  }
  out += "## Unsupported\n\n| name | reason |\n|---|---|\n";
  for (const auto& u : unsupported_builtins())
    out += "| `" + u.name + "` | " + escape_cell(u.reason) + " |\n";
  return out;
}

}  // namespace policyc
