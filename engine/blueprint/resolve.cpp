// Loading a blueprint directory (or one service file) and resolving it for an environment.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "graph_facts.hpp"
#include "history.hpp"
#include "parallel.hpp"
#include "policyc/blueprint/blueprint.hpp"
#include "policyc/core/io.hpp"
#include "seed_blocks.hpp"

namespace policyc::blueprint {

namespace fs = std::filesystem;

namespace {

Diagnostic error_at(const char* code, const SourceDocument* file, Position pos,
                    std::string message) {
  Diagnostic d;
  d.code = code;
  d.message = std::move(message);
  if (file) {
    d.file = file->file;
    d.line = pos.line > 0 ? pos.line : 1;
    d.col = pos.col > 0 ? pos.col : 1;
    d.source_line = file->line_text(d.line);
  }
  return d;
}

const Value* field(const Value& object, const char* key) {
  return object.is_object() ? object.get_ptr(Value::interned(key)) : nullptr;
}

const Value& environments_key() {
  static const Value key = Value::interned("environments");
  return key;
}

// A file read and parsed, with the errors that parsing it produced.
struct LoadedFile {
  SourceDocument doc;
  std::vector<Diagnostic> errors;
  bool ok = false;
};

LoadedFile load_file(const std::string& path, bool lazy_positions) {
  LoadedFile file;
  file.ok = load_source(path, file.doc, file.errors, lazy_positions);
  return file;
}

// Why `id` cannot name a service, or "". Ids become directory and file names of generated
// trees and Kubernetes object names, on every platform a repository is checked out on.
std::string service_id_problem(const std::string& id) {
  if (id.empty()) return "is empty";
  if (id.size() > 253) return "is longer than 253 characters";
  if (id == "." || id == ".." || id[0] == '.') return "may not start with '.'";
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return "may hold only letters, digits, '-', '_' and '.'";
  }
  std::string stem = id.substr(0, id.find('.'));
  for (char& c : stem) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  static const char* const kWindowsReserved[] = {
      "CON",  "PRN",  "AUX",  "NUL",  "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7",
      "COM8", "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9"};
  for (const char* name : kWindowsReserved)
    if (stem == name) return "is a name Windows reserves for a device";
  return "";
}

// Blueprint files are written by people: one past this size is a mistake or an attack.
constexpr size_t kMaxBlueprintFileBytes = size_t{64} << 20;

// A directory the loader opens files under. Paths stay whole in messages; the part after
// `prefix` is opened relative to `fd`, so the kernel does not walk the common part again
// for each of tens of thousands of files.
struct BaseDirectory {
  int fd = AT_FDCWD;
  std::string prefix;  // ends with '/', or empty with AT_FDCWD

  const char* relative(const std::string& path) const {
    return path.compare(0, prefix.size(), prefix) == 0 ? path.c_str() + prefix.size()
                                                       : path.c_str();
  }
  int fd_for(const std::string& path) const {
    return path.compare(0, prefix.size(), prefix) == 0 ? fd : AT_FDCWD;
  }
};

// Reads and parses `dir/<stem>.yaml`, `.yml` or `.json`, the first that exists; false (and
// nothing loaded) when none does. Opening is the existence test: a system of 10,000
// services would otherwise stat every candidate first.
bool load_first_existing(const BaseDirectory& base, const std::string& dir, std::string_view stem,
                         bool lazy_positions, LoadedFile& file) {
  std::string text;
  for (const char* ext : {".yaml", ".yml", ".json"}) {
    std::string path = dir;
    path += '/';
    path += stem;
    path += ext;
    int fd = base.fd_for(path);
    ReadLimits limits;
    limits.beneath = fd != AT_FDCWD;
    limits.max_bytes = kMaxBlueprintFileBytes;
    ReadStatus status = read_file_status_at(fd, base.relative(path), text, limits);
    if (status == ReadStatus::Missing) continue;
    if (status != ReadStatus::Ok) {
      Diagnostic d;
      d.code = kIoError;
      d.message = status == ReadStatus::Escapes
                      ? "a symbolic link leads outside the blueprint directory; not read"
                  : status == ReadStatus::Loop ? "symbolic links lead to each other (a loop)"
                  : status == ReadStatus::TooLarge
                      ? "file is larger than " + std::to_string(kMaxBlueprintFileBytes >> 20) +
                            " MiB; a blueprint file this large is not one people wrote"
                      : "cannot read file";
      d.file = path;
      file.errors.push_back(std::move(d));
      file.ok = false;
      return true;
    }
    file.ok = parse_source(path, std::move(text), file.doc, file.errors, lazy_positions);
    return true;
  }
  return false;
}

// Everything loading one service produces. File indexes (ResolvedService::base_file,
// Origin::file) count from 0 within `files` until the service joins the system.
struct LoadedService {
  std::vector<SourceDocument> files;
  std::vector<Diagnostic> errors;
  std::optional<ResolvedService> service;  // empty when it failed or opted out
  std::vector<std::string> notes;          // for ResolveOptions::note
};

// The blocks a document holds that the loader reads as something else, found in one pass
// over its top-level keys (most documents have none, and pay only that pass).
struct Blocks {
  bool vault = false;                // secrets as the seed's vault block
  bool infrastructure = false;       // the seed's infrastructure {base, overlays}
  bool inline_environments = false;  // environments entries that are mappings
  bool runtime_overlays = false;     // runtimeConfig.overlays

