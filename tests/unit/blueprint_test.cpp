// The blueprint model: positions, schema errors, overlay merge rules with provenance, the
// dependency graph, and every examples/broken case producing its stated error.
#include "policyc/blueprint/blueprint.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "policyc/core/io.hpp"

namespace bp = policyc::blueprint;
using policyc::Diagnostic;
using policyc::Value;

namespace {

const std::filesystem::path kExamples =
    std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "examples";

bp::SourceDocument parse_ok(const std::string& text, const std::string& file = "svc.yaml") {
  bp::SourceDocument doc;
  std::vector<Diagnostic> errors;
  EXPECT_TRUE(bp::parse_source(file, text, doc, errors))
      << (errors.empty() ? "" : errors[0].message);
  return doc;
}

std::vector<std::string> boot_order(const bp::Graph& graph) {
  std::vector<std::string> names;
  for (uint32_t node : graph.order) names.push_back(graph.name(node));
  return names;
}

std::vector<Diagnostic> parse_errors(const std::string& text) {
  bp::SourceDocument doc;
  std::vector<Diagnostic> errors;
  EXPECT_FALSE(bp::parse_source("bad.yaml", text, doc, errors));
  return errors;
}

std::vector<Diagnostic> schema_errors(const std::string& text,
                                      bp::SchemaKind kind = bp::SchemaKind::Service) {
  bp::SourceDocument doc = parse_ok(text);
  std::vector<Diagnostic> errors;
  bp::validate(doc, 0, kind, errors);
  return errors;
}

Value json(const std::string& text) {
  Value v;
  policyc::TextError err;
  EXPECT_TRUE(policyc::parse_json(text, v, err)) << err.message;
  return v;
}

const std::string kMinimal = "metadata:\n  serviceId: orders\nserviceType: api\n";

}  // namespace

TEST(BlueprintLoader, RecordsPositionsOfEveryValue) {
  bp::SourceDocument doc = parse_ok(
      "ingress:\n"
      "  tls:\n"
      "    enabled: true\n"
      "dependencies:\n"
      "  - name: redis\n"
      "    dependsOn: [a, b]\n");
  bp::Position tls = doc.find(0, "ingress.tls.enabled");
  EXPECT_EQ(tls.line, 3);
  EXPECT_EQ(tls.col, 14);
  EXPECT_EQ(tls.key_line, 3);
  EXPECT_EQ(tls.key_col, 5);
  bp::Position b = doc.find(0, "dependencies[0].dependsOn[1]");
  EXPECT_EQ(b.line, 6);
  EXPECT_EQ(b.col, 20);
  // Unknown paths fall back to the nearest recorded ancestor.
  EXPECT_EQ(doc.find(0, "ingress.tls.missing").line, 3);
}

TEST(BlueprintLoader, JsonKeepsPositionsToo) {
  bp::SourceDocument doc = parse_ok("{\n  \"replicas\": 3,\n  \"tags\": [\"a\"]\n}\n", "s.json");
  EXPECT_EQ(doc.documents[0].to_json(), R"({"replicas":3,"tags":["a"]})");
  EXPECT_EQ(doc.find(0, "replicas").line, 2);
  EXPECT_EQ(doc.find(0, "tags[0]").col, 12);
}

TEST(BlueprintLoader, MultipleDocuments) {
  bp::SourceDocument doc = parse_ok("a: 1\n---\na: 2\n");
  ASSERT_EQ(doc.documents.size(), 2u);
  EXPECT_EQ(doc.find(1, "a").line, 3);
}

TEST(BlueprintLoader, ScalarsFollowTheCoreSchema) {
  bp::SourceDocument doc = parse_ok("a: 1.50\nb: '1'\nc: ~\nd: yes\ne: 1.2.3\nf: 007\n");
  EXPECT_EQ(doc.documents[0].to_json(),
            R"({"a":1.50,"b":"1","c":null,"d":"yes","e":"1.2.3","f":7})");
}

