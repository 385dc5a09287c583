// The Rego parser, compiler and evaluator on arbitrary text: a module that parses and compiles
// is evaluated (`data`, a small input) under a time and memory limit. Errors are values with a
// location; nothing may crash, hang or leak.
#include "fuzz_target.hpp"
#include "policyc/builtins/builtins.hpp"
#include "policyc/core/io.hpp"
#include "policyc/core/limits.hpp"
#include "policyc/engine/engine.hpp"

namespace {

void check_located(const std::vector<policyc::Diagnostic>& errors) {
  policyc::fuzz::require(!errors.empty(), "a failure reports an error");
  for (const auto& d : errors) {
    policyc::fuzz::require(!d.code.empty() && !d.message.empty(), "an error has a code and text",
                           d.message);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace policyc;
  if (size == 0 || size > 16384) return 0;
  // The first byte picks the syntax: Rego v1, or v0 as --v0-compatible reads it.
  bool v0 = data[0] & 1;
  std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  Engine engine(fuzz::standard_registry());
  std::vector<Diagnostic> errors;
  if (!engine.add_module("fuzz.rego", text, v0, errors)) {
    check_located(errors);
    return 0;
  }
  if (!engine.compile(errors)) {
    check_located(errors);
    return 0;
  }
  Value input;
  TextError json_error;
  parse_json(R"({"a": 1, "b": [1, "x", {"c": true}], "s": "text", "o": {"k": null}})", input,
             json_error);
  engine.set_input(input);
  ResourceLimits limits =
      ResourceLimits::starting_now(std::chrono::milliseconds(250), size_t{1} << 30);
  EvalOptions options;
  options.limits = &limits;
  options.now_ns = 1;
  options.print = [](const std::string&) {};
  std::vector<QueryResult> results;
  if (!engine.query("data", options, results, errors)) {
    check_located(errors);
    return 0;
  }
  for (const auto& r : results)
    for (const auto& e : r.expressions) {
      std::string json = e.value.to_json();
      Value back;
      TextError err;
      fuzz::require(parse_json(json, back, err), "a result writes as valid JSON", json);
    }
  return 0;
}
