// `policyc check`: evaluates policy packs against a blueprint system for each environment and
// turns their decisions into findings that point at the blueprint (through overlay
// provenance) and at the policy rule, then renders them for people and for CI.
//
// Decisions follow conftest: rules named deny, warn or violation (optionally with a `_suffix`)
// in packages under `policies` produce messages; a message is a string or an object with
// `msg` and optional `id`, `severity`, `service`, `path`, `remediation`. Rule metadata comes
// from the rule's `# METADATA` block (title, description, custom.id, custom.severity,
// custom.domain, custom.remediation).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "policyc/core/builtin.hpp"
#include "policyc/core/diagnostic.hpp"
#include "policyc/core/frozen.hpp"
#include "policyc/core/limits.hpp"
#include "policyc/core/value.hpp"
#include "policyc/engine/engine.hpp"

namespace policyc::check {

enum class Severity { Error = 0, Warning = 1, Info = 2 };
const char* severity_name(Severity s);  // "error", "warning", "info"
bool parse_severity(const std::string& text, Severity& out);

// A policy file given as text (the stock packs are embedded in the binary).
struct PolicyText {
  std::string path;  // "policies/security/security.rego"; .rego or .json
  std::string text;
};

// Adds a policy file given as text to `engine`: a .rego module, or a .json data document
// placed under `data` at its directory below the pack root (as `opa eval -d policies` does).
bool load_policy_text(Engine& engine, const PolicyText& policy, std::vector<Diagnostic>& errors);

struct CheckOptions {
  std::vector<std::string> environments;   // empty: every environment the system declares
  std::vector<std::string> editions;       // edition overlays applied after the environment's
  std::vector<std::string> policy_paths;   // the user's packs (files or directories)
  std::vector<PolicyText> stock_policies;  // empty with --no-default-policies
  // Packages whose decisions count: each namespace and the packages below it
  // ("policies" takes policies.security, policies.cost, ...). all_namespaces: every package.
  std::vector<std::string> namespaces = {"policies"};
  bool all_namespaces = false;
  bool v0_compatible = false;  // parse the user's .rego files as Rego v0
  std::string waivers_path;
  // YYYY-MM-DD for waiver expiry; empty: SOURCE_DATE_EPOCH if set, else today (UTC).
  std::string today;
  // Systems of at least this many services are evaluated by two evaluators side by side
  // (when the machine has two cores), each taking whole packages in turn. Results do not
  // depend on it; tests set 1 (always) or SIZE_MAX (never) to compare the two.
  size_t parallel_min_services = 200;
  // Attach to each finding the proof of the decision that produced it (check --explain):
  // each rule with findings is evaluated once more with a recorder, to this depth.
  bool explain = false;
  int explain_depth = 4;
  // Rendered manifests to check as well (check --generated), by environment: each
  // environment's input gets `generated`, {file path: [documents]}, and a finding whose
  // message names a `file` (and a `document` index) is located in that file.
  std::map<std::string, std::vector<PolicyText>> generated;
  // Time and memory limits for every evaluation the check makes (check and explain).
  ResourceLimits limits;
  // Versioned service blueprints: the version to load ("v2"; empty: the highest), and where
  // to say which file each one loaded (blueprint::ResolveOptions::version and ::note).
  std::string blueprint_version;
  std::function<void(const std::string&)> blueprint_note;
};

// One decision rule (deny/warn/violation) as reports describe it.
struct RuleDescriptor {
  std::string rule;  // data path: "policies.security.deny_plaintext_secret"
  std::string id;    // custom.id, else the data path
  std::string title;
  std::string description;
  std::string domain;
  std::string remediation;
  Severity severity = Severity::Error;
  std::string policy_file;
  int policy_line = 0;
};

struct Finding {
  size_t rule = 0;  // index into CheckReport::rules
  std::string id;   // the message's id, else the rule's
  Severity severity = Severity::Error;
  std::string domain;
  std::string service;  // "" for system-wide findings
  std::string environment;
  std::string message;
  std::string path;  // within the service ("ingress.tls.enabled"), or "system.<path>"
  std::string remediation;
  // Where the value at `path` was set (or its nearest existing parent).
  std::string file;
  int line = 0;
  int column = 0;
  std::string source_line;  // that line of the file, secrets masked
  std::string set_by;       // "overlays/prod.yaml:4" when an overlay set the value
  std::string base_value;   // JSON of the base value an overlay replaced
  bool waived = false;
  std::string waiver_justification;
  std::string waiver_note;  // e.g. "waiver expired on 2026-01-31"
  // With CheckOptions::explain: the proof, as text (indented for the text report) and as the
  // JSON tree `policyc explain` prints.
  std::string explanation_text;
  Value explanation;
};

struct CheckReport {
  CheckReport() = default;
  CheckReport(CheckReport&&) noexcept = default;
  // The old report ends as a whole, its frozen values last (see `frozen`).
  CheckReport& operator=(CheckReport&& other) noexcept;
  ~CheckReport() = default;

  // Values the check froze to share between its evaluators (the input of a large system, rule
  // values the evaluators shared). Declared first, so destroyed last: everything below may hold
  // handles into them. A caller that keeps a Value of the report keeps the report with it.
  std::shared_ptr<FrozenValues> frozen;
  std::vector<std::string> services;      // sorted
  std::vector<std::string> environments;  // in the order checked
  std::vector<RuleDescriptor> rules;      // sorted by id
  std::vector<Finding> findings;          // sorted: service, environment, severity, id, path
  std::vector<Value> observability;       // coverage report entries, with "environment"
  std::vector<Value> cost;                // cost projections, with "environment"
  std::vector<Diagnostic> warnings;       // waiver problems that do not stop the check
  // The last environment's resolved blueprint and evaluation results. Freeing them took a
  // tenth of checking a 10,000-service system, so they go with the report, and a caller
  // about to exit (the CLI) need never free them.
  std::shared_ptr<const void> retained;

  size_t count(Severity s) const;  // findings not waived
  size_t waived() const;
  bool failed(Severity fail_level) const;  // a finding not waived at or above the level
};

// Loads and resolves the blueprint (a directory or one service file) for each environment,
// loads the policies and waivers, evaluates every decision rule and the report documents
// (data.policies.observability.coverage, data.policies.cost.projection). False on usage or
// input errors (positioned diagnostics in `errors`); policy findings are not errors.
// Load errors show the offending line under a caret; a line that holds what looks like a
// secret (`DB_PASSWORD: ...`, a connection string) keeps its key only. The line is read
// here when the error lacks it, so no later printer reads it unmasked.
void mask_secret_lines(std::vector<Diagnostic>& errors);

bool run_check(const std::string& blueprint_path, const CheckOptions& options,
               const BuiltinRegistry& registry, CheckReport& report,
               std::vector<Diagnostic>& errors);

// Renderers. Every output is deterministic and never contains a secret's value.
std::string to_text(const CheckReport& report, Severity fail_level, bool color);
std::string to_json(const CheckReport& report, Severity fail_level);
// The same report as a value, for writers that stream it (write_json_parallel, pretty).
Value to_json_value(const CheckReport& report, Severity fail_level);
std::string to_sarif(const CheckReport& report, const std::string& tool_version);
std::string to_junit(const CheckReport& report, Severity fail_level);
std::string to_github(const CheckReport& report);

}  // namespace policyc::check
