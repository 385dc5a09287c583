// Whole-file reads for the loaders: one read into a pre-sized string, or a mapping.
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <string>

#include "policyc/core/io.hpp"

namespace policyc {

ReadStatus read_file_status(const std::string& path, std::string& out) {
  return read_file_status_at(AT_FDCWD, path.c_str(), out);
}

namespace {

// openat, confined to the directory when `beneath` (Linux's openat2 RESOLVE_BENEATH; where
// the kernel lacks it, a symbolic link as the last component is refused instead).
int open_at(int dir_fd, const char* path, bool beneath) {
  if (!beneath) return ::openat(dir_fd, path, O_RDONLY | O_CLOEXEC);
  open_how how{};
  how.flags = O_RDONLY | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  long fd = ::syscall(SYS_openat2, dir_fd, path, &how, sizeof how);
  if (fd >= 0 || errno != ENOSYS) return static_cast<int>(fd);
  fd = ::openat(dir_fd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ELOOP) errno = EXDEV;
  return static_cast<int>(fd);
}

}  // namespace

ReadStatus read_file_status_at(int dir_fd, const char* path, std::string& out,
                               const ReadLimits& limits) {
  out.clear();
  int fd = open_at(dir_fd, path, limits.beneath);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return ReadStatus::Missing;
    if (errno == EXDEV) return ReadStatus::Escapes;
    if (errno == ELOOP) return ReadStatus::Loop;
    return ReadStatus::Failed;
  }
  // Loading a blueprint system reads tens of thousands of small files, so this is plain
  // open/read/close: stdio's buffering and seeking doubled the system calls, and no fstat is
  // needed either. A file is read into this thread's scratch buffer and copied out once;
  // only a larger one grows `out` (doubling) past it. A directory fails its read (EISDIR).
  constexpr size_t kScratch = 64 * 1024;
  thread_local std::unique_ptr<char[]> scratch(new char[kScratch]);
  size_t used = 0;
  bool in_scratch = true;
  while (true) {
    if (in_scratch && used == kScratch) {
      out.assign(scratch.get(), used);
      in_scratch = false;
    }
    if (!in_scratch && used == out.size()) out.resize(out.size() * 2);
    char* to = in_scratch ? scratch.get() + used : out.data() + used;
    size_t room = in_scratch ? kScratch - used : out.size() - used;
    ssize_t n = ::read(fd, to, room);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      out.clear();
      return ReadStatus::Failed;
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
    if (used > limits.max_bytes) {
      ::close(fd);
      out.clear();
      return ReadStatus::TooLarge;
    }
  }
  ::close(fd);
  if (in_scratch) {
    out.assign(scratch.get(), used);
  } else {
    out.resize(used);
  }
  return ReadStatus::Ok;
}

bool read_file(const std::string& path, std::string& out) {
  return read_file_status(path, out) == ReadStatus::Ok;
}

FileText::~FileText() {
  if (mapping_) munmap(mapping_, mapping_size_);
}

bool FileText::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
      size_t size = static_cast<size_t>(st.st_size);
      void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p != MAP_FAILED) {
        ::close(fd);
        madvise(p, size, MADV_SEQUENTIAL);
        mapping_ = p;
        mapping_size_ = size;
        text_ = std::string_view(static_cast<const char*>(p), size);
        return true;
      }
    }
    ::close(fd);
  }
  // Pipes, empty and special files, or no mapping: read them.
  if (!read_file(path, buffer_)) return false;
  text_ = buffer_;
  return true;
}

}  // namespace policyc
