// Loading a blueprint directory (or one service file) and resolving it for an environment.
#include <algorithm>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "policyc/engine/blueprint/blueprint.hpp"

namespace policyc::blueprint {

namespace fs = std::filesystem;

namespace {

const char* const kServiceFileNames[] = {"infrastructure-blueprint.yaml",
                                         "infrastructure-blueprint.yml",
                                         "infrastructure-blueprint.json"};

// `stem.yaml`, `stem.yml` or `stem.json` in `dir`, whichever exists first.
std::string find_with_extensions(const fs::path& dir, const std::string& stem) {
  for (const char* ext : {".yaml", ".yml", ".json"}) {
    fs::path candidate = dir / (stem + ext);
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec)) return candidate.string();
  }
  return "";
}

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
  return object.is_object() ? object.get_ptr(Value::string(key)) : nullptr;
}

class Resolver {
 public:
  Resolver(const ResolveOptions& options, ResolvedSystem& out, std::vector<Diagnostic>& errors)
      : options_(options), out_(out), errors_(errors) {}

  bool load_directory(const fs::path& dir) {
    std::string system_file = find_with_extensions(dir, "system");
    if (!system_file.empty()) load_system(system_file);
    std::vector<std::pair<std::string, std::string>> services;  // id, base file
    fs::path services_dir = dir / "services";
    std::error_code ec;
    if (fs::is_directory(services_dir, ec)) {
      for (const auto& entry : fs::directory_iterator(services_dir, ec)) {
        if (!entry.is_directory()) continue;
        std::string base;
        for (const char* name : kServiceFileNames) {
          if (fs::is_regular_file(entry.path() / name, ec)) {
            base = (entry.path() / name).string();
            break;
          }
        }
        if (base.empty()) {
          errors_.push_back(error_at(kIoError, nullptr, {},
                                     "service directory has no infrastructure-blueprint.yaml "
                                     "(or .yml, .json)"));
          errors_.back().file = entry.path().string();
          continue;
        }
        services.emplace_back(entry.path().filename().string(), base);
      }
    }
    if (services.empty() && errors_.empty()) {
      errors_.push_back(error_at(kIoError, nullptr, {},
                                 "no services found (expected services/<id>/"
                                 "infrastructure-blueprint.yaml)"));
      errors_.back().file = dir.string();
    }
    std::sort(services.begin(), services.end());
    for (const auto& [id, base] : services) load_service(id, base, true);
    return errors_.empty();
  }

  bool load_single_file(const fs::path& file) {
    // The id comes from metadata.serviceId once loaded; the folder name is the fallback.
    std::string fallback = file.parent_path().filename().string();
    if (fallback.empty()) fallback = file.stem().string();
    load_service(fallback, file.string(), false);
    return errors_.empty();
  }

  void check_environment() {
    const Value* environments = field(out_.system, "environments");
    if (!environments || !environments->is_array() || system_file_ < 0) return;
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
    const SourceDocument& file = out_.files[system_file_];
    Position pos = file.find(0, "environments");
    errors_.push_back(error_at(kSchemaError, &file, {pos.key_line, pos.key_col}, message));
  }

 private:
  // Reads and parses a file into the file table; -1 when it could not be parsed.
  int add_file(const std::string& path) {
    SourceDocument doc;
    if (!load_source(path, doc, errors_)) return -1;
    out_.files.push_back(std::move(doc));
    return static_cast<int>(out_.files.size()) - 1;
  }

  void load_system(const std::string& path) {
    int index = add_file(path);
    if (index < 0) return;
    const SourceDocument& file = out_.files[index];
    if (file.documents.size() != 1) {
      errors_.push_back(error_at(kSchemaError, &file, {1, 1, 1, 1},
                                 "system.yaml must hold exactly one document"));
      return;
    }
    if (!validate(file, 0, SchemaKind::System, errors_)) return;
    system_file_ = index;
    out_.system = file.documents[0].is_null() ? Value::empty_object() : file.documents[0];
  }

  // Applies every document of file `index` as an overlay on `service`.
  bool apply_overlay_file(ResolvedService& service, int index) {
    const SourceDocument& file = out_.files[index];
    bool ok = true;
    for (size_t d = 0; d < file.documents.size(); ++d) {
      ok = validate(file, d, SchemaKind::Overlay, errors_) && ok;
      if (!ok) continue;
      const Value& overlay = file.documents[d];
      if (!overlay.is_null() && !overlay.is_object()) {
        errors_.push_back(
            error_at(kSchemaError, &file, file.find(d, ""), "an overlay must be a mapping"));
        ok = false;
        continue;
      }
      service.value =
          merge_overlay(service.value, overlay, file.positions[d], index, service.provenance);
    }
    return ok;
  }

  void load_service(const std::string& id, const std::string& base_path, bool id_from_dir) {
    int base = add_file(base_path);
    if (base < 0) return;
    ResolvedService service;
    service.id = id;
    service.base_file = base;
    {
      const SourceDocument& file = out_.files[base];
      if (!file.documents[0].is_object()) {
        errors_.push_back(error_at(kSchemaError, &file, file.find(0, ""),
                                   file.documents[0].is_null()
                                       ? "the service blueprint is empty"
                                       : "a service blueprint must be a mapping"));
        return;
      }
      if (!validate(file, 0, SchemaKind::Service, errors_)) return;
      service.value = file.documents[0];
    }
    // Later documents in the same file refine the first, as overlays do.
    {
      SourceDocument& file = out_.files[base];
      if (file.documents.size() > 1) {
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
        errors_.push_back(error_at(kSchemaError, &file, file.find(0, "metadata.serviceId"),
                                   "metadata.serviceId '" + service_id->str() +
                                       "' does not match its directory services/" + id));
        return;
      }
      service.id = service_id->str();
    }
    fs::path overlays = fs::path(base_path).parent_path() / "overlays";
    std::vector<std::string> layers;
    if (!options_.environment.empty()) layers.push_back(options_.environment);
    layers.insert(layers.end(), options_.editions.begin(), options_.editions.end());
    for (const auto& layer : layers) {
      std::string overlay_path = find_with_extensions(overlays, layer);
      if (overlay_path.empty()) continue;
      int index = add_file(overlay_path);
      if (index < 0 || !apply_overlay_file(service, index)) return;
    }
    // A service that lists the environments it opts into is absent from the others.
    const Value* opted = field(service.value, "environments");
    if (opted && opted->is_array() && opted->size() > 0 && !options_.environment.empty()) {
      bool listed = false;
      for (const auto& e : opted->items())
        listed = listed || e == Value::string(options_.environment);
      if (!listed) return;
    }
    out_.services.push_back(std::move(service));
  }

  const ResolveOptions& options_;
  ResolvedSystem& out_;
  std::vector<Diagnostic>& errors_;
  int system_file_ = -1;
};

}  // namespace

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
  std::sort(out.services.begin(), out.services.end(),
            [](const ResolvedService& a, const ResolvedService& b) { return a.id < b.id; });
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
      if (const Value* name = field(env, "name")) add(*name);
    }
  }
  if (!names.empty()) return names;
  for (const auto& service : system.services) {
    const Value* opted = field(service.value, "environments");
    if (!opted || !opted->is_array()) continue;
    for (const auto& name : opted->items()) add(name);
  }
  return names;
}

}  // namespace policyc::blueprint
