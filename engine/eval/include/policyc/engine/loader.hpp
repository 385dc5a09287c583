// Loading policies and documents from files the way `opa eval -d` does, for the CLI, the
// test runners and embedders alike.
#pragma once

#include <string>
#include <vector>

#include "policyc/core/diagnostic.hpp"
#include "policyc/core/io.hpp"
#include "policyc/core/value.hpp"
#include "policyc/engine/engine.hpp"

namespace policyc {

struct LoadOptions {
  // Parse .rego files with OPA's v0 syntax (--v0-compatible). Gatekeeper templates are
  // always v0, as Gatekeeper itself evaluates them.
  bool v0 = false;
};

// Loads each path: a .rego file becomes a module; a .json/.yaml/.yml file is data placed
// under `data` at its directory path relative to the root it was found under (a file given
// directly lands at the root), as OPA does; a YAML ConstraintTemplate contributes its Rego
// instead. Directories are walked recursively in sorted order, skipping dot-files.
bool load_paths(Engine& engine, const std::vector<std::string>& paths, const LoadOptions& options,
                std::vector<Diagnostic>& errors);

// The files under a policy directory, sorted, as load_paths reads them: dot-files skipped,
// symbolic links followed while they stay inside the directory. A link leading out of it or
// into a loop is an error (in `errors`, and false).
bool policy_directory_files(const std::string& directory, std::vector<std::string>& files,
                            std::vector<Diagnostic>& errors);

// Reads a JSON or YAML document (by extension; YAML files must hold one document). YAML
// follows Go's yaml.v2 (YAML 1.1) as OPA's loader does.
bool load_document(const std::string& path, Value& out, std::vector<Diagnostic>& errors);

// A Gatekeeper ConstraintTemplate's Rego: `spec.targets[].rego` and `.libs[]`, or
// `spec.targets[].code[]` entries with `engine: Rego` (`source.rego`, `source.libs[]`).
// Returns false when `doc` is not a ConstraintTemplate.
bool constraint_template_sources(const Value& doc, std::vector<std::string>& sources);

// A Diagnostic for a file-level error from the JSON/YAML parsers, with the source line.
Diagnostic text_error_diagnostic(const std::string& file, std::string_view text,
                                 const TextError& err, const std::string& code);

}  // namespace policyc
