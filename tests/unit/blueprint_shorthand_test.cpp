// Blueprint shorthands and the seed's vocabulary: inline environment overlays, aliases,
// one item for a list, metrics/logs/traces as objects, other spellings of enum values. Each
// resolves to the long form, with provenance at what the user wrote.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "policyc/blueprint/blueprint.hpp"

namespace bp = policyc::blueprint;
namespace fs = std::filesystem;
using policyc::Diagnostic;
using policyc::Value;

namespace {

// A blueprint directory under the test's temporary directory, removed afterwards.
class TempSystem {
 public:
  TempSystem() {
    static int counter = 0;
    root_ = fs::temp_directory_path() /
            ("policyc-shorthand-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  ~TempSystem() { fs::remove_all(root_); }

  void write(const std::string& relative, const std::string& text) {
    fs::path path = root_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }
  std::string path() const { return root_.string(); }

 private:
  fs::path root_;
};

struct Resolved {
  bool ok = false;
  bp::ResolvedSystem system;
  std::vector<Diagnostic> errors;

  const Value& service(const std::string& id) const {
    for (const auto& s : system.services)
      if (s.id == id) return s.value;
    static const Value kNone;
    return kNone;
  }
  bp::Origin origin(const std::string& id, const std::string& path) const {
    for (const auto& s : system.services)
      if (s.id == id) return bp::origin_of(system, s, path);
    return {};
  }
};

Resolved resolve(const TempSystem& dir, const std::string& env) {
  Resolved r;
  bp::ResolveOptions options;
  options.environment = env;
  r.ok = bp::resolve(dir.path(), options, r.system, r.errors);
  return r;
}

const Value* at(const Value& v, std::initializer_list<const char*> keys) {
  const Value* cur = &v;
  for (const char* k : keys) {
    cur = cur->is_object() ? cur->get_ptr(Value::string(k)) : nullptr;
    if (!cur) return nullptr;
  }
  return cur;
}

const char* kSystem = "name: s\nenvironments: [dev, staging, prod]\n";

const char* kInline =
    "metadata:\n"
    "  serviceId: api\n"
    "serviceType: api\n"
    "replicas: 2\n"
    "environments:\n"
    "  - name: dev\n"
    "    replicas: 1\n"
    "    cpuLimit: 250m\n"
    "    telemetryLevel: basic\n"
    "    secretsRef: dev-secrets\n"
    "  - name: prod\n"
    "    replicas: 4\n"
    "    cpuLimit: 1000m\n"
    "    telemetryLevel: full\n"
    "    secretsRef: prod-secrets\n";

}  // namespace

TEST(BlueprintInlineEnvironments, AnEntryIsThatEnvironmentsOverlay) {
  TempSystem dir;
  dir.write("system.yaml", kSystem);
  dir.write("services/api/infrastructure-blueprint.yaml", kInline);
  Resolved r = resolve(dir, "prod");
  ASSERT_TRUE(r.ok) << (r.errors.empty() ? "" : r.errors[0].message);
  const Value& api = r.service("api");
  EXPECT_EQ(*at(api, {"replicas"}), Value::integer(4));
  EXPECT_EQ(*at(api, {"resources", "cpuLimit"}), Value::string("1000m"));
  EXPECT_EQ(*at(api, {"observability", "telemetryLevel"}), Value::string("full"));
  EXPECT_EQ(*at(api, {"keyVault", "name"}), Value::string("prod-secrets"));
  // Policies see the names of the environments, nothing of the other entries.
  EXPECT_EQ(at(api, {"environments"})->to_json(), R"(["dev","prod"])");
  bp::Origin replicas = r.origin("api", "replicas");
  EXPECT_EQ(replicas.line, 12);
  EXPECT_EQ(replicas.col, 15);
  EXPECT_EQ(replicas.replaced, Value::integer(2));
  bp::Origin cpu = r.origin("api", "resources.cpuLimit");
  EXPECT_EQ(cpu.line, 13);
  EXPECT_EQ(cpu.col, 15);
  EXPECT_EQ(r.origin("api", "keyVault.name").line, 15);
}

TEST(BlueprintInlineEnvironments, TheOverlayFileWins) {
  TempSystem dir;
  dir.write("system.yaml", kSystem);
  dir.write("services/api/infrastructure-blueprint.yaml", kInline);
  dir.write("services/api/overlays/prod.yaml", "replicas: 6\n");
  Resolved r = resolve(dir, "prod");
  ASSERT_TRUE(r.ok) << (r.errors.empty() ? "" : r.errors[0].message);
  EXPECT_EQ(*at(r.service("api"), {"replicas"}), Value::integer(6));
  EXPECT_EQ(*at(r.service("api"), {"resources", "cpuLimit"}), Value::string("1000m"));
  bp::Origin replicas = r.origin("api", "replicas");
  EXPECT_NE(r.system.files[replicas.file].file.find("overlays/prod.yaml"), std::string::npos);
  EXPECT_EQ(replicas.replaced, Value::integer(2));  // the base's value, not the inline one
}

TEST(BlueprintInlineEnvironments, AServiceNotListingTheEnvironmentIsLeftOut) {
  TempSystem dir;
  dir.write("system.yaml", kSystem);
  dir.write("services/api/infrastructure-blueprint.yaml", kInline);
  dir.write("services/web/infrastructure-blueprint.yaml",
            "metadata:\n  serviceId: web\nserviceType: api\n");
  Resolved r = resolve(dir, "staging");
  ASSERT_TRUE(r.ok) << (r.errors.empty() ? "" : r.errors[0].message);
  ASSERT_EQ(r.system.services.size(), 1u);
  EXPECT_EQ(r.system.services[0].id, "web");
}

TEST(BlueprintInlineEnvironments, UnknownKeysInAnEntrySuggestTheNearest) {
  TempSystem dir;
  dir.write("system.yaml", kSystem);
  dir.write("services/api/infrastructure-blueprint.yaml",
            "metadata:\n  serviceId: api\nserviceType: api\n"
            "environments:\n  - name: prod\n    replica: 3\n  - prdo\n");
  Resolved r = resolve(dir, "prod");
  ASSERT_FALSE(r.ok);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].line, 6);
  EXPECT_EQ(r.errors[0].col, 5);
  EXPECT_NE(r.errors[0].message.find("unknown key 'replica' in 'environments[0]'; did you mean "
                                     "'replicas'?"),
            std::string::npos)
      << r.errors[0].message;
  EXPECT_EQ(r.errors[1].line, 7);
  EXPECT_NE(r.errors[1].message.find("did you mean 'prod'?"), std::string::npos)
      << r.errors[1].message;
}