TEST(BlueprintLoader, BadYamlIsAnErrorNotACrash) {
  EXPECT_EQ(parse_errors("a:\n\tb: 1\n")[0].message,
            "tab character in indentation: YAML indents with spaces only");
  auto dup = parse_errors("a: 1\nb: 2\na: 3\n");
  EXPECT_EQ(dup[0].line, 3);
  EXPECT_EQ(dup[0].message, "duplicate key 'a' (first defined on line 1)");
  EXPECT_EQ(parse_errors("a: \"open\n")[0].message, "unterminated quoted string");
  std::string deep;
  for (int i = 0; i < 5000; ++i) deep += "[";
  EXPECT_NE(parse_errors(deep)[0].message.find("nested deeper"), std::string::npos);
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  std::string previous = "a";
  for (char name = 'b'; name <= 'i'; ++name) {
    bomb += std::string(1, name) + ": &" + name + " [";
    for (int i = 0; i < 10; ++i) bomb += (i ? ", *" : "*") + previous;
    bomb += "]\n";
    previous = std::string(1, name);
  }
  EXPECT_NE(parse_errors(bomb)[0].message.find("alias bomb"), std::string::npos);
}

TEST(BlueprintSchema, MinimalServiceIsValid) { EXPECT_TRUE(schema_errors(kMinimal).empty()); }

