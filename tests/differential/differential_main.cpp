// Differential testing of the evaluator against itself: random programs (program_generator.hpp)
// are evaluated through routes that must agree, and any disagreement is printed with the
// program and input (to become a case in tests/cases/) and fails the run.
//
//   policyc_differential [--programs N] [--seconds S] [--seed N]
//   policyc_differential --module FILE --input FILE   (one case, to shrink a disagreement)
//
// Routes: the whole package (`data.t = x`) with the evaluator's shortcuts and without them
// (EvalOptions::plain: no rule index, comprehension indexes, memo or direct paths); and each
// rule queried on its own (`data.t.p = x`), which must give what the whole package holds.
// Where a route evaluates less it may miss an error the other meets (the rule index skips a
// body that would fail, as OPA's does; one rule alone skips the others): then only the route
// that evaluates more may fail.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "policyc/builtins/builtins.hpp"
#include "policyc/core/io.hpp"
#include "policyc/engine/engine.hpp"
#include "program_generator.hpp"

namespace {

using policyc::Value;

// A query's outcome as text: the error code, or the results as JSON. `first` (when given)
// receives the first result's first binding.
std::string outcome(policyc::Engine& engine, const std::string& query, bool plain,
                    Value* first = nullptr) {
  policyc::EvalOptions options;
  options.plain = plain;
  options.now_ns = 1;  // fixed clock: both routes see the same time
  std::vector<policyc::QueryResult> results;
  std::vector<policyc::Diagnostic> errors;
  if (!engine.query(query, options, results, errors)) {
    return "error " + (errors.empty() ? std::string("?") : errors[0].code);
  }
  if (first && !results.empty() && !results[0].bindings.empty())
    *first = results[0].bindings[0].second;
  std::string out = "[";
  for (size_t i = 0; i < results.size(); ++i) {
    out += i ? "," : "";
    for (const auto& [name, value] : results[i].bindings) out += name + "=" + value.to_json();
  }
  return out + "]";
}

// The value of `name` in the whole package's result, as the per-rule query prints it.
std::string expected_rule_outcome(const Value& package, const std::string& name) {
  const Value* v = package.find(Value::string(name));
  return v ? "[x=" + v->to_json() + "]" : "[]";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Evaluates random programs through routes that must agree"};
  int programs = 2000;
  double seconds = 0;
  uint64_t seed = 20261204;
  app.add_option("--programs", programs, "How many programs (when --seconds is not given)");
  app.add_option("--seconds", seconds, "Run for this long instead of a fixed count");
  app.add_option("--seed", seed, "The first program's seed");
  std::string module_file, input_file;
  app.add_option("--module", module_file, "Check this module (package t) instead");
  app.add_option("--input", input_file, "The input document (JSON) for --module");
  CLI11_PARSE(app, argc, argv);

  policyc::BuiltinRegistry registry;
  policyc::register_standard_builtins(registry);
  policyc::testing::ProgramGenerator generator(seed);
  auto start = std::chrono::steady_clock::now();
  int ran = 0, compiled = 0, disagreements = 0;
  for (;;) {
    if (seconds > 0) {
      std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
      if (elapsed.count() >= seconds) break;
    } else if (ran >= programs) {
      break;
    }
    policyc::testing::GeneratedCase c;
    if (module_file.empty()) {
      c = generator.next();
    } else {
      if (ran == 1) break;
      if (!policyc::read_file(module_file, c.module) || !policyc::read_file(input_file, c.input)) {
        std::printf("cannot read %s or %s\n", module_file.c_str(), input_file.c_str());
        return 2;
      }
    }
    ++ran;
    policyc::Engine engine(registry);
    std::vector<policyc::Diagnostic> errors;
    Value input;
    if (!engine.add_module("t.rego", c.module, false, errors) || !engine.compile(errors)) {
      if (!module_file.empty() && !errors.empty())
        std::printf("%s", policyc::format_diagnostic(errors[0]).c_str());
      continue;
    }
    policyc::TextError json_error;
    if (!policyc::parse_json(c.input, input, json_error)) {
      std::printf("generator made invalid JSON input: %s\n", c.input.c_str());
      return 2;
    }
    engine.set_input(input);
    ++compiled;
    Value package = Value::empty_object();
    std::string fast = outcome(engine, "data.t = x", false, &package);
    std::string plain = outcome(engine, "data.t = x", true);
    std::vector<std::string> problems;
    // Plain evaluation runs every body, so it may meet an error the rule index lets the
    // default skip (as OPA's index does); everything else must agree.
    bool plain_failed = plain.rfind("error", 0) == 0;
    if (fast != plain && !(plain_failed && fast.rfind("error", 0) != 0))
      problems.push_back("data.t = x\n  default: " + fast + "\n  plain:   " + plain);
    if (problems.empty() && fast.rfind("error", 0) != 0) {
      for (const auto& name : c.rule_names) {
        std::string alone = outcome(engine, "data.t." + name + " = x", false);
        std::string want = expected_rule_outcome(package, name);
        if (alone != want) {
          problems.push_back("data.t." + name + " = x\n  alone:   " + alone +
                             "\n  in data.t: " + want);
        }
      }
    }
    if (!problems.empty()) {
      ++disagreements;
      std::printf("DISAGREEMENT (program %d of seed %llu)\n--- module\n%s--- input\n%s\n", ran,
                  static_cast<unsigned long long>(seed), c.module.c_str(), c.input.c_str());
      for (const auto& p : problems) std::printf("--- %s\n", p.c_str());
      if (disagreements >= 5) break;
    }
  }
  std::printf("%d programs, %d compiled, %d disagreements\n", ran, compiled, disagreements);
  return disagreements == 0 ? 0 : 1;
}
