// Process-level memory setup for the command line.
#pragma once

namespace policyc {

// Lets the heap use transparent huge pages where the kernel offers them on request
// (`madvise` mode, Debian's default). Loading a large input touches tens of megabytes of fresh
// heap; with 4 KiB pages the kernel's page faults were a third of `policyc eval` on the
// shared iterate workload. Harmless where huge pages are off or unavailable.
void prefer_huge_pages();

// The same for the calling thread's own heap, for threads that build large values. Call it
// again as the thread allocates more: heaps grow into new mappings, which need marking too.
// It makes no system call when nothing new needs marking.
void prefer_huge_pages_in_this_thread();

}  // namespace policyc