TEST(BlueprintSchema, UnknownKeySuggestsTheNearest) {
  auto errors = schema_errors(kMinimal + "runtimeProfile:\n  type: stateless\n  scalling: {}\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, bp::kSchemaError);
  EXPECT_EQ(errors[0].message,
            "unknown key 'scalling' in 'runtimeProfile'; did you mean 'scaling'?");
  EXPECT_EQ(errors[0].line, 6);
  EXPECT_EQ(errors[0].col, 3);
  EXPECT_EQ(errors[0].source_line, "  scalling: {}");
}

TEST(BlueprintSchema, FarOffKeysGetNoSuggestionAndXKeysAreFree) {
  auto errors = schema_errors(kMinimal + "zzzzzzzzzz: 1\nx-team: payments\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "unknown key 'zzzzzzzzzz' in service blueprint");
}

TEST(BlueprintSchema, EnumsAndFormatsPointAtTheValue) {
  auto errors = schema_errors(kMinimal +
                              "runtimeProfile:\n  type: statefull\n"
                              "costProfile:\n  budgetLimit: 40 dollars\n"
                              "resources:\n  memory: 1GB\n  cpu: 250m\n"
                              "resilience:\n  timeouts:\n    request: soon\n");
  ASSERT_EQ(errors.size(), 4u);
  std::map<int, std::string> by_line;
  for (const auto& e : errors) by_line[e.line] = e.message;
  EXPECT_NE(by_line[5].find("'runtimeProfile.type' must be one of stateless"), std::string::npos);
  EXPECT_NE(by_line[7].find("expected a budget such as '$40/month'"), std::string::npos);
  EXPECT_NE(by_line[9].find("expected a size"), std::string::npos);
  EXPECT_NE(by_line[13].find("expected a duration"), std::string::npos);
}

TEST(BlueprintSchema, ValidFormats) {
  EXPECT_TRUE(schema_errors(kMinimal + "costProfile:\n  budgetLimit: $1200.50/year\n"
                                       "resources:\n  memory: 1.5Gi\n  cpu: 0.5\n  cpuLimit: 2\n"
                                       "resilience:\n  timeouts:\n    request: 1h30m\n")
                  .empty());
}

TEST(BlueprintSchema, OverlaysSkipRequiredAndAcceptNull) {
  EXPECT_TRUE(schema_errors("replicas: 3\ningress: null\n", bp::SchemaKind::Overlay).empty());
  EXPECT_EQ(schema_errors("replicas: 3\n", bp::SchemaKind::Service).size(), 2u);
}

TEST(BlueprintOverlay, MergeRulesAndProvenance) {
  bp::SourceDocument base = parse_ok(
      "replicas: 2\n"
      "ingress:\n"
      "  host: a.example.com\n"
      "  path: /a\n"
      "secrets:\n"
      "  - name: Db\n"
      "    key: db-dev\n"
      "  - name: Api\n"
      "    key: api\n"
      "tags: [x, y]\n",
      "base.yaml");
  bp::SourceDocument overlay = parse_ok(
      "replicas: 4\n"
      "ingress:\n"
      "  path: null\n"
      "secrets:\n"
      "  - name: Db\n"
      "    key: db-prod\n"
      "  - name: New\n"
      "    key: new\n"
      "tags: [z]\n",
      "prod.yaml");
  bp::Provenance provenance;
  Value merged = bp::merge_overlay(base.documents[0], overlay.documents[0], overlay.positions[0], 1,
                                   provenance);
  EXPECT_EQ(merged, json(R"({"replicas": 4, "ingress": {"host": "a.example.com"},
      "secrets": [{"name": "Db", "key": "db-prod"}, {"name": "Api", "key": "api"},
                  {"name": "New", "key": "new"}], "tags": ["z"]})"));
  const bp::Origin& replicas = provenance.at("replicas");
  EXPECT_EQ(replicas.file, 1);
  EXPECT_EQ(replicas.line, 1);
  EXPECT_EQ(replicas.replaced, Value::integer(2));
  EXPECT_EQ(provenance.count("ingress.host"), 0u);  // from the base: its positions answer
  EXPECT_EQ(provenance.count("ingress.path"), 0u);
  const bp::Origin& db_key = provenance.at("secrets[0].key");
  EXPECT_EQ(db_key.line, 6);
  EXPECT_EQ(db_key.replaced, Value::string("db-dev"));
  EXPECT_EQ(provenance.count("secrets[1].key"), 0u);
  EXPECT_EQ(provenance.at("secrets[2].key").line, 8);  // appended item, overlay position
  EXPECT_EQ(provenance.at("tags[0]").file, 1);
  EXPECT_EQ(provenance.count("tags[1]"), 0u);  // the replaced list's extra item is gone
}

TEST(BlueprintOverlay, SecondOverlayKeepsTheOriginalBaseValue) {
  bp::SourceDocument base = parse_ok("replicas: 2\n");
  bp::SourceDocument first = parse_ok("replicas: 3\n");
  bp::SourceDocument second = parse_ok("\nreplicas: 5\n");
  bp::Provenance provenance;
  Value v =
      bp::merge_overlay(base.documents[0], first.documents[0], first.positions[0], 1, provenance);
  v = bp::merge_overlay(v, second.documents[0], second.positions[0], 2, provenance);
  EXPECT_EQ(provenance.at("replicas").file, 2);
  EXPECT_EQ(provenance.at("replicas").line, 2);
  EXPECT_EQ(provenance.at("replicas").replaced, Value::integer(2));
}

TEST(BlueprintGraph, BootOrderByDependenciesThenTier) {
  bp::ResolvedSystem system;
  system.services.resize(1);
  auto& services = system.services;
  services[0].id = "api";
  services[0].value = json(R"({"dependencies": [
      {"name": "api", "dependsOn": ["auth", "redis"], "tier": "edge-facing"},
      {"name": "auth", "dependsOn": ["postgres"], "tier": "infra-service"},
      {"name": "postgres", "tier": "core"}, {"name": "redis", "tier": "core"}]})");
  bp::Graph graph;
  std::vector<Diagnostic> errors;
  ASSERT_TRUE(bp::build_graph(system, graph, errors));
  EXPECT_EQ(boot_order(graph), (std::vector<std::string>{"postgres", "redis", "auth", "api"}));
  EXPECT_EQ(graph.edges.size(), 3u);
}

