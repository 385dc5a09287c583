// --timeout and --max-memory, as every evaluating command reads them.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "policyc/core/limits.hpp"

namespace policyc::cli {

// The defaults of check, explain, generate (and test's memory): what a CI runner can live
// with. A hosted runner has 7 to 16 GB and the rest of the job needs some; a 10,000-service
// system checks in seconds and holds well under 1 GB.
inline constexpr const char* kDefaultTimeout = "5m";
inline constexpr const char* kDefaultMaxMemory = "4GiB";

inline constexpr const char* kWholeRunTimeoutHelp =
    "Stop after this long, loading included (30s, 5m; 0: no limit)";

struct LimitArgs {
  std::string timeout;
  std::string max_memory;
};

// Adds --timeout and --max-memory with the given defaults ("0": none).
void add_limit_options(CLI::App* command, LimitArgs& args, const std::string& default_timeout,
                       const std::string& default_memory, const std::string& timeout_help);

// The limits counted from now; false (with the usage error printed) for a malformed value.
bool parse_limits(const LimitArgs& args, const char* command, std::chrono::milliseconds& timeout,
                  size_t& max_memory);
bool start_limits(const LimitArgs& args, const char* command, ResourceLimits& out);

// Ends the process with exit 2 and a message when a limit is passed where evaluation does not
// look (loading, one long builtin call): at the deadline plus a grace, or at 1.75 times the
// memory cap.
std::unique_ptr<Watchdog> start_watchdog(const ResourceLimits& limits, const char* command);

}  // namespace policyc::cli
