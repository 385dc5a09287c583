#include "isolated_run.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>

namespace policyc::testing {

namespace {

void write_all(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = write(fd, data.data() + off, data.size() - off);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

}  // namespace

bool run_isolated(const std::function<std::string()>& body, bool isolate, int timeout_ms,
                  std::string& result, std::string& failure) {
  if (!isolate) {
    result = body();
    return true;
  }
  int fds[2];
  if (pipe(fds) != 0) {
    failure = "pipe failed";
    return false;
  }
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    failure = "fork failed";
    return false;
  }
  if (pid == 0) {
    close(fds[0]);
    std::string verdict = "=";  // the marker tells an empty verdict from a crash
    verdict += body();
    write_all(fds[1], verdict);
    close(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  std::string message;
  char buffer[4096];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  bool timed_out = false;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd pfd{fds[0], POLLIN, 0};
    int ready = poll(&pfd, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      timed_out = ready == 0;
      break;
    }
    ssize_t n = read(fds[0], buffer, sizeof buffer);
    if (n <= 0) break;
    message.append(buffer, static_cast<size_t>(n));
  }
  close(fds[0]);
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  if (timed_out) {
    failure = "timed out after " + std::to_string(timeout_ms / 1000) + " s";
    return false;
  }
  if (WIFSIGNALED(status)) {
    failure = "crashed with signal " + std::to_string(WTERMSIG(status));
    return false;
  }
  if (message.empty() || message[0] != '=') {
    failure = "the test process exited without a verdict";
    return false;
  }
  result = message.substr(1);
  return true;
}

}  // namespace policyc::testing