  explicit Blocks(const Value& document) {
    if (!document.is_object()) return;
    static const Value kOverlays = Value::interned("overlays");
    using namespace std::string_view_literals;
    for (const auto& [key, value] : document.entries()) {
      std::string_view k = key.str();
      if (k == "secrets"sv) {
        vault = value.is_object();
      } else if (k == "infrastructure"sv) {
        infrastructure = true;
      } else if (k == "environments"sv && value.is_array()) {
        for (const auto& env : value.items()) inline_environments |= env.is_object();
      } else if (k == "runtimeConfig"sv && value.is_object()) {
        runtime_overlays = value.get_ptr(kOverlays) != nullptr;
      }
    }
  }
};

// The version a versioned service loaded, and its history file.
struct ChosenVersion {
  std::string version;           // "v3"
  std::string file;              // "infrastructure-blueprint.v3.yaml"
  std::vector<std::string> all;  // v1, v2, v3
  std::optional<LoadedFile> history;
};

// Loads, validates and resolves one service from its own files only, so services can be
// loaded on several threads at once.
class ServiceLoader {
 public:
  ServiceLoader(const ResolveOptions& options, const BaseDirectory& base, bool immortal,
                LoadedService& out)
      : options_(options), base_(base), immortal_(immortal), out_(out) {}

  // `dir` holds infrastructure-blueprint.yaml (or .yml, .json) and overlays/; the id must
  // match metadata.serviceId.
  void load_from_directory(const std::string& id, const std::string& dir) {
    LoadedFile base;
    // Base files are most of what a large system reads; their positions are needed only for
    // the values an error or a finding points at. A service keeps either the file or
    // versioned files: the directory is listed only when the file is not there.
    bool found = options_.version.empty() &&
                 load_first_existing(base_, dir, "infrastructure-blueprint", true, base);
    if (!found && !load_version(id, dir, base)) {
      if (!out_.errors.empty()) return;
      Diagnostic d;
      d.code = kIoError;
      d.message =
          "service directory has no infrastructure-blueprint.yaml (or .yml, .json, or "
          "versioned infrastructure-blueprint.vN.yaml)";
      d.file = dir;
      out_.errors.push_back(std::move(d));
      return;
    }
    load(id, true, std::move(base), dir + "/overlays");
  }

  // The versioned file to load (the highest, or the one ResolveOptions::version names), with
  // history.log.json when there is one; false when the directory has no versioned file (and
  // no error) or the version asked for is missing (an error).
  bool load_version(const std::string& id, const std::string& dir, LoadedFile& base) {
    std::vector<VersionedFile> versions = list_versions(dir);
    if (versions.empty()) {
      // --version picks among versioned files; a service without any loads its one file.
      return !options_.version.empty() &&
             load_first_existing(base_, dir, "infrastructure-blueprint", true, base);
    }
    const VersionedFile* chosen = &versions.back();
    if (!options_.version.empty()) {
      chosen = nullptr;
      for (const auto& v : versions)
        if ("v" + std::to_string(v.number) == options_.version) chosen = &v;
      if (!chosen) {
        Diagnostic d;
        d.code = kIoError;
        d.message = "no infrastructure-blueprint." + options_.version +
                    ".yaml (or .yml, .json) for --version " + options_.version +
                    " (versions: " + version_list(versions) + ")";
        d.file = dir;
        out_.errors.push_back(std::move(d));
        return false;
      }
    }
    ChosenVersion version;
    version.version = "v" + std::to_string(chosen->number);
    version.file = chosen->name;
    for (const auto& v : versions) version.all.push_back("v" + std::to_string(v.number));
    LoadedFile history;
    if (load_first_existing(base_, dir, "history.log", false, history))
      version.history = std::move(history);
    out_.notes.push_back("services/" + id + ": " + chosen->name + " (" + version.version +
                         (options_.version.empty() ? ", the highest of " : " as asked, of ") +
                         version_list(versions) + ")");
    // Through the blueprint directory, as every other file: no symbolic link out of it.
    load_first_existing(base_, dir, chosen->name.substr(0, chosen->name.rfind('.')), true, base);
    version_ = std::move(version);
    return true;
  }

