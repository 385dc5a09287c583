// The generation pipeline: check (unless forced), load the derive rules and the templates,
// resolve the blueprint for each environment (and once without one, the base that Kustomize
// and Helm overlay), run every template's `artifacts` query and render each artifact.
#include <openssl/evp.h>
#include <re2/re2.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "policyc/blueprint/blueprint.hpp"
#include "policyc/core/io.hpp"
#include "policyc/engine/engine.hpp"
#include "policyc/engine/loader.hpp"
#include "policyc/generator/generator.hpp"

namespace policyc::generator {

namespace fs = std::filesystem;

namespace {

const char* kTemplatePackage = "generate.templates.";

std::string sha256_hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

Diagnostic error_at(const std::string& file, const std::string& message) {
  return Diagnostic{"generate_error", message, file, 0, 0, ""};
}

// The .rego/.json/.yaml files under the given paths, sorted, with their text.
std::vector<check::PolicyText> read_policy_files(const std::vector<std::string>& paths,
                                                 std::vector<Diagnostic>& errors) {
  std::vector<check::PolicyText> out;
  auto add = [&](const fs::path& p) {
    const std::string ext = p.extension().string();
    if (ext != ".rego" && ext != ".json" && ext != ".yaml" && ext != ".yml") return;
    std::ifstream in(p, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    out.push_back({p.generic_string(), text.str()});
  };
  for (const auto& path : paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<std::string> files;
      policy_directory_files(path, files, errors);
      for (const auto& file : files) add(file);
    } else {
      add(path);
    }
  }
  std::sort(out.begin(), out.end(),
            [](const check::PolicyText& a, const check::PolicyText& b) { return a.path < b.path; });
  return out;
}

std::string package_of(const std::string& rego) {
  static const RE2 kPackage("(?m)^\\s*package\\s+([A-Za-z0-9_.]+)");
  std::string package;
  RE2::PartialMatch(rego, kPackage, &package);
  return package;
}

// A path inside the output directory: relative, '/'-separated segments that are names (no
// "." or "..", no separators, control characters or a drive), so it can never leave it.
bool safe_path(const std::string& path) {
  if (path.empty() || path.front() == '/' || path.size() > 1024) return false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    std::string_view segment(path.data() + start, slash - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    for (char c : segment) {
      unsigned char u = static_cast<unsigned char>(c);
      if (u < 0x20 || c == '\\' || c == ':' || u == 0x7f) return false;
    }
    start = slash + 1;
  }
  return true;
}

const Value* field(const Value& object, const char* key) {
  return object.is_object() ? object.get_ptr(Value::string(key)) : nullptr;
}

std::string string_field(const Value& object, const char* key) {
  const Value* v = field(object, key);
  return v && v->is_string() ? v->str() : "";
}

struct Header {
  std::string generated_by, trace_id, blueprint_version, linked_template, policy_bundle;