TEST(BlueprintInlineEnvironments, AnOverlayFileCannotHoldOne) {
  TempSystem dir;
  dir.write("system.yaml", kSystem);
  dir.write("services/api/infrastructure-blueprint.yaml", kInline);
  dir.write("services/api/overlays/prod.yaml", "environments:\n  - name: prod\n    replicas: 1\n");
  Resolved r = resolve(dir, "prod");
  ASSERT_FALSE(r.ok);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 2);
  EXPECT_NE(r.errors[0].message.find("belongs in the service blueprint"), std::string::npos);
}

TEST(BlueprintAliases, AnAliasAndItsTargetTogetherIsAnError) {
  TempSystem dir;
  dir.write("services/api/infrastructure-blueprint.yaml",
            "metadata:\n  serviceId: api\nserviceType: api\n"
            "resources:\n  cpuLimit: 1\ncpuLimit: 2\n");
  Resolved r = resolve(dir, "dev");
  ASSERT_FALSE(r.ok);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 6);
  EXPECT_EQ(r.errors[0].col, 1);
  EXPECT_EQ(r.errors[0].message,
            "'cpuLimit' is another name for 'resources.cpuLimit', which is also given; keep one "
            "of them");
}

TEST(BlueprintAliases, ABaseAliasPointsAtItsLine) {
  TempSystem dir;
  dir.write("services/api/infrastructure-blueprint.yaml",
            "metadata:\n  serviceId: api\nserviceType: api\nmemoryLimit: 1Gi\n");
  dir.write("services/api/overlays/dev.yaml", "logLevel: warning\n");
  Resolved r = resolve(dir, "dev");
  ASSERT_TRUE(r.ok) << (r.errors.empty() ? "" : r.errors[0].message);
  EXPECT_EQ(*at(r.service("api"), {"resources", "memoryLimit"}), Value::string("1Gi"));
  EXPECT_EQ(r.origin("api", "resources.memoryLimit").line, 4);
  EXPECT_EQ(r.origin("api", "resources.memoryLimit").col, 14);
  // An alias in an overlay, with another spelling of its value.
  EXPECT_EQ(*at(r.service("api"), {"observability", "logLevel"}), Value::string("warn"));
  bp::Origin level = r.origin("api", "observability.logLevel");
  EXPECT_EQ(level.line, 1);
  EXPECT_EQ(level.col, 11);
}