// Nodes are sorted by their first eight bytes, then by the whole name: names sharing a long
// prefix, and names that are prefixes of others, still come out in byte order, and a
// repeated edge is kept once.
TEST(BlueprintGraph, NodesSortByWholeNameAndRepeatedEdgesCollapse) {
  bp::ResolvedSystem system;
  system.services.resize(1);
  system.services[0].id = "service-long-b";
  system.services[0].value = json(R"({"dependencies": [
      {"name": "service-long-b", "dependsOn": ["service-long-a", "service", "service-long-a"]},
      {"name": "service-long-a", "dependsOn": ["servicE"]},
      {"name": "service-lon", "dependsOn": []}]})");
  bp::Graph graph;
  std::vector<Diagnostic> errors;
  ASSERT_TRUE(bp::build_graph(system, graph, errors));
  std::vector<std::string> names;
  for (const auto& node : graph.nodes) names.push_back(node.name);
  EXPECT_EQ(names, (std::vector<std::string>{"servicE", "service", "service-lon", "service-long-a",
                                             "service-long-b"}));
  std::vector<std::pair<std::string, std::string>> edges;
  for (const auto& [from, to] : graph.edges) edges.emplace_back(graph.name(from), graph.name(to));
  EXPECT_EQ(edges, (std::vector<std::pair<std::string, std::string>>{
                       {"service-long-a", "servicE"},
                       {"service-long-b", "service"},
                       {"service-long-b", "service-long-a"}}));
  EXPECT_EQ(boot_order(graph), (std::vector<std::string>{"servicE", "service", "service-lon",
                                                         "service-long-a", "service-long-b"}));
}

TEST(BlueprintGraph, CycleIsAnErrorThatPrintsTheCycle) {
  bp::ResolvedSystem system;
  system.services.resize(1);
  auto& services = system.services;
  services[0].id = "a";
  services[0].value = json(R"({"dependencies": [{"name": "a", "dependsOn": ["b"]},
      {"name": "b", "dependsOn": ["c"]}, {"name": "c", "dependsOn": ["a"]}]})");
  bp::Graph graph;
  std::vector<Diagnostic> errors;
  ASSERT_FALSE(bp::build_graph(system, graph, errors));
  EXPECT_EQ(errors[0].code, bp::kGraphError);
  EXPECT_EQ(errors[0].message, "dependency cycle: a -> b -> c -> a");
}

TEST(BlueprintResolve, NotificationsExampleResolvesForEveryEnvironment) {
  for (const char* env : {"dev", "staging", "prod"}) {
    bp::ResolveOptions options;
    options.environment = env;
    bp::ResolvedSystem system;
    std::vector<Diagnostic> errors;
    ASSERT_TRUE(bp::resolve((kExamples / "notifications").string(), options, system, errors))
        << env << ": " << (errors.empty() ? "" : policyc::format_diagnostic(errors[0]));
    Value input = bp::input_document(system);
    EXPECT_EQ(input.get(Value::string("environment")), Value::string(env));
    const Value* notifications =
        input.get_ptr(Value::string("services"))->get_ptr(Value::string("notifications"));
    ASSERT_NE(notifications, nullptr);
    // Secret references stay references.
    Value bus = notifications->get(Value::string("runtimeConfig"))
                    .get(Value::string("environment"))
                    .get(Value::string("BUS_CONNECTION"));
    EXPECT_EQ(bus, Value::string("${{ secrets:ServiceBusConnectionString }}"));
  }
}