  // The anchors of the version loaded, from history.log.json, as the service's `history`
  // ({version, file, versions, hash, createdAt, ...}); provenance at the history entry.
  bool add_history(ResolvedService& service, int base) {
    ObjectEntries entries;
    entries.emplace_back(Value::string("version"), Value::string(version_->version));
    entries.emplace_back(Value::string("file"), Value::string(version_->file));
    ValueVec all;
    for (const auto& v : version_->all) all.push_back(Value::string(v));
    entries.emplace_back(Value::string("versions"), Value::array(std::move(all)));
    int history_file = -1;
    size_t entry_index = 0;
    const Value* entry = nullptr;
    if (version_->history) {
      history_file = add_file(std::move(*version_->history));
      if (history_file < 0) return false;
      const SourceDocument& file = out_.files[history_file];
      if (!validate(file, 0, SchemaKind::History, out_.errors)) return false;
      entry = history_entry(file.documents[0], version_->version, entry_index);
      if (!entry) {
        out_.errors.push_back(error_at(kSchemaError, &file, file.find(0, ""),
                                       "history.log.json has no entry for " + version_->version +
                                           " (the version loaded, " + version_->file + ")"));
        return false;
      }
      for (const auto& [key, value] : entry->entries())
        if (key.str() != "version") entries.emplace_back(key, value);
    }
    Value history = Value::object(std::move(entries));
    ObjectEntries with;
    for (const auto& [key, value] : service.value.entries())
      if (key.str() != "history") with.emplace_back(key, value);
    with.emplace_back(Value::string("history"), history);
    service.value = Value::object(std::move(with));
    // Where each anchor was written: the history entry, or the blueprint file itself.
    auto record = [&](const std::string& path, int file, Position pos) {
      Origin origin;
      origin.file = file;
      origin.line = pos.line;
      origin.col = pos.col;
      service.provenance[path] = std::move(origin);
    };
    for (const auto& [key, value] : history.entries()) {
      std::string path = child_path("history", key.str());
      if (history_file >= 0 && entry && (key.str() == "version" || entry->get_ptr(key))) {
        const SourceDocument& file = out_.files[history_file];
        std::string at = child_path(index_path("", entry_index), key.str());
        if (value.is_array()) {
          for (size_t i = 0; i < value.size(); ++i)
            record(index_path(path, i), history_file, file.find(0, index_path(at, i)));
        } else {
          record(path, history_file, file.find(0, at));
        }
        continue;
      }
      Position first{1, 1, 1, 1};
      if (value.is_array()) {
        for (size_t i = 0; i < value.size(); ++i) record(index_path(path, i), base, first);
      } else {
        record(path, base, first);
      }
    }
    return true;
  }

  // A single service file; the id comes from metadata.serviceId, else `fallback_id`.
  void load_from_file(const std::string& fallback_id, const std::string& path) {
    std::string dir = fs::path(path).parent_path().string();
    load(fallback_id, false, load_file(path, true), dir.empty() ? "overlays" : dir + "/overlays");
  }

 private:
  // Adds a parsed file to the file table (or its errors to the report); -1 when it failed.
  int add_file(LoadedFile&& file) {
    out_.errors.insert(out_.errors.end(), file.errors.begin(), file.errors.end());
    if (!file.ok) return -1;
    if (options_.inspect_file) options_.inspect_file(file.doc);
    out_.files.push_back(std::move(file.doc));
    return static_cast<int>(out_.files.size()) - 1;
  }

  // Document `d` of `file`, validated, in the one shape policies see; false (and errors
  // reported) when it is not valid. `moves` says where aliases went.
  bool normalized(const SourceDocument& file, size_t d, SchemaKind kind, Value& out,
                  ShorthandMoves& moves, const Blocks& blocks) {
    std::vector<std::string> shorthands;
    if (!validate(file, d, kind, out_.errors, &shorthands)) return false;
    const Value& document = file.documents[d];
    if (shorthands.empty() && !blocks.vault && !blocks.infrastructure) {
      out = normalize_service(document);
      return true;
    }
    Value long_form = normalize_shorthands(document, kind, std::move(shorthands), moves);
    if (blocks.vault) long_form = secrets_from_vault_block(long_form, moves);
    if (blocks.infrastructure) long_form = lift_infrastructure_base(long_form, moves);
    for (const auto& [alias, target] : moves.conflicts) {
      Position pos = file.find(d, alias);
      std::string name = alias.substr(alias.find_last_of(".]") + 1);
      std::string message =
          alias.rfind("infrastructure.base.", 0) == 0
              ? "'" + target +
                    "' is given both in infrastructure.base and at the top of the "
                    "blueprint; keep one of them"
              : "'" + name + "' is another name for '" + target +
                    "', which is also given; keep one of them";
      out_.errors.push_back(
          error_at(kSchemaError, &file, {pos.key_line, pos.key_col}, std::move(message)));
    }
    if (!moves.conflicts.empty()) return false;
    out = normalize_service(long_form);
    return true;
  }

  // Applies every document of file `index` as an overlay on `service`.
  bool apply_overlay_file(ResolvedService& service, int index) {
    const SourceDocument& file = out_.files[index];
    bool ok = true;
    for (size_t d = 0; d < file.documents.size(); ++d) {
      ShorthandMoves moves;
      Value long_form;
      Blocks blocks(file.documents[d]);
      if (!normalized(file, d, SchemaKind::Overlay, long_form, moves, blocks)) ok = false;
      if (!ok) continue;
      const Value& overlay = file.documents[d];
      if (!overlay.is_null() && !overlay.is_object()) {
        out_.errors.push_back(
            error_at(kSchemaError, &file, file.find(d, ""), "an overlay must be a mapping"));
        ok = false;
        continue;
      }
      if (!check_no_inline_environments(file, d, long_form, blocks)) {
        ok = false;
        continue;
      }
      if (moves.moved.empty()) {
        service.value = merge_overlay(service.value, long_form, file.position_map(d), index,
                                      service.provenance);
      } else {
        service.value = merge_overlay(service.value, long_form,
                                      moved_positions(file.position_map(d), moves, ""), index,
                                      service.provenance);
      }
    }
    return ok;
  }