TEST(BlueprintTelemetryLists, ObjectsAndSingleValuesReadAsNames) {
  TempSystem dir;
  dir.write("services/api/infrastructure-blueprint.yaml",
            "metadata:\n  serviceId: api\nserviceType: api\n"
            "observability:\n"
            "  metrics:\n"
            "    - name: auth_requests_total\n"
            "      type: counter\n"
            "      required: true\n"
            "    - auth_failures_total\n"
            "  logs:\n"
            "    stream: stdout\n"
            "    format: json\n"
            "  traces: {spanName: ValidateToken}\n"
            "  probes: readiness\n");
  Resolved r = resolve(dir, "dev");
  ASSERT_TRUE(r.ok) << (r.errors.empty() ? "" : r.errors[0].message);
  const Value* obs = at(r.service("api"), {"observability"});
  EXPECT_EQ(at(*obs, {"metrics"})->to_json(), R"(["auth_requests_total","auth_failures_total"])");
  EXPECT_EQ(at(*obs, {"logs"})->to_json(), R"(["json"])");
  EXPECT_EQ(at(*obs, {"traces"})->to_json(), R"(["ValidateToken"])");
  EXPECT_EQ(at(*obs, {"probes"})->to_json(), R"(["readiness"])");
  bp::Origin metric = r.origin("api", "observability.metrics[0]");
  EXPECT_EQ(metric.line, 6);
  EXPECT_EQ(metric.col, 13);
  EXPECT_EQ(r.origin("api", "observability.logs[0]").line, 12);
  EXPECT_EQ(r.origin("api", "observability.traces[0]").col, 22);
}

TEST(BlueprintTelemetryLists, AnObjectWithoutItsNameIsAnError) {
  TempSystem dir;
  dir.write("services/api/infrastructure-blueprint.yaml",
            "metadata:\n  serviceId: api\nserviceType: api\n"
            "observability:\n  logs:\n    - required: true\n");
  Resolved r = resolve(dir, "dev");
  ASSERT_FALSE(r.ok);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 6);
  EXPECT_EQ(r.errors[0].message, "'observability.logs[0]' needs one of format, name, stream");
}

TEST(BlueprintVocabulary, TheSeedsSpellingsReadAsTheSchemasValues) {
  TempSystem dir;
  dir.write("system.yaml",
            "name: s\nregions:\n  strategy: failover-ready\ntenancy:\n  mode: Hybrid\n");
  dir.write("services/api/infrastructure-blueprint.yaml",
            "metadata:\n  serviceId: api\nserviceType: api\n"
            "security:\n  zone: DMZ\n"
            "regions:\n  strategy: multi-region\n"
            "runtimeTarget:\n  kind: Azure App Service\n"
            "messaging:\n  bus: Azure Storage Queue\n"
            "provisioningTriggers:\n  - type: onDriftDetected\n    action: reconcile\n");
  Resolved r = resolve(dir, "dev");
  ASSERT_TRUE(r.ok) << (r.errors.empty() ? "" : r.errors[0].message);
  const Value& api = r.service("api");
  EXPECT_EQ(*at(api, {"security", "zone"}), Value::string("dmz"));
  EXPECT_EQ(*at(api, {"regions", "strategy"}), Value::string("active-active"));
  EXPECT_EQ(*at(api, {"runtimeTarget", "kind"}), Value::string("app-service"));
  EXPECT_EQ(*at(api, {"messaging", "bus"}), Value::string("storage-queue"));
  EXPECT_EQ(*at(r.system.system, {"regions", "strategy"}), Value::string("active-passive"));
  EXPECT_EQ(*at(r.system.system, {"tenancy", "mode"}), Value::string("hybrid"));
  bp::Origin zone = r.origin("api", "security.zone");
  EXPECT_EQ(zone.line, 5);
  EXPECT_EQ(zone.col, 9);
}

TEST(BlueprintVocabulary, OtherWordsAreStillErrorsWithASuggestion) {
  TempSystem dir;
  dir.write("services/api/infrastructure-blueprint.yaml",
            "metadata:\n  serviceId: api\nserviceType: api\nsecurity:\n  zone: dmzz\n");
  Resolved r = resolve(dir, "dev");
  ASSERT_FALSE(r.ok);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 5);
  EXPECT_EQ(r.errors[0].message,
            "'security.zone' must be one of internal, perimeter, dmz, isolated; got 'dmzz'; did "
            "you mean 'dmz'?");
}

