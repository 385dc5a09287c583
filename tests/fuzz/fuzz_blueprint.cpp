// The blueprint loader with schema and overlays: the input is split at lines `#---` into
// system.yaml, a service blueprint, and its dev and prod overlays, written as a blueprint
// directory and resolved for each environment. Errors carry a file and line; a resolved
// system gives its input document and graph.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "fuzz_target.hpp"
#include "policyc/blueprint/blueprint.hpp"

namespace {

namespace fs = std::filesystem;

const fs::path& root() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("policyc-fuzz-blueprint-" + std::to_string(getpid()));
    fs::create_directories(d / "services" / "svc" / "overlays");
    return d;
  }();
  return dir;
}

void put(const fs::path& path, const std::string* text) {
  if (!text) {
    std::error_code ignored;
    fs::remove(path, ignored);
    return;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text->data(), static_cast<std::streamsize>(text->size()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace policyc;
  if (size > 65536) return 0;
  std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t cut = text.find("\n#---\n", start);
    if (cut == std::string::npos || parts.size() == 3) {
      parts.push_back(text.substr(start));
      break;
    }
    parts.push_back(text.substr(start, cut + 1 - start));
    start = cut + 6;
  }
  const fs::path& dir = root();
  put(dir / "system.yaml", parts.size() > 1 ? &parts[0] : nullptr);
  const std::string& service = parts.size() > 1 ? parts[1] : parts[0];
  put(dir / "services" / "svc" / "infrastructure-blueprint.yaml", &service);
  put(dir / "services" / "svc" / "overlays" / "dev.yaml", parts.size() > 2 ? &parts[2] : nullptr);
  put(dir / "services" / "svc" / "overlays" / "prod.yaml", parts.size() > 3 ? &parts[3] : nullptr);
  for (const char* environment : {"dev", "prod"}) {
    blueprint::ResolveOptions options;
    options.environment = environment;
    blueprint::ResolvedSystem system;
    std::vector<Diagnostic> errors;
    if (!blueprint::resolve(dir.string(), options, system, errors)) {
      fuzz::require(!errors.empty(), "a failed resolve reports an error");
      for (const auto& d : errors)
        fuzz::require(!d.message.empty() && !d.file.empty(), "a blueprint error names its file",
                      d.message);
      continue;
    }
    Value input = blueprint::input_document(system);
    fuzz::require(input.is_object(), "the input document is an object");
    std::string json = input.to_json();
    fuzz::require(!json.empty(), "the input document writes as JSON");
  }
  return 0;
}
