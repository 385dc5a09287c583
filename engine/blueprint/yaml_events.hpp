// The parse events blueprint loading builds values from, so the same builder can be fed by
// libyaml or by the fast scanner for plain block-style files.
#pragma once
#include <string_view>

namespace policyc::blueprint {

// Positions are 1-based line and column as libyaml reports them (columns in characters).
class YamlEventSink {
 public:
  virtual ~YamlEventSink() = default;
  virtual bool document_start() = 0;
  virtual bool document_end() = 0;
  virtual bool collection_start(bool mapping, int line, int col, std::string_view anchor) = 0;
  virtual bool collection_end() = 0;
  virtual bool scalar(std::string_view text, bool plain, int line, int col,
                      std::string_view anchor) = 0;
};

// Feeds `sink` the events libyaml would produce for `text`, with the same positions, when
// `text` is printable ASCII in the block style blueprints are written in: block mappings
// and sequences, single-line plain and quoted scalars, flow collections that fit on one
// line, comments and `---`. Returns false as soon as it meets anything else (anchors, tags,
// block scalars, multi-line scalars, any mistake, a sink error); the caller then discards
// what it built and parses with libyaml, which handles all of YAML and words the errors.
bool scan_block_yaml(std::string_view text, YamlEventSink& sink);

}  // namespace policyc::blueprint
