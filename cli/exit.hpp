// What every policyc command shares when it ends: the exit codes, compiler-style error
// printing and a fast exit.
#pragma once

#include <vector>

#include "policyc/core/diagnostic.hpp"

namespace policyc::cli {

// Exit codes of all commands (see DESIGN.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailCondition = 1;
inline constexpr int kExitUsageOrInput = 2;

// Prints each diagnostic as `file:line:col: code: message` with the source line and a caret
// (read from the file when the diagnostic lacks it) to stderr; returns kExitUsageOrInput.
int report_diagnostics(std::vector<Diagnostic>& errors);

// Large inputs become hundreds of thousands of values; freeing them one by one at exit
// costs a noticeable share of a CI gate's run time, and the OS reclaims it all anyway.
[[noreturn]] void exit_without_teardown(int code);

}  // namespace policyc::cli
