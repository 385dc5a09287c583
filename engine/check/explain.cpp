// `policyc explain`: one decision rule evaluated with a recorder, its proofs matched to the
// findings they produced, and every input value they read traced back to its blueprint line.
#include "policyc/check/explain.hpp"

#include <map>
#include <string>
#include <utility>

#include "internal.hpp"
#include "locator.hpp"
#include "policyc/engine/explain.hpp"

namespace policyc::check {

struct ExplainReport::Impl {
  std::unique_ptr<explain::Recorder> recorder;  // made once the input is known
  TracedRun run;
  std::string rule_path;  // "data.policies.security.deny_x"
  bool why_not = false;
  // Input collections by identity, with their path in the input ("services.api.ingress"):
  // a variable bound to one (`svc`) tells where the values read through it are.
  std::map<const void*, std::string> paths;
  std::vector<Value> messages;  // one per finding, as the rule produced them
  std::unique_ptr<ProofView> view;
};

ExplainReport::ExplainReport() = default;
ExplainReport::~ExplainReport() = default;
ExplainReport::ExplainReport(ExplainReport&&) noexcept = default;
ExplainReport& ExplainReport::operator=(ExplainReport&&) noexcept = default;

namespace {

const void* identity(const Value& v) {
  if (v.is_object() && v.size() > 0) return v.entries().data();
  if ((v.is_array() || v.is_set()) && v.size() > 0) return v.items().data();
  return nullptr;
}

std::string path_key(const std::string& parent, const Value& key) {
  if (key.is_number()) {
    int64_t i = 0;
    if (key.to_int64(i) && i >= 0) return blueprint::index_path(parent, static_cast<size_t>(i));
  }
  return blueprint::child_path(parent, key.is_string() ? key.str() : key.to_json());
}

void index_paths(const Value& v, const std::string& path, std::map<const void*, std::string>& out) {
  const void* id = identity(v);
  if (!id) return;
  out.emplace(id, path);
  if (v.is_object()) {
    for (const auto& [key, child] : v.entries()) index_paths(child, path_key(path, key), out);
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.items().size(); ++i)
      index_paths(v.items()[i], blueprint::index_path(path, i), out);
  }
}

}  // namespace

void index_input_paths(const Value& input, const std::string& service,
                       std::map<const void*, std::string>& out) {
  if (const Value* system = input.get_ptr(Value::string("system")))
    index_paths(*system, "system", out);
  const Value* services = input.get_ptr(Value::string("services"));
  if (!services || !services->is_object()) return;
  for (const auto& [id, value] : services->entries()) {
    if (!service.empty() && id.str() != service) continue;
    index_paths(value, "services." + id.str(), out);
  }
}

namespace {

// The operand's path in the input ("services.api.ingress.tls.enabled"), or "" when it is
// not read from the input.
std::string input_path(const TraceOperand& op, const std::map<const void*, std::string>& paths) {
  std::string path;
  if (!op.root_is_input) {
    auto it = paths.find(identity(op.root));
    if (it == paths.end()) return "";
    path = it->second;
  }
  for (const auto& key : op.keys) path = path_key(path, key);
  return path;
}

Value mask_value(const Value& v, const SecretMask& mask) {
  if (v.is_string()) {
    std::string masked = mask.apply(v.str());
    return masked == v.str() ? v : Value::string(std::move(masked));
  }
  if (v.is_array() || v.is_set()) {
    ValueVec items;
    for (const auto& item : v.items()) items.push_back(mask_value(item, mask));
    return v.is_array() ? Value::array(std::move(items)) : Value::set(std::move(items));
  }
  if (v.is_object()) {
    ObjectEntries entries;
    for (const auto& [key, child] : v.entries())
      entries.emplace_back(mask_value(key, mask), mask_value(child, mask));
    return Value::object(std::move(entries));
  }
  return v;
}

// Whether an attempt read anything of `service`: its name, its blueprint, or a message
// naming it.
bool mentions(const explain::Attempt& a, const std::string& service, const void* service_id) {
  const Value name = Value::string(service);
  auto matches = [&](const Value& v) {
    return v == name || (service_id && identity(v) == service_id);
  };
  for (const auto& step : a.steps) {
    for (const auto& op : step->operands) {
      if (matches(op.value) || (!op.root_is_input && matches(op.root))) return true;
      if (op.root_is_input && op.keys.size() >= 2 && op.keys[0] == Value::string("services") &&
          op.keys[1] == name)
        return true;
    }
  }
  if (a.produced) {
    if (a.value.is_string()) return a.value.str().find(service) != std::string::npos;
    if (a.value.is_object()) return string_field(a.value, "service") == service;
  }
  return false;
}

}  // namespace

