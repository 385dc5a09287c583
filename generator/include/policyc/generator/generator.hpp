// `policyc generate`: blueprint generation as rule-derived facts feeding a template backend.
// Derived facts (generate.derive) and templates (generate.templates.<id>) are Rego run by the
// same engine as `check`; a template's `artifacts` are objects
// {path, format, content, service?, template: {id, version}}, rendered here to files whose
// text is deterministic, carries the seed's traceability header and never a secret value.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "policyc/check/check.hpp"
#include "policyc/core/builtin.hpp"
#include "policyc/core/diagnostic.hpp"
#include "policyc/core/limits.hpp"

namespace policyc::generator {

struct GenerateOptions {
  std::vector<std::string> environments;  // empty: every environment the system declares
  std::vector<std::string> editions;
  std::vector<std::string> policy_paths;    // rules that extend or override generate.derive
  std::vector<std::string> template_paths;  // templates that add or replace stock ones by id
  std::vector<check::PolicyText> stock_policies;
  bool v0_compatible = false;
  // Render even when `check` finds errors in the blueprint (by default generation refuses).
  bool force = false;
  std::string tool_version;  // for the generated-by header
  ResourceLimits limits;     // for the check and the rendering
  // Versioned service blueprints: the version to load ("v2"; empty: the highest), and where
  // to say which file each service loaded (as CheckOptions).
  std::string blueprint_version;
  std::function<void(const std::string&)> blueprint_note;
};

struct GeneratedFile {
  std::string path;  // relative to the output directory, '/'-separated, never leaving it
  std::string text;
  std::string template_id;  // id@version
  std::string service;      // "" for files of the whole system
};

struct GenerateResult {
  std::vector<GeneratedFile> files;  // sorted by path
  // Without `force`: the check that found errors and stopped generation.
  bool blocked = false;
  check::CheckReport check;
};

// False on usage or input errors (in `errors`); a blocked generation is not an error.
bool generate(const std::string& blueprint_path, const GenerateOptions& options,
              const BuiltinRegistry& registry, GenerateResult& result,
              std::vector<Diagnostic>& errors);

// Replaces `directory` with exactly `files`: everything is written to a new directory beside
// it first, then the two are swapped, so a failure leaves the previous tree as it was.
bool write_tree(const std::string& directory, const std::vector<GeneratedFile>& files,
                std::vector<Diagnostic>& errors);

// Compares `files` with the tree on disk: "" when equal, else a unified diff (disk as `a/`,
// the fresh render as `b/`), files only on one side included.
std::string diff_tree(const std::string& directory, const std::vector<GeneratedFile>& files);

// Block-style YAML: keys in the value's (sorted) order, strings quoted only where YAML would
// read them as something else, multi-line strings as literal blocks, a trailing newline.
std::string to_yaml(const Value& value);

// A unified diff of two texts with three lines of context; "" when equal.
std::string unified_diff(const std::string& a_name, const std::string& a, const std::string& b_name,
                         const std::string& b);

}  // namespace policyc::generator