  // Inline environment overlays (and runtimeConfig.overlays) belong in the service
  // blueprint, not in an overlay.
  bool check_no_inline_environments(const SourceDocument& file, size_t d, const Value& overlay,
                                    const Blocks& blocks) {
    if (!blocks.infrastructure && !blocks.inline_environments && !blocks.runtime_overlays)
      return true;
    if (blocks.infrastructure) {
      Position pos = file.find(d, "infrastructure");
      out_.errors.push_back(error_at(kSchemaError, &file, {pos.key_line, pos.key_col},
                                     "an infrastructure block belongs in the service blueprint's "
                                     "first document, not in an overlay"));
      return false;
    }
    static const Value kRuntimeConfig = Value::interned("runtimeConfig");
    static const Value kOverlays = Value::interned("overlays");
    const Value* config = overlay.is_object() ? overlay.get_ptr(kRuntimeConfig) : nullptr;
    if (config && config->is_object() && config->get_ptr(kOverlays)) {
      Position pos = file.find(d, "runtimeConfig.overlays");
      out_.errors.push_back(error_at(kSchemaError, &file, {pos.key_line, pos.key_col},
                                     "runtimeConfig.overlays belongs in the service blueprint, "
                                     "not in an overlay file; set runtimeConfig.environment here"));
      return false;
    }
    const Value* environments =
        (overlay.is_object() ? overlay.get_ptr(environments_key()) : nullptr);
    if (!environments || !environments->is_array()) return true;
    for (size_t i = 0; i < environments->size(); ++i) {
      const Value& env = environments->items()[i];
      if (!env.is_object() || env.size() <= 1) continue;
      out_.errors.push_back(error_at(
          kSchemaError, &file, file.find(d, index_path("environments", i)),
          "an inline environment overlay belongs in the service blueprint, not in an overlay "
          "file; set the keys in this file itself"));
      return false;
    }
    return true;
  }

  // The positions of a document's subtree at `prefix` ("" for all of it), keyed by paths
  // relative to it, with the values aliases moved found where the user wrote them.
  static PositionMap moved_positions(const PositionMap& positions, const ShorthandMoves& moves,
                                     const std::string& prefix) {
    auto below = [](const std::string& key, const std::string& path) {
      return path.empty() ||
             (key.compare(0, path.size(), path) == 0 &&
              (key.size() == path.size() || key[path.size()] == '.' || key[path.size()] == '['));
    };
    auto relative = [&](const std::string& key) {
      if (prefix.empty() || key.size() == prefix.size()) return key.substr(prefix.size());
      return key.substr(prefix.size() + (key[prefix.size()] == '.' ? 1 : 0));
    };
    PositionMap out;
    for (const auto& [key, pos] : positions)
      if (below(key, prefix)) out[relative(key)] = pos;
    for (const auto& [to, from] : by_depth(moves)) {
      if (!below(to, prefix) || to == prefix) continue;
      for (const auto& [key, pos] : positions)
        if (below(key, from)) out[relative(to + key.substr(from.size()))] = pos;
    }
    return out;
  }

