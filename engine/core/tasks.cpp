#include "policyc/core/tasks.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace policyc {

struct TaskPool::Task::State {
  std::function<void()> work;
  std::atomic<int> phase{0};  // 0 waiting for a thread, 1 running, 2 done
  std::mutex lock;
  std::condition_variable finished;

  // Runs the work unless another thread has taken it.
  bool take_and_run() {
    int expected = 0;
    if (!phase.compare_exchange_strong(expected, 1)) return false;
    work();
    work = nullptr;
    {
      std::lock_guard<std::mutex> guard(lock);
      phase = 2;
    }
    finished.notify_all();
    return true;
  }
};

struct TaskPool::Impl {
  std::mutex lock;
  std::condition_variable available;
  std::deque<std::shared_ptr<Task::State>> queue;
  std::vector<std::thread> workers;

  void work_forever() {
    while (true) {
      std::shared_ptr<Task::State> task;
      {
        std::unique_lock<std::mutex> guard(lock);
        available.wait(guard, [&] { return !queue.empty(); });
        task = std::move(queue.front());
        queue.pop_front();
      }
      task->take_and_run();
    }
  }
};

TaskPool::TaskPool() : impl_(new Impl) {
  size_t cores = std::max(1u, std::thread::hardware_concurrency());
  for (size_t i = 1; i < std::min<size_t>(cores, 8); ++i)
    impl_->workers.emplace_back([impl = impl_] { impl->work_forever(); });
}

TaskPool& TaskPool::shared() {
  // Never destroyed: workers wait for work until the process ends.
  static TaskPool& pool = *new TaskPool;
  return pool;
}

size_t TaskPool::concurrency() const { return impl_->workers.size() + 1; }

TaskPool::Task TaskPool::run(std::function<void()> work) {
  Task task;
  task.state_ = std::make_shared<Task::State>();
  task.state_->work = std::move(work);
  if (impl_->workers.empty()) return task;  // the waiting thread runs it
  {
    std::lock_guard<std::mutex> guard(impl_->lock);
    impl_->queue.push_back(task.state_);
  }
  impl_->available.notify_one();
  return task;
}

void TaskPool::Task::wait() {
  if (!state_) return;
  if (!state_->take_and_run()) {
    std::unique_lock<std::mutex> guard(state_->lock);
    state_->finished.wait(guard, [&] { return state_->phase == 2; });
  }
  state_.reset();
}

TaskPool::Task& TaskPool::Task::operator=(Task&& other) noexcept {
  if (this != &other) {
    wait();
    state_ = std::move(other.state_);
  }
  return *this;
}

TaskPool::Task::~Task() { wait(); }

void TaskPool::parallel_for(size_t n, size_t max_threads, const std::function<void(size_t)>& body) {
  size_t threads = std::min({max_threads, concurrency(), n});
  if (threads <= 1) {
    for (size_t i = 0; i < n; ++i) body(i);
    return;
  }
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) body(i);
  };
  std::vector<Task> helpers;
  for (size_t t = 1; t < threads; ++t) helpers.push_back(run(work));
  work();
  for (auto& helper : helpers) helper.wait();
}

}  // namespace policyc
