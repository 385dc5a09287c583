// Builtin call costs through the registry, as the evaluator pays them per call.
#include <benchmark/benchmark.h>

#include <vector>

#include "policyc/builtins/builtins.hpp"

namespace {

const policyc::BuiltinRegistry& registry() {
  static const policyc::BuiltinRegistry r = [] {
    policyc::BuiltinRegistry reg;
    policyc::register_standard_builtins(reg);
    return reg;
  }();
  return r;
}

void run(benchmark::State& state, const char* name, const std::vector<policyc::Value>& args) {
  const policyc::BuiltinDecl* decl = registry().find(name);
  if (!decl) {
    state.SkipWithError("builtin not registered");
    return;
  }
  policyc::BuiltinContext ctx;
  for (auto _ : state) benchmark::DoNotOptimize(decl->fn(args, ctx));
}

using policyc::Value;

void BM_Sprintf(benchmark::State& state) {
  run(state, "sprintf",
      {Value::string("%s has %d items costing %.2f"),
       Value::array({Value::string("cart"), Value::integer(3), Value::number_from_text("9.5")})});
}
BENCHMARK(BM_Sprintf);

void BM_RegexMatchCached(benchmark::State& state) {
  run(state, "regex.match",
      {Value::string("^[a-z0-9-]+\\.example\\.com$"), Value::string("api-1.example.com")});
}
BENCHMARK(BM_RegexMatchCached);

void BM_ObjectGet(benchmark::State& state) {
  policyc::ObjectEntries entries;
  for (int i = 0; i < 32; ++i)
    entries.push_back({Value::string("key" + std::to_string(i)), Value::integer(i)});
  run(state, "object.get",
      {Value::object(std::move(entries)), Value::string("key17"), Value::integer(-1)});
}
BENCHMARK(BM_ObjectGet);

void BM_Startswith(benchmark::State& state) {
  run(state, "startswith",
      {Value::string("registry.example.com/team/image:1.2.3"), Value::string("registry.")});
}
BENCHMARK(BM_Startswith);

void BM_Count(benchmark::State& state) {
  policyc::ValueVec items;
  for (int i = 0; i < 100; ++i) items.push_back(Value::integer(i));
  run(state, "count", {Value::array(std::move(items))});
}
BENCHMARK(BM_Count);

}  // namespace

BENCHMARK_MAIN();
