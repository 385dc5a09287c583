// `policyc generate`: registered by main.cpp.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>

namespace policyc::cli {

struct GenerateCommand;

// Adds the subcommand to `app`; the returned state holds its parsed arguments.
std::shared_ptr<GenerateCommand> add_generate_command(CLI::App& app);

// Runs the subcommand if it was parsed and returns its exit code, else -1.
int run_generate_command(const GenerateCommand& command);

}  // namespace policyc::cli
