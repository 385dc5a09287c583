// policyc check as a library: which rules are decisions, how a finding is located through
// overlay provenance, severities, waivers, secret masking, and the renderers' escaping.
#include "policyc/check/check.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "policyc/builtins/builtins.hpp"
#include "policyc/policies/stock.hpp"

namespace check = policyc::check;
namespace fs = std::filesystem;
using policyc::Diagnostic;

namespace {

class CheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("policyc-check-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
             "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    write("system.yaml",
          "name: demo\nenvironments:\n  - name: dev\n    kind: dev\n  - name: prod\n    kind: "
          "prod\n");
    write("services/api/infrastructure-blueprint.yaml",
          "metadata:\n  serviceId: api\nserviceType: api\nreplicas: 2\n"
          "runtimeConfig:\n  environment:\n    DB_PASSWORD: s3cr3t-value\n"
          "ingress:\n  host: api.example.com\n  tls:\n    enabled: false\n");
    write("services/api/overlays/prod.yaml", "replicas: 5\ningress:\n  tls:\n    enabled: true\n");
    policyc::register_standard_builtins(registry_);
  }
  void TearDown() override { fs::remove_all(root_); }

  void write(const std::string& relative, const std::string& text) {
    fs::path path = root_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }

  check::CheckReport run(const std::string& policy, check::CheckOptions options = {}) {
    options.stock_policies.push_back({"policies/test/p.rego", policy});
    if (options.today.empty()) options.today = "2027-01-01";
    check::CheckReport report;
    std::vector<Diagnostic> errors;
    EXPECT_TRUE(check::run_check(root_.string(), options, registry_, report, errors))
        << (errors.empty() ? "" : errors[0].message);
    return report;
  }

  fs::path root_;
  policyc::BuiltinRegistry registry_;
};

TEST_F(CheckTest, DecisionRulesFollowConftestNaming) {
  auto report = run(R"(package policies.test
deny contains "a"
deny_named contains "b"
warn_named contains "c"
violation contains {"msg": "d"}
denylist contains "not a decision"
deny_fn(x) := x
helper contains "not a decision"
)");
  std::vector<std::string> rules;
  for (const auto& r : report.rules) rules.push_back(r.rule);
  EXPECT_EQ(rules,
            (std::vector<std::string>{"policies.test.deny", "policies.test.deny_named",
                                      "policies.test.violation", "policies.test.warn_named"}));
  // Two environments, four messages each.
  EXPECT_EQ(report.findings.size(), 8u);
  EXPECT_EQ(report.count(check::Severity::Error), 6u);
  EXPECT_EQ(report.count(check::Severity::Warning), 2u);
}

TEST_F(CheckTest, PackagesOutsidePoliciesNeedTheirNamespaceOrAllNamespaces) {
  const char* policy = "package main\ndeny contains \"x\"\n";
  EXPECT_TRUE(run(policy).rules.empty());
  check::CheckOptions options;
  options.all_namespaces = true;
  EXPECT_EQ(run(policy, options).rules.size(), 1u);
  check::CheckOptions conftest;
  conftest.namespaces = {"main"};
  EXPECT_EQ(run(policy, conftest).rules.size(), 1u);
  check::CheckOptions prefix_only;
  prefix_only.namespaces = {"mai"};  // a namespace is a whole package name, not a prefix
  EXPECT_TRUE(run(policy, prefix_only).rules.empty());
}

TEST_F(CheckTest, FindingsPointAtTheOverlayThatSetTheValue) {
  check::CheckOptions options;
  options.environments = {"prod"};
  auto report = run(R"(package policies.test
deny_replicas contains {"msg": "too many", "service": "api", "path": "replicas"}
)",
                    options);
  ASSERT_EQ(report.findings.size(), 1u);
  const auto& f = report.findings[0];
  EXPECT_TRUE(f.file.ends_with("services/api/overlays/prod.yaml")) << f.file;
  EXPECT_EQ(f.line, 1);
  EXPECT_EQ(f.column, 11);
  EXPECT_EQ(f.set_by, "overlays/prod.yaml:1");
  EXPECT_EQ(f.base_value, "2");
  EXPECT_EQ(f.source_line, "replicas: 5");
}

TEST_F(CheckTest, MissingValuesPointAtTheirNearestParent) {
  check::CheckOptions options;
  options.environments = {"dev"};
  auto report = run(R"(package policies.test
deny_cert contains {"msg": "no certificate", "service": "api", "path": "ingress.tls.certificateRef"}
)",
                    options);
  ASSERT_EQ(report.findings.size(), 1u);
  EXPECT_TRUE(report.findings[0].file.ends_with("infrastructure-blueprint.yaml"));
  EXPECT_EQ(report.findings[0].line, 10);  // the key `tls:`
  EXPECT_EQ(report.findings[0].column, 3);
  EXPECT_EQ(report.findings[0].path, "ingress.tls.certificateRef");
}

