// File loading for `policyc eval -d` and the test runners (see loader.hpp).
#include "policyc/engine/loader.hpp"

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <system_error>
#include <vector>

namespace policyc {

namespace fs = std::filesystem;

namespace {

bool has_extension(const fs::path& p, std::initializer_list<const char*> extensions) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  for (const char* e : extensions) {
    if (ext == e) return true;
  }
  return false;
}

bool is_yaml_file(const fs::path& p) { return has_extension(p, {".yaml", ".yml"}); }
bool is_json_file(const fs::path& p) { return has_extension(p, {".json"}); }
bool is_rego_file(const fs::path& p) { return has_extension(p, {".rego"}); }

Diagnostic file_error(const std::string& file, const std::string& message) {
  Diagnostic d;
  d.code = "load_error";
  d.message = message;
  d.file = file;
  return d;
}

const Value* field(const Value& obj, const char* name) {
  if (!obj.is_object()) return nullptr;
  return obj.find(Value::string(name));
}

void append_string_list(const Value* list, std::vector<std::string>& out) {
  if (!list || !list->is_array()) return;
  for (const auto& item : list->items()) {
    if (item.is_string()) out.push_back(item.str());
  }
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::string_view trimmed(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// Rego embedded in a ConstraintTemplate, re-indented and preceded by blank lines so that its
// lines and columns are those of the template file. The block scalar is found by its first
// non-empty line; false when it is not there verbatim (e.g. a quoted scalar with escapes).
bool align_with_template(std::string_view yaml, std::string_view rego, std::string& out) {
  auto rego_lines = split_lines(rego);
  size_t first = 0;
  while (first < rego_lines.size() && trimmed(rego_lines[first]).empty()) ++first;
  if (first == rego_lines.size()) return false;
  auto yaml_lines = split_lines(yaml);
  for (size_t y = first; y < yaml_lines.size(); ++y) {
    if (trimmed(yaml_lines[y]) != trimmed(rego_lines[first])) continue;
    size_t indent = yaml_lines[y].find_first_not_of(' ');
    if (indent == std::string_view::npos) return false;
    std::string pad(indent, ' ');
    out.assign(y - first, '\n');
    for (size_t i = 0; i < rego_lines.size(); ++i) {
      if (!rego_lines[i].empty()) out += pad;
      out += rego_lines[i];
      if (i + 1 < rego_lines.size()) out += '\n';
    }
    return true;
  }
  return false;
}

bool add_rego(Engine& engine, const std::string& file, std::string source, bool v0,
              std::vector<Diagnostic>& errors) {
  return engine.add_module(file, std::move(source), v0, errors);
}

// Data path of a file found while walking `root`: its directory relative to the root.
std::vector<std::string> data_path_for(const fs::path& root, const fs::path& file) {
  std::vector<std::string> path;
  if (root.empty()) return path;
  std::error_code ec;
  fs::path rel = fs::relative(file.parent_path(), root, ec);
  if (ec) return path;
  for (const auto& part : rel) {
    std::string s = part.string();
    if (s.empty() || s == ".") continue;
    path.push_back(s);
  }
  return path;
}

bool load_file(Engine& engine, const fs::path& root, const fs::path& file,
               const LoadOptions& options, std::vector<Diagnostic>& errors) {
  std::string name = file.string();
  if (is_rego_file(file)) {
    std::string source;
    if (!read_file(name, source)) {
      errors.push_back(file_error(name, "cannot read file"));
      return false;
    }
    return add_rego(engine, name, std::move(source), options.v0, errors);
  }
  if (!is_json_file(file) && !is_yaml_file(file)) return true;  // OPA ignores other files
  FileText mapped;
  if (!mapped.open(name)) {
    errors.push_back(file_error(name, "cannot read file"));
    return false;
  }
  std::string_view text = mapped.text();
  std::vector<Value> docs;
  if (is_json_file(file)) {
    Value doc;
    TextError err;
    JsonOptions json_options;
    json_options.release_parsed_pages = mapped.mapped();
    if (!parse_json(text, doc, err, json_options)) {
      errors.push_back(text_error_diagnostic(name, text, err, "json_parse_error"));
      return false;
    }
    docs.push_back(std::move(doc));
  } else {
    TextError err;
    if (!parse_yaml(text, docs, err, YamlSchema::Go11)) {
      errors.push_back(text_error_diagnostic(name, text, err, "yaml_parse_error"));
      return false;
    }
    // A ConstraintTemplate is policy, not data.
    std::vector<std::string> sources;
    bool any_template = false;
    for (const auto& doc : docs) {
      if (!constraint_template_sources(doc, sources)) continue;
      any_template = true;
    }
    if (any_template) {
      bool ok = true;
      for (size_t i = 0; i < sources.size(); ++i) {
        // Aligned with the template file when the block is found there, so that every
        // parse, compile and evaluation error points at the template's own line and column.
        std::string aligned;
        if (align_with_template(text, sources[i], aligned)) {
          ok = add_rego(engine, name, std::move(aligned), true, errors) && ok;
        } else {
          ok = add_rego(engine, name + "#" + std::to_string(i), std::move(sources[i]), true,
                        errors) &&
               ok;
        }
      }
      return ok;
    }
    if (docs.size() > 1) {
      errors.push_back(file_error(name, "data file holds more than one YAML document"));
      return false;
    }
  }
  if (docs.empty() || docs[0].is_null()) return true;  // an empty data file adds nothing
  std::vector<std::string> data_path = data_path_for(root, file);
  if (data_path.empty() && !docs[0].is_object()) {
    errors.push_back(file_error(name, "data at the root must be an object"));
    return false;
  }
  return engine.add_data(data_path, docs[0], errors);
}

bool is_hidden(const fs::path& p) {
  std::string s = p.filename().string();
  return s.size() > 1 && s[0] == '.' && s != "..";
}

}  // namespace

Diagnostic text_error_diagnostic(const std::string& file, std::string_view text,
                                 const TextError& err, const std::string& code) {
  Diagnostic d;
  d.code = code;
  d.message = err.message;
  d.file = file;
  d.line = err.line;
  d.col = err.col;
  if (err.line > 0) d.source_line = line_of(text, err.line);
  return d;
}

bool constraint_template_sources(const Value& doc, std::vector<std::string>& sources) {
  const Value* kind = field(doc, "kind");
  if (!kind || !kind->is_string() || kind->str() != "ConstraintTemplate") return false;
  const Value* spec = field(doc, "spec");
  const Value* targets = spec ? field(*spec, "targets") : nullptr;
  if (!targets || !targets->is_array()) return true;
  for (const auto& target : targets->items()) {
    const Value* rego = field(target, "rego");
    if (rego && rego->is_string()) sources.push_back(rego->str());
    append_string_list(field(target, "libs"), sources);
    const Value* code = field(target, "code");
    if (!code || !code->is_array()) continue;
    for (const auto& entry : code->items()) {
      const Value* engine_name = field(entry, "engine");
      if (!engine_name || !engine_name->is_string() || engine_name->str() != "Rego") continue;
      const Value* source = field(entry, "source");
      if (!source) continue;
      const Value* code_rego = field(*source, "rego");
      if (code_rego && code_rego->is_string()) sources.push_back(code_rego->str());
      append_string_list(field(*source, "libs"), sources);
    }
  }
  return true;
}

bool load_document(const std::string& path, Value& out, std::vector<Diagnostic>& errors) {
  FileText file;
  if (!file.open(path)) {
    errors.push_back(file_error(path, "cannot read file"));
    return false;
  }
  std::string_view text = file.text();
  TextError err;
  if (is_yaml_file(path)) {
    std::vector<Value> docs;
    if (!parse_yaml(text, docs, err, YamlSchema::Go11)) {
      errors.push_back(text_error_diagnostic(path, text, err, "yaml_parse_error"));
      return false;
    }
    if (docs.size() != 1) {
      errors.push_back(file_error(path, "expected exactly one YAML document"));
      return false;
    }
    out = std::move(docs[0]);
    return true;
  }
  // The input document is loaded once per process: large ones are parsed on two threads.
  JsonOptions options;
  options.parallel_min_bytes = size_t{1} << 20;
  options.release_parsed_pages = file.mapped();
  if (!parse_json(text, out, err, options)) {
    errors.push_back(text_error_diagnostic(path, text, err, "json_parse_error"));
    return false;
  }
  return true;
}

namespace {

bool inside(const fs::path& path, const fs::path& root) {
  auto r = root.begin(), p = path.begin();
  for (; r != root.end(); ++r, ++p)
    if (p == path.end() || *p != *r) return false;
  return true;
}

// The files under `dir` in a policy directory whose real path is `root`. Symbolic links are
// followed while they stay inside it; one that leads out (a PR linking to a runner's
// credentials) or into a loop is an error, not a file read.
bool collect_policy_files(const fs::path& dir, const fs::path& root, std::set<fs::path>& visited,
                          std::vector<fs::path>& files, std::vector<Diagnostic>& errors) {
  std::error_code ec;
  bool ok = true;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& path = it->path();
    if (is_hidden(path)) continue;
    if (!it->is_symlink(ec)) {
      if (it->is_directory(ec)) {
        ok = collect_policy_files(path, root, visited, files, errors) && ok;
      } else if (it->is_regular_file(ec)) {
        files.push_back(path);
      }
      continue;
    }
    std::error_code target_error;
    fs::path target = fs::canonical(path, target_error);
    if (target_error) {
      errors.push_back(
          file_error(path.string(), target_error == std::errc::too_many_symbolic_link_levels
                                        ? "symbolic links lead to each other (a loop)"
                                        : "symbolic link to nothing: " + target_error.message()));
      ok = false;
    } else if (!inside(target, root)) {
      errors.push_back(
          file_error(path.string(), "a symbolic link leads outside the policy directory (to " +
                                        target.string() + "); not read"));
      ok = false;
    } else if (fs::is_directory(target, ec)) {
      if (!visited.insert(target).second) {
        errors.push_back(
            file_error(path.string(), "symbolic link leads back to a directory already read"));
        ok = false;
      } else {
        ok = collect_policy_files(path, root, visited, files, errors) && ok;
      }
    } else if (fs::is_regular_file(target, ec)) {
      files.push_back(path);
    }
  }
  if (ec) {
    errors.push_back(file_error(dir.string(), "cannot walk directory: " + ec.message()));
    return false;
  }
  return ok;
}

}  // namespace

bool policy_directory_files(const std::string& directory, std::vector<std::string>& files,
                            std::vector<Diagnostic>& errors) {
  std::error_code ec;
  fs::path real_root = fs::canonical(directory, ec);
  if (ec) {
    errors.push_back(file_error(directory, "cannot walk directory: " + ec.message()));
    return false;
  }
  std::set<fs::path> visited{real_root};
  std::vector<fs::path> found;
  if (!collect_policy_files(directory, real_root, visited, found, errors)) return false;
  std::sort(found.begin(), found.end());
  for (const auto& f : found) files.push_back(f.string());
  return true;
}

bool load_paths(Engine& engine, const std::vector<std::string>& paths, const LoadOptions& options,
                std::vector<Diagnostic>& errors) {
  bool ok = true;
  for (const auto& path : paths) {
    std::error_code ec;
    fs::path root(path);
    if (fs::is_directory(root, ec)) {
      // Sorted, so the load order (and any conflict reported) does not depend on the
      // file system.
      std::vector<std::string> files;
      if (!policy_directory_files(path, files, errors)) {
        ok = false;
        continue;
      }
      for (const auto& file : files) ok = load_file(engine, root, file, options, errors) && ok;
    } else if (fs::exists(root, ec)) {
      ok = load_file(engine, fs::path(), root, options, errors) && ok;
    } else {
      errors.push_back(file_error(path, "no such file or directory"));
      ok = false;
    }
  }
  return ok;
}

}  // namespace policyc
