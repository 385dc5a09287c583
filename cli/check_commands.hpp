// `policyc check` and `policyc test`: policy subcommands, registered by main.cpp.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>

namespace policyc::cli {

struct CheckCommands;

// Adds the subcommands to `app`; the returned state holds their parsed arguments.
std::shared_ptr<CheckCommands> add_check_commands(CLI::App& app);

// Runs whichever of the subcommands was parsed and returns its exit code, or -1 when none
// of them was.
int run_check_commands(const CheckCommands& commands);

}  // namespace policyc::cli
