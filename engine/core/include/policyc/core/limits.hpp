// Resource limits: how long an evaluation may run and how much memory the process may hold
// while it does. Policies come from anyone on a security team and inputs from anyone with a
// pull request, so a runaway comprehension must stop with an error, not exhaust the machine.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

namespace policyc {

using Clock = std::chrono::steady_clock;

struct ResourceLimits {
  Clock::time_point deadline = Clock::time_point::max();
  std::chrono::milliseconds timeout{0};  // what the deadline was set from, for messages
  size_t max_memory = 0;                 // resident bytes of the process; 0: no cap

  // A deadline `timeout` from now (none for 0) and a memory cap (none for 0).
  static ResourceLimits starting_now(std::chrono::milliseconds timeout, size_t max_memory);
  bool has_deadline() const { return deadline != Clock::time_point::max(); }
};

// Thrown where a limit is reached. The evaluator adds the rule and the expression it was
// evaluating; it is not an evaluation error a policy can observe (nothing catches it on the
// way up, unlike errors that `not` or an index may retry).
struct LimitExceeded : std::runtime_error {
  enum class Kind { Time, Memory };
  LimitExceeded(Kind kind, const std::string& what) : std::runtime_error(what), kind(kind) {}
  Kind kind;
  std::string rule;  // data path of the rule being evaluated; empty: the query itself
  std::string file;
  int line = 0;
  int col = 0;
  std::string source_line;
  bool located() const { return line > 0; }
};

// The resident set of this process, in bytes (0 where it cannot be read).
size_t resident_bytes();

// Checks the limits from inside long loops: tick() costs a decrement; every so many ticks it
// reads the clock, and at most every millisecond the resident memory.
class LimitGuard {
 public:
  explicit LimitGuard(const ResourceLimits* limits) : limits_(limits) {}
  void tick() {
    if (due()) [[unlikely]]
      poll();
  }
  // Whether it is time to poll(): for callers that add context to what poll() throws.
  bool due() { return limits_ && --countdown_ <= 0; }
  // Throws LimitExceeded when a limit has been reached.
  void poll();
  // Throws LimitExceeded when holding `bytes` more would pass the memory cap: for builtins
  // about to build a large value, before they allocate it.
  void reserve(size_t bytes);
  const ResourceLimits* limits() const { return limits_; }

 private:
  static constexpr int kTicksPerPoll = 256;
  const ResourceLimits* limits_;
  int countdown_ = kTicksPerPoll;
  Clock::time_point last_memory_poll_{};
  [[noreturn]] void memory_exceeded(size_t resident, size_t wanted) const;
};

// A backstop for the whole process, where evaluation's own checks do not reach (loading a
// huge file, a single long builtin call): a thread that calls `on_limit` with a message once
// the deadline has passed by `grace`, or the resident memory passes `hard_memory`. on_limit
// must end the process. Stops with the object.
class Watchdog {
 public:
  Watchdog(const ResourceLimits& limits, std::chrono::milliseconds grace, size_t hard_memory,
           std::function<void(const std::string&)> on_limit);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// "30s", "1m30s", "500ms", "2h" (Go's duration syntax, as OPA's --timeout); a bare number is
// seconds. False on anything else.
bool parse_duration(std::string_view text, std::chrono::milliseconds& out);
// "512MB", "1GiB", "2G", "1048576" (bytes). False on anything else.
bool parse_size(std::string_view text, size_t& out);
std::string format_duration(std::chrono::milliseconds d);
std::string format_size(size_t bytes);

}  // namespace policyc
