// Argument parsing and wiring for the blueprint subcommands; the work is in
// policyc_blueprint.
#include "blueprint_commands.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "exit.hpp"
#include "policyc/blueprint/blueprint.hpp"
#include "policyc/core/diagnostic.hpp"
#include "policyc/core/io.hpp"
#include "policyc/core/value.hpp"

namespace policyc::cli {

namespace {

// One line per resolved leaf: where it was set and, for overridden values, what the base had.
std::string provenance_lines(const blueprint::ResolvedSystem& system) {
  std::string out;
  Value provenance = blueprint::provenance_to_value(system);  // outlives the loop below
  for (const auto& [path, origin] : provenance.entries()) {
    out += path.str() + " = " + origin.get(Value::string("value")).to_json() + "  # ";
    const Value* file = origin.get_ptr(Value::string("file"));
    if (file) out += file->str();
    out += ":" + origin.get(Value::string("line")).to_json() + ":" +
           origin.get(Value::string("col")).to_json();
    if (const Value* replaced = origin.get_ptr(Value::string("replaced"))) {
      out += " (base: " + replaced->to_json() + ")";
    }
    out += '\n';
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
  CLI::App* schema = nullptr;
  std::string schema_kind = "service";
  std::string schema_format = "json";  // one format today
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
  commands->resolve->add_option(
      "--version", commands->options.version,
      "Load versioned service blueprints at this version (vN; default: the highest)");

  commands->graph = app.add_subcommand("graph", "Print the dependency graph and boot order");
  commands->graph->add_option("path", commands->path, "Blueprint directory or service file")
      ->required();
  commands->graph->add_option("-e,--env", commands->options.environment, "Environment");
  commands->graph->add_option("-f,--format", commands->graph_format, "Output format")
      ->check(CLI::IsMember({"dot", "json"}));

  commands->schema = app.add_subcommand(
      "schema", "Print the blueprint JSON Schema (draft-07) for editors and validators");
  commands->schema
      ->add_option("-k,--kind", commands->schema_kind,
                   "service (infrastructure-blueprint.yaml), system (system.yaml) or history "
                   "(history.log.json)")
      ->check(CLI::IsMember({"service", "system", "history"}));
  commands->schema->add_option("-f,--format", commands->schema_format, "Output format")
      ->check(CLI::IsMember({"json"}));
  return commands;
}

int run_blueprint_commands(const BlueprintCommands& commands) {
  if (commands.schema->parsed()) {
    std::string out;
    write_json(out,
               blueprint::schema_document(
                   commands.schema_kind == "system"    ? blueprint::SchemaKind::System
                   : commands.schema_kind == "history" ? blueprint::SchemaKind::History
                                                       : blueprint::SchemaKind::Service),
               true, 0);
    out += '\n';
    std::fputs(out.c_str(), stdout);
    return kExitOk;
  }
  bool resolve = commands.resolve->parsed();
  if (!resolve && !commands.graph->parsed()) return -1;
  blueprint::ResolvedSystem system;
  std::vector<Diagnostic> errors;
  blueprint::ResolveOptions options = commands.options;
  options.note = [](const std::string& note) {
    std::fprintf(stderr, "policyc: note: %s\n", note.c_str());
  };
  if (!blueprint::resolve(commands.path, options, system, errors))
    return report_diagnostics(errors);
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
    write_json_parallel(stdout, blueprint::input_document(system), true);
    out = "\n";
  } else {
    out = blueprint::to_yaml(blueprint::input_document(system));
  }
  std::fputs(out.c_str(), stdout);
  exit_without_teardown(kExitOk);
}

}  // namespace policyc::cli
