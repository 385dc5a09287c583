// Runs a test body in a forked child so a crash or hang fails that test, not the runner.
#pragma once

#include <functional>
#include <string>

namespace policyc::testing {

// Runs `body` in a child process and returns what it returned. On a crash, a timeout or a
// fork failure, returns false and says why in `failure`; with `isolate` false, runs inline.
bool run_isolated(const std::function<std::string()>& body, bool isolate, int timeout_ms,
                  std::string& result, std::string& failure);

}  // namespace policyc::testing
