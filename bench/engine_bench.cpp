// Parse, compile and evaluate: the language core's costs, separately.
#include <benchmark/benchmark.h>

#include <string>

#include "policyc/builtins/builtins.hpp"
#include "policyc/dsl/parser.hpp"
#include "policyc/engine/engine.hpp"

namespace {

using namespace policyc;

// A Gatekeeper-style policy (required labels), in v1 syntax.
const char* kLabelsPolicy = R"(package k8srequiredlabels

import rego.v1

violation contains {"msg": msg, "details": {"missing_labels": missing}} if {
	provided := {label | input.review.object.metadata.labels[label]}
	required := {label | some label in input.parameters.labels}
	missing := required - provided
	count(missing) > 0
	msg := sprintf("you must provide labels: %v", [missing])
}

allowed_image(image) if {
	some repo in input.parameters.repos
	startswith(image, repo)
}

image_violation contains msg if {
	some container in input.review.object.spec.containers
	not allowed_image(container.image)
	msg := sprintf("container <%v> has an invalid image repo <%v>", [container.name, container.image])
}
)";

const BuiltinRegistry& registry() {
  static const BuiltinRegistry r = [] {
    BuiltinRegistry reg;
    register_standard_builtins(reg);
    return reg;
  }();
  return r;
}

Value labels_input(bool compliant) {
  ObjectEntries labels = {{Value::string("app"), Value::string("web")}};
  if (compliant) labels.emplace_back(Value::string("owner"), Value::string("team-a"));
  Value container =
      Value::object({{Value::string("name"), Value::string("nginx")},
                     {Value::string("image"), Value::string("registry.example/nginx:1.25")}});
  Value object =
      Value::object({{Value::string("metadata"),
                      Value::object({{Value::string("labels"), Value::object(labels)}})},
                     {Value::string("spec"),
                      Value::object({{Value::string("containers"), Value::array({container})}})}});
  Value params = Value::object(
      {{Value::string("labels"), Value::array({Value::string("app"), Value::string("owner")})},
       {Value::string("repos"), Value::array({Value::string("registry.example/")})}});
  return Value::object(
      {{Value::string("review"), Value::object({{Value::string("object"), object}})},
       {Value::string("parameters"), params}});
}

void BM_Parse(benchmark::State& state) {
  auto file = std::make_shared<ast::SourceFile>();
  file->name = "policy.rego";
  file->text = kLabelsPolicy;
  for (auto _ : state) {
    std::vector<Diagnostic> errors;
    auto module = dsl::parse_module(file, {}, errors);
    benchmark::DoNotOptimize(module);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(file->text.size()));
}
BENCHMARK(BM_Parse);

void BM_ParseAndCompile(benchmark::State& state) {
  for (auto _ : state) {
    Engine engine(registry());
    std::vector<Diagnostic> errors;
    engine.add_module("policy.rego", kLabelsPolicy, false, errors);
    bool ok = engine.compile(errors);
    benchmark::DoNotOptimize(ok);
  }
}
BENCHMARK(BM_ParseAndCompile);

// One admission decision with the policy prepared: the per-request cost.
void BM_EvalPrepared(benchmark::State& state) {
  Engine engine(registry());
  std::vector<Diagnostic> errors;
  engine.add_module("policy.rego", kLabelsPolicy, false, errors);
  PreparedQuery query;
  if (!engine.prepare("data.k8srequiredlabels.violation", query, errors)) {
    state.SkipWithError("prepare failed");
    return;
  }
  engine.set_input(labels_input(state.range(0) != 0));
  EvalOptions options;
  options.now_ns = 1;
  for (auto _ : state) {
    std::vector<QueryResult> results;
    engine.eval(query, options, results, errors);
    benchmark::DoNotOptimize(results);
  }
}
BENCHMARK(BM_EvalPrepared)->Arg(0)->Arg(1)->ArgNames({"compliant"});

// The shared iterate workload's policy over N items, evaluation only.
void BM_EvalIterate(benchmark::State& state) {
  const char* policy = R"(package bench

import rego.v1

deny contains msg if {
	some item in input.items
	item.value > 990
	startswith(item.name, "item-")
	msg := sprintf("item %v too big: %v", [item.id, item.value])
}

big_count := count([x | some x in input.items; x.value > 500])

total := sum([x.value | some x in input.items])

tagged contains item.id if {
	some item in input.items
	"red" in item.tags
}

result := {
	"deny_count": count(deny),
	"big_count": big_count,
	"total": total,
	"tagged_count": count(tagged),
}
)";
  Engine engine(registry());
  std::vector<Diagnostic> errors;
  engine.add_module("iterate.rego", policy, false, errors);
  // Keys shared across items, as the JSON loader shares them.
  const Value id = Value::interned("id"), value = Value::interned("value"),
              name = Value::interned("name"), tags_key = Value::interned("tags"),
              red = Value::string("red"), blue = Value::string("blue"),
              green = Value::string("green");
  ValueVec items;
  for (int64_t i = 0; i < state.range(0); ++i) {
    ValueVec tags = i % 3 == 0 ? ValueVec{red, blue} : ValueVec{green};
    items.push_back(Value::object({{id, Value::integer(i)},
                                   {value, Value::integer((i * 37) % 1000)},
                                   {name, Value::string("item-" + std::to_string(i))},
                                   {tags_key, Value::array(tags)}}));
  }
  engine.set_input(Value::object({{Value::string("items"), Value::array(items)}}));
  PreparedQuery query;
  engine.prepare("data.bench.result", query, errors);
  EvalOptions options;
  for (auto _ : state) {
    std::vector<QueryResult> results;
    engine.eval(query, options, results, errors);
    benchmark::DoNotOptimize(results);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_EvalIterate)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