  std::string comment() const {
    return "# generated-by: " + generated_by + "\n# traceId: " + trace_id +
           "\n# blueprintVersion: " + blueprint_version + "\n# linkedTemplate: " + linked_template +
           "\n# policyBundle: " + policy_bundle + "\n";
  }
  Value value() const {
    return Value::object({{Value::string("generatedBy"), Value::string(generated_by)},
                          {Value::string("traceId"), Value::string(trace_id)},
                          {Value::string("blueprintVersion"), Value::string(blueprint_version)},
                          {Value::string("linkedTemplate"), Value::string(linked_template)},
                          {Value::string("policyBundle"), Value::string(policy_bundle)}});
  }
};

// The text of one artifact, header first.
bool render(const Value& artifact, const Header& header, std::string& text, std::string& problem) {
  const std::string format = string_field(artifact, "format");
  const Value* content = field(artifact, "content");
  const Value* documents = field(artifact, "documents");
  if (format == "yaml") {
    text = header.comment();
    if (documents) {
      if (!documents->is_array()) {
        problem = "documents must be an array";
        return false;
      }
      bool first = true;
      for (const auto& doc : documents->items()) {
        if (!first) text += "---\n";
        first = false;
        text += to_yaml(doc);
      }
      return true;
    }
    if (!content) {
      problem = "a yaml artifact needs content or documents";
      return false;
    }
    text += to_yaml(*content);
    return true;
  }
  if (format == "json") {
    if (!content) {
      problem = "a json artifact needs content";
      return false;
    }
    Value doc = *content;
    if (doc.is_object()) {
      // JSON has no comments: the header is a key of the document.
      ObjectEntries entries(doc.entries().begin(), doc.entries().end());
      entries.emplace_back(Value::string("x-policyc-generated"), header.value());
      doc = Value::object(std::move(entries));
    }
    text.clear();
    write_json(text, doc, true, 0);
    text += '\n';
    return true;
  }
  if (format == "text") {
    if (!content || !content->is_string()) {
      problem = "a text artifact needs string content";
      return false;
    }
    text = header.comment() + content->str();
    if (text.back() != '\n') text += '\n';
    return true;
  }
  problem = "unknown format \"" + format + "\" (yaml, json or text)";
  return false;
}

class Generator {
 public:
  Generator(const GenerateOptions& options, const BuiltinRegistry& registry,
            std::vector<Diagnostic>& errors)
      : options_(options), engine_(registry), errors_(errors) {}

  bool load() {
    // Read once: for the packages they replace and for the bundle hash (load_paths reads
    // them again to load them).
    const std::vector<check::PolicyText> user_policies =
        read_policy_files(options_.policy_paths, errors_);
    const std::vector<check::PolicyText> user_templates =
        read_policy_files(options_.template_paths, errors_);
    if (!errors_.empty()) return false;
    std::set<std::string> replaced;
    for (const auto& t : user_templates) {
      std::string package = package_of(t.text);
      if (package.starts_with(kTemplatePackage)) replaced.insert(package);
    }
    std::string bundle;
    for (const auto& policy : options_.stock_policies) {
      // A template the user gives with the same package (the same id) replaces the stock one.
      if (policy.path.ends_with(".rego") && replaced.count(package_of(policy.text))) continue;
      if (!check::load_policy_text(engine_, policy, errors_)) return false;
      bundle += policy.path + '\0' + policy.text + '\0';
    }
    LoadOptions load_options;
    load_options.v0 = options_.v0_compatible;
    if (!load_paths(engine_, options_.policy_paths, load_options, errors_) ||
        !load_paths(engine_, options_.template_paths, load_options, errors_))
      return false;
    for (const auto* files : {&user_policies, &user_templates})
      for (const auto& file : *files) bundle += file.path + '\0' + file.text + '\0';
    if (!engine_.compile(errors_)) return false;
    policy_bundle_ = "sha256:" + sha256_hex(bundle).substr(0, 16);
    std::set<std::string> ids;
    for (const auto& rule : engine_.rules()) {
      if (rule.package.size() != 3 || rule.package[0] != "generate" ||
          rule.package[1] != "templates" || rule.name != "artifacts" || rule.is_function)
        continue;
      ids.insert(rule.package[2]);
    }
    for (const auto& id : ids) {
      templates_.emplace_back();
      templates_.back().id = id;
      if (!engine_.prepare("data.generate.templates." + id + ".artifacts", templates_.back().query,
                           errors_))
        return false;
    }
    return true;
  }

  // The base blueprint (no environment overlay), which Kustomize bases and Helm's values.yaml
  // are made from.
  bool resolve_base(const std::string& path) {
    blueprint::ResolveOptions base;
    base.environment = "";
    base.version = options_.blueprint_version;
    base.note = options_.blueprint_note;
    blueprint::ResolvedSystem system;
    if (!blueprint::resolve(path, base, system, errors_)) return false;
    ObjectEntries services;
    for (const auto& service : system.services)
      services.emplace_back(Value::string(service.id), service.value);
    base_services_ = Value::object(std::move(services));
    declared_ = blueprint::declared_environments(system);
    return true;
  }