  // The moves, those of whole values before those of values inside them (which win).
  static std::vector<std::pair<std::string, std::string>> by_depth(const ShorthandMoves& moves) {
    auto sorted = moves.moved;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& a, const auto& b) { return a.first.size() < b.first.size(); });
    return sorted;
  }

  // Leaves an alias of the base file moved are where the user wrote them, not where they
  // now stand (the position table has only the source paths).
  void record_moved_origins(ResolvedService& service, int base, const ShorthandMoves& moves) {
    const SourceDocument& file = out_.files[base];
    for (const auto& [to, from] : by_depth(moves)) {
      if (to.rfind("environments[", 0) == 0) continue;  // applied as an overlay, or not at all
      const Value* value = value_at(service.value, to);
      if (value) record_leaves(service, base, file, *value, to, from);
    }
  }

  // The value at a path such as "observability.logs[0].name", or null.
  static const Value* value_at(const Value& root, const std::string& path) {
    const Value* at = &root;
    size_t i = 0;
    while (at && i < path.size()) {
      if (path[i] == '[') {
        size_t close = path.find(']', i);
        size_t index = std::stoul(path.substr(i + 1, close - i - 1));
        at = at->is_array() && index < at->size() ? &at->items()[index] : nullptr;
        i = close + 1;
        continue;
      }
      if (path[i] == '.') ++i;
      size_t end = path.find_first_of(".[", i);
      if (end == std::string::npos) end = path.size();
      at = field(*at, path.substr(i, end - i).c_str());
      i = end;
    }
    return at;
  }

  void record_leaves(ResolvedService& service, int base, const SourceDocument& file,
                     const Value& value, const std::string& path, const std::string& source) {
    if (value.is_object() && value.size() > 0) {
      for (const auto& [key, child] : value.entries())
        record_leaves(service, base, file, child, child_path(path, key.str()),
                      child_path(source, key.str()));
      return;
    }
    if (value.is_array() && value.size() > 0) {
      for (size_t i = 0; i < value.size(); ++i)
        record_leaves(service, base, file, value.items()[i], index_path(path, i),
                      index_path(source, i));
      return;
    }
    Position pos = file.find(0, source);
    Origin origin;
    origin.file = base;
    origin.line = pos.line;
    origin.col = pos.col;
    service.provenance[path] = std::move(origin);
  }

  // The entry of the base document's `environments` named for this environment, applied as
  // its overlay (before overlays/<env>.yaml, which wins).
  void apply_inline_environment(ResolvedService& service, int base, const Value& base_value,
                                const ShorthandMoves& moves) {
    const Value* environments =
        (base_value.is_object() ? base_value.get_ptr(environments_key()) : nullptr);
    if (options_.environment.empty()) return;
    for (size_t i = 0; environments && environments->is_array() && i < environments->size(); ++i) {
      const Value& env = environments->items()[i];
      const Value* name = field(env, "name");
      if (!name || !name->is_string() || name->str() != options_.environment) continue;
      ObjectEntries entries;
      for (const auto& [key, value] : env.entries())
        if (key.str() != "name") entries.emplace_back(key, value);
      if (entries.empty()) break;
      const SourceDocument& file = out_.files[base];
      service.value =
          merge_overlay(service.value, normalize_service(Value::object_sorted(std::move(entries))),
                        moved_positions(file.position_map(0), moves, index_path("environments", i)),
                        base, service.provenance);
      break;
    }
    // The seed's infrastructure.overlays.<env>, after the entry.
    if (const Value* overlay = infrastructure_overlay(base_value, options_.environment);
        overlay && overlay->is_object() && overlay->size() > 0) {
      service.value =
          merge_overlay(service.value, normalize_service(*overlay),
                        moved_positions(out_.files[base].position_map(0), moves,
                                        "infrastructure.overlays." + options_.environment),
                        base, service.provenance);
    }
  }

  // The seed's runtimeConfig.overlays.<env> (variables by environment), set in
  // runtimeConfig.environment in this environment; the overlays themselves are dropped.
  void apply_runtime_config_overlay(ResolvedService& service, int base) {
    static const Value kRuntimeConfig = Value::interned("runtimeConfig");
    static const Value kOverlays = Value::interned("overlays");
    static const Value kEnvironment = Value::interned("environment");
    const Value* config = service.value.get_ptr(kRuntimeConfig);
    const Value* overlays = config && config->is_object() ? config->get_ptr(kOverlays) : nullptr;
    if (!overlays) return;
    Value variables;
    if (!options_.environment.empty() && overlays->is_object()) {
      if (const Value* v = overlays->get_ptr(Value::string(options_.environment))) variables = *v;
    }
    ObjectEntries entries;
    for (const auto& [key, value] : config->entries())
      if (key != kOverlays) entries.emplace_back(key, value);
    ObjectEntries top;
    for (const auto& [key, value] : service.value.entries())
      top.emplace_back(key, key == kRuntimeConfig ? Value::object(entries) : value);
    service.value = Value::object_sorted(std::move(top));
    if (!variables.is_object() || variables.size() == 0) return;
    // Positions of the variables, at the paths they take.
    const std::string from = "runtimeConfig.overlays." + options_.environment;
    PositionMap positions;
    for (const auto& [key, pos] : out_.files[base].position_map(0)) {
      if (key.compare(0, from.size(), from) != 0) continue;
      if (key.size() == from.size()) positions["runtimeConfig.environment"] = pos;
      if (key.size() > from.size() && key[from.size()] == '.')
        positions["runtimeConfig.environment" + key.substr(from.size())] = pos;
    }
    Value overlay =
        Value::object({{kRuntimeConfig, Value::object({{kEnvironment, std::move(variables)}})}});
    service.value = merge_overlay(service.value, overlay, positions, base, service.provenance);
  }

  // Policies see the environments a service runs in as names, whatever form listed them.
  static void environments_as_names(Value& service) {
    const Value* environments = service.get_ptr(environments_key());
    if (!environments || !environments->is_array()) return;
    bool objects = false;
    for (const auto& env : environments->items()) objects = objects || env.is_object();
    if (!objects) return;
    ValueVec names;
    for (const auto& env : environments->items()) {
      const Value* name = env.is_object() ? field(env, "name") : &env;
      if (name) names.push_back(*name);
    }
    ObjectEntries entries(service.entries().begin(), service.entries().end());
    for (auto& [key, value] : entries)
      if (key.str() == "environments") value = Value::array(std::move(names));
    service = Value::object_sorted(std::move(entries));
  }

  std::vector<std::string> layers() const {
    std::vector<std::string> names;
    if (!options_.environment.empty()) names.push_back(options_.environment);
    names.insert(names.end(), options_.editions.begin(), options_.editions.end());
    return names;
  }

  void load(const std::string& id, bool id_from_dir, LoadedFile&& base_file,
            const std::string& overlays_dir) {
    int base = add_file(std::move(base_file));
    if (base < 0) return;
    ResolvedService service;
    service.id = id;
    service.base_file = base;
    Value base_value;  // the first document, normalised
    ShorthandMoves base_moves;
    Blocks blocks(out_.files[base].documents[0]);
    {
      const SourceDocument& file = out_.files[base];
      if (!file.documents[0].is_object()) {
        out_.errors.push_back(error_at(kSchemaError, &file, file.find(0, ""),
                                       file.documents[0].is_null()
                                           ? "the service blueprint is empty"
                                           : "a service blueprint must be a mapping"));
        return;
      }
      if (!normalized(file, 0, SchemaKind::Service, base_value, base_moves, blocks)) return;
      service.value = blocks.infrastructure ? without_infrastructure_block(base_value) : base_value;
      if (!base_moves.moved.empty()) record_moved_origins(service, base, base_moves);
    }
    // Later documents in the same file refine the first, as overlays do.
    {
      SourceDocument& file = out_.files[base];
      if (file.documents.size() > 1) {
        file.position_map(0);
        SourceDocument rest = file;
        rest.documents.erase(rest.documents.begin());
        rest.positions.erase(rest.positions.begin());
        out_.files.push_back(std::move(rest));
        // Positions of the later documents are in the same file; the copy keeps them apart.
        if (!apply_overlay_file(service, static_cast<int>(out_.files.size()) - 1)) return;
      }
    }
    const Value* metadata = field(service.value, "metadata");
    const Value* service_id = metadata ? field(*metadata, "serviceId") : nullptr;
    if (service_id && service_id->is_string()) {
      if (id_from_dir && service_id->str() != id) {
        const SourceDocument& file = out_.files[base];
        out_.errors.push_back(error_at(kSchemaError, &file, file.find(0, "metadata.serviceId"),
                                       "metadata.serviceId '" + service_id->str() +
                                           "' does not match its directory services/" + id));
        return;
      }
      service.id = service_id->str();
    }
    if (std::string problem = service_id_problem(service.id); !problem.empty()) {
      const SourceDocument& file = out_.files[base];
      out_.errors.push_back(error_at(kSchemaError, &file, file.find(0, "metadata.serviceId"),
                                     "service id '" + service.id + "' " + problem));
      return;
    }
    if (blocks.inline_environments || blocks.infrastructure)
      apply_inline_environment(service, base, base_value, base_moves);
    if (blocks.runtime_overlays) apply_runtime_config_overlay(service, base);
    for (const auto& layer : layers()) {
      LoadedFile overlay;
      if (!load_first_existing(base_, overlays_dir, layer, false, overlay)) continue;
      int index = add_file(std::move(overlay));
      if (index < 0 || !apply_overlay_file(service, index)) return;
    }
    if (blocks.inline_environments) environments_as_names(service.value);
    if (version_ && !add_history(service, base)) return;
    // A service that lists the environments it opts into is absent from the others.
    const Value* opted = service.value.get_ptr(environments_key());
    if (opted && opted->is_array() && opted->size() > 0 && !options_.environment.empty()) {
      bool listed = false;
      for (const auto& e : opted->items())
        listed = listed || e == Value::string(options_.environment);
      if (!listed) return;
    }
    auto facts = std::make_shared<ServiceGraphFacts>();
    collect_graph_facts(service.value, *facts);
    service.graph_facts = std::move(facts);
    if (immortal_) service.value.make_immortal();
    out_.service = std::move(service);
  }

  const ResolveOptions& options_;
  const BaseDirectory& base_;
  bool immortal_;
  LoadedService& out_;
  std::optional<ChosenVersion> version_;
};