TEST(BlueprintVersions, TheHighestVersionLoadsWithItsAnchors) {
  TempSystem dir;
  for (int n : {1, 2, 10})
    dir.write(
        "services/api/infrastructure-blueprint.v" + std::to_string(n) + ".yaml",
        "metadata:\n  serviceId: api\nserviceType: api\nreplicas: " + std::to_string(n) + "\n");
  dir.write("services/api/history.log.json",
            "[\n  {\"version\": \"v2\", \"hash\": \"aa\"},\n  {\"version\": \"v10\", \"hash\": "
            "\"bb\", \"createdAt\": \"2025-06-09T11:01:12Z\"}\n]\n");
  std::vector<std::string> notes;
  bp::ResolveOptions options;
  options.note = [&](const std::string& note) { notes.push_back(note); };
  Resolved r;
  r.ok = bp::resolve(dir.path(), options, r.system, r.errors);
  ASSERT_TRUE(r.ok) << (r.errors.empty() ? "" : r.errors[0].message);
  EXPECT_EQ(*at(r.service("api"), {"replicas"}), Value::integer(10));  // v10 after v2
  EXPECT_EQ(at(r.service("api"), {"history"})->to_json(),
            R"({"createdAt":"2025-06-09T11:01:12Z","file":"infrastructure-blueprint.v10.yaml",)"
            R"("hash":"bb","version":"v10","versions":["v1","v2","v10"]})");
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0],
            "services/api: infrastructure-blueprint.v10.yaml (v10, the highest of v1, v2, v10)");
  bp::Origin hash = r.origin("api", "history.hash");
  EXPECT_NE(r.system.files[hash.file].file.find("history.log.json"), std::string::npos);
  EXPECT_EQ(hash.line, 3);

  options.version = "v1";  // no history entry for v1
  r.errors.clear();
  EXPECT_FALSE(bp::resolve(dir.path(), options, r.system, r.errors));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].message,
            "history.log.json has no entry for v1 (the version loaded, "
            "infrastructure-blueprint.v1.yaml)");
}

TEST(BlueprintVersions, TheUnversionedFileWinsUnlessAVersionIsAsked) {
  TempSystem dir;
  dir.write("services/api/infrastructure-blueprint.yaml",
            "metadata:\n  serviceId: api\nserviceType: api\nreplicas: 7\n");
  dir.write("services/api/infrastructure-blueprint.v1.yaml",
            "metadata:\n  serviceId: api\nserviceType: api\nreplicas: 1\n");
  dir.write("services/web/infrastructure-blueprint.yaml",
            "metadata:\n  serviceId: web\nserviceType: api\n");
  Resolved r = resolve(dir, "dev");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(*at(r.service("api"), {"replicas"}), Value::integer(7));
  EXPECT_EQ(at(r.service("api"), {"history"}), nullptr);
  bp::ResolveOptions options;
  options.version = "v1";
  Resolved v1;
  v1.ok = bp::resolve(dir.path(), options, v1.system, v1.errors);
  ASSERT_TRUE(v1.ok) << (v1.errors.empty() ? "" : v1.errors[0].message);
  EXPECT_EQ(*at(v1.service("api"), {"replicas"}), Value::integer(1));
  EXPECT_EQ(at(v1.service("web"), {"history"}), nullptr);  // no versions: its one file
}

TEST(BlueprintVaultBlock, TheSeedsVaultBlockReadsAsTheList) {
  TempSystem dir;
  dir.write("services/api/infrastructure-blueprint.yaml",
            "metadata:\n  serviceId: api\nserviceType: api\n"
            "secrets:\n"
            "  vault: connectsoft-kv\n"
            "  managedIdentity: svc-user-api\n"
            "  values:\n"
            "    - name: DB_CONNECTION_STRING\n"
            "      path: secrets/db/connection\n"
            "      injectAs: env\n"
            "    - name: STRIPE\n"
            "      source: HashiCorp Vault\n");
  Resolved r = resolve(dir, "dev");
  ASSERT_TRUE(r.ok) << (r.errors.empty() ? "" : r.errors[0].message);
  const Value& api = r.service("api");
  EXPECT_EQ(at(api, {"secrets"})->to_json(),
            R"([{"injection":"env","name":"DB_CONNECTION_STRING","path":"secrets/db/connection",)"
            R"("source":"AzureKeyVault"},{"name":"STRIPE","source":"HashiCorpVault"}])");
  EXPECT_EQ(*at(api, {"keyVault", "name"}), Value::string("connectsoft-kv"));
  EXPECT_EQ(at(api, {"security", "identity"})->to_json(),
            R"({"name":"svc-user-api","type":"managed"})");
  EXPECT_EQ(r.origin("api", "secrets[0].injection").line, 10);
  EXPECT_EQ(r.origin("api", "secrets[0].injection").col, 17);
  EXPECT_EQ(r.origin("api", "secrets[1].name").line, 11);
  EXPECT_EQ(r.origin("api", "secrets[0].source").line, 5);  // the vault the block names
  EXPECT_EQ(r.origin("api", "keyVault.name").line, 5);
}

