// Versioned service blueprints, as the seed's "Immutable History and Rollback Anchors" keeps
// them: services/<id>/infrastructure-blueprint.vN.yaml beside history.log.json.
#pragma once

#include <string>
#include <vector>

#include "policyc/core/value.hpp"

namespace policyc::blueprint {

struct VersionedFile {
  unsigned long number = 0;  // 3 for infrastructure-blueprint.v3.yaml
  std::string name;          // the file name
};

// The versioned blueprint files in `dir`, by version (for a version in several formats,
// .yaml before .yml before .json).
std::vector<VersionedFile> list_versions(const std::string& dir);

// "v1, v2, v3".
std::string version_list(const std::vector<VersionedFile>& versions);

// The entry of a history document (a validated history.log.json) that anchors `version`
// (the last one, if it is anchored twice), and its index; nullptr when none does.
const Value* history_entry(const Value& history, const std::string& version, size_t& index);

}  // namespace policyc::blueprint