ProofView::ProofView(const explain::Recorder& recorder, std::string rule_path,
                     const std::map<const void*, std::string>& paths,
                     const blueprint::ResolvedSystem& system, const SecretMask& mask)
    : recorder_(recorder),
      rule_path_(std::move(rule_path)),
      paths_(paths),
      mask_(mask),
      locator_(system, mask) {}

explain::RenderOptions ProofView::render_options(bool proofs, bool failures) const {
  explain::RenderOptions o;
  o.proofs = proofs;
  o.failures = failures;
  o.mask = [this](const Value& v) { return mask_value(v, mask_); };
  o.origin_lines = [this](const TraceOperand& op) { return origin_lines(op); };
  o.origin_json = [this](const TraceOperand& op) { return origin_json(op); };
  o.earlier = [this](const std::string& rule) { return recorder_.latest(rule).get(); };
  return o;
}

explain::EvaluationPtr ProofView::proof_of(const Value& message) const {
  {
    auto root = recorder_.latest(rule_path_);
    if (!root) return nullptr;
    auto out = std::make_shared<explain::Evaluation>(*root);
    for (auto& body : out->bodies) {
      std::vector<explain::Attempt> kept;
      for (const auto& p : body.proofs)
        if (p.value == message) kept.push_back(p);
      body.proofs = std::move(kept);
      body.proofs_omitted = 0;
      body.failures.clear();
      body.failures_omitted = 0;
    }
    return out;
  }
}

explain::EvaluationPtr ProofView::whole() const { return recorder_.latest(rule_path_); }

// Where a value the policy read was set: nothing for whole collections (the policy read
// into them, and those reads have their own lines).
bool ProofView::locate(const TraceOperand& op, Finding& where) const {
  {
    if (op.value.is_collection()) return false;
    std::string path = input_path(op, paths_);
    if (path.starts_with("services.")) {
      std::string rest = path.substr(9);
      // Service ids hold no dots or brackets (schema), so the first one ends the id.
      size_t cut = rest.find_first_of(".[");
      const auto* service = locator_.service(rest.substr(0, cut));
      if (!service) return false;
      where.path = cut == std::string::npos ? "" : rest.substr(cut + (rest[cut] == '.' ? 1 : 0));
      if (where.path.empty()) {
        locator_.locate_file(*service, where);
      } else {
        locator_.locate(*service, where.path, where);
      }
      return !where.file.empty();
    }
    if (path.starts_with("system.")) {
      where.path = path;
      locator_.locate_system(path.substr(7), where);
      return !where.file.empty();
    }
    return false;
  }
}

std::vector<std::string> ProofView::origin_lines(const TraceOperand& op) const {
  {
    Finding where;
    if (!locate(op, where)) return {};
    std::vector<std::string> lines;
    std::string head = (op.value.is_defined() ? "from " : "nearest value at ") +
                       location_text(where) + " (" + where.path + ")";
    lines.push_back(where.path.empty() ? head.substr(0, head.size() - 3) : head);
    if (!where.set_by.empty()) {
      std::string set_by = "set by " + where.set_by;
      if (!where.base_value.empty()) set_by += ", base had " + where.base_value;
      lines.push_back(set_by);
    }
    std::string caret;
    append_caret(caret, where, "");
    for (size_t start = 0; start < caret.size();) {
      size_t end = caret.find('\n', start);
      lines.push_back(caret.substr(start, end - start));
      start = end + 1;
    }
    return lines;
  }
}