TEST(BlueprintVaultBlock, AVaultBesideAKeyVaultNameIsAnError) {
  TempSystem dir;
  dir.write("services/api/infrastructure-blueprint.yaml",
            "metadata:\n  serviceId: api\nserviceType: api\nkeyVault:\n  name: kv\n"
            "secrets:\n  vault: other\n  values: [{name: A}]\n");
  Resolved r = resolve(dir, "dev");
  ASSERT_FALSE(r.ok);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 7);
  EXPECT_EQ(r.errors[0].message,
            "'vault' is another name for 'keyVault.name', which is also given; keep one of them");
}

TEST(BlueprintRuntimeConfigOverlays, TheEnvironmentsVariablesAreSetThere) {
  TempSystem dir;
  dir.write("services/api/infrastructure-blueprint.yaml",
            "metadata:\n  serviceId: api\nserviceType: api\n"
            "runtimeConfig:\n"
            "  environment:\n"
            "    LOG_LEVEL: Information\n"
            "    TIMEOUT: \"10\"\n"
            "  overlays:\n"
            "    production:\n"
            "      LOG_LEVEL: Warning\n"
            "    staging:\n"
            "      LOG_LEVEL: Debug\n");
  dir.write("services/api/overlays/production.yaml",
            "runtimeConfig:\n  environment:\n    TIMEOUT: \"6\"\n");
  Resolved prod = resolve(dir, "production");
  ASSERT_TRUE(prod.ok) << (prod.errors.empty() ? "" : prod.errors[0].message);
  EXPECT_EQ(at(prod.service("api"), {"runtimeConfig"})->to_json(),
            R"({"environment":{"LOG_LEVEL":"Warning","TIMEOUT":"6"}})");
  bp::Origin level = prod.origin("api", "runtimeConfig.environment.LOG_LEVEL");
  EXPECT_EQ(level.line, 10);
  EXPECT_EQ(level.col, 18);
  EXPECT_EQ(level.replaced, Value::string("Information"));
  Resolved dev = resolve(dir, "dev");
  ASSERT_TRUE(dev.ok);
  EXPECT_EQ(at(dev.service("api"), {"runtimeConfig"})->to_json(),
            R"({"environment":{"LOG_LEVEL":"Information","TIMEOUT":"10"}})");
}

TEST(BlueprintInfrastructureBlock, BaseKeysAtTheTopOverlaysByEnvironment) {
  TempSystem dir;
  dir.write("services/api/infrastructure-blueprint.yaml",
            "metadata:\n  serviceId: api\nserviceType: api\n"
            "infrastructure:\n"
            "  base:\n"
            "    cpu: 500m\n"
            "    replicas: 1\n"
            "  overlays:\n"
            "    prod:\n"
            "      replicas: 3\n"
            "      runtimeProfile:\n"
            "        probes:\n"
            "          liveness: /livez\n");
  Resolved dev = resolve(dir, "dev");
  ASSERT_TRUE(dev.ok) << (dev.errors.empty() ? "" : dev.errors[0].message);
  EXPECT_EQ(dev.service("api").to_json(),
            R"({"metadata":{"serviceId":"api"},"replicas":1,"resources":{"cpu":"500m"},)"
            R"("serviceType":"api"})");
  EXPECT_EQ(dev.origin("api", "resources.cpu").line, 6);
  EXPECT_EQ(dev.origin("api", "replicas").line, 7);
  Resolved prod = resolve(dir, "prod");
  ASSERT_TRUE(prod.ok) << (prod.errors.empty() ? "" : prod.errors[0].message);
  EXPECT_EQ(*at(prod.service("api"), {"replicas"}), Value::integer(3));
  EXPECT_EQ(at(prod.service("api"), {"runtimeProfile", "probes", "liveness"})->to_json(),
            R"({"path":"/livez"})");
  bp::Origin replicas = prod.origin("api", "replicas");
  EXPECT_EQ(replicas.line, 10);
  EXPECT_EQ(replicas.replaced, Value::integer(1));
  EXPECT_EQ(prod.origin("api", "runtimeProfile.probes.liveness.path").line, 13);
}

