// Work spread over the machine's cores, for the blueprint loaders.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

#include "policyc/core/memory.hpp"

namespace policyc::blueprint {

// Runs body(i) for i in [0, n) on up to hardware_concurrency threads. Reading, parsing and
// resolving thousands of service files is most of resolving a large system, and each
// service is independent of the others.
inline void parallel_for(size_t n, const std::function<void(size_t)>& body) {
  size_t threads =
      std::min<size_t>({std::max(1u, std::thread::hardware_concurrency()), 8, n / 32 + 1});
  if (threads <= 1) {
    for (size_t i = 0; i < n; ++i) body(i);
    return;
  }
  std::atomic<size_t> next{0};
  auto work = [&] {
    size_t done = 0;
    for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) {
      // Each thread builds tens of megabytes of values; as its heap grows, the new part is
      // marked for huge pages too.
      if (done++ % 64 == 0) prefer_huge_pages_in_this_thread();
      body(i);
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& thread : pool) thread.join();
}

}  // namespace policyc::blueprint
