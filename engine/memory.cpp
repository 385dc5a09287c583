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

void prefer_huge_pages_in_this_thread() {
  // A thread's first allocation gives it its own malloc arena: a heap reserved at an address
  // aligned to glibc's maximum heap size (64 MiB) that grows in place. Marking the whole
  // reservation lets the kernel back what the thread touches with huge pages, as for the
  // main heap. The main arena (threads may share it) is left to prefer_huge_pages().
  constexpr uintptr_t kThreadHeapMax = 64u << 20;
  void* probe = std::malloc(64);
  if (!probe) return;
  uintptr_t at = reinterpret_cast<uintptr_t>(probe);
  uintptr_t brk_end = reinterpret_cast<uintptr_t>(sbrk(0));
  bool in_main_heap = at < brk_end && brk_end - at < (uintptr_t{1} << 32);
  if (!in_main_heap)
    madvise(reinterpret_cast<void*>(at & ~(kThreadHeapMax - 1)), kThreadHeapMax, MADV_HUGEPAGE);
  std::free(probe);
}

}  // namespace policyc