class Resolver {
 public:
  Resolver(const ResolveOptions& options, ResolvedSystem& out, std::vector<Diagnostic>& errors)
      : options_(options), out_(out), errors_(errors) {}

  bool load_directory(const fs::path& dir) {
    // Files open relative to the blueprint directory, and symbolic links may not lead out of
    // it (BaseDirectory, ReadLimits::beneath).
    BaseDirectory base;
    base.fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (base.fd < 0) {
      base.fd = AT_FDCWD;
    } else {
      base.prefix = (dir / "x").parent_path().string() + '/';
    }
    // `dir` as given, joined as fs::path joins ("x/" and "x" both give "x/system.yaml").
    LoadedFile system;
    if (load_first_existing(base, (dir / "system").parent_path().string(), "system", false,
                            system)) {
      load_system(std::move(system));
    }
    std::vector<std::pair<std::string, std::string>> services;  // id, directory
    fs::path services_dir = dir / "services";
    std::error_code ec;
    if (fs::is_directory(services_dir, ec)) {
      for (const auto& entry : fs::directory_iterator(services_dir, ec)) {
        if (!entry.is_directory()) continue;
        services.emplace_back(entry.path().filename().string(), entry.path().string());
      }
    }
    if (services.empty() && errors_.empty()) {
      errors_.push_back(error_at(kIoError, nullptr, {},
                                 "no services found (expected services/<id>/"
                                 "infrastructure-blueprint.yaml)"));
      errors_.back().file = dir.string();
    }
    std::sort(services.begin(), services.end());
    bool immortal = services.size() >= options_.immortal_min_services;
    out_.immortal_services = immortal;
    std::vector<LoadedService> loaded(services.size());
    parallel_for(services.size(), [&](size_t i) {
      ServiceLoader(options_, base, immortal, loaded[i])
          .load_from_directory(services[i].first, services[i].second);
    });
    if (base.fd != AT_FDCWD) ::close(base.fd);
    size_t files = out_.files.size();
    for (const auto& service : loaded) files += service.files.size();
    out_.files.reserve(files);
    out_.services.reserve(loaded.size());
    for (auto& service : loaded) add_service(std::move(service));
    return errors_.empty();
  }

