// The shared task pool: every index runs once, waiting never needs a free worker, and jobs
// started from inside a task finish.
#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "policyc/core/tasks.hpp"

namespace policyc {
namespace {

TEST(TaskPool, ParallelForRunsEveryIndexOnce) {
  std::vector<std::atomic<int>> runs(10'000);
  TaskPool::shared().parallel_for(runs.size(), 8, [&](size_t i) { runs[i]++; });
  for (const auto& r : runs) EXPECT_EQ(r.load(), 1);
}

TEST(TaskPool, JobsStartedInsideTasksFinish) {
  // Every worker busy with an outer task that starts an inner job: the inner jobs' callers
  // take their own indexes, and waiting runs a task no worker has started.
  std::atomic<size_t> total{0};
  std::vector<TaskPool::Task> outer;
  for (int t = 0; t < 8; ++t) {
    outer.push_back(TaskPool::shared().run([&] {
      TaskPool::shared().parallel_for(100, 4, [&](size_t) { total++; });
      TaskPool::Task inner = TaskPool::shared().run([&] { total += 1000; });
      inner.wait();
    }));
  }
  for (auto& task : outer) task.wait();
  EXPECT_EQ(total.load(), 8u * 1100u);
}

TEST(TaskPool, ATaskIsWaitedForWhenItsHandleEnds) {
  std::atomic<bool> ran{false};
  {
    TaskPool::Task task = TaskPool::shared().run([&] { ran = true; });
  }
  EXPECT_TRUE(ran.load());
}

}  // namespace
}  // namespace policyc