Value ProofView::origin_json(const TraceOperand& op) const {
  {
    Finding where;
    if (!locate(op, where)) return Value();
    ObjectEntries out = {
        {Value::string("path"), Value::string(where.path)},
        {Value::string("file"), Value::string(where.file)},
        {Value::string("line"), Value::integer(where.line)},
        {Value::string("column"), Value::integer(where.column)},
        {Value::string("source_line"), Value::string(where.source_line)},
    };
    if (!where.set_by.empty())
      out.emplace_back(Value::string("set_by"), Value::string(where.set_by));
    if (!where.base_value.empty())
      out.emplace_back(Value::string("base_value"), Value::string(where.base_value));
    return Value::object(std::move(out));
  }
}

namespace {

Value finding_json(const Finding& f) {
  ObjectEntries out = {
      {Value::string("id"), Value::string(f.id)},
      {Value::string("severity"), Value::string(severity_name(f.severity))},
      {Value::string("service"), Value::string(f.service)},
      {Value::string("message"), Value::string(f.message)},
      {Value::string("path"), Value::string(f.path)},
  };
  if (!f.file.empty()) {
    out.emplace_back(Value::string("location"),
                     Value::object({{Value::string("file"), Value::string(f.file)},
                                    {Value::string("line"), Value::integer(f.line)},
                                    {Value::string("column"), Value::integer(f.column)}}));
  }
  if (!f.set_by.empty()) out.emplace_back(Value::string("set_by"), Value::string(f.set_by));
  if (!f.base_value.empty())
    out.emplace_back(Value::string("base_value"), Value::string(f.base_value));
  return Value::object(std::move(out));
}

std::string default_environment(const std::string& path, const CheckOptions& options) {
  if (!options.environments.empty()) return options.environments.front();
  auto declared = system_file_environments(path);
  return declared.empty() ? "prod" : declared.front();
}

}  // namespace

static bool run_explain_unmasked(const std::string& blueprint_path,
                                 const CheckOptions& check_options, const ExplainOptions& options,
                                 const BuiltinRegistry& registry, ExplainReport& report,
                                 std::vector<Diagnostic>& errors) {
  report = ExplainReport{};
  std::string rule = options.rule;
  std::string service = options.service;
  std::string environment = options.environment;
  std::string message;  // with --finding: the one finding to explain
  if (options.finding >= 0) {
    CheckReport checked;
    if (!run_check(blueprint_path, check_options, registry, checked, errors)) return false;
    if (static_cast<size_t>(options.finding) >= checked.findings.size()) {
      errors.push_back(Diagnostic{"usage_error",
                                  "--finding " + std::to_string(options.finding) +
                                      " is out of range: check found " +
                                      std::to_string(checked.findings.size()) + " findings",
                                  "", 0, 0, ""});
      return false;
    }
    const Finding& f = checked.findings[static_cast<size_t>(options.finding)];
    rule = checked.rules[f.rule].rule;
    service = f.service;
    environment = f.environment;
    message = f.message;
  }
  if (environment.empty()) environment = default_environment(blueprint_path, check_options);
  // One service of many: only its attempts are kept, and more of them.
  auto impl = std::make_unique<ExplainReport::Impl>();
  impl->why_not = options.why_not;
  TracedRun& run = impl->run;
  run.rule = rule;
  run.environment = environment;
  ExplainReport::Impl& state = *impl;
  const int depth = options.depth;
  run.make_tracer = [&state, service, depth](const Value& input, const TracedState&) -> Tracer* {
    index_input_paths(input, service, state.paths);
    const void* service_id = nullptr;
    if (const Value* services = input.get_ptr(Value::string("services"))) {
      if (const Value* chosen =
              service.empty() ? nullptr : services->get_ptr(Value::string(service)))
        service_id = identity(*chosen);
    }
    explain::RecorderOptions o;
    o.depth = depth;
    if (!service.empty()) {
      // One service of many: only its attempts are kept, and more of them.
      o.max_proofs = o.max_failures = 8;
      o.relevant = [service, service_id](const explain::Attempt& a) {
        return mentions(a, service, service_id);
      };
    }
    state.recorder = std::make_unique<explain::Recorder>(std::move(o));
    return state.recorder.get();
  };
  CheckReport checked;
  if (!run_traced(blueprint_path, check_options, registry, run, checked, errors)) return false;
  report.rule = checked.rules[run.rule_index];
  report.environment = environment;
  report.service = service;
  impl->rule_path = "data." + report.rule.rule;
  for (size_t i = 0; i < checked.findings.size(); ++i) {
    const Finding& f = checked.findings[i];
    if (!service.empty() && f.service != service) continue;
    if (!message.empty() && f.message != message) continue;
    report.findings.push_back(f);
    impl->messages.push_back(run.messages[i]);
  }
  impl->view = std::make_unique<ProofView>(*impl->recorder, impl->rule_path, impl->paths,
                                           impl->run.state->system, impl->run.state->mask);
  report.impl = std::move(impl);
  return true;
}

