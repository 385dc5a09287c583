// Evaluation of generated policies on generated input: the input's bytes seed the random
// program generator of the differential tests, and each program's results must be the same
// through the evaluator's shortcuts and through plain evaluation (as policyc_differential
// checks, here under the sanitizers and with coverage guiding the seeds).
#include <cstring>

#include "../differential/program_generator.hpp"
#include "fuzz_target.hpp"
#include "policyc/builtins/builtins.hpp"
#include "policyc/core/io.hpp"
#include "policyc/engine/engine.hpp"

namespace {

std::string outcome(policyc::Engine& engine, bool plain) {
  policyc::ResourceLimits limits =
      policyc::ResourceLimits::starting_now(std::chrono::milliseconds(500), size_t{1} << 30);
  policyc::EvalOptions options;
  options.plain = plain;
  options.now_ns = 1;
  options.limits = &limits;
  options.print = [](const std::string&) {};
  std::vector<policyc::QueryResult> results;
  std::vector<policyc::Diagnostic> errors;
  if (!engine.query("data.t = x", options, results, errors))
    return "error " + (errors.empty() ? std::string("?") : errors[0].code);
  std::string out;
  for (const auto& r : results)
    for (const auto& [name, value] : r.bindings) out += name + "=" + value.to_json() + ";";
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace policyc;
  uint64_t seed = 0;
  std::memcpy(&seed, data, std::min(size, sizeof seed));
  // Later bytes pick which of the seed's programs: the generator's state runs on.
  int skip = size > sizeof seed ? data[sizeof seed] % 4 : 0;
  testing::ProgramGenerator generator(seed);
  testing::GeneratedCase c = generator.next();
  for (int i = 0; i < skip; ++i) c = generator.next();
  Engine engine(fuzz::standard_registry());
  std::vector<Diagnostic> errors;
  if (!engine.add_module("t.rego", c.module, false, errors) || !engine.compile(errors)) return 0;
  Value input;
  TextError json_error;
  fuzz::require(parse_json(c.input, input, json_error), "generated input is JSON", c.input);
  engine.set_input(input);
  std::string fast = outcome(engine, false);
  std::string plain = outcome(engine, true);
  if (fast.starts_with("error eval_cancel") || plain.starts_with("error eval_cancel")) return 0;
  if (fast.starts_with("error eval_memory") || plain.starts_with("error eval_memory")) return 0;
  // The rule index may skip a body whose error plain evaluation meets (as OPA's index does).
  bool plain_failed = plain.starts_with("error");
  fuzz::require(fast == plain || (plain_failed && !fast.starts_with("error")),
                "shortcuts and plain evaluation agree",
                c.module + "\ninput: " + c.input + "\ndefault: " + fast + "\nplain:   " + plain);
  return 0;
}
