// Whole-file reads for the loaders: one read into a pre-sized string, or a mapping.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "policyc/engine/io.hpp"

namespace policyc {

bool read_file(const std::string& path, std::string& out) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  out.clear();
  if (std::fseek(f, 0, SEEK_END) == 0) {
    long size = std::ftell(f);
    if (size > 0) out.reserve(static_cast<size_t>(size));
    std::fseek(f, 0, SEEK_SET);
  }
  // Read in chunks: the size hint may be wrong for pipes and special files.
  char buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) out.append(buffer, n);
  bool ok = !std::ferror(f);
  std::fclose(f);
  return ok;
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
