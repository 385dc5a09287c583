// Argument parsing and wiring for the blueprint subcommands; the work is in
// policyc_blueprint.
#include "blueprint_commands.hpp"

#include <cstdio>
#include <string>
#include <vector>

#include "policyc/engine/blueprint/blueprint.hpp"
#include "policyc/engine/diagnostic.hpp"
#include "policyc/engine/value.hpp"

namespace policyc::cli {

namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsageOrInput = 2;

int report(const std::vector<Diagnostic>& errors) {
  for (const auto& d : errors) std::fputs(format_diagnostic(d).c_str(), stderr);
  return kExitUsageOrInput;
}

// One line per resolved leaf: where it was set and, for overridden values, what the base had.
std::string provenance_lines(const blueprint::ResolvedSystem& system) {
  std::string out;
  for (const auto& service : system.services) {
    for (const auto& [path, origin] : service.provenance) {
      out += blueprint::child_path("services." + service.id, path);
      out += " = ";
      // Leaves are found again by walking the resolved value along the provenance path.
      const Value* current = &service.value;
      std::string_view rest = path;
      while (current && !rest.empty()) {
        if (rest[0] == '.') rest.remove_prefix(1);
        if (rest[0] == '[') {
          size_t close = rest.find(']');
          int64_t index = std::stoll(std::string(rest.substr(1, close - 1)));
          current = current->get_ptr(Value::integer(index));
          rest.remove_prefix(close + 1);
        } else {
          size_t end = rest.find_first_of(".[");
          current = current->get_ptr(Value::string(rest.substr(0, end)));
          rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
        }
      }
      out += current ? current->to_json() : "?";
      out += "  # ";
      if (origin.file >= 0) out += system.files[origin.file].file;
      out += ":" + std::to_string(origin.line) + ":" + std::to_string(origin.col);
      if (origin.replaced.is_defined()) out += " (base: " + origin.replaced.to_json() + ")";
      out += '\n';
    }
  }
  return out;
}

}  // namespace

struct BlueprintCommands {
  CLI::App* resolve = nullptr;
  CLI::App* graph = nullptr;
  std::string path;
  blueprint::ResolveOptions options;
  std::string resolve_format = "yaml";
  bool provenance = false;
  std::string graph_format = "dot";
};

std::shared_ptr<BlueprintCommands> add_blueprint_commands(CLI::App& app) {
  auto commands = std::make_shared<BlueprintCommands>();
  commands->resolve = app.add_subcommand("resolve", "Resolve a blueprint for an environment");
  commands->resolve->add_option("path", commands->path, "Blueprint directory or service file")
      ->required();
  commands->resolve->add_option("-e,--env", commands->options.environment, "Environment")
      ->capture_default_str();
  commands->resolve
      ->add_option("--edition", commands->options.editions,
                   "Edition overlay applied after the environment's (repeatable)")
      ->allow_extra_args(false);
  commands->resolve->add_option("-f,--format", commands->resolve_format, "Output format")
      ->check(CLI::IsMember({"yaml", "json"}));
  commands->resolve->add_flag("--provenance", commands->provenance,
                              "Print where each resolved value was set");

  commands->graph = app.add_subcommand("graph", "Print the dependency graph and boot order");
  commands->graph->add_option("path", commands->path, "Blueprint directory or service file")
      ->required();
  commands->graph->add_option("-e,--env", commands->options.environment, "Environment");
  commands->graph->add_option("-f,--format", commands->graph_format, "Output format")
      ->check(CLI::IsMember({"dot", "json"}));
  return commands;
}

int run_blueprint_commands(const BlueprintCommands& commands) {
  bool resolve = commands.resolve->parsed();
  if (!resolve && !commands.graph->parsed()) return -1;
  blueprint::ResolvedSystem system;
  std::vector<Diagnostic> errors;
  if (!blueprint::resolve(commands.path, commands.options, system, errors)) return report(errors);
  std::string out;
  if (!resolve) {
    if (commands.graph_format == "json") {
      write_json(out, blueprint::graph_to_value(system.graph), true, 0);
      out += '\n';
    } else {
      out = blueprint::graph_to_dot(system.graph);
    }
  } else if (commands.provenance) {
    if (commands.resolve_format == "json") {
      write_json(out, blueprint::provenance_to_value(system), true, 0);
      out += '\n';
    } else {
      out = provenance_lines(system);
    }
  } else if (commands.resolve_format == "json") {
    write_json(out, blueprint::input_document(system), true, 0);
    out += '\n';
  } else {
    out = blueprint::to_yaml(blueprint::input_document(system));
  }
  std::fputs(out.c_str(), stdout);
  return kExitOk;
}

}  // namespace policyc::cli
