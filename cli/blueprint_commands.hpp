// `policyc resolve` and `policyc graph`: blueprint subcommands, registered by main.cpp.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>

namespace policyc::cli {

struct BlueprintCommands;

// Adds the subcommands to `app`; the returned state holds their parsed arguments.
std::shared_ptr<BlueprintCommands> add_blueprint_commands(CLI::App& app);

// Runs whichever blueprint subcommand was parsed and returns its exit code, or -1 when none
// of them was.
int run_blueprint_commands(const BlueprintCommands& commands);

}  // namespace policyc::cli