TEST(BlueprintResolve, ProdOverlayProvenance) {
  bp::ResolveOptions options;
  options.environment = "prod";
  options.editions = {"premium-edition"};
  bp::ResolvedSystem system;
  std::vector<Diagnostic> errors;
  ASSERT_TRUE(bp::resolve((kExamples / "notifications").string(), options, system, errors));
  Value provenance = bp::provenance_to_value(system);
  const Value* replicas = provenance.get_ptr(Value::string("services.notifications.replicas"));
  ASSERT_NE(replicas, nullptr);
  EXPECT_NE(replicas->get(Value::string("file")).str().find("overlays/prod.yaml"),
            std::string::npos);
  EXPECT_EQ(replicas->get(Value::string("line")), Value::integer(2));
  EXPECT_EQ(replicas->get(Value::string("replaced")), Value::integer(2));
  const Value* tenancy = provenance.get_ptr(Value::string("services.notifications.tenancy.mode"));
  ASSERT_NE(tenancy, nullptr);
  EXPECT_NE(tenancy->get(Value::string("file")).str().find("premium-edition.yaml"),
            std::string::npos);
  const Value* protocol =
      provenance.get_ptr(Value::string("services.notifications.secrets[1].source"));
  ASSERT_NE(protocol, nullptr);  // a base leaf inside an item merged by name
  EXPECT_NE(protocol->get(Value::string("file")).str().find("infrastructure-blueprint.yaml"),
            std::string::npos);
  EXPECT_EQ(protocol->get(Value::string("line")), Value::integer(48));
  // Stores (tier core) boot first, then services in dependency order.
  EXPECT_EQ(boot_order(system.graph),
            (std::vector<std::string>{"blob:NotificationTemplates", "bus:azure-service-bus",
                                      "keyvault:cs-factory-kv", "secrets:AzureKeyVault",
                                      "service-bus", "email-sender", "notifications"}));
  auto has_edge = [&](const std::string& from, const std::string& to) {
    for (const auto& [edge_from, edge_to] : system.graph.edges) {
      if (system.graph.name(edge_from) == from && system.graph.name(edge_to) == to) return true;
    }
    return false;
  };
  EXPECT_TRUE(has_edge("notifications", "keyvault:cs-factory-kv"));
  EXPECT_TRUE(has_edge("email-sender", "secrets:AzureKeyVault"));
  EXPECT_TRUE(has_edge("notifications", "email-sender"));
}

// Every examples/broken/<case> states its first error in expected-error.txt.
TEST(BlueprintResolve, BrokenExamplesProduceTheirExpectedErrors) {
  size_t cases = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kExamples / "broken")) {
    if (!entry.is_directory()) continue;
    std::string name = entry.path().filename().string();
    std::map<std::string, std::string> expected;
    std::ifstream expected_file(entry.path() / "expected-error.txt");
    ASSERT_TRUE(expected_file) << name;
    std::string line;
    while (std::getline(expected_file, line)) {
      size_t colon = line.find(": ");
      if (colon != std::string::npos) expected[line.substr(0, colon)] = line.substr(colon + 2);
    }
    bp::ResolveOptions options;
    std::ifstream env_file(entry.path() / "environment");
    if (env_file) std::getline(env_file, options.environment);
    bp::ResolvedSystem system;
    std::vector<Diagnostic> errors;
    ASSERT_FALSE(bp::resolve(entry.path().string(), options, system, errors)) << name;
    ASSERT_FALSE(errors.empty()) << name;
    const Diagnostic& d = errors[0];
    std::string location = std::filesystem::path(d.file).lexically_relative(entry.path()).string();
    if (d.line > 0) location += ":" + std::to_string(d.line) + ":" + std::to_string(d.col);
    EXPECT_EQ(d.code, expected["code"]) << name;
    EXPECT_EQ(location, expected["location"]) << name;
    EXPECT_EQ(d.message, expected["message"]) << name;
    ++cases;
  }
  EXPECT_GE(cases, 25u);
}

