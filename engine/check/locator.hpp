// Where a finding's value is in the blueprint (overlay provenance included), and the masking
// of secret literals that every output goes through. Shared by check and explain.
#pragma once

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "policyc/blueprint/blueprint.hpp"
#include "policyc/check/check.hpp"
#include "policyc/engine/explain.hpp"
#include "policyc/engine/tracer.hpp"

namespace policyc::check {

namespace fs = std::filesystem;

inline const Value* field(const Value& object, const char* key) {
  return object.is_object() ? object.get_ptr(Value::interned(key)) : nullptr;
}

inline std::string string_field(const Value& object, const char* key) {
  const Value* v = field(object, key);
  return v && v->is_string() ? v->str() : "";
}

// What makes a configuration value secret-looking. The packs say it (METADATA `custom.mask:
// key_words` on a rule whose value lists words, `custom.mask: value_pattern` on a rule whose
// value is an RE2 pattern); without a pack that says it, masking falls back to these defaults
// rather than show a secret.
struct SecretRules {
  std::vector<std::string> key_words = {"PASSWORD", "PASSWD",     "SECRET",   "TOKEN",
                                        "KEY",      "CONNECTION", "CONN_STR", "CREDENTIAL"};
  std::string value_pattern = "(Password|password|AccountKey|SharedAccessKey)=";
};

// Literal values that look like secrets, so no output ever shows them even when a policy
// or a caret line would.
class SecretMask {
 public:
  explicit SecretMask(const SecretRules& rules)
      : key_words_(rules.key_words), value_pattern_(rules.value_pattern, RE2::Quiet) {}

  // Notes the secret literals in one file's runtimeConfig.environment. Called by the loader
  // threads, several at once, while each file is still in cache: reading the 20,000 files of
  // a large system again afterwards was a pass over a hundred megabytes.
  void inspect(const blueprint::SourceDocument& file) {
    for (size_t d = 0; d < file.documents.size(); ++d) {
      const Value* config = field(file.documents[d], "runtimeConfig");
      const Value* env = config ? field(*config, "environment") : nullptr;
      if (!env || !env->is_object()) continue;
      for (const auto& [key, value] : env->entries()) {
        // A number can be a secret too (a PIN): its text is masked.
        if (!value.is_string() && !value.is_number()) continue;
        const std::string text = value.is_string() ? value.str() : value.number_to_string();
        if (!looks_secret(key.str(), text)) continue;
        const auto& positions = file.position_map(d);
        auto pos = positions.find("runtimeConfig.environment." + key.str());
        std::lock_guard<std::mutex> guard(lock_);
        if (text.size() >= 3) values_.insert(text);
        if (pos != positions.end()) lines_.insert({file.file, pos->second.line});
      }
    }
  }

  std::string apply(std::string text) const {
    for (const auto& secret : values_) {
      for (size_t at = text.find(secret); at != std::string::npos;
           at = text.find(secret, at + kMask.size())) {
        text.replace(at, secret.size(), kMask);
      }
    }
    return text;
  }

  // A line shown under a load error (the file may not parse, so nothing was inspected): a
  // `KEY: value` line whose key or value looks secret keeps its key only.
  std::string mask_key_line(std::string text) const {
    size_t colon = text.find(':');
    if (colon == std::string::npos) return apply(std::move(text));
    auto trim = [](std::string s) {
      size_t a = s.find_first_not_of(" \t-\"'{,");
      size_t b = s.find_last_not_of(" \t\"',}");
      return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
    };
    std::string key = trim(text.substr(0, colon));
    std::string value = trim(text.substr(colon + 1));
    if (!value.empty() && looks_secret(key, value))
      return text.substr(0, colon + 1) + " " + std::string(kMask);
    return apply(std::move(text));
  }

  // A source line holding a secret literal keeps its key and loses its value.
  std::string apply_to_line(const std::string& file, int line, std::string text) const {
    if (lines_.count({file, line})) {
      size_t colon = text.find(':');
      if (colon != std::string::npos) text = text.substr(0, colon + 1) + " " + std::string(kMask);
    }
    return apply(std::move(text));
  }

