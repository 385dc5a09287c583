#include "policyc/core/memory.hpp"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>

namespace policyc {

namespace {

constexpr uintptr_t kHugePage = 2u << 20;

// End of the part of the main heap (the brk segment) marked for huge pages so far.
std::atomic<uintptr_t> main_heap_marked_end{0};

// Marks the main heap up to `end`. The kernel does not carry the mark over when the heap
// grows: the new part is a mapping of its own, on 4 KiB pages, unless it is marked too.
void mark_main_heap(uintptr_t start, uintptr_t end) {
  uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  start &= ~(page - 1);
  if (end <= start) return;
  madvise(reinterpret_cast<void*>(start), end - start, MADV_HUGEPAGE);
  uintptr_t marked = main_heap_marked_end.load();
  while (marked < end && !main_heap_marked_end.compare_exchange_weak(marked, end)) {
  }
}

}  // namespace

void prefer_huge_pages() {
  // The heap grows in steps of 256 MiB of address space (only what is touched is memory):
  // one step holds the input and values of a 10,000-service system, so marking the heap now
  // covers them. Unmarked growth was half of `policyc check`'s 30,000 page faults there.
  mallopt(M_TOP_PAD, static_cast<int>(128 * kHugePage));
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(64u << 20));
  // Make the heap grow now (by the top pad), so the marked range covers the space the
  // next allocations come from.
  void* probe = std::malloc(1 << 20);
  if (!probe) return;
  mark_main_heap(reinterpret_cast<uintptr_t>(probe), reinterpret_cast<uintptr_t>(sbrk(0)));
  std::free(probe);
}

void prefer_huge_pages_in_this_thread() {
  // A thread's first allocation gives it its own malloc arena: a heap reserved at an address
  // aligned to glibc's maximum heap size (64 MiB) that grows in place, and a further heap
  // when it is full. Marking the whole reservation lets the kernel back what the thread
  // touches with huge pages, as for the main heap. A thread on the main arena marks what
  // the main heap has grown by since it was last marked.
  constexpr uintptr_t kThreadHeapMax = 64u << 20;
  thread_local uintptr_t marked_heap = 0;
  void* probe = std::malloc(64);
  if (!probe) return;
  uintptr_t at = reinterpret_cast<uintptr_t>(probe);
  std::free(probe);
  uintptr_t brk_end = reinterpret_cast<uintptr_t>(sbrk(0));
  bool in_main_heap = at < brk_end && brk_end - at < (uintptr_t{1} << 32);
  if (in_main_heap) {
    uintptr_t marked = main_heap_marked_end.load();
    if (marked != 0 && marked < brk_end) mark_main_heap(marked, brk_end);
    return;
  }
  uintptr_t heap = at & ~(kThreadHeapMax - 1);
  if (heap == marked_heap) return;
  madvise(reinterpret_cast<void*>(heap), kThreadHeapMax, MADV_HUGEPAGE);
  marked_heap = heap;
}

}  // namespace policyc
