// The blueprint model: blueprint files (YAML/JSON) to the `input` document policies see.
//
// Loading keeps the source position of every value, keyed by its path, so any value can be
// traced back to file:line:col. Resolution applies overlays (base, then the environment's
// overlay, then edition overlays) and keeps, for every resolved leaf, the file:line that set
// it and the base value it replaced. The dependency graph is checked for cycles and sorted
// into a boot order. This library uses the value type only, nothing of the evaluator.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "policyc/core/diagnostic.hpp"
#include "policyc/core/value.hpp"

namespace policyc::blueprint {

// Diagnostic codes, so tests and tools can tell the kinds of input error apart.
inline constexpr const char* kParseError = "blueprint_parse_error";
inline constexpr const char* kSchemaError = "blueprint_schema_error";
inline constexpr const char* kGraphError = "blueprint_graph_error";
inline constexpr const char* kIoError = "blueprint_io_error";

// Where a value starts, and for a mapping entry where its key starts (errors about a key,
// such as an unknown key, point at the key; errors about a value point at the value).
struct Position {
  int line = 0;  // 1-based
  int col = 0;
  int key_line = 0;
  int key_col = 0;
};

// Paths join object keys with '.' and array indexes as "[i]": "ingress.tls.enabled",
// "dependencies[1].dependsOn[0]". The document root is "".
using PositionMap = std::unordered_map<std::string, Position>;

std::string child_path(std::string_view parent, std::string_view key);
std::string index_path(std::string_view parent, size_t index);

// One source file and the documents parsed from it.
struct SourceDocument {
  std::string file;
  std::string text;
  std::vector<Value> documents;
  // One per document. Parsed with lazy positions, they are recorded on first use by parsing
  // the text again: most values of a large system are never asked for their position, and
  // recording a path for each costs more than the parse.
  mutable std::vector<PositionMap> positions;
  mutable bool positions_recorded = false;

  // Records the positions on first use; any thread may ask.
  const PositionMap& position_map(size_t doc) const;

 private:
  // Guards the first recording. A copy gets a lock of its own.
  struct RecordingLock {
    RecordingLock() = default;
    RecordingLock(const RecordingLock&) {}
    RecordingLock& operator=(const RecordingLock&) { return *this; }
    std::mutex mutex;
  };
  mutable RecordingLock recording_lock_;

 public:
  // The position of `path` in document `doc`, or of its nearest recorded ancestor (values
  // reached through a YAML alias are recorded at the alias only).
  Position find(size_t doc, std::string_view path) const;
  // The text of a 1-based line, for the caret display.
  std::string line_text(int line) const;
  // An error at line:col of this file (1:1 when unknown), with the line for the caret.
  Diagnostic error(const char* code, int line, int col, std::string message) const;
};

// Parses YAML (one or more documents) or JSON (by extension, or `force_json`) and records
// positions. Bad input (tabs, duplicate keys, unterminated strings, alias bombs, deep
// nesting) is a diagnostic, never a crash.
// Which parser reads the text: a fast scanner for plain block-style YAML that hands
// everything else to libyaml (the default), or libyaml alone (tests compare the two).
enum class YamlReader { Fast, Libyaml };
bool parse_source(std::string file, std::string text, SourceDocument& out,
                  std::vector<Diagnostic>& errors, bool lazy_positions = false,
                  YamlReader reader = YamlReader::Fast);
bool load_source(const std::string& file, SourceDocument& out, std::vector<Diagnostic>& errors,
                 bool lazy_positions = false);

// Schema validation, driven by the JSON Schema files in engine/blueprint/schema/ (embedded
// at build time). Overlays are partial service blueprints: `required` is not checked and
// null (which deletes) is accepted anywhere.
// History: a versioned service's history.log.json.
enum class SchemaKind { Service, Overlay, System, History };
// `shorthands`, when given, receives the paths where the document used a shorthand the
// schema declares (an alias key, one item for a list, a string for an object, another
// spelling of an enum value, an inline environment overlay), for normalize_shorthands.
bool validate(const SourceDocument& source, size_t doc, SchemaKind kind,
              std::vector<Diagnostic>& errors, std::vector<std::string>* shorthands = nullptr);

// What normalize_shorthands moved: aliases go to the path they stand for.
struct ShorthandMoves {
  std::vector<std::pair<std::string, std::string>> moved;      // {normalised path, source path}
  std::vector<std::pair<std::string, std::string>> conflicts;  // {alias path, target path}
};
// A validated document in its long form: aliases moved to their target (an alias whose
// target is also given is left out and listed in `conflicts`), one item wrapped in a list,
// a string made the object it stands for, enum spellings replaced by the schema's value.
// `shorthands` is what validate() gave; only those parts of the document are rebuilt.
Value normalize_shorthands(const Value& document, SchemaKind kind,
                           std::vector<std::string> shorthands, ShorthandMoves& moves);
// The JSON Schema (draft-07) of a service blueprint or of system.yaml, for editors and other
// validators: policyc's own formats (durations, sizes, CPU, budgets) become patterns.
Value schema_document(SchemaKind kind);

// The candidate nearest to `word` by edit distance, when near enough to be a plausible typo;
// "" otherwise. Used for "did you mean ...?".
std::string nearest_name(std::string_view word, const std::vector<std::string>& candidates);

// Where a resolved leaf came from.
struct Origin {
  int file = -1;  // index into ResolvedSystem::files
  int line = 0;
  int col = 0;
  Value replaced;  // the value it overrode (Undefined when nothing was overridden)
};
// Keyed by path within the service ("replicas", "secrets[0].name"). Only leaves an overlay
// set have an entry: every other resolved leaf is where the base file has it (merging keeps
// the base's paths, appending new list items at the end), so the base's position table
// answers for them and a 10,000-service system does not hold a million entries.
using Provenance = std::map<std::string, Origin>;

// Merges `overlay` into `base`: maps key by key, null deletes, lists of objects that all
// carry `name` merge by name, other lists are replaced. Provenance is updated for every
// leaf the overlay sets, removed for every value it deletes.
Value merge_overlay(const Value& base, const Value& overlay, const PositionMap& overlay_positions,
                    int overlay_file, Provenance& provenance);

struct ServiceGraphFacts;  // what a service adds to the graph (graph_facts.hpp)

struct ResolvedService {
  std::string id;
  Value value;
  Provenance provenance;
  int base_file = -1;
  // Read from `value` by the loader thread that resolved it, for build_graph (which reads
  // the value itself when they are absent).
  std::shared_ptr<const ServiceGraphFacts> graph_facts;
};

struct GraphNode {
  std::string name;
  std::string tier;  // "" when no dependency entry gave one
};

// Edges and the boot order refer to nodes by their index in `nodes`: a large system has
// tens of thousands of edges, and each name is held once.
struct Graph {
  std::vector<GraphNode> nodes;                      // sorted by name
  std::vector<std::pair<uint32_t, uint32_t>> edges;  // [from, to]: from depends on to; sorted
  std::vector<uint32_t> order;                       // boot order: dependencies first

