// parse_json on an input shaped like the iterate workload (../shared/bench/make_items.py):
// {"items": [{"id", "value", "name", "tags"}, ...]}, 100,000 items, about 7 MB.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "policyc/core/io.hpp"

namespace {

std::string make_items_json(int n) {
  std::string out = "{\"items\": [";
  for (int i = 0; i < n; ++i) {
    if (i) out += ", ";
    out += "{\"id\": " + std::to_string(i) + ", \"value\": " + std::to_string((i * 37) % 1000) +
           ", \"name\": \"item-" + std::to_string(i) +
           "\", \"tags\": " + (i % 3 == 0 ? "[\"red\", \"blue\"]" : "[\"green\"]") + "}";
  }
  out += "]}";
  return out;
}

void BM_ParseJsonItems(benchmark::State& state) {
  const std::string text = make_items_json(static_cast<int>(state.range(0)));
  // Second argument: 1 parses on one thread, 2 lets large documents use two (json.cpp).
  // In this loop the two-thread figure includes a fresh second thread per iteration whose
  // heap starts cold each time; `policyc eval -i` loads its input once (bench/iterate.sh).
  policyc::JsonOptions options;
  if (state.range(1) == 2) options.parallel_min_bytes = size_t{1} << 20;
  for (auto _ : state) {
    policyc::Value v;
    policyc::TextError err;
    bool ok = policyc::parse_json(text, v, err, options);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(v);
    // Parsing is what is measured; the CLI never frees its input (see cli/main.cpp).
    state.PauseTiming();
    v = policyc::Value();
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_ParseJsonItems)
    ->Args({1000, 1})
    ->Args({100000, 1})
    ->Args({100000, 2})
    ->ArgNames({"items", "threads"})
    ->Unit(benchmark::kMillisecond);

void BM_ParseJsonNumbers(benchmark::State& state) {
  std::string text = "[";
  for (int i = 0; i < 100000; ++i) {
    if (i) text += ",";
    text += i % 2 ? std::to_string(i) : std::to_string(i) + ".25";
  }
  text += "]";
  for (auto _ : state) {
    policyc::Value v;
    policyc::TextError err;
    benchmark::DoNotOptimize(policyc::parse_json(text, v, err));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_ParseJsonNumbers)->Unit(benchmark::kMillisecond);

void BM_ParseYamlDocument(benchmark::State& state) {
  std::string text;
  for (int i = 0; i < 10000; ++i) {
    text += "- id: " + std::to_string(i) + "\n  name: item-" + std::to_string(i) +
            "\n  enabled: true\n  tags: [red, blue]\n";
  }
  for (auto _ : state) {
    std::vector<policyc::Value> docs;
    policyc::TextError err;
    benchmark::DoNotOptimize(policyc::parse_yaml(text, docs, err));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_ParseYamlDocument)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