  bool load_single_file(const fs::path& file) {
    // The id comes from metadata.serviceId once loaded; the folder name is the fallback.
    std::string fallback = file.parent_path().filename().string();
    if (fallback.empty()) fallback = file.stem().string();
    LoadedService loaded;
    bool immortal = options_.immortal_min_services <= 1;
    out_.immortal_services = immortal;
    ServiceLoader(options_, BaseDirectory{}, immortal, loaded)
        .load_from_file(fallback, file.string());
    add_service(std::move(loaded));
    return errors_.empty();
  }

  void check_environment() {
    const Value* environments = field(out_.system, "environments");
    if (!environments || !environments->is_array() || out_.system_file < 0) return;
    std::vector<std::string> names;
    for (const auto& env : environments->items()) {
      const Value* name = field(env, "name");
      if (name && name->is_string()) names.push_back(name->str());
    }
    if (names.empty() ||
        std::find(names.begin(), names.end(), options_.environment) != names.end()) {
      return;
    }
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    std::string message = "environment '" + options_.environment +
                          "' is not declared in system.yaml (declared: " + list + ")";
    std::string suggestion = nearest_name(options_.environment, names);
    if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
    const SourceDocument& file = out_.files[out_.system_file];
    Position pos = file.find(0, "environments");
    errors_.push_back(error_at(kSchemaError, &file, {pos.key_line, pos.key_col}, message));
  }

 private:
  // Moves a loaded service's files into the system's table, renumbering its file indexes.
  void add_service(LoadedService&& loaded) {
    errors_.insert(errors_.end(), std::make_move_iterator(loaded.errors.begin()),
                   std::make_move_iterator(loaded.errors.end()));
    if (options_.note)
      for (const auto& note : loaded.notes) options_.note(note);
    int offset = static_cast<int>(out_.files.size());
    for (auto& file : loaded.files) out_.files.push_back(std::move(file));
    if (!loaded.service) return;
    ResolvedService& service = *loaded.service;
    service.base_file += offset;
    for (auto& [path, origin] : service.provenance) {
      if (origin.file >= 0) origin.file += offset;
    }
    out_.services.push_back(std::move(service));
  }

  void load_system(LoadedFile&& loaded) {
    errors_.insert(errors_.end(), loaded.errors.begin(), loaded.errors.end());
    if (!loaded.ok) return;
    if (options_.inspect_file) options_.inspect_file(loaded.doc);
    out_.files.push_back(std::move(loaded.doc));
    int index = static_cast<int>(out_.files.size()) - 1;
    const SourceDocument& file = out_.files[index];
    if (file.documents.size() != 1) {
      errors_.push_back(error_at(kSchemaError, &file, {1, 1, 1, 1},
                                 "system.yaml must hold exactly one document"));
      return;
    }
    std::vector<std::string> shorthands;
    if (!validate(file, 0, SchemaKind::System, errors_, &shorthands)) return;
    out_.system_file = index;
    // system.yaml has no aliases (nothing moves), only other spellings of enum values.
    ShorthandMoves moves;
    out_.system = file.documents[0].is_null()
                      ? Value::empty_object()
                      : normalize_system(normalize_shorthands(file.documents[0], SchemaKind::System,
                                                              std::move(shorthands), moves));
  }

  const ResolveOptions& options_;
  ResolvedSystem& out_;
  std::vector<Diagnostic>& errors_;
};

}  // namespace

namespace {

Value with_key(const Value& object, const char* key, Value value) {
  ObjectEntries entries;
  bool replaced = false;
  for (const auto& [k, v] : object.entries()) {
    if (k.str() == key) {
      entries.emplace_back(k, value);
      replaced = true;
    } else {
      entries.emplace_back(k, v);
    }
  }
  if (!replaced) entries.emplace_back(Value::string(key), std::move(value));
  return Value::object(std::move(entries));
}

bool has_path_probe(const Value& probes) {
  if (!probes.is_object()) return false;
  for (const auto& [kind, probe] : probes.entries())
    if (probe.is_string()) return true;
  return false;
}

// Probes given as a path become {path}.
Value normalize_probes(const Value& probes) {
  ObjectEntries entries;
  for (const auto& [kind, probe] : probes.entries())
    entries.emplace_back(
        kind, probe.is_string() ? Value::object({{Value::string("path"), probe}}) : probe);
  return Value::object(std::move(entries));
}

}  // namespace