TEST_F(CheckTest, SeverityAndIdComeFromTheMessageThenTheMetadata) {
  check::CheckOptions options;
  options.environments = {"dev"};
  auto report = run(R"(package policies.test
# METADATA
# title: Example
# custom:
#   id: EX-1
#   severity: warning
#   domain: cost
#   remediation: do better
warn_example contains {"msg": "from metadata", "service": "api"}

deny_override contains {"msg": "overridden", "severity": "info", "id": "EX-2", "service": "api"}
)",
                    options);
  ASSERT_EQ(report.findings.size(), 2u);
  EXPECT_EQ(report.findings[0].id, "EX-1");
  EXPECT_EQ(report.findings[0].severity, check::Severity::Warning);
  EXPECT_EQ(report.findings[0].domain, "cost");
  EXPECT_EQ(report.findings[0].remediation, "do better");
  EXPECT_EQ(report.findings[1].id, "EX-2");
  EXPECT_EQ(report.findings[1].severity, check::Severity::Info);
  EXPECT_FALSE(report.failed(check::Severity::Error));
  EXPECT_TRUE(report.failed(check::Severity::Warning));
}

TEST_F(CheckTest, SecretValuesNeverReachTheReport) {
  check::CheckOptions options;
  options.environments = {"dev"};
  auto report = run(R"(package policies.test
deny_leak contains {"msg": sprintf("value is %s", [input.services.api.runtimeConfig.environment.DB_PASSWORD]),
	"service": "api", "path": "runtimeConfig.environment.DB_PASSWORD"}
)",
                    options);
  ASSERT_EQ(report.findings.size(), 1u);
  EXPECT_EQ(report.findings[0].message.find("s3cr3t"), std::string::npos);
  EXPECT_EQ(report.findings[0].source_line.find("s3cr3t"), std::string::npos);
  EXPECT_NE(report.findings[0].source_line.find("DB_PASSWORD:"), std::string::npos);
  for (const std::string& out :
       {check::to_text(report, check::Severity::Error, false),
        check::to_json(report, check::Severity::Error), check::to_sarif(report, "1"),
        check::to_junit(report, check::Severity::Error), check::to_github(report)}) {
    EXPECT_EQ(out.find("s3cr3t"), std::string::npos) << out;
  }
}

TEST_F(CheckTest, PacksSayWhichKeysAndValuesAreSecret) {
  write("services/api/infrastructure-blueprint.yaml",
        "metadata:\n  serviceId: api\nserviceType: api\nreplicas: 2\n"
        "runtimeConfig:\n  environment:\n    USER_PINCODE: 98765\n"
        "    FEED: https://reader:hunter22@feed.example.com/x\n");
  check::CheckOptions options;
  options.environments = {"dev"};
  auto report = run(R"(package policies.test
# METADATA
# custom:
#   mask: key_words
words := ["pincode"]
# METADATA
# custom:
#   mask: value_pattern
credentials := `://[^/:@]+:[^@/]+@`
deny_leak contains {"msg": sprintf("values are %v and %s", [env.USER_PINCODE, env.FEED]),
	"service": "api", "path": "runtimeConfig.environment.FEED"} if {
	env := input.services.api.runtimeConfig.environment
}
)",
                    options);
  ASSERT_EQ(report.findings.size(), 1u);
  for (const std::string& out : {check::to_text(report, check::Severity::Error, false),
                                 check::to_json(report, check::Severity::Error)}) {
    EXPECT_EQ(out.find("98765"), std::string::npos) << out;
    EXPECT_EQ(out.find("hunter22"), std::string::npos) << out;
  }
}

// A pack's `not` over an operand that may be undefined reads differently from what most
// authors expect (OPA evaluates the operand first): check reports it as a warning.
TEST_F(CheckTest, NegationsOverPossiblyUndefinedOperandsAreWarnings) {
  write("services/api/infrastructure-blueprint.yaml",
        "metadata:\n  serviceId: api\nserviceType: api\nreplicas: 2\n");
  check::CheckOptions options;
  options.environments = {"dev"};
  auto report = run(R"(package policies.test
deny contains {"msg": "no tls", "service": id} if {
	some id, svc in input.services
	not svc.ingress.tls.port > 0
}
)",
                    options);
  // The operand is undefined for this service, so the rule does not fire (as in OPA).
  EXPECT_TRUE(report.findings.empty());
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_EQ(report.warnings[0].line, 4);
  EXPECT_NE(report.warnings[0].message.find("`svc.ingress.tls.port` is evaluated before the `not`"),
            std::string::npos);
  EXPECT_NE(check::to_text(report, check::Severity::Error, false).find("warning: `svc.ingress"),
            std::string::npos);
}

