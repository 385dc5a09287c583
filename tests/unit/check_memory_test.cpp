// run_check as a library call, many times in one process: what a check allocates, frozen
// values shared by its evaluators included, is given back when its report ends.
#include <gtest/gtest.h>
#include <malloc.h>

#include <filesystem>
#include <vector>

#include "policyc/builtins/builtins.hpp"
#include "policyc/check/check.hpp"
#include "policyc/core/tasks.hpp"
#include "policyc/policies/stock.hpp"

namespace check = policyc::check;
namespace fs = std::filesystem;

namespace {

size_t heap_in_use() { return mallinfo2().uordblks; }

// Under the sanitizers the heap is theirs (the bound below does not apply) and a check is ten
// times slower; a few runs still take the path through the frozen arena on every thread.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr int kWarmUp = 2, kRuns = 5;
constexpr bool kMeasured = false;
#else
constexpr int kWarmUp = 30, kRuns = 100;
constexpr bool kMeasured = true;
#endif

TEST(CheckMemory, HundredChecksInOneProcessKeepTheHeapFlat) {
  if (policyc::TaskPool::shared().concurrency() < 2)
    GTEST_SKIP() << "one core: checks never freeze values for two evaluators";
  policyc::BuiltinRegistry registry;
  policyc::register_standard_builtins(registry);
  fs::path system =
      fs::path(__FILE__).parent_path().parent_path().parent_path() / "examples" / "ecommerce";
  check::CheckOptions options;
  for (const auto& file : policyc::policies::stock_files())
    options.stock_policies.push_back({std::string(file.path), std::string(file.text)});
  options.today = "2027-01-01";
  options.parallel_min_services = 1;  // two evaluators over a frozen input, shared rule values
  auto run = [&] {
    check::CheckReport report;
    std::vector<policyc::Diagnostic> errors;
    ASSERT_TRUE(check::run_check(system.string(), options, registry, report, errors))
        << (errors.empty() ? "" : errors[0].message);
    ASSERT_NE(report.frozen, nullptr);
    ASSERT_FALSE(report.findings.empty());
  };
  // The first runs fill what lives for the process: interned strings, regex caches, and the
  // box pools up to what one check needs at most.
  for (int i = 0; i < kWarmUp; ++i) run();
  size_t before = heap_in_use();
  for (int i = 0; i < kRuns; ++i) run();
  size_t after = heap_in_use();
  // One check of this system holds about 2 MB while it runs; 100 leaking checks grew the heap
  // by over 50 MB.
  if (kMeasured) {
    EXPECT_LT(after, before + (256u << 10))
        << "heap in use grew from " << before << " to " << after;
  }
}

}  // namespace
