#include "policyc/engine/memory.hpp"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

namespace policyc {

void prefer_huge_pages() {
  constexpr uintptr_t kHugePage = 2u << 20;
  // Grow the heap in steps of whole huge pages, and mark the heap's mapping so the kernel
  // backs it (and its later growth, which extends the same mapping) with huge pages.
  mallopt(M_TOP_PAD, static_cast<int>(16 * kHugePage));
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(64u << 20));
  // Make the heap grow now (by the top pad), so the marked range covers the space the
  // next allocations come from; later growth extends the same marked mapping.
  void* probe = std::malloc(1 << 20);
  if (!probe) return;
  uintptr_t start =
      reinterpret_cast<uintptr_t>(probe) & ~(static_cast<uintptr_t>(sysconf(_SC_PAGESIZE)) - 1);
  uintptr_t end = reinterpret_cast<uintptr_t>(sbrk(0));
  if (end > start) madvise(reinterpret_cast<void*>(start), end - start, MADV_HUGEPAGE);
  std::free(probe);
}

}  // namespace policyc