TEST(BlueprintInfrastructureBlock, TheBaseMergesWithTheTopKeyByKey) {
  TempSystem dir;
  dir.write("services/api/infrastructure-blueprint.yaml",
            "metadata:\n  serviceId: api\nserviceType: api\nresources:\n  memory: 1Gi\n"
            "infrastructure:\n  base:\n    cpu: 500m\n");
  dir.write("services/web/infrastructure-blueprint.yaml",
            "metadata:\n  serviceId: web\nserviceType: api\nresources:\n  cpu: 1\n"
            "infrastructure:\n  base:\n    cpu: 500m\n");
  Resolved r = resolve(dir, "dev");
  ASSERT_FALSE(r.ok);
  ASSERT_EQ(r.errors.size(), 1u);  // web's cpu, given twice; api's memory and cpu merge
  EXPECT_EQ(r.errors[0].line, 8);
  EXPECT_EQ(r.errors[0].col, 5);
  EXPECT_EQ(r.errors[0].message,
            "'resources.cpu' is given both in infrastructure.base and at the top of the "
            "blueprint; keep one of them");
  dir.write("services/web/infrastructure-blueprint.yaml",
            "metadata:\n  serviceId: web\nserviceType: api\n");
  Resolved ok = resolve(dir, "dev");
  ASSERT_TRUE(ok.ok) << (ok.errors.empty() ? "" : ok.errors[0].message);
  EXPECT_EQ(at(ok.service("api"), {"resources"})->to_json(), R"({"cpu":"500m","memory":"1Gi"})");
  EXPECT_EQ(ok.origin("api", "resources.cpu").line, 8);
  EXPECT_EQ(ok.origin("api", "resources.memory").line, 5);
}

TEST(BlueprintInfrastructureBlock, AKeyInTheBaseAndAtTheTopIsAnError) {
  TempSystem dir;
  dir.write("services/api/infrastructure-blueprint.yaml",
            "metadata:\n  serviceId: api\nserviceType: api\nreplicas: 2\n"
            "infrastructure:\n  base:\n    replicas: 1\n");
  dir.write("services/web/infrastructure-blueprint.yaml",
            "metadata:\n  serviceId: web\nserviceType: api\n");
  dir.write("services/web/overlays/dev.yaml", "infrastructure:\n  base:\n    replicas: 1\n");
  Resolved r = resolve(dir, "dev");
  ASSERT_FALSE(r.ok);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].line, 7);
  EXPECT_EQ(r.errors[0].message,
            "'replicas' is given both in infrastructure.base and at the top of the blueprint; "
            "keep one of them");
  EXPECT_EQ(r.errors[1].line, 1);
  EXPECT_NE(r.errors[1].message.find("belongs in the service blueprint's first document"),
            std::string::npos);
}

TEST(BlueprintSingleItems, OneMappingWhereAListOfThemIsExpected) {
  TempSystem dir;
  dir.write("system.yaml", "name: s\nenvironments: prod\n");
  dir.write("services/api/infrastructure-blueprint.yaml",
            "metadata:\n  serviceId: api\nserviceType: api\n"
            "storage:\n  databases:\n    name: UserDb\n    engine: Postgres\n"
            "dependencies:\n  - name: api\n    dependsOn: UserDb\n");
  Resolved r = resolve(dir, "prod");
  ASSERT_TRUE(r.ok) << (r.errors.empty() ? "" : r.errors[0].message);
  EXPECT_EQ(at(r.system.system, {"environments"})->to_json(), R"([{"name":"prod"}])");
  EXPECT_EQ(at(r.service("api"), {"storage", "databases"})->to_json(),
            R"([{"engine":"PostgreSQL","name":"UserDb"}])");
  EXPECT_EQ(r.origin("api", "storage.databases[0].engine").line, 7);
  EXPECT_EQ(r.origin("api", "storage.databases[0].engine").col, 13);
  EXPECT_EQ(at(r.service("api"), {"dependencies"})
                ->items()[0]
                .get_ptr(Value::string("dependsOn"))
                ->to_json(),
            R"(["UserDb"])");
}