 private:
  static constexpr std::string_view kMask = "********";

  bool looks_secret(const std::string& key, const std::string& value) const {
    if (value.starts_with("${{") || value.starts_with("@")) return false;
    std::string upper;
    for (char c : key) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (const auto& word : key_words_) {
      if (upper.find(word) != std::string::npos) return true;
    }
    return value_pattern_.ok() && RE2::PartialMatch(value, value_pattern_);
  }

  std::vector<std::string> key_words_;  // upper case
  RE2 value_pattern_;
  std::mutex lock_;                               // for inspect()
  std::set<std::string, std::greater<>> values_;  // longest first among shared prefixes
  std::set<std::pair<std::string, int>> lines_;
};

inline std::string parent_path(const std::string& path) {
  size_t cut = path.find_last_of(".[");
  return cut == std::string::npos ? "" : path.substr(0, cut);
}

inline bool has_descendant(const blueprint::Provenance& provenance, const std::string& path,
                           blueprint::Provenance::const_iterator& found) {
  for (const char* sep : {".", "["}) {
    std::string prefix = path + sep;
    auto it = provenance.lower_bound(prefix);
    if (it != provenance.end() && it->first.starts_with(prefix)) {
      found = it;
      return true;
    }
  }
  return false;
}

class Locator {
 public:
  Locator(const blueprint::ResolvedSystem& system, const SecretMask& mask)
      : system_(system), mask_(mask) {}

  // Services are sorted by id (resolve() guarantees it).
  const blueprint::ResolvedService* service(const std::string& id) const {
    auto it = std::lower_bound(
        system_.services.begin(), system_.services.end(), id,
        [](const blueprint::ResolvedService& s, const std::string& key) { return s.id < key; });
    return it != system_.services.end() && it->id == id ? &*it : nullptr;
  }

  // The deepest existing value on `path`, preferring what an overlay set: the overlay that
  // set it, else the base file, else an overlay that set something beneath it.
  void locate(const blueprint::ResolvedService& service, const std::string& path,
              Finding& f) const {
    for (std::string p = path; !p.empty(); p = parent_path(p)) {
      auto exact = service.provenance.find(p);
      if (exact != service.provenance.end()) {
        set_from_origin(service, exact->second, true, f);
        return;
      }
      const auto& base = system_.files[service.base_file];
      const auto& base_positions = base.position_map(0);
      if (auto at = base_positions.find(p); at != base_positions.end()) {
        set_position(service.base_file, key_position(at->second, p != path), f);
        return;
      }
      blueprint::Provenance::const_iterator below;
      if (has_descendant(service.provenance, p, below)) {
        blueprint::Origin origin = below->second;
        const auto& overlay = system_.files[origin.file];
        auto pos = overlay.position_map(0).find(p);
        if (pos != overlay.position_map(0).end()) {
          blueprint::Position at = key_position(pos->second, true);
          origin.line = at.line;
          origin.col = at.col;
        }
        origin.replaced = Value();
        set_from_origin(service, origin, false, f);
        return;
      }
    }
    set_position(service.base_file, system_.files[service.base_file].find(0, ""), f);
  }

  void locate_system(const std::string& path, Finding& f) const {
    if (system_.system_file < 0) return;
    set_position(system_.system_file, system_.files[system_.system_file].find(0, path), f);
  }

  // A finding on a generated file (check --generated): the line of `path` in document `doc`.
  void locate_in(const blueprint::SourceDocument& source, size_t doc, const std::string& path,
                 Finding& f) const {
    blueprint::Position pos = source.find(doc, path);
    f.file = source.file;
    f.line = pos.line > 0 ? pos.line : 1;
    f.column = pos.col > 0 ? pos.col : 1;
    f.source_line = mask_.apply_to_line(source.file, f.line, source.line_text(f.line));
  }

  // A service's base file, for findings that name no path.
  void locate_file(const blueprint::ResolvedService& service, Finding& f) const {
    set_position(service.base_file, {1, 1, 1, 1}, f);
  }