  const std::vector<std::string>& declared() const { return declared_; }

  bool render_environment(const std::string& path, const std::string& environment,
                          std::map<std::string, GeneratedFile>& files) {
    blueprint::ResolveOptions resolve_options;
    resolve_options.environment = environment;
    resolve_options.editions = options_.editions;
    resolve_options.version = options_.blueprint_version;
    resolve_options.note = options_.blueprint_note;
    blueprint::ResolvedSystem system;
    if (!blueprint::resolve(path, resolve_options, system, errors_)) return false;
    Value input = blueprint::input_document(system);
    ObjectEntries entries(input.entries().begin(), input.entries().end());
    entries.emplace_back(Value::string("base_services"), base_services_);
    engine_.set_input(Value::object(std::move(entries)));
    const Value* services = input.get_ptr(Value::string("services"));
    // One evaluation for all templates: the facts and objects they share are computed once.
    std::vector<const PreparedQuery*> queries;
    for (const auto& t : templates_) queries.push_back(&t.query);
    EvalOptions eval_options;
    eval_options.print = [](const std::string&) {};
    eval_options.limits = &options_.limits;
    std::vector<std::vector<QueryResult>> all_results;
    if (!engine_.eval_batch(queries, eval_options, all_results, errors_)) return false;
    for (size_t i = 0; i < templates_.size(); ++i) {
      const Template& t = templates_[i];
      const std::vector<QueryResult>& results = all_results[i];
      if (results.empty() || results[0].expressions.empty()) continue;
      const Value& artifacts = results[0].expressions[0].value;
      // An object keyed by path (cheap to build: its keys are short strings), or a set or
      // an array of artifacts.
      if (artifacts.is_object()) {
        for (const auto& [path, artifact] : artifacts.entries())
          if (!add_artifact(t.id, artifact, services, system, files)) return false;
      } else if (artifacts.is_set() || artifacts.is_array()) {
        for (const auto& artifact : artifacts.items())
          if (!add_artifact(t.id, artifact, services, system, files)) return false;
      } else {
        errors_.push_back(error_at("", "data.generate.templates." + t.id +
                                           ".artifacts must be an object (by path), a set or "
                                           "an array of artifacts"));
        return false;
      }
    }
    engine_.clear_input();
    return true;
  }

 private:
  bool add_artifact(const std::string& id, const Value& artifact, const Value* services,
                    const blueprint::ResolvedSystem& system,
                    std::map<std::string, GeneratedFile>& files) {
    const std::string path = string_field(artifact, "path");
    auto fail = [&](const std::string& message) {
      errors_.push_back(error_at(path, "template " + id + ": " + message));
      return false;
    };
    if (!safe_path(path))
      return fail("artifact path \"" + path + "\" must be relative and stay inside the output");
    const Value* tmpl = field(artifact, "template");
    const std::string version = tmpl ? string_field(*tmpl, "version") : "";
    Header header;
    header.generated_by = "policyc " + options_.tool_version;
    header.linked_template = (tmpl ? string_field(*tmpl, "id") : id) + "@" +
                             (version.empty() ? std::string("unversioned") : version);
    header.policy_bundle = policy_bundle_;
    const std::string service = string_field(artifact, "service");
    // A Kustomize base or Helm's values.yaml comes from the base blueprint, the same in
    // every environment.
    const Value* base = field(artifact, "base");
    const Value* from = base && base->is_true() ? &base_services_ : services;
    const Value* resolved =
        from && !service.empty() ? from->get_ptr(Value::string(service)) : nullptr;
    if (!service.empty() && !resolved) return fail("no service \"" + service + "\"");
    const Value& hashed = resolved ? *resolved : system.system;
    header.blueprint_version = blueprint_version(hashed);
    const Value* metadata = resolved ? field(*resolved, "metadata") : nullptr;
    header.trace_id = metadata ? string_field(*metadata, "traceId") : "";
    if (header.trace_id.empty()) header.trace_id = "none";
    GeneratedFile file;
    file.path = path;
    file.template_id = header.linked_template;
    file.service = service;
    std::string problem;
    if (!render(artifact, header, file.text, problem)) return fail(problem);
    auto it = files.find(path);
    if (it == files.end()) {
      files.emplace(path, std::move(file));
      return true;
    }
    if (it->second.text != file.text)
      return fail("two artifacts write " + path + " with different content (templates " +
                  it->second.template_id + " and " + file.template_id + ")");
    return true;
  }

