#include "policyc/core/limits.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cmath>
#include <cstdio>

namespace policyc {

ResourceLimits ResourceLimits::starting_now(std::chrono::milliseconds timeout, size_t max_memory) {
  ResourceLimits limits;
  if (timeout.count() > 0) {
    limits.deadline = Clock::now() + timeout;
    limits.timeout = timeout;
  }
  limits.max_memory = max_memory;
  return limits;
}

size_t resident_bytes() {
  // statm's second field: resident pages. One read of a small procfs file; callers poll at
  // most once per millisecond.
  int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[128];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  unsigned long long size = 0, resident = 0;
  if (std::sscanf(buf, "%llu %llu", &size, &resident) != 2) return 0;
  return static_cast<size_t>(resident) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

void LimitGuard::poll() {
  countdown_ = kTicksPerPoll;
  Clock::time_point now = Clock::now();
  if (now >= limits_->deadline) {
    throw LimitExceeded(LimitExceeded::Kind::Time,
                        "evaluation stopped: the time limit (--timeout " +
                            format_duration(limits_->timeout) + ") was reached");
  }
  if (limits_->max_memory == 0 || now - last_memory_poll_ < std::chrono::milliseconds(1)) return;
  last_memory_poll_ = now;
  size_t resident = resident_bytes();
  if (resident > limits_->max_memory) memory_exceeded(resident, 0);
}

void LimitGuard::reserve(size_t bytes) {
  if (!limits_ || limits_->max_memory == 0) return;
  // Small values are left to the periodic poll: reading the resident size costs a system call.
  if (bytes < (size_t{1} << 20)) return;
  size_t resident = resident_bytes();
  if (bytes > limits_->max_memory || resident > limits_->max_memory - bytes)
    memory_exceeded(resident, bytes);
}

void LimitGuard::memory_exceeded(size_t resident, size_t wanted) const {
  std::string what = "evaluation stopped: the memory limit (--max-memory " +
                     format_size(limits_->max_memory) + ") was reached: the process holds " +
                     format_size(resident);
  if (wanted) what += " and a value of about " + format_size(wanted) + " was to be built";
  throw LimitExceeded(LimitExceeded::Kind::Memory, what);
}

Watchdog::Watchdog(const ResourceLimits& limits, std::chrono::milliseconds grace,
                   size_t hard_memory, std::function<void(const std::string&)> on_limit) {
  if (!limits.has_deadline() && hard_memory == 0) return;
  Clock::time_point hard_deadline =
      limits.has_deadline() ? limits.deadline + grace : Clock::time_point::max();
  std::chrono::milliseconds timeout = limits.timeout;
  thread_ = std::thread([this, hard_deadline, timeout, hard_memory, on_limit] {
    while (!stop_.load(std::memory_order_relaxed)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      if (Clock::now() >= hard_deadline) {
        on_limit("the time limit (--timeout " + format_duration(timeout) +
                 ") was reached outside evaluation (loading, compiling or writing)");
        return;
      }
      if (hard_memory) {
        size_t resident = resident_bytes();
        if (resident > hard_memory) {
          on_limit("the process holds " + format_size(resident) +
                   ", past the memory limit; stopped outside evaluation");
          return;
        }
      }
    }
  });
}

Watchdog::~Watchdog() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

bool parse_duration(std::string_view text, std::chrono::milliseconds& out) {
  if (text.empty()) return false;
  bool bare = true;
  for (char c : text) bare = bare && (std::isdigit(static_cast<unsigned char>(c)) || c == '.');
  double total_ms = 0;
  if (bare) {
    try {
      total_ms = std::stod(std::string(text)) * 1000;
    } catch (...) {
      return false;
    }
  } else {
    size_t i = 0;
    while (i < text.size()) {
      size_t start = i;
      while (i < text.size() &&
             (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
        ++i;
      if (i == start) return false;
      double amount = 0;
      try {
        amount = std::stod(std::string(text.substr(start, i - start)));
      } catch (...) {
        return false;
      }
      size_t unit_start = i;
      while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
      std::string_view unit = text.substr(unit_start, i - unit_start);
      double scale = 0;
      if (unit == "ms")
        scale = 1;
      else if (unit == "s")
        scale = 1000;
      else if (unit == "m")
        scale = 60'000;
      else if (unit == "h")
        scale = 3'600'000;
      else
        return false;
      total_ms += amount * scale;
    }
  }
  if (!std::isfinite(total_ms) || total_ms < 0 || total_ms > 1e15) return false;
  out = std::chrono::milliseconds(static_cast<int64_t>(std::llround(total_ms)));
  return true;
}

bool parse_size(std::string_view text, size_t& out) {
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
    ++i;
  if (i == 0) return false;
  double amount = 0;
  try {
    amount = std::stod(std::string(text.substr(0, i)));
  } catch (...) {
    return false;
  }
  std::string unit;
  for (char c : text.substr(i)) unit.push_back(static_cast<char>(std::toupper(c)));
  double scale = 0;
  if (unit.empty() || unit == "B")
    scale = 1;
  else if (unit == "K" || unit == "KB")
    scale = 1e3;
  else if (unit == "M" || unit == "MB")
    scale = 1e6;
  else if (unit == "G" || unit == "GB")
    scale = 1e9;
  else if (unit == "KI" || unit == "KIB")
    scale = 1024.0;
  else if (unit == "MI" || unit == "MIB")
    scale = 1024.0 * 1024;
  else if (unit == "GI" || unit == "GIB")
    scale = 1024.0 * 1024 * 1024;
  else
    return false;
  double bytes = amount * scale;
  if (!std::isfinite(bytes) || bytes > 1e18) return false;
  out = static_cast<size_t>(bytes);
  return true;
}

std::string format_duration(std::chrono::milliseconds d) {
  int64_t ms = d.count();
  char buf[64];
  if (ms % 1000 != 0)
    std::snprintf(buf, sizeof buf, "%lldms", static_cast<long long>(ms));
  else if (ms % 60'000 != 0 || ms == 0)
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(ms / 1000));
  else
    std::snprintf(buf, sizeof buf, "%lldm", static_cast<long long>(ms / 60'000));
  return buf;
}

std::string format_size(size_t bytes) {
  char buf[64];
  double b = static_cast<double>(bytes);
  // A cap given in decimal units reads back as given.
  if (bytes >= 1'000'000'000 && bytes % 1'000'000'000 == 0) {
    std::snprintf(buf, sizeof buf, "%zuGB", bytes / 1'000'000'000);
    return buf;
  }
  if (bytes >= 1'000'000 && bytes % 1'000'000 == 0 && bytes % (size_t{1} << 20) != 0) {
    std::snprintf(buf, sizeof buf, "%zuMB", bytes / 1'000'000);
    return buf;
  }
  if (bytes >= (size_t{1} << 30))
    std::snprintf(buf, sizeof buf, "%.1f GiB", b / (1u << 30));
  else if (bytes >= (size_t{1} << 20))
    std::snprintf(buf, sizeof buf, "%.0f MiB", b / (1u << 20));
  else
    std::snprintf(buf, sizeof buf, "%zu bytes", bytes);
  return buf;
}

}  // namespace policyc
