#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "policyc/core/io.hpp"

namespace policyc {

AtomicOutput::~AtomicOutput() {
  if (file_) std::fclose(file_);
  if (!temporary_.empty()) ::unlink(temporary_.c_str());
}

bool AtomicOutput::open(const std::string& path, std::string& error) {
  path_ = path;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) {
      error = "is a directory";
      return false;
    }
    file_ = std::fopen(path.c_str(), "wb");
    if (!file_) error = std::strerror(errno);
    return file_ != nullptr;
  }
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  std::string pattern = dir + "." + name + ".tmp-XXXXXX";
  int fd = ::mkstemp(pattern.data());
  if (fd < 0) {
    error = std::strerror(errno);
    return false;
  }
  temporary_ = pattern;
  // mkstemp makes it 0600; the report is an ordinary file (umask applies, as with fopen).
  mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  file_ = ::fdopen(fd, "wb");
  if (!file_) {
    error = std::strerror(errno);
    ::close(fd);
    return false;
  }
  return true;
}

bool AtomicOutput::commit(std::string& error) {
  if (!file_) {
    error = "not open";
    return false;
  }
  bool ok = std::fflush(file_) == 0 && !std::ferror(file_);
  int saved = errno;
  if (ok && !temporary_.empty() && ::fsync(fileno(file_)) != 0) {
    ok = false;
    saved = errno;
  }
  if (std::fclose(file_) != 0 && ok) {
    ok = false;
    saved = errno;
  }
  file_ = nullptr;
  if (!ok) {
    error = saved ? std::strerror(saved) : "write failed";
    return false;
  }
  if (temporary_.empty()) return true;
  if (::rename(temporary_.c_str(), path_.c_str()) != 0) {
    error = std::strerror(errno);
    return false;
  }
  temporary_.clear();
  return true;
}

}  // namespace policyc
