// Work spread over the machine's cores, for the blueprint loaders.
#pragma once
#include <cstddef>
#include <functional>

#include "policyc/core/memory.hpp"
#include "policyc/core/tasks.hpp"

namespace policyc::blueprint {

// Runs body(i) for i in [0, n) on the shared task pool. Reading, parsing and resolving
// thousands of service files is most of resolving a large system, and each service is
// independent of the others; a thread is worth starting for every 32 services.
inline void parallel_for(size_t n, const std::function<void(size_t)>& body) {
  TaskPool::shared().parallel_for(n, n / 32 + 1, [&](size_t i) {
    // Each thread builds tens of megabytes of values; as its heap grows, the new part is
    // marked for huge pages too.
    thread_local size_t done = 0;
    if (done++ % 64 == 0) prefer_huge_pages_in_this_thread();
    body(i);
  });
}

}  // namespace policyc::blueprint
