// The check runner: policies in, blueprint resolved per environment, decisions out as
// findings located in the blueprint.
#include <re2/re2.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "internal.hpp"
#include "locator.hpp"
#include "policyc/blueprint/blueprint.hpp"
#include "policyc/check/check.hpp"
#include "policyc/core/io.hpp"
#include "policyc/core/tasks.hpp"
#include "policyc/engine/engine.hpp"
#include "policyc/engine/loader.hpp"

namespace policyc::check {

namespace fs = std::filesystem;

const char* severity_name(Severity s) {
  switch (s) {
    case Severity::Error:
      return "error";
    case Severity::Warning:
      return "warning";
    case Severity::Info:
      return "info";
  }
  return "error";
}

bool parse_severity(const std::string& text, Severity& out) {
  if (text == "error" || text == "critical" || text == "high") {
    out = Severity::Error;
  } else if (text == "warning" || text == "warn" || text == "medium") {
    out = Severity::Warning;
  } else if (text == "info" || text == "low" || text == "note") {
    out = Severity::Info;
  } else {
    return false;
  }
  return true;
}

CheckReport& CheckReport::operator=(CheckReport&& other) noexcept {
  if (this != &other) {
    this->~CheckReport();
    new (this) CheckReport(std::move(other));
  }
  return *this;
}

size_t CheckReport::count(Severity s) const {
  return static_cast<size_t>(std::count_if(findings.begin(), findings.end(), [&](const Finding& f) {
    return !f.waived && f.severity == s;
  }));
}

size_t CheckReport::waived() const {
  return static_cast<size_t>(
      std::count_if(findings.begin(), findings.end(), [](const Finding& f) { return f.waived; }));
}

bool CheckReport::failed(Severity fail_level) const {
  return std::any_of(findings.begin(), findings.end(), [&](const Finding& f) {
    return !f.waived && static_cast<int>(f.severity) <= static_cast<int>(fail_level);
  });
}

bool load_policy_text(Engine& engine, const PolicyText& policy, std::vector<Diagnostic>& errors) {
  fs::path path(policy.path);
  if (path.extension() == ".rego")
    return engine.add_module(policy.path, policy.text, false, errors);
  Value doc;
  TextError err;
  if (!parse_json(policy.text, doc, err)) {
    errors.push_back(text_error_diagnostic(policy.path, policy.text, err, "rego_parse_error"));
    return false;
  }
  // Data lands at its directory below the pack root, as `opa eval -d policies` places it.
  std::vector<std::string> data_path;
  for (const auto& part : path.parent_path()) data_path.push_back(part.string());
  if (!data_path.empty()) data_path.erase(data_path.begin());
  return engine.add_data(data_path, doc, errors);
}

std::string location_text(const Finding& f) {
  if (f.file.empty()) return "";
  return f.file + ":" + std::to_string(f.line) + ":" + std::to_string(f.column);
}

namespace {

// deny, violation (errors) and warn (warnings), bare or with a `_suffix`, as conftest reads them.
bool decision_kind(const std::string& name, Severity& severity) {
  static const std::pair<std::string_view, Severity> kKinds[] = {
      {"deny", Severity::Error}, {"violation", Severity::Error}, {"warn", Severity::Warning}};
  for (const auto& [prefix, sev] : kKinds) {
    if (name == prefix || (name.size() > prefix.size() + 1 && name.starts_with(prefix) &&
                           name[prefix.size()] == '_')) {
      severity = sev;
      return true;
    }
  }
  return false;
}

bool is_identifier(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

std::string data_ref(const std::vector<std::string>& package, const std::string& name) {
  std::string ref = "data";
  auto append = [&](const std::string& part) {
    ref += is_identifier(part) ? "." + part : "[" + Value::string(part).to_json() + "]";
  };
  for (const auto& part : package) append(part);
  append(name);
  return ref;
}

std::string join(const std::vector<std::string>& parts, char sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

// What checking one environment builds and the report does not copy.
struct EnvironmentState {
  blueprint::ResolvedSystem system;
  std::vector<std::vector<QueryResult>> results;
};

struct DecisionRule {
  RuleDescriptor descriptor;
  std::string query_text;  // data.policies.security.deny_x
  PreparedQuery query;
};

class Runner {
 public:
  Runner(const CheckOptions& options, const BuiltinRegistry& registry, CheckReport& report,
         std::vector<Diagnostic>& errors)
      : options_(options), engine_(registry), report_(report), errors_(errors) {}

  bool load_policies() {
    if (!load_and_compile(engine_, errors_)) return false;
    for (const auto& w : engine_.warnings()) report_.warnings.push_back(w);
    collect_rules();
    for (auto& rule : rules_) {
      if (!engine_.prepare(rule.query_text, rule.query, errors_)) return false;
    }
    collect_reports();
    if (!collect_secret_rules()) return false;
    for (const auto& report : report_queries_) {
      reports_.emplace_back();
      if (!engine_.prepare(report.query, reports_.back(), errors_)) return false;
    }
    group_by_package();
    return true;
  }

  // The decision rules `selector` names: its custom.id, its data path, or its name when one
  // package has it.
  std::vector<size_t> find_rules(const std::string& selector) const {
    std::vector<size_t> by_id, by_name;
    for (size_t r = 0; r < rules_.size(); ++r) {
      const RuleDescriptor& d = rules_[r].descriptor;
      if (d.id == selector || d.rule == selector || "data." + d.rule == selector)
        by_id.push_back(r);
      else if (d.rule.ends_with("." + selector))
        by_name.push_back(r);
    }
    return by_id.empty() ? by_name : by_id;
  }
  const RuleDescriptor& rule_descriptor(size_t r) const { return rules_[r].descriptor; }

  // One decision rule in one environment, evaluated with the tracer the request makes once
  // the input is known; findings are added for that rule only.
  bool trace_rule(const std::string& path, const std::string& environment, size_t rule,
                  TracedRun& run) {
    blueprint::ResolveOptions resolve_options;
    resolve_options.environment = environment;
    resolve_options.editions = options_.editions;
    resolve_options.version = options_.blueprint_version;
    resolve_options.note = options_.blueprint_note;
    auto state = std::make_shared<TracedState>(secret_rules_);
    resolve_options.inspect_file = [&](const blueprint::SourceDocument& file) {
      state->mask.inspect(file);
    };
    if (!blueprint::resolve(path, resolve_options, state->system, errors_)) return false;
    for (const auto& service : state->system.services) services_.insert(service.id);
    Value input = blueprint::input_document(state->system);
    Tracer* tracer = run.make_tracer(input, *state);
    EvalOptions eval_options;
    eval_options.limits = &options_.limits;
    eval_options.print = [](const std::string&) {};
    eval_options.tracer = tracer;
    engine_.set_input(input);
    std::vector<QueryResult> results;
    bool ok = engine_.eval(rules_[rule].query, eval_options, results, errors_);
    engine_.clear_input();
    if (!ok) return false;
    Locator locator(state->system, state->mask);
    if (!results.empty() && !results[0].expressions.empty()) {
      const Value& decision = results[0].expressions[0].value;
      if (decision.is_set() || decision.is_array()) {
        for (const auto& message : decision.items()) {
          add_finding(rule, message, environment, state->system, locator, state->mask);
          run.messages.push_back(message);
        }
      } else if (decision.is_string() || decision.is_object() || decision.is_true()) {
        add_finding(rule, decision, environment, state->system, locator, state->mask);
        run.messages.push_back(decision);
      }
    }
    run.state = std::move(state);
    return true;
  }

  bool check_environment(const std::string& path, const std::string& environment) {
    blueprint::ResolveOptions resolve_options;
    resolve_options.environment = environment;
    resolve_options.editions = options_.editions;
    resolve_options.version = options_.blueprint_version;
    resolve_options.note = options_.blueprint_note;
    // A system large enough for two evaluators has its services frozen as they load.
    // Not with --explain, whose second evaluation keeps the input: values shared between
    // threads are frozen, and a frozen value must have no other owner.
    if (TaskPool::shared().concurrency() >= 2 && units_.size() >= 2 && !options_.explain)
      resolve_options.immortal_min_services = options_.parallel_min_services;
    // One environment's state is alive at a time: the previous one is freed here.
    report_.retained.reset();
    auto state = std::make_shared<EnvironmentState>();
    blueprint::ResolvedSystem& system = state->system;
    SecretMask mask(secret_rules_);
    resolve_options.inspect_file = [&](const blueprint::SourceDocument& file) {
      mask.inspect(file);
    };
    if (!blueprint::resolve(path, resolve_options, system, errors_)) return false;
    for (const auto& service : system.services) services_.insert(service.id);
    Locator locator(system, mask);
    std::vector<std::vector<QueryResult>>& results = state->results;
    const size_t first_finding = report_.findings.size();
    Value input = blueprint::input_document(system);
    if (!add_generated(environment, input)) return false;
    Value kept_for_explain = options_.explain ? input : Value();
    if (!evaluate(std::move(input), system.services.size(), system.immortal_services, results)) {
      return false;
    }
    for (size_t r = 0; r < rules_.size(); ++r) {
      if (results[r].empty() || results[r][0].expressions.empty()) continue;
      const Value& decision = results[r][0].expressions[0].value;
      if (decision.is_set() || decision.is_array()) {
        for (const auto& message : decision.items())
          add_finding(r, message, environment, system, locator, mask);
      } else if (decision.is_string() || decision.is_object() || decision.is_true()) {
        add_finding(r, decision, environment, system, locator, mask);
      }
    }
    for (size_t i = 0; i < report_queries_.size(); ++i) {
      const ReportQuery& report = report_queries_[i];
      add_report(results[rules_.size() + i], environment, report.key.c_str(),
                 report.kind == ReportKind::Observability ? report_.observability : report_.cost);
    }
    if (options_.explain && !explain_findings(first_finding, kept_for_explain, system, mask))
      return false;
    report_.retained = std::move(state);
    return true;
  }

  // check --generated: the environment's rendered manifests, parsed (with positions, for the
  // findings) and added to the input as `generated`.
  bool add_generated(const std::string& environment, Value& input) {
    generated_sources_.clear();
    auto it = options_.generated.find(environment);
    if (it == options_.generated.end()) return true;
    ObjectEntries files;
    for (const auto& file : it->second) {
      blueprint::SourceDocument source;
      if (!blueprint::parse_source(file.path, file.text, source, errors_)) return false;
      files.emplace_back(Value::string(file.path), Value::array(source.documents));
      generated_sources_.emplace(file.path, std::move(source));
    }
    ObjectEntries entries(input.entries().begin(), input.entries().end());
    entries.emplace_back(Value::string("generated"), Value::object(std::move(files)));
    input = Value::object(std::move(entries));
    return true;
  }

  // check --explain: each rule with findings since `first` evaluated again with a recorder,
  // and each of those findings given the proof of its message.
  bool explain_findings(size_t first, const Value& input, const blueprint::ResolvedSystem& system,
                        const SecretMask& mask) {
    std::map<const void*, std::string> paths;
    index_input_paths(input, "", paths);
    std::set<size_t> rules;
    for (size_t i = first; i < report_.findings.size(); ++i) rules.insert(report_.findings[i].rule);
    engine_.set_input(input);
    for (size_t r : rules) {
      explain::RecorderOptions recorder_options;
      recorder_options.depth = options_.explain_depth;
      recorder_options.max_proofs = SIZE_MAX;
      recorder_options.max_failures = 0;
      explain::Recorder recorder(std::move(recorder_options));
      EvalOptions eval_options;
      eval_options.limits = &options_.limits;
      eval_options.print = [](const std::string&) {};
      eval_options.tracer = &recorder;
      std::vector<QueryResult> ignored;
      if (!engine_.eval(rules_[r].query, eval_options, ignored, errors_)) {
        engine_.clear_input();
        return false;
      }
      ProofView view(recorder, "data." + rules_[r].descriptor.rule, paths, system, mask);
      for (size_t i = first; i < report_.findings.size(); ++i) {
        Finding& f = report_.findings[i];
        if (f.rule != r) continue;
        auto proof = view.proof_of(finding_messages_[i]);
        if (!proof) continue;
        f.explanation_text = explain::to_text(*proof, view.render_options(true, false), 8);
        f.explanation = explain::to_json(*proof, view.render_options(true, false));
      }
    }
    engine_.clear_input();
    return true;
  }

  // report.rules as collect_rules made them, so finding indexes stay valid.
  bool finish_traced() {
    report_.services.assign(services_.begin(), services_.end());
    for (auto& rule : rules_) report_.rules.push_back(rule.descriptor);
    return true;
  }

  void finish() {
    report_.services.assign(services_.begin(), services_.end());
    for (auto& rule : rules_) report_.rules.push_back(rule.descriptor);
    std::vector<size_t> order(report_.rules.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      const auto& x = report_.rules[a];
      const auto& y = report_.rules[b];
      return std::tie(x.id, x.rule) < std::tie(y.id, y.rule);
    });
    std::vector<RuleDescriptor> sorted;
    std::vector<size_t> new_index(order.size());
    for (size_t i = 0; i < order.size(); ++i) {
      new_index[order[i]] = i;
      sorted.push_back(report_.rules[order[i]]);
    }
    report_.rules = std::move(sorted);
    for (auto& f : report_.findings) f.rule = new_index[f.rule];
    auto env_index = [&](const std::string& env) {
      return std::find(report_.environments.begin(), report_.environments.end(), env) -
             report_.environments.begin();
    };
    std::sort(report_.findings.begin(), report_.findings.end(),
              [&](const Finding& a, const Finding& b) {
                auto ea = env_index(a.environment), eb = env_index(b.environment);
                int sa = static_cast<int>(a.severity), sb = static_cast<int>(b.severity);
                return std::tie(a.service, ea, sa, a.id, a.path, a.message) <
                       std::tie(b.service, eb, sb, b.id, b.path, b.message);
              });
    report_.findings.erase(std::unique(report_.findings.begin(), report_.findings.end(),
                                       [](const Finding& a, const Finding& b) {
                                         return a.service == b.service &&
                                                a.environment == b.environment && a.id == b.id &&
                                                a.path == b.path && a.message == b.message &&
                                                a.severity == b.severity;
                                       }),
                           report_.findings.end());
  }

 private:
  void collect_rules() {
    std::map<std::string, size_t> by_path;
    for (const auto& info : engine_.rules()) {
      Severity kind_severity;
      if (info.is_function || !decision_kind(info.name, kind_severity)) continue;
      std::string package = join(info.package, '.');
      if (!options_.all_namespaces && !in_namespaces(package)) continue;
      std::string path = package + "." + info.name;
      auto [it, inserted] = by_path.emplace(path, rules_.size());
      if (inserted) {
        DecisionRule rule;
        rule.query_text = data_ref(info.package, info.name);
        rule.descriptor.rule = path;
        rule.descriptor.id = path;
        rule.descriptor.title = info.name;
        rule.descriptor.domain = info.package.back();
        rule.descriptor.severity = kind_severity;
        rule.descriptor.policy_file = info.file;
        rule.descriptor.policy_line = info.line;
        rules_.push_back(std::move(rule));
      }
      if (info.annotations.is_object()) apply_annotations(info, rules_[it->second]);
    }
  }

  bool in_namespaces(const std::string& package) const {
    for (const auto& ns : options_.namespaces) {
      if (package == ns || (package.starts_with(ns) && package[ns.size()] == '.')) return true;
    }
    return false;
  }

  static void apply_annotations(const Engine::RuleInfo& info, DecisionRule& rule) {
    RuleDescriptor& d = rule.descriptor;
    const Value& a = info.annotations;
    if (std::string title = string_field(a, "title"); !title.empty()) d.title = title;
    if (std::string text = string_field(a, "description"); !text.empty()) d.description = text;
    d.policy_line = info.line;
    d.policy_file = info.file;
    const Value* custom = field(a, "custom");
    if (!custom) return;
    if (std::string id = string_field(*custom, "id"); !id.empty()) d.id = id;
    if (std::string domain = string_field(*custom, "domain"); !domain.empty()) d.domain = domain;
    if (std::string text = string_field(*custom, "remediation"); !text.empty())
      d.remediation = text;
    Severity severity;
    if (parse_severity(string_field(*custom, "severity"), severity)) d.severity = severity;
  }

  void add_finding(size_t r, const Value& message, const std::string& environment,
                   const blueprint::ResolvedSystem& system, const Locator& locator,
                   const SecretMask& mask) {
    const RuleDescriptor& rule = rules_[r].descriptor;
    Finding f;
    f.rule = r;
    f.id = rule.id;
    f.severity = rule.severity;
    f.domain = rule.domain;
    f.remediation = rule.remediation;
    f.environment = environment;
    if (message.is_string()) {
      f.message = message.str();
    } else if (message.is_object()) {
      const Value* msg = field(message, "msg");
      f.message = msg && msg->is_string() ? msg->str() : message.to_json();
      if (std::string id = string_field(message, "id"); !id.empty()) f.id = id;
      Severity severity;
      if (parse_severity(string_field(message, "severity"), severity)) f.severity = severity;
      if (std::string text = string_field(message, "remediation"); !text.empty())
        f.remediation = text;
      f.service = string_field(message, "service");
      f.path = string_field(message, "path");
    } else {
      f.message = rule.title;
    }
    f.message = mask.apply(f.message);
    const std::string generated_file = message.is_object() ? string_field(message, "file") : "";
    if (auto it = generated_sources_.find(generated_file); it != generated_sources_.end()) {
      const Value* doc = field(message, "document");
      int64_t index = 0;
      if (!doc || !doc->to_int64(index) || index < 0) index = 0;
      locator.locate_in(it->second, static_cast<size_t>(index), f.path, f);
    } else {
      locate_in_blueprint(f, system, locator);
    }
    report_.findings.push_back(std::move(f));
    if (options_.explain) finding_messages_.push_back(message);
  }

  // A finding on the blueprint: the service (the only one, when the message names none) and
  // the value at its path, through overlay provenance.
  static void locate_in_blueprint(Finding& f, const blueprint::ResolvedSystem& system,
                                  const Locator& locator) {
    if (f.service.empty() && !f.path.starts_with("system.") && system.services.size() == 1)
      f.service = system.services[0].id;
    if (f.path.starts_with("system.") || f.path == "system") {
      locator.locate_system(f.path == "system" ? "" : f.path.substr(7), f);
    } else if (const auto* service = locator.service(f.service)) {
      if (f.path.empty()) {
        locator.locate_file(*service, f);
      } else {
        locator.locate(*service, f.path, f);
      }
    } else if (f.path.empty()) {
      locator.locate_system("", f);
    }
  }

  static void add_report(const std::vector<QueryResult>& results, const std::string& environment,
                         const char* id_key, std::vector<Value>& out) {
    if (results.empty() || results[0].expressions.empty()) return;
    const Value& doc = results[0].expressions[0].value;
    if (!doc.is_object()) return;
    // One entry per service: the keys and the environment are made once, not per entry.
    const Value environment_key = Value::interned("environment");
    const Value environment_value = Value::string(environment);
    const Value id = Value::interned(id_key);
    out.reserve(out.size() + doc.size());
    for (const auto& [key, entry] : doc.entries()) {
      if (!entry.is_object()) continue;
      ObjectEntries fields;
      fields.reserve(entry.size() + 2);
      fields.assign(entry.entries().begin(), entry.entries().end());
      fields.emplace_back(environment_key, environment_value);
      if (!entry.get_ptr(id)) fields.emplace_back(id, key);
      out.push_back(Value::object(std::move(fields)));
    }
  }

  // The report documents: rules whose METADATA says `custom: {report: observability}` (or
  // `cost`), keyed by what `custom.report_key` names (the field each entry gets the rule's
  // key in). The packs say which of their rules are reports; nothing here names one.
  enum class ReportKind { Observability, Cost };
  struct ReportQuery {
    ReportKind kind;
    std::string query;    // data.<package>.<rule>
    std::string package;  // without "data."
    std::string key;
  };
  std::vector<ReportQuery> report_queries_;

  SecretRules secret_rules_;

  bool collect_secret_rules() {
    std::vector<std::string> words;
    std::vector<std::string> patterns;
    for (const auto& info : engine_.rules()) {
      const Value* custom = info.annotations.get_ptr(Value::string("custom"));
      const Value* mask = custom ? custom->get_ptr(Value::string("mask")) : nullptr;
      if (!mask || !mask->is_string() || info.is_function) continue;
      std::vector<QueryResult> results;
      EvalOptions eval_options;
      eval_options.limits = &options_.limits;
      if (!engine_.query(data_ref(info.package, info.name), eval_options, results, errors_))
        return false;
      if (results.empty() || results[0].expressions.empty()) continue;
      const Value& value = results[0].expressions[0].value;
      if (mask->str() == "key_words" && (value.is_array() || value.is_set())) {
        for (const auto& word : value.items()) {
          if (!word.is_string()) continue;
          std::string upper;
          for (char c : word.str())
            upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
          words.push_back(std::move(upper));
        }
      } else if (mask->str() == "value_pattern" && value.is_string()) {
        patterns.push_back(value.str());
      }
    }
    if (!words.empty()) secret_rules_.key_words = std::move(words);
    if (!patterns.empty()) {
      std::string joined;
      for (const auto& p : patterns) joined += (joined.empty() ? "(?:" : "|(?:") + p + ")";
      secret_rules_.value_pattern = joined;
    }
    return true;
  }

  void collect_reports() {
    std::set<std::string> seen;
    for (const auto& info : engine_.rules()) {
      const Value* custom = info.annotations.get_ptr(Value::string("custom"));
      const Value* report = custom ? custom->get_ptr(Value::string("report")) : nullptr;
      if (!report || !report->is_string() || info.is_function) continue;
      ReportKind kind;
      if (report->str() == "observability") {
        kind = ReportKind::Observability;
      } else if (report->str() == "cost") {
        kind = ReportKind::Cost;
      } else {
        continue;
      }
      std::string package = join(info.package, '.');
      if (!seen.insert(package + "." + info.name).second) continue;
      const Value* key = custom->get_ptr(Value::string("report_key"));
      report_queries_.push_back({kind, data_ref(info.package, info.name), package,
                                 key && key->is_string() ? key->str() : "id"});
    }
    // Observability first, then cost, each in rule order: the report's order.
    std::stable_sort(report_queries_.begin(), report_queries_.end(),
                     [](const ReportQuery& a, const ReportQuery& b) { return a.kind < b.kind; });
  }

  bool load_and_compile(Engine& engine, std::vector<Diagnostic>& errors) const {
    bool ok = true;
    for (const auto& policy : options_.stock_policies)
      ok = load_policy_text(engine, policy, errors) && ok;
    LoadOptions load_options;
    load_options.v0 = options_.v0_compatible;
    if (!options_.policy_paths.empty())
      ok = load_paths(engine, options_.policy_paths, load_options, errors) && ok;
    return ok && engine.compile(errors);
  }

  // Queries by package: the unit an evaluator takes at a time, so the helpers a package's
  // rules share are computed by one evaluator. A report comes right after its package's
  // first rule: reports are long, and a package's last queries are what the other evaluator
  // may take over at the end (short ones split the tail more evenly).
  void group_by_package() {
    std::map<std::string, size_t> unit_of;
    auto unit_for = [&](const std::string& package) -> std::vector<size_t>& {
      auto [it, inserted] = unit_of.emplace(package, units_.size());
      if (inserted) units_.emplace_back();
      return units_[it->second];
    };
    for (size_t r = 0; r < rules_.size(); ++r) {
      const std::string& path = rules_[r].descriptor.rule;
      unit_for(path.substr(0, path.rfind('.'))).push_back(r);
    }
    for (size_t i = 0; i < reports_.size(); ++i) {
      auto& unit = unit_for(report_queries_[i].package);
      unit.insert(unit.begin() + (unit.empty() ? 0 : 1), rules_.size() + i);
    }
    // Largest first, so that the evaluators finish close together: the last package taken
    // is a small one. Size is that of the policy source declaring the package's rules, a
    // rough but free measure of its work (more rules, more helpers).
    std::map<std::string, size_t> source_size;
    for (const auto& policy : options_.stock_policies)
      source_size[policy.path] = policy.text.size();
    std::map<std::string, std::set<std::string>> files_of;
    for (const auto& info : engine_.rules()) files_of[join(info.package, '.')].insert(info.file);
    auto weight = [&](const std::string& package) {
      size_t total = 0;
      for (const auto& file : files_of[package]) {
        auto it = source_size.find(file);
        std::error_code ec;
        size_t size = it != source_size.end() ? it->second : fs::file_size(file, ec);
        total += ec ? 0 : size;
      }
      return total;
    };
    std::vector<std::pair<size_t, size_t>> order;  // weight, unit
    for (const auto& [package, unit] : unit_of) order.emplace_back(weight(package), unit);
    std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    std::vector<std::vector<size_t>> sorted;
    for (const auto& entry : order) sorted.push_back(std::move(units_[entry.second]));
    units_ = std::move(sorted);
  }

  // All rules and reports over one input. With one evaluator, helpers the packages share are
  // computed once. A large system is split: two evaluators on two threads take whole
  // packages in turn (measured at 10,000 services, the per-package work dwarfs what the
  // packages share), over an input frozen so both may copy it.
  bool evaluate(Value input, size_t services, bool immortal_services,
                std::vector<std::vector<QueryResult>>& results) {
    EvalOptions eval_options;
    eval_options.limits = &options_.limits;
    eval_options.print = [](const std::string&) {};
    std::vector<const PreparedQuery*> queries;
    for (const auto& rule : rules_) queries.push_back(&rule.query);
    for (const auto& report : reports_) queries.push_back(&report);
    bool parallel = !options_.explain && services >= options_.parallel_min_services &&
                    TaskPool::shared().concurrency() >= 2 && units_.size() >= 2;
    // Services frozen as they loaded, and an input two evaluators share, belong to the report's
    // arena: the report outlives everything that holds handles into them.
    if (immortal_services || parallel) {
      if (!report_.frozen) report_.frozen = std::make_shared<FrozenValues>();
      input = report_.frozen->freeze(std::move(input));
    }
    if (!parallel) {
      engine_.set_input(std::move(input));
      bool ok = engine_.eval_batch(queries, eval_options, results, errors_);
      engine_.clear_input();
      return ok;
    }
    engine_.set_input(input);
    // One compiled set for both evaluators: what they read is frozen, what they write is
    // their own. It does not change between environments, so it is frozen once.
    if (!compiled_set_frozen_) {
      engine_.freeze(*report_.frozen, queries);
      compiled_set_frozen_ = true;
    }
    results.assign(queries.size(), {});
    // Rule values either evaluator computes are shared, so a query can run on either without
    // computing again what its package's other queries computed.
    SharedRuleValues shared_rules(*report_.frozen);
    eval_options.shared_rules = &shared_rules;
    // Whole packages are handed out first, largest first. An evaluator left without one
    // takes single queries of a package the other is still running, once that package's
    // first query is done: the first query usually computes what the others share (the cost
    // model, the observability matrix), which the helper then finds shared. Packages do not
    // split evenly, and without this one evaluator sat idle for the last 50-80 ms.
    struct UnitProgress {
      std::atomic<size_t> next{0};
      std::atomic<bool> first_done{false};
    };
    std::unique_ptr<UnitProgress[]> progress(new UnitProgress[units_.size()]);
    std::atomic<size_t> next_unit{0};
    auto puller = [&] {
      return [&, unit = units_.size(), last_unit = units_.size(),
              last_position = size_t{0}]() mutable -> size_t {
        if (last_unit < units_.size() && last_position == 0) progress[last_unit].first_done = true;
        auto take = [&](size_t u, size_t& query) {
          size_t position = progress[u].next.fetch_add(1);
          if (position >= units_[u].size()) return false;
          last_unit = u;
          last_position = position;
          query = units_[u][position];
          return true;
        };
        size_t query = 0;
        while (true) {
          if (unit < units_.size() && take(unit, query)) return query;
          unit = next_unit.fetch_add(1);
          if (unit >= units_.size()) break;
        }
        for (size_t u = 0; u < units_.size(); ++u) {
          if (progress[u].first_done && take(u, query)) return query;
        }
        last_unit = units_.size();
        return queries.size();
      };
    };
    std::vector<Diagnostic> second_errors;
    bool second_ok = true;
    TaskPool::Task second = TaskPool::shared().run([&] {
      second_ok = engine_.eval_pulled(queries, puller(), eval_options, results, second_errors);
    });
    bool ok = engine_.eval_pulled(queries, puller(), eval_options, results, errors_);
    second.wait();
    engine_.clear_input();
    errors_.insert(errors_.end(), second_errors.begin(), second_errors.end());
    return ok && second_ok;
  }

  const CheckOptions& options_;
  Engine engine_;
  std::vector<std::vector<size_t>> units_;  // query indexes by package
  CheckReport& report_;
  std::vector<Diagnostic>& errors_;
  std::vector<DecisionRule> rules_;
  std::vector<PreparedQuery> reports_;
  bool compiled_set_frozen_ = false;
  std::set<std::string> services_;
  std::vector<Value> finding_messages_;  // with options_.explain: each finding's message
  std::map<std::string, blueprint::SourceDocument> generated_sources_;  // this environment's
};

}  // namespace

// The environments system.yaml lists, when it lists any. Reading every service file only
// to learn them would add a whole load to checking a large system.
std::vector<std::string> system_file_environments(const std::string& path) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return {};
  for (const char* name : {"system.yaml", "system.yml", "system.json"}) {
    fs::path file = fs::path(path) / name;
    if (!fs::is_regular_file(file, ec)) continue;
    blueprint::SourceDocument source;
    std::vector<Diagnostic> ignored;  // the full resolve reports them
    if (!blueprint::load_source(file.string(), source, ignored) || source.documents.size() != 1)
      return {};
    blueprint::ResolvedSystem system;
    system.system = source.documents[0];
    return blueprint::declared_environments(system);
  }
  return {};
}

static bool run_check_unmasked(const std::string& blueprint_path, const CheckOptions& options,
                               const BuiltinRegistry& registry, CheckReport& report,
                               std::vector<Diagnostic>& errors);

void mask_secret_lines(std::vector<Diagnostic>& errors) {
  SecretMask mask{SecretRules{}};
  for (auto& d : errors) {
    attach_source_line(d);
    if (!d.source_line.empty()) d.source_line = mask.mask_key_line(d.source_line);
  }
}

bool run_check(const std::string& blueprint_path, const CheckOptions& options,
               const BuiltinRegistry& registry, CheckReport& report,
               std::vector<Diagnostic>& errors) {
  bool ok = run_check_unmasked(blueprint_path, options, registry, report, errors);
  if (!ok) mask_secret_lines(errors);
  return ok;
}

static bool run_check_unmasked(const std::string& blueprint_path, const CheckOptions& options,
                               const BuiltinRegistry& registry, CheckReport& report,
                               std::vector<Diagnostic>& errors) {
  report = CheckReport{};
  std::vector<Waiver> waivers;
  if (!options.waivers_path.empty() && !load_waivers(options.waivers_path, waivers, errors))
    return false;
  Runner runner(options, registry, report, errors);
  if (!runner.load_policies()) return false;

  report.environments = options.environments;
  if (report.environments.empty()) report.environments = system_file_environments(blueprint_path);
  if (report.environments.empty()) {
    blueprint::ResolveOptions base;
    base.environment = "";
    base.version = options.blueprint_version;
    blueprint::ResolvedSystem system;
    if (!blueprint::resolve(blueprint_path, base, system, errors)) return false;
    report.environments = blueprint::declared_environments(system);
    // Nothing declares an environment: check the strictest one.
    if (report.environments.empty()) report.environments.push_back("prod");
  }
  for (const auto& environment : report.environments) {
    if (!runner.check_environment(blueprint_path, environment)) return false;
  }
  runner.finish();
  apply_waivers(waivers, options.today.empty() ? today_utc() : options.today, report);
  return true;
}

bool run_traced(const std::string& blueprint_path, const CheckOptions& options,
                const BuiltinRegistry& registry, TracedRun& run, CheckReport& report,
                std::vector<Diagnostic>& errors) {
  report = CheckReport{};
  Runner runner(options, registry, report, errors);
  if (!runner.load_policies()) return false;
  std::vector<size_t> matches = runner.find_rules(run.rule);
  if (matches.size() != 1) {
    std::string message =
        "no decision rule (deny, warn, violation) has the id or name \"" + run.rule + "\"";
    if (!matches.empty()) {
      message = "\"" + run.rule + "\" names several rules; give an id or a data path:";
      for (size_t r : matches) message += " " + runner.rule_descriptor(r).rule;
    }
    errors.push_back(Diagnostic{"usage_error", message, "", 0, 0, ""});
    return false;
  }
  run.rule_index = matches[0];
  if (!runner.trace_rule(blueprint_path, run.environment, run.rule_index, run)) return false;
  report.environments = {run.environment};
  return runner.finish_traced();
}

}  // namespace policyc::check