bool run_explain(const std::string& blueprint_path, const CheckOptions& check_options,
                 const ExplainOptions& options, const BuiltinRegistry& registry,
                 ExplainReport& report, std::vector<Diagnostic>& errors) {
  bool ok = run_explain_unmasked(blueprint_path, check_options, options, registry, report, errors);
  if (!ok) mask_secret_lines(errors);
  return ok;
}

std::string explain_to_text(const ExplainReport& report) {
  std::string out;
  const RuleDescriptor& rule = report.rule;
  const std::string subject = report.service.empty() ? "any service" : report.service;
  out += rule.id + " (" + rule.rule + ") in " + report.environment + " for " + subject + "\n";
  out += "rule: " + rule.title + " (" + rule.policy_file + ":" + std::to_string(rule.policy_line) +
         ")\n";
  if (!report.impl || !report.impl->recorder) return out;
  const ProofView& explainer = *report.impl->view;
  for (size_t i = 0; i < report.findings.size(); ++i) {
    const Finding& f = report.findings[i];
    out += "\n" + std::string(severity_name(f.severity)) + " " + f.id + ": " + f.message + "\n";
    append_location(out, f, "    ");
    if (auto proof = explainer.proof_of(report.impl->messages[i])) {
      out += "  why it fired:\n";
      out += explain::to_text(*proof, explainer.render_options(true, false), 4);
    }
  }
  auto whole = explainer.whole();
  if (report.findings.empty()) {
    out += "\n" + rule.id + " did not fire for " + subject + " in " + report.environment + ".\n";
  }
  if ((report.findings.empty() || report.impl->why_not) && whole) {
    out += report.findings.empty() ? "  why not:\n" : "\n  attempts that failed:\n";
    out += explain::to_text(*whole, explainer.render_options(false, true), 4);
  }
  return out;
}

Value explain_to_json(const ExplainReport& report) {
  const RuleDescriptor& rule = report.rule;
  auto str = [](const std::string& s) { return Value::string(s); };
  ObjectEntries out = {
      {str("rule"), Value::object({{str("id"), str(rule.id)},
                                   {str("rule"), str(rule.rule)},
                                   {str("title"), str(rule.title)},
                                   {str("severity"), str(severity_name(rule.severity))},
                                   {str("policy_file"), str(rule.policy_file)},
                                   {str("policy_line"), Value::integer(rule.policy_line)}})},
      {str("environment"), str(report.environment)},
      {str("service"), str(report.service)},
      {str("fired"), Value::boolean(!report.findings.empty())},
  };
  ValueVec findings;
  if (report.impl && report.impl->recorder) {
    const ProofView& explainer = *report.impl->view;
    for (size_t i = 0; i < report.findings.size(); ++i) {
      Value f = finding_json(report.findings[i]);
      ObjectEntries fields(f.entries().begin(), f.entries().end());
      if (auto proof = explainer.proof_of(report.impl->messages[i]))
        fields.emplace_back(str("explanation"),
                            explain::to_json(*proof, explainer.render_options(true, false)));
      findings.push_back(Value::object(std::move(fields)));
    }
    auto whole = explainer.whole();
    if ((report.findings.empty() || report.impl->why_not) && whole)
      out.emplace_back(str("why_not"),
                       explain::to_json(*whole, explainer.render_options(false, true)));
  }
  out.emplace(out.begin() + 4, str("findings"), Value::array(std::move(findings)));
  return Value::object(std::move(out));
}

}  // namespace policyc::check