// examples/<system>/expected/<env>.json holds the resolved input for each environment.
TEST(BlueprintResolve, ExampleSystemsMatchTheirExpectedJson) {
  size_t compared = 0;
  for (const auto& system_dir : std::filesystem::directory_iterator(kExamples)) {
    std::filesystem::path expected_dir = system_dir.path() / "expected";
    if (!std::filesystem::is_directory(expected_dir)) continue;
    for (const auto& expected : std::filesystem::directory_iterator(expected_dir)) {
      bp::ResolveOptions options;
      options.environment = expected.path().stem().string();
      bp::ResolvedSystem system;
      std::vector<Diagnostic> errors;
      ASSERT_TRUE(bp::resolve(system_dir.path().string(), options, system, errors))
          << expected.path() << ": "
          << (errors.empty() ? "" : policyc::format_diagnostic(errors[0]));
      std::string actual;
      policyc::write_json(actual, bp::input_document(system), true, 0);
      actual += '\n';
      std::string wanted;
      ASSERT_TRUE(policyc::read_file(expected.path().string(), wanted));
      EXPECT_EQ(actual, wanted) << expected.path();
      ++compared;
    }
  }
  EXPECT_GE(compared, 6u);
}

TEST(BlueprintResolve, AuthPlatformProdProvenance) {
  bp::ResolveOptions options;
  options.environment = "prod";
  bp::ResolvedSystem system;
  std::vector<Diagnostic> errors;
  ASSERT_TRUE(bp::resolve((kExamples / "auth-platform").string(), options, system, errors));
  const bp::ResolvedService& auth = system.services[1];
  ASSERT_EQ(auth.id, "auth-service");
  bp::Origin sku = bp::origin_of(system, auth, "storage.databases[0].sku");
  EXPECT_NE(system.files[sku.file].file.find("auth-service/overlays/prod.yaml"), std::string::npos);
  EXPECT_EQ(sku.line, 16);
  EXPECT_EQ(sku.replaced, Value::string("B2"));
  bp::Origin engine = bp::origin_of(system, auth, "storage.databases[0].engine");
  EXPECT_NE(system.files[engine.file].file.find("infrastructure-blueprint.yaml"),
            std::string::npos);
  EXPECT_FALSE(engine.replaced.is_defined());
}

TEST(BlueprintResolve, EcommercePremiumEditionAppliesAfterProd) {
  bp::ResolveOptions options;
  options.environment = "prod";
  options.editions = {"premium-edition"};
  bp::ResolvedSystem system;
  std::vector<Diagnostic> errors;
  ASSERT_TRUE(bp::resolve((kExamples / "ecommerce").string(), options, system, errors));
  ASSERT_GE(system.services.size(), 12u);
  for (const auto& service : system.services) {
    if (service.id != "payment-service") continue;
    Value cost = service.value.get(Value::string("costProfile"));
    EXPECT_EQ(cost.get(Value::string("sku")), Value::string("P1v3"));
    bp::Origin tier = bp::origin_of(system, service, "costProfile.tier");
    EXPECT_NE(system.files[tier.file].file.find("premium-edition.yaml"), std::string::npos);
    EXPECT_EQ(tier.replaced, Value::string("standard"));
    EXPECT_EQ(service.value.get(Value::string("regions")).get(Value::string("strategy")),
              Value::string("active-active"));
  }
  // Services without an edition overlay are unchanged by it.
  EXPECT_EQ(system.services[0].id, "api-gateway");
}

TEST(BlueprintLoader, LazyPositionsAreRecordedOnceWhenThreadsAskAtOnce) {
  bp::SourceDocument doc;
  std::vector<Diagnostic> errors;
  ASSERT_TRUE(bp::parse_source("svc.yaml", "a:\n  b: 1\nc: [x, y]\n", doc, errors, true));
  std::vector<int> lines(4, 0);
  std::vector<std::thread> askers;
  for (size_t t = 0; t < lines.size(); ++t)
    askers.emplace_back([&, t] { lines[t] = doc.find(0, "c[1]").line; });
  for (auto& a : askers) a.join();
  for (int line : lines) EXPECT_EQ(line, 3);
}