  // The content hash of a resolved blueprint, once per blueprint: a service has dozens of
  // artifacts, and hashing its JSON each time was a fifth of generating a large system.
  const std::string& blueprint_version(const Value& resolved) {
    const void* id = resolved.is_object() && resolved.size() > 0
                         ? static_cast<const void*>(resolved.entries().data())
                         : nullptr;
    if (id) {
      auto it = versions_.find(id);
      if (it != versions_.end() && it->second.first == resolved) return it->second.second;
    }
    std::string version = "sha256:" + sha256_hex(resolved.to_json()).substr(0, 16);
    if (!id) {
      uncached_ = version;
      return uncached_;
    }
    // The value is kept with its hash, so its address cannot be reused by another.
    return versions_[id] = {resolved, std::move(version)}, versions_[id].second;
  }

  std::map<const void*, std::pair<Value, std::string>> versions_;
  std::string uncached_;

  struct Template {
    std::string id;
    PreparedQuery query;
  };
  const GenerateOptions& options_;
  Engine engine_;
  std::vector<Diagnostic>& errors_;
  std::vector<Template> templates_;
  std::string policy_bundle_;
  Value base_services_;
  std::vector<std::string> declared_;
};

}  // namespace

namespace {

bool generate_unmasked(const std::string& blueprint_path, const GenerateOptions& options,
                       const BuiltinRegistry& registry, GenerateResult& result,
                       std::vector<Diagnostic>& errors) {
  result = GenerateResult{};
  Generator generator(options, registry, errors);
  if (!generator.resolve_base(blueprint_path)) return false;
  std::vector<std::string> environments = options.environments;
  if (environments.empty()) environments = generator.declared();
  if (environments.empty()) environments.push_back("prod");
  if (!options.force) {
    check::CheckOptions check_options;
    check_options.environments = environments;
    check_options.editions = options.editions;
    check_options.policy_paths = options.policy_paths;
    check_options.v0_compatible = options.v0_compatible;
    check_options.limits = options.limits;
    check_options.blueprint_version = options.blueprint_version;
    check_options.blueprint_note = options.blueprint_note;
    for (const auto& policy : options.stock_policies)
      if (!policy.path.starts_with("policies/generate/"))
        check_options.stock_policies.push_back(policy);
    if (!check::run_check(blueprint_path, check_options, registry, result.check, errors))
      return false;
    if (result.check.failed(check::Severity::Error)) {
      result.blocked = true;
      return true;
    }
  }
  if (!generator.load()) return false;
  std::map<std::string, GeneratedFile> files;
  for (const auto& environment : environments)
    if (!generator.render_environment(blueprint_path, environment, files)) return false;
  for (auto& [path, file] : files) result.files.push_back(std::move(file));
  return true;
}

}  // namespace

bool generate(const std::string& blueprint_path, const GenerateOptions& options,
              const BuiltinRegistry& registry, GenerateResult& result,
              std::vector<Diagnostic>& errors) {
  bool ok = generate_unmasked(blueprint_path, options, registry, result, errors);
  if (!ok) check::mask_secret_lines(errors);
  return ok;
}

}  // namespace policyc::generator
