#include "limits.hpp"

#include <cstdio>

#include "exit.hpp"

namespace policyc::cli {

void add_limit_options(CLI::App* command, LimitArgs& args, const std::string& default_timeout,
                       const std::string& default_memory, const std::string& timeout_help) {
  args.timeout = default_timeout;
  args.max_memory = default_memory;
  command->add_option("-t,--timeout", args.timeout, timeout_help)->capture_default_str();
  command
      ->add_option("--max-memory", args.max_memory,
                   "Stop when the process holds more memory than this (512MB, 2GiB; 0: no cap)")
      ->capture_default_str();
}

bool parse_limits(const LimitArgs& args, const char* command, std::chrono::milliseconds& timeout,
                  size_t& max_memory) {
  if (!parse_duration(args.timeout, timeout)) {
    std::fprintf(stderr,
                 "policyc %s: error: --timeout %s: expected a duration such as 30s, 5m or 1m30s\n",
                 command, args.timeout.c_str());
    return false;
  }
  if (!parse_size(args.max_memory, max_memory)) {
    std::fprintf(stderr,
                 "policyc %s: error: --max-memory %s: expected a size such as 512MB or 2GiB\n",
                 command, args.max_memory.c_str());
    return false;
  }
  if (max_memory > 0 && max_memory < (size_t{16} << 20)) {
    std::fprintf(stderr, "policyc %s: error: --max-memory %s: at least 16MB is needed\n", command,
                 args.max_memory.c_str());
    return false;
  }
  return true;
}

bool start_limits(const LimitArgs& args, const char* command, ResourceLimits& out) {
  std::chrono::milliseconds timeout{0};
  size_t max_memory = 0;
  if (!parse_limits(args, command, timeout, max_memory)) return false;
  out = ResourceLimits::starting_now(timeout, max_memory);
  return true;
}

std::unique_ptr<Watchdog> start_watchdog(const ResourceLimits& limits, const char* command) {
  std::string name = command;
  // Past the cap by three quarters: a vector that doubles may briefly hold its old and new
  // buffers before evaluation sees the cap.
  size_t hard_memory = limits.max_memory ? limits.max_memory / 4 * 7 : 0;
  return std::make_unique<Watchdog>(
      limits, std::chrono::seconds(2), hard_memory, [name](const std::string& message) {
        std::fprintf(stderr, "policyc %s: error: %s\n", name.c_str(), message.c_str());
        std::fflush(stderr);
        std::_Exit(kExitUsageOrInput);
      });
}

}  // namespace policyc::cli