TEST_F(CheckTest, WaiversWaiveWarnAndExpire) {
  write("waivers.yaml",
        "- rule: deny_replicas\n  service: api\n  environment: dev\n  path: replicas\n"
        "  justification: accepted\n  expires: 2027-06-30\n"
        "- rule: deny_replicas\n  environment: prod\n  justification: old\n  expires: 2026-12-31\n"
        "- rule: NOPE\n  justification: stale\n  expires: 2030-01-01\n");
  check::CheckOptions options;
  options.waivers_path = (root_ / "waivers.yaml").string();
  auto report = run(R"(package policies.test
deny_replicas contains {"msg": "replicas", "service": "api", "path": "replicas"}
)",
                    options);
  ASSERT_EQ(report.findings.size(), 2u);
  EXPECT_TRUE(report.findings[0].waived);  // dev
  EXPECT_EQ(report.findings[0].waiver_justification, "accepted");
  EXPECT_FALSE(report.findings[1].waived);  // prod: the waiver expired
  EXPECT_NE(report.findings[1].waiver_note.find("expired on 2026-12-31"), std::string::npos);
  ASSERT_EQ(report.warnings.size(), 2u);
  EXPECT_NE(report.warnings[0].message.find("expired"), std::string::npos);
  EXPECT_NE(report.warnings[1].message.find("matches no finding"), std::string::npos);
  EXPECT_EQ(report.waived(), 1u);
}

TEST_F(CheckTest, WaiverMistakesArePositionedErrors) {
  write("waivers.yaml", "- rule: X\n  justifcation: typo\n  expires: 2027-13-01\n");
  check::CheckOptions options;
  options.waivers_path = (root_ / "waivers.yaml").string();
  options.stock_policies.push_back({"policies/test/p.rego", "package policies.test\n"});
  check::CheckReport report;
  std::vector<Diagnostic> errors;
  ASSERT_FALSE(check::run_check(root_.string(), options, registry_, report, errors));
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].message, "unknown key 'justifcation'; did you mean 'justification'?");
  EXPECT_EQ(errors[0].line, 2);
  EXPECT_EQ(errors[0].col, 3);
  EXPECT_EQ(errors[1].message, "a waiver needs a `justification`");
  EXPECT_EQ(errors[2].message, "'2027-13-01' is not a date; expected YYYY-MM-DD");
  EXPECT_EQ(errors[2].line, 3);
}

TEST_F(CheckTest, RenderersEscapeWhatTheirFormatsReserve) {
  check::CheckOptions options;
  options.environments = {"dev"};
  auto report = run(R"(package policies.test
deny_x contains {"msg": "a <b> & \"c\"\nsecond: line, 100%", "service": "api", "path": "replicas"}
)",
                    options);
  std::string junit = check::to_junit(report, check::Severity::Error);
  EXPECT_NE(junit.find("a &lt;b&gt; &amp; &quot;c&quot;"), std::string::npos) << junit;
  std::string github = check::to_github(report);
  EXPECT_NE(github.find("::a <b> & \"c\"%0Asecond: line, 100%25\n"), std::string::npos) << github;
  EXPECT_EQ(github.find('\n'), github.size() - 1);
}

// Two evaluators side by side (each taking whole packages) must report exactly what one
// evaluator reports, for every bundled example and all its environments, stock packs and
// all.
TEST(CheckParallel, TwoEvaluatorsReportWhatOneReports) {
  policyc::BuiltinRegistry registry;
  policyc::register_standard_builtins(registry);
  fs::path examples = fs::path(__FILE__).parent_path().parent_path().parent_path() / "examples";
  size_t compared = 0;
  for (const auto& entry : fs::directory_iterator(examples)) {
    if (!entry.is_directory() || entry.path().filename() == "broken") continue;
    std::string text[2];
    for (int parallel = 0; parallel < 2; ++parallel) {
      check::CheckOptions options;
      for (const auto& file : policyc::policies::stock_files())
        options.stock_policies.push_back({std::string(file.path), std::string(file.text)});
      options.today = "2027-01-01";
      options.parallel_min_services = parallel ? 1 : SIZE_MAX;
      check::CheckReport report;
      std::vector<Diagnostic> errors;
      ASSERT_TRUE(check::run_check(entry.path().string(), options, registry, report, errors))
          << entry.path() << ": " << (errors.empty() ? "" : errors[0].message);
      text[parallel] = check::to_json(report, check::Severity::Error);
    }
    EXPECT_EQ(text[1], text[0]) << entry.path();
    EXPECT_NE(text[0].find("\"results\""), std::string::npos);
    ++compared;
  }
  EXPECT_GE(compared, 3u);
}

TEST(CheckSeverity, ParsesNamesAndCommonAliases) {
  check::Severity s;
  ASSERT_TRUE(check::parse_severity("warn", s));
  EXPECT_EQ(s, check::Severity::Warning);
  ASSERT_TRUE(check::parse_severity("critical", s));
  EXPECT_EQ(s, check::Severity::Error);
  ASSERT_TRUE(check::parse_severity("info", s));
  EXPECT_EQ(s, check::Severity::Info);
  EXPECT_FALSE(check::parse_severity("fatal", s));
}

}  // namespace