 private:
  // A block mapping or sequence starts on the line after its key, and a missing value is best
  // shown at the key of its parent: in both cases the key is what the reader looks for.
  static blueprint::Position key_position(blueprint::Position pos, bool is_parent) {
    if ((is_parent || pos.line != pos.key_line) && pos.key_line > 0) {
      pos.line = pos.key_line;
      pos.col = pos.key_col;
    }
    return pos;
  }

  void set_position(int file, blueprint::Position pos, Finding& f) const {
    const auto& source = system_.files[file];
    f.file = source.file;
    f.line = pos.line > 0 ? pos.line : 1;
    f.column = pos.col > 0 ? pos.col : 1;
    f.source_line = mask_.apply_to_line(source.file, f.line, source.line_text(f.line));
  }

  void set_from_origin(const blueprint::ResolvedService& service, const blueprint::Origin& origin,
                       bool exact, Finding& f) const {
    set_position(origin.file, {origin.line, origin.col, origin.line, origin.col}, f);
    if (origin.file == service.base_file) return;
    fs::path service_dir = fs::path(system_.files[service.base_file].file).parent_path();
    f.set_by =
        fs::path(f.file).lexically_relative(service_dir).string() + ":" + std::to_string(f.line);
    if (exact && origin.replaced.is_defined())
      f.base_value = mask_.apply(origin.replaced.to_json());
  }

  const blueprint::ResolvedSystem& system_;
  const SecretMask& mask_;
};

// Input collections by identity, with their path in the input ("services.api.ingress"): a
// variable bound to one (`svc`) tells where the values read through it are. `service` limits
// the services indexed to one ("" indexes all); system.yaml's values are always indexed.
void index_input_paths(const Value& input, const std::string& service,
                       std::map<const void*, std::string>& out);

// A recorded evaluation of one decision rule, read for the findings it produced: the proof of
// each, every value it read located in the blueprint, secret literals masked (explain.cpp).
class ProofView {
 public:
  ProofView(const explain::Recorder& recorder, std::string rule_path,
            const std::map<const void*, std::string>& paths,
            const blueprint::ResolvedSystem& system, const SecretMask& mask);
  explain::RenderOptions render_options(bool proofs, bool failures) const;
  // The rule's evaluation with only the proofs that produced `message`.
  explain::EvaluationPtr proof_of(const Value& message) const;
  explain::EvaluationPtr whole() const;

 private:
  bool locate(const TraceOperand& op, Finding& where) const;
  std::vector<std::string> origin_lines(const TraceOperand& op) const;
  Value origin_json(const TraceOperand& op) const;

  const explain::Recorder& recorder_;
  std::string rule_path_;
  const std::map<const void*, std::string>& paths_;
  const SecretMask& mask_;
  Locator locator_;
};

// What explain keeps of a traced run: the resolved system its input came from, and the mask.
struct TracedState {
  explicit TracedState(const SecretRules& rules) : mask(rules) {}
  blueprint::ResolvedSystem system;
  SecretMask mask;
};

// One decision rule evaluated in one environment with a tracer (explain).
struct TracedRun {
  std::string rule;  // custom.id, data path or name
  std::string environment;
  // Called once the input is resolved, before evaluation: the tracer to attach.
  std::function<Tracer*(const Value& input, const TracedState& state)> make_tracer;
  // Out: the rule's index in report.rules, its decision's messages (one per finding, in
  // report.findings' order) and what the run resolved.
  size_t rule_index = 0;
  std::vector<Value> messages;
  std::shared_ptr<TracedState> state;
};

// Loads the policies, resolves the blueprint for the environment and evaluates the rule.
// report.rules and report.findings describe that rule and its findings (unsorted).
bool run_traced(const std::string& blueprint_path, const CheckOptions& options,
                const BuiltinRegistry& registry, TracedRun& run, CheckReport& report,
                std::vector<Diagnostic>& errors);

}  // namespace policyc::check