  const std::string& name(uint32_t node) const { return nodes[node].name; }
};

struct ResolveOptions {
  // "": no environment overlay and every service (the base system, to read what it declares).
  std::string environment = "dev";
  // Edition overlays by name: services/<id>/overlays/<name>.yaml, applied after the
  // environment overlay where present.
  std::vector<std::string> editions;
  // Systems of at least this many service directories have each resolved service value frozen
  // (Value::make_immortal) by the loader thread that built it, while it is still in cache: for
  // callers that will share the input between threads. The caller gives the input document to
  // a FrozenValues arena, which frees the services with it.
  size_t immortal_min_services = SIZE_MAX;
  // Called with each file read and parsed, on the loader threads (several at once), before
  // it is resolved: a caller that scans every file does it while the file is in cache.
  std::function<void(const SourceDocument&)> inspect_file;
  // Services kept as versioned files (services/<id>/infrastructure-blueprint.vN.yaml beside
  // history.log.json, without an infrastructure-blueprint.yaml) load the highest N, or this
  // one ("v2") when set. The anchors of that version (history.log.json's entry) are the
  // service's `history` in the input.
  std::string version;
  // Told, on the calling thread and in service order, which file each versioned service
  // loaded ("services/auth-service: infrastructure-blueprint.v3.yaml (v3, the highest of
  // v1, v2, v3)").
  std::function<void(const std::string&)> note;
};

struct ResolvedSystem {
  std::string environment;
  std::vector<SourceDocument> files;      // every file read, indexed by Origin::file
  Value system;                           // system.yaml, or an empty object
  int system_file = -1;                   // index of a valid system.yaml in `files`, or -1
  std::vector<ResolvedService> services;  // sorted by id
  bool immortal_services = false;         // see ResolveOptions::immortal_min_services
  Graph graph;
};

// Builds the graph from the services' `dependencies[]` entries (`name` depends on each of
// `dependsOn`) and the stores each service uses (`database:<name>`, `blob:`, `cache:`,
// `bus:`, `keyvault:`, or `secrets:<source>` without a keyVault block; tier "core"). A cycle is an
// error that names the cycle and points at the edge closing it.
bool build_graph(const ResolvedSystem& system, Graph& graph, std::vector<Diagnostic>& errors);

// `path` is a blueprint directory or a single service file.
bool resolve(const std::string& path, const ResolveOptions& options, ResolvedSystem& out,
             std::vector<Diagnostic>& errors);

// The environments system.yaml declares, in its order; without them, the union of the
// services' `environments` lists in order of appearance. Empty when nothing declares any.
std::vector<std::string> declared_environments(const ResolvedSystem& system);

// system.yaml in the one shape policies see: environments given by name become {name}.
Value normalize_system(const Value& system);
// A service blueprint or overlay in the one shape policies see: probes given as a path become
// {path}, `exporters` without `exporter` gets its first as `exporter`.
Value normalize_service(const Value& service);

// {"environment", "services": {id: resolved}, "system", "graph"}: what policies see.
Value input_document(const ResolvedSystem& system);
Value graph_to_value(const Graph& graph);
std::string graph_to_dot(const Graph& graph);
// Where the resolved leaf at `path` (within `service`) was set.
Origin origin_of(const ResolvedSystem& system, const ResolvedService& service,
                 std::string_view path);
// {"services.<id>.<path>": {"value", "file", "line", "col", "replaced"?}} for every resolved
// leaf.
Value provenance_to_value(const ResolvedSystem& system);
// Block-style YAML for a value (keys sorted, strings quoted when they would not read back).
std::string to_yaml(const Value& value);

}  // namespace policyc::blueprint
