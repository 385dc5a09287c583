// Argument parsing and wiring for `policyc generate`; the work is in policyc_generator.
#include "generate_commands.hpp"

#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "exit.hpp"
#include "limits.hpp"
#include "policyc/builtins/builtins.hpp"
#include "policyc/check/check.hpp"
#include "policyc/core/diagnostic.hpp"
#include "policyc/generator/generator.hpp"
#include "policyc/policies/stock.hpp"

namespace policyc::cli {

struct GenerateCommand {
  CLI::App* command = nullptr;
  std::string path;
  std::string output = "generated";
  generator::GenerateOptions options;
  bool check = false;
  std::string format = "tree";
  LimitArgs limits;
};

std::shared_ptr<GenerateCommand> add_generate_command(CLI::App& app) {
  auto c = std::make_shared<GenerateCommand>();
  c->command = app.add_subcommand(
      "generate", "Render deployment files (Kubernetes, Kustomize, Helm) from a blueprint");
  auto* g = c->command;
  g->add_option("path", c->path, "Blueprint directory or service file")->required();
  add_limit_options(g, c->limits, kDefaultTimeout, kDefaultMaxMemory, kWholeRunTimeoutHelp);
  g->add_option("-e,--env", c->options.environments,
                "Environment to render (repeatable; default: every declared one)")
      ->allow_extra_args(false);
  g->add_option("--edition", c->options.editions, "Edition overlay (repeatable)")
      ->allow_extra_args(false);
  g->add_option("-o,--output", c->output, "Output directory (default: generated)");
  g->add_option("--version", c->options.blueprint_version,
                "Load versioned service blueprints at this version (vN; default: the highest)");
  g->add_option("-p,--policy", c->options.policy_paths,
                "Rules that extend or override the derived facts (repeatable)")
      ->allow_extra_args(false);
  g->add_option("--templates", c->options.template_paths,
                "Templates that add or replace stock ones by id (repeatable)")
      ->allow_extra_args(false);
  g->add_flag("--check", c->check,
              "Render in memory and compare with the output directory: exit 1 and a diff when "
              "they differ");
  g->add_flag("--force", c->options.force, "Render even when check finds errors");
  g->add_flag("--v0-compatible", c->options.v0_compatible,
              "Parse --policy and --templates modules with Rego v0 syntax");
  g->add_option("-f,--format", c->format, "What to print: tree (the files) or json")
      ->check(CLI::IsMember({"tree", "json"}));
  return c;
}

namespace {

int run_generate(const GenerateCommand& c) {
  generator::GenerateOptions options = c.options;
  if (!start_limits(c.limits, "generate", options.limits)) return kExitUsageOrInput;
  auto watchdog = start_watchdog(options.limits, "generate");
  BuiltinRegistry registry;
  register_standard_builtins(registry);
  options.tool_version = POLICYC_VERSION;
  // Which file each versioned service loaded, once (every environment loads it again).
  auto said = std::make_shared<std::set<std::string>>();
  options.blueprint_note = [said](const std::string& note) {
    if (said->insert(note).second) std::fprintf(stderr, "policyc: note: %s\n", note.c_str());
  };
  for (const auto& file : policies::stock_files())
    options.stock_policies.push_back({std::string(file.path), std::string(file.text)});
  generator::GenerateResult result;
  std::vector<Diagnostic> errors;
  if (!generator::generate(c.path, options, registry, result, errors))
    return report_diagnostics(errors);
  if (result.blocked) {
    std::string report = check::to_text(result.check, check::Severity::Error, false);
    std::fputs(report.c_str(), stderr);
    std::fputs(
        "policyc generate: the blueprint fails check at error level; nothing was "
        "generated (fix the findings above, or --force)\n",
        stderr);
    return kExitFailCondition;
  }
  if (c.check) {
    std::string diff = generator::diff_tree(c.output, result.files);
    if (diff.empty()) {
      std::printf("%s is up to date (%zu files)\n", c.output.c_str(), result.files.size());
      return kExitOk;
    }
    std::fputs(diff.c_str(), stdout);
    std::fprintf(stderr, "policyc generate --check: %s differs from the blueprint's render\n",
                 c.output.c_str());
    return kExitFailCondition;
  }
  if (!generator::write_tree(c.output, result.files, errors)) return report_diagnostics(errors);
  if (c.format == "json") {
    ValueVec files;
    for (const auto& f : result.files) {
      files.push_back(
          Value::object({{Value::string("path"), Value::string(c.output + "/" + f.path)},
                         {Value::string("template"), Value::string(f.template_id)},
                         {Value::string("service"), Value::string(f.service)}}));
    }
    std::string out;
    write_json(out, Value::object({{Value::string("files"), Value::array(std::move(files))}}), true,
               0);
    out += '\n';
    std::fputs(out.c_str(), stdout);
  } else {
    for (const auto& f : result.files) std::printf("%s/%s\n", c.output.c_str(), f.path.c_str());
    std::printf("%zu files written to %s\n", result.files.size(), c.output.c_str());
  }
  return kExitOk;
}

}  // namespace

int run_generate_command(const GenerateCommand& command) {
  if (!command.command->parsed()) return -1;
  return run_generate(command);
}

}  // namespace policyc::cli
