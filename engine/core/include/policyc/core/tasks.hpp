// The process's worker threads.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

namespace policyc {

// One small pool of worker threads, shared by everything that works on several cores: the
// blueprint loaders, check's evaluators, the JSON reader's helper and the JSON writer. The
// workers start on first use, one fewer than the machine has cores (the calling thread makes
// the last), and live for the process, so a thread's caches (its box pools, its table of recent
// strings) serve every job it takes.
class TaskPool {
 public:
  static TaskPool& shared();

  // How many threads a job may use, the calling one included.
  size_t concurrency() const;

  // A task handed to the pool. wait() returns once it has run; a task that no worker has
  // started yet is run by the waiting thread itself, so waiting never depends on a free worker.
  // A Task not waited for is waited for when it is destroyed.
  class Task {
   public:
    Task() = default;
    Task(Task&&) noexcept = default;
    Task& operator=(Task&&) noexcept;
    ~Task();
    void wait();
    struct State;

   private:
    friend class TaskPool;
    std::shared_ptr<State> state_;
  };

  Task run(std::function<void()> work);

  // Runs body(i) for every i in [0, n) on the calling thread and up to max_threads - 1
  // workers, and returns when all have run.
  void parallel_for(size_t n, size_t max_threads, const std::function<void(size_t)>& body);

 private:
  TaskPool();
  struct Impl;
  Impl* impl_;  // lives for the process
};

}  // namespace policyc