// The one shape policies see for what a service blueprint (or an overlay) may say briefly:
// a probe as its path, `exporters` without `exporter`. Positions stay those of what the user
// wrote: a lookup of `...liveness.path` finds `...liveness`.
Value normalize_service(const Value& service) {
  if (!service.is_object()) return service;
  // Keys made once: this runs for every service file and overlay of a large system.
  static const Value kRuntimeProfile = Value::interned("runtimeProfile");
  static const Value kResilience = Value::interned("resilience");
  static const Value kProbes = Value::interned("probes");
  static const Value kObservability = Value::interned("observability");
  static const Value kOtel = Value::interned("otel");
  static const Value kExporters = Value::interned("exporters");
  static const Value kExporter = Value::interned("exporter");
  Value out = service;
  for (const Value* section : {&kRuntimeProfile, &kResilience}) {
    const Value* holder = out.get_ptr(*section);
    const Value* probes = holder && holder->is_object() ? holder->get_ptr(kProbes) : nullptr;
    if (!probes) continue;
    if (!has_path_probe(*probes)) continue;
    out = with_key(out, section->str().c_str(),
                   with_key(*holder, "probes", normalize_probes(*probes)));
  }
  const Value* observability = out.get_ptr(kObservability);
  const Value* otel =
      observability && observability->is_object() ? observability->get_ptr(kOtel) : nullptr;
  const Value* exporters = otel && otel->is_object() ? otel->get_ptr(kExporters) : nullptr;
  if (exporters && exporters->is_array() && exporters->size() > 0 && !otel->get_ptr(kExporter))
    out = with_key(
        out, "observability",
        with_key(*observability, "otel", with_key(*otel, "exporter", exporters->items()[0])));
  return out;
}

// The one shape policies see for what system.yaml may say briefly: an environment given by
// its name is {name}. Positions stay those of what the user wrote (a lookup of
// `environments[0].name` finds `environments[0]`).
Value normalize_system(const Value& system) {
  const Value* environments = field(system, "environments");
  if (!environments || !environments->is_array()) return system;
  bool shorthand = false;
  for (const auto& env : environments->items()) shorthand = shorthand || env.is_string();
  if (!shorthand) return system;
  ValueVec normalized;
  for (const auto& env : environments->items()) {
    normalized.push_back(env.is_string() ? Value::object({{Value::string("name"), env}}) : env);
  }
  ObjectEntries entries(system.entries().begin(), system.entries().end());
  for (auto& [key, value] : entries)
    if (key.str() == "environments") value = Value::array(std::move(normalized));
  return Value::object(std::move(entries));
}

bool resolve(const std::string& path, const ResolveOptions& options, ResolvedSystem& out,
             std::vector<Diagnostic>& errors) {
  out = ResolvedSystem{};
  out.environment = options.environment;
  out.system = Value::empty_object();
  size_t before = errors.size();
  Resolver resolver(options, out, errors);
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    resolver.load_directory(path);
    if (!options.environment.empty()) resolver.check_environment();
  } else if (fs::is_regular_file(path, ec)) {
    resolver.load_single_file(path);
  } else {
    Diagnostic d;
    d.code = kIoError;
    d.message = "no such blueprint file or directory";
    d.file = path;
    errors.push_back(std::move(d));
  }
  if (errors.size() != before) return false;
  // Services of a directory come in directory-name order, which is id order: checking costs
  // less than sorting 10,000 already sorted services.
  auto by_id = [](const ResolvedService& a, const ResolvedService& b) { return a.id < b.id; };
  if (!std::is_sorted(out.services.begin(), out.services.end(), by_id))
    std::sort(out.services.begin(), out.services.end(), by_id);
  for (size_t i = 1; i < out.services.size(); ++i) {
    if (out.services[i].id == out.services[i - 1].id) {
      Diagnostic d;
      d.code = kSchemaError;
      d.message = "service '" + out.services[i].id + "' is defined twice";
      d.file = out.files[out.services[i].base_file].file;
      d.line = 1;
      d.col = 1;
      errors.push_back(std::move(d));
      return false;
    }
  }
  return build_graph(out, out.graph, errors);
}

std::vector<std::string> declared_environments(const ResolvedSystem& system) {
  std::vector<std::string> names;
  auto add = [&](const Value& name) {
    if (name.is_string() && std::find(names.begin(), names.end(), name.str()) == names.end())
      names.push_back(name.str());
  };
  if (const Value* environments = field(system.system, "environments");
      environments && environments->is_array()) {
    for (const auto& env : environments->items()) {
      if (env.is_string()) add(env);  // the shorthand, in a system document not normalised
      if (const Value* name = field(env, "name")) add(*name);
    }
  }
  if (!names.empty()) return names;
  for (const auto& service : system.services) {
    const Value* opted = service.value.get_ptr(environments_key());
    if (!opted || !opted->is_array()) continue;
    for (const auto& name : opted->items()) add(name);
  }
  return names;
}

}  // namespace policyc::blueprint
