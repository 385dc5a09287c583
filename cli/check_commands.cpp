// Argument parsing and wiring for `policyc check` and `policyc test`; the work is in
// policyc_check, the stock packs in policyc_policies.
#include "check_commands.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "exit.hpp"
#include "limits.hpp"
#include "policyc/builtins/builtins.hpp"
#include "policyc/check/check.hpp"
#include "policyc/check/explain.hpp"
#include "policyc/check/test_runner.hpp"
#include "policyc/core/diagnostic.hpp"
#include "policyc/core/io.hpp"
#include "policyc/generator/generator.hpp"
#include "policyc/policies/stock.hpp"

namespace policyc::cli {

struct CheckCommands {
  CLI::App* check = nullptr;
  CLI::App* test = nullptr;
  std::string path;
  check::CheckOptions options;
  bool no_default_policies = false;
  std::vector<std::string> namespaces;
  std::string format = "text";
  std::string fail_level = "error";
  std::string output;
  bool no_color = false;
  check::TestOptions test_options;
  bool verbose = false;
  CLI::App* explain = nullptr;
  check::ExplainOptions explain_options;
  std::string explain_environment;
  bool generated = false;
  std::vector<std::string> template_paths;
  LimitArgs check_limits;
  LimitArgs explain_limits;
  LimitArgs test_limits;
};

namespace {

// The options check and explain share: which blueprint layers and which policies.
void add_policy_options(CLI::App* command, CheckCommands& c) {
  command
      ->add_option("--edition", c.options.editions,
                   "Edition overlay applied after the environment's (repeatable)")
      ->allow_extra_args(false);
  command
      ->add_option("-p,--policy", c.options.policy_paths,
                   "Policy file or directory added to the stock packs (repeatable)")
      ->allow_extra_args(false);
  command->add_flag("--no-default-policies", c.no_default_policies,
                    "Do not load the built-in stock packs");
  command
      ->add_option("-n,--namespace", c.namespaces,
                   "Package whose deny/warn/violation rules count, with those below it "
                   "(repeatable; default: policies)")
      ->allow_extra_args(false);
  command->add_flag("--all-namespaces", c.options.all_namespaces,
                    "Read deny/warn/violation rules in every package, not only policies.*");
  command->add_flag("--v0-compatible", c.options.v0_compatible,
                    "Parse --policy modules with Rego v0 syntax");
  command->add_option("--version", c.options.blueprint_version,
                      "Load versioned service blueprints at this version (vN; default: the "
                      "highest)");
}

}  // namespace

std::shared_ptr<CheckCommands> add_check_commands(CLI::App& app) {
  auto c = std::make_shared<CheckCommands>();
  c->check = app.add_subcommand("check", "Check a blueprint system against policy packs");
  c->check->add_option("path", c->path, "Blueprint directory or service file")->required();
  c->check
      ->add_option("-e,--env", c->options.environments,
                   "Environment to check (repeatable; default: every declared one)")
      ->allow_extra_args(false);
  add_policy_options(c->check, *c);
  c->check->add_option("-f,--format", c->format, "Output format")
      ->check(CLI::IsMember({"text", "json", "sarif", "junit", "github"}));
  c->check->add_option("--fail-level", c->fail_level, "Lowest severity that fails the check")
      ->check(CLI::IsMember({"error", "warning", "info"}));
  c->check->add_option("--waivers", c->options.waivers_path, "Waivers file (YAML or JSON)");
  c->check->add_option("-o,--output", c->output, "Write the report to FILE instead of stdout");
  c->check->add_flag("--no-color", c->no_color, "No colors in text output");
  c->check->add_flag("--generated", c->generated,
                     "Also render the blueprint (as policyc generate does) and check the "
                     "manifests with the Kubernetes pack");
  c->check
      ->add_option("--templates", c->template_paths,
                   "With --generated: templates that add or replace stock ones (repeatable)")
      ->allow_extra_args(false);
  c->check->add_flag("--explain", c->options.explain,
                     "Attach to each finding the proof of why its rule fired");
  c->check
      ->add_option("--depth", c->options.explain_depth,
                   "How deep --explain follows rules and functions (default 4)")
      ->check(CLI::Range(1, 64));
  add_limit_options(c->check, c->check_limits, kDefaultTimeout, kDefaultMaxMemory,
                    kWholeRunTimeoutHelp);

  c->explain =
      app.add_subcommand("explain", "Explain why a rule fired for a service, or why it did not");
  c->explain->add_option("path", c->path, "Blueprint directory or service file")->required();
  c->explain->add_option("-e,--env", c->explain_environment,
                         "Environment (default: the first one the system declares)");
  add_policy_options(c->explain, *c);
  auto* rule = c->explain->add_option("-r,--rule", c->explain_options.rule,
                                      "Rule: its id (SEC-009), name or data path");
  c->explain->add_option("-s,--service", c->explain_options.service, "Service to explain");
  auto* finding = c->explain->add_option(
      "--finding", c->explain_options.finding,
      "Index of a finding in `policyc check --format json` results (same options)");
  rule->excludes(finding);
  c->explain->add_flag("--why-not", c->explain_options.why_not,
                       "Also show the attempts that failed when the rule fired");
  c->explain
      ->add_option("--depth", c->explain_options.depth,
                   "How deep to follow the rules and functions used (default 4)")
      ->check(CLI::Range(1, 64));
  c->explain->add_option("-f,--format", c->format, "Output format")
      ->check(CLI::IsMember({"text", "json"}));
  add_limit_options(c->explain, c->explain_limits, kDefaultTimeout, kDefaultMaxMemory,
                    kWholeRunTimeoutHelp);

  c->test = app.add_subcommand("test", "Run Rego unit tests (test_ rules)");
  c->test->add_option("paths", c->test_options.paths, "Policy files or directories")->required();
  c->test->add_flag("-v,--verbose", c->verbose, "Report every test, with timings and prints");
  c->test->add_option("-r,--run", c->test_options.run, "Run only tests matching REGEX");
  c->test->add_flag("--v0-compatible", c->test_options.v0_compatible,
                    "Parse modules with Rego v0 syntax");
  add_limit_options(c->test, c->test_limits, "5s", kDefaultMaxMemory,
                    "Each test's time limit, as opa test's (0: no limit)");
  return c;
}

namespace {

check::CheckOptions check_options(const CheckCommands& c) {
  check::CheckOptions options = c.options;
  // Which file each versioned service loaded, once (every environment loads it again).
  auto said = std::make_shared<std::set<std::string>>();
  options.blueprint_note = [said](const std::string& note) {
    if (said->insert(note).second) std::fprintf(stderr, "policyc: note: %s\n", note.c_str());
  };
  if (!c.namespaces.empty()) options.namespaces = c.namespaces;
  if (!c.no_default_policies) {
    // The generation rules and templates are generate's, not decisions; the manifest pack
    // has something to check only with --generated.
    for (const auto& file : policies::stock_files()) {
      if (file.path.starts_with("policies/generate/")) continue;
      if (file.path.starts_with("policies/kubernetes/") && !c.generated) continue;
      options.stock_policies.push_back({std::string(file.path), std::string(file.text)});
    }
  }
  return options;
}

int run_explain(const CheckCommands& c) {
  if (c.explain_options.rule.empty() && c.explain_options.finding < 0) {
    std::fputs("policyc explain: error: give --rule ID (with --service NAME) or --finding N\n",
               stderr);
    return kExitUsageOrInput;
  }
  check::CheckOptions options = check_options(c);
  if (!start_limits(c.explain_limits, "explain", options.limits)) return kExitUsageOrInput;
  auto watchdog = start_watchdog(options.limits, "explain");
  BuiltinRegistry registry;
  register_standard_builtins(registry);
  if (!c.explain_environment.empty()) options.environments = {c.explain_environment};
  check::ExplainReport report;
  std::vector<Diagnostic> errors;
  if (!check::run_explain(c.path, options, c.explain_options, registry, report, errors))
    return report_diagnostics(errors);
  std::string out;
  if (c.format == "json") {
    write_json(out, check::explain_to_json(report), true);
    out += "\n";
  } else {
    out = check::explain_to_text(report);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  // As check: a finding explained is a failing condition.
  exit_without_teardown(report.findings.empty() ? kExitOk : kExitFailCondition);
}

// check --generated: the manifests generate would write, by environment (the path
// infrastructure/<service>/<environment>/<file> names it).
bool render_manifests(const CheckCommands& c, const BuiltinRegistry& registry,
                      check::CheckOptions& options, std::vector<Diagnostic>& errors) {
  generator::GenerateOptions generate;
  generate.environments = options.environments;
  generate.editions = options.editions;
  generate.policy_paths = options.policy_paths;
  generate.template_paths = c.template_paths;
  generate.v0_compatible = options.v0_compatible;
  generate.force = true;  // the point is to check what it renders
  generate.tool_version = POLICYC_VERSION;
  generate.limits = options.limits;
  generate.blueprint_version = options.blueprint_version;
  generate.blueprint_note = options.blueprint_note;
  for (const auto& file : policies::stock_files())
    generate.stock_policies.push_back({std::string(file.path), std::string(file.text)});
  generator::GenerateResult result;
  if (!generator::generate(c.path, generate, registry, result, errors)) return false;
  for (auto& file : result.files) {
    if (!file.path.starts_with("infrastructure/") || !file.path.ends_with(".yaml")) continue;
    size_t service_end = file.path.find('/', 15);
    size_t env_end =
        service_end == std::string::npos ? service_end : file.path.find('/', service_end + 1);
    if (env_end == std::string::npos) continue;
    std::string environment = file.path.substr(service_end + 1, env_end - service_end - 1);
    options.generated[environment].push_back({file.path, std::move(file.text)});
  }
  return true;
}

int run_check(const CheckCommands& c) {
  check::CheckOptions options = check_options(c);
  if (!start_limits(c.check_limits, "check", options.limits)) return kExitUsageOrInput;
  auto watchdog = start_watchdog(options.limits, "check");
  BuiltinRegistry registry;
  register_standard_builtins(registry);
  check::CheckReport report;
  std::vector<Diagnostic> errors;
  if (c.generated && !render_manifests(c, registry, options, errors))
    return report_diagnostics(errors);
  if (!check::run_check(c.path, options, registry, report, errors))
    return report_diagnostics(errors);
  check::Severity fail_level;
  check::parse_severity(c.fail_level, fail_level);
  AtomicOutput output;
  std::string write_error;
  if (!c.output.empty() && !output.open(c.output, write_error)) {
    std::fprintf(stderr, "%s: error: cannot write the report: %s\n", c.output.c_str(),
                 write_error.c_str());
    return kExitUsageOrInput;
  }
  std::FILE* file = c.output.empty() ? stdout : output.file();
  if (c.format == "json") {
    // A large system's report runs to megabytes; it is streamed, written on all cores.
    write_json_parallel(file, check::to_json_value(report, fail_level), true);
    std::fputc('\n', file);
  } else {
    std::string out;
    if (c.format == "sarif") {
      out = check::to_sarif(report, POLICYC_VERSION);
    } else if (c.format == "junit") {
      out = check::to_junit(report, fail_level);
    } else if (c.format == "github") {
      out = check::to_github(report);
    } else {
      bool color = !c.no_color && c.output.empty() && isatty(fileno(stdout)) &&
                   std::getenv("NO_COLOR") == nullptr;
      out = check::to_text(report, fail_level, color);
    }
    std::fwrite(out.data(), 1, out.size(), file);
  }
  if (!c.output.empty() && !output.commit(write_error)) {
    std::fprintf(stderr, "%s: error: cannot write the report: %s\n", c.output.c_str(),
                 write_error.c_str());
    return kExitUsageOrInput;
  }
  if (c.output.empty() && (std::fflush(stdout) != 0 || std::ferror(stdout))) {
    std::fputs("policyc check: error: cannot write the report to standard output\n", stderr);
    return kExitUsageOrInput;
  }
  exit_without_teardown(report.failed(fail_level) ? kExitFailCondition : kExitOk);
}

int run_test(const CheckCommands& c) {
  BuiltinRegistry registry;
  register_standard_builtins(registry);
  std::vector<check::TestResult> results;
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings;
  check::TestOptions options = c.test_options;
  options.explain_failures = c.verbose;
  if (!parse_limits(c.test_limits, "test", options.timeout, options.max_memory))
    return kExitUsageOrInput;
  // Per test, the time limit is the runner's; the whole run's memory is the watchdog's too.
  auto watchdog = start_watchdog(
      ResourceLimits::starting_now(std::chrono::milliseconds(0), options.max_memory), "test");
  if (!check::run_tests(options, registry, results, errors, &warnings))
    return report_diagnostics(errors);
  for (const auto& w : warnings) std::fputs(format_diagnostic(w).c_str(), stderr);
  std::fputs(check::tests_to_text(results, c.verbose).c_str(), stdout);
  // A test stopped by a limit says nothing about the policy: the run is not a verdict.
  for (const auto& r : results)
    if (r.limit_reached) exit_without_teardown(kExitUsageOrInput);
  exit_without_teardown(check::tests_passed(results) ? kExitOk : kExitFailCondition);
}

}  // namespace

int run_check_commands(const CheckCommands& commands) {
  if (commands.check->parsed()) return run_check(commands);
  if (commands.test->parsed()) return run_test(commands);
  if (commands.explain->parsed()) return run_explain(commands);
  return -1;
}

}  // namespace policyc::cli
