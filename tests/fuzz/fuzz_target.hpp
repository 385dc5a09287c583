// What every fuzz target shares: libFuzzer's entry point, and a check that stops the run with
// a message when an invariant breaks (a crash is what the fuzzer reports and keeps).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "policyc/builtins/builtins.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace policyc::fuzz {

// The standard builtins, registered once for the whole run (never freed: the fuzzer exits).
inline const BuiltinRegistry& standard_registry() {
  static const BuiltinRegistry* registry = [] {
    auto* r = new BuiltinRegistry;
    register_standard_builtins(*r);
    return r;
  }();
  return *registry;
}

inline void require(bool holds, const char* what, const std::string& detail = "") {
  if (holds) return;
  std::fprintf(stderr, "fuzz invariant broken: %s\n%s\n", what, detail.c_str());
  std::abort();
}

}  // namespace policyc::fuzz
