// policyc command line. Only argument parsing and wiring: loading, evaluation and output
// formatting live in the libraries so embedders and tests share them.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "blueprint_commands.hpp"
#include "check_commands.hpp"
#include "exit.hpp"
#include "generate_commands.hpp"
#include "limits.hpp"
#include "policyc/builtins/builtins.hpp"
#include "policyc/core/io.hpp"
#include "policyc/core/memory.hpp"
#include "policyc/engine/engine.hpp"
#include "policyc/engine/eval_output.hpp"
#include "policyc/engine/explain.hpp"
#include "policyc/engine/loader.hpp"

namespace {

using policyc::cli::exit_without_teardown;
using policyc::cli::kExitFailCondition;
using policyc::cli::kExitOk;
using policyc::cli::kExitUsageOrInput;

struct EvalArgs {
  std::vector<std::string> data_paths;
  std::string input_path;
  bool v0_compatible = false;
  bool strict_builtin_errors = false;
  std::string format = "json";
  bool fail_undefined = false;
  bool fail_defined = false;
  policyc::cli::LimitArgs limits;
  std::string query;
  std::string explain;  // "", "fails" or "full"
  int depth = 4;
};

int report_errors(std::vector<policyc::Diagnostic>& errors, const std::string& format) {
  if (format != "json") return policyc::cli::report_diagnostics(errors);
  std::fputs(policyc::errors_to_json(errors).c_str(), stdout);
  return kExitUsageOrInput;
}

// What `--explain` shows: each evaluation the query made, with the failed attempts (fails)
// or the proofs as well (full).
policyc::explain::RenderOptions explain_options(const std::string& mode) {
  policyc::explain::RenderOptions options;
  options.proofs = mode == "full";
  options.failures = true;
  return options;
}

void print_results(const std::vector<policyc::QueryResult>& results, const std::string& format,
                   const policyc::explain::Recorder* recorder, const std::string& mode) {
  if (format == "json") {
    policyc::Value explanation;
    if (recorder) {
      policyc::ValueVec trees;
      auto options = explain_options(mode);
      options.earlier = [recorder](const std::string& rule) {
        return recorder->latest(rule).get();
      };
      for (const auto& root : recorder->roots())
        trees.push_back(policyc::explain::to_json(*root, options));
      explanation = policyc::Value::array(std::move(trees));
    }
    std::fputs(policyc::results_to_json(results, recorder ? &explanation : nullptr).c_str(),
               stdout);
    return;
  }
  if (recorder) {
    auto options = explain_options(mode);
    options.earlier = [recorder](const std::string& rule) { return recorder->latest(rule).get(); };
    std::string text;
    for (const auto& root : recorder->roots()) text += policyc::explain::to_text(*root, options);
    std::fputs(text.c_str(), stdout);
  }
  std::string out;
  for (const auto& result : results) {
    if (format == "pretty" && !result.bindings.empty()) {
      // Show what the query bound; expression values are mostly `true` then.
      policyc::ObjectEntries entries;
      for (const auto& [name, value] : result.bindings) {
        entries.emplace_back(policyc::Value::string(name), value);
      }
      policyc::write_json(out, policyc::Value::object(std::move(entries)), true, 0);
      out.push_back('\n');
      continue;
    }
    for (const auto& expr : result.expressions) {
      policyc::write_json(out, expr.value, format == "pretty", 0);
      out.push_back('\n');
    }
  }
  if (results.empty() && format == "pretty") out = "undefined\n";
  std::fputs(out.c_str(), stdout);
}

int run_eval(const EvalArgs& args) {
  policyc::ResourceLimits limits;
  if (!policyc::cli::start_limits(args.limits, "eval", limits)) return kExitUsageOrInput;
  auto watchdog = policyc::cli::start_watchdog(limits, "eval");
  policyc::BuiltinRegistry registry;
  policyc::register_standard_builtins(registry);
  policyc::Engine engine(registry);
  std::vector<policyc::Diagnostic> errors;

  policyc::LoadOptions load_options;
  load_options.v0 = args.v0_compatible;
  if (!policyc::load_paths(engine, args.data_paths, load_options, errors)) {
    return report_errors(errors, args.format);
  }
  if (!args.input_path.empty()) {
    policyc::Value input;
    if (!policyc::load_document(args.input_path, input, errors)) {
      return report_errors(errors, args.format);
    }
    engine.set_input(std::move(input));
  }
  if (!engine.compile(errors)) return report_errors(errors, args.format);

  policyc::EvalOptions eval_options;
  eval_options.strict_builtin_errors = args.strict_builtin_errors;
  eval_options.limits = &limits;
  std::unique_ptr<policyc::explain::Recorder> recorder;
  if (!args.explain.empty()) {
    policyc::explain::RecorderOptions recorder_options;
    recorder_options.depth = args.depth;
    recorder = std::make_unique<policyc::explain::Recorder>(std::move(recorder_options));
    eval_options.tracer = recorder.get();
  }
  std::vector<policyc::QueryResult> results;
  if (!engine.query(args.query, eval_options, results, errors)) {
    return report_errors(errors, args.format);
  }
  print_results(results, args.format, recorder.get(), args.explain);
  int code = kExitOk;
  if (args.fail_undefined && results.empty()) code = kExitFailCondition;
  if (args.fail_defined && !results.empty()) code = kExitFailCondition;
  exit_without_teardown(code);
}

int run_builtins(const std::string& format) {
  policyc::BuiltinRegistry registry;
  policyc::register_standard_builtins(registry);
  std::string out = format == "table" ? policyc::builtins_to_table(registry)
                                      : policyc::builtins_to_json(registry);
  std::fputs(out.c_str(), stdout);
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  policyc::prefer_huge_pages();
  CLI::App app{"policyc: a Rego policy engine for infrastructure blueprints"};
  app.require_subcommand(1);

  EvalArgs eval_args;
  CLI::App* eval = app.add_subcommand("eval", "Evaluate a Rego query");
  // One path per -d, so `-d policy/ data.x --format values` leaves the query positional.
  eval->add_option("-d,--data", eval_args.data_paths,
                   "Policy or data file or directory (repeatable)")
      ->allow_extra_args(false);
  eval->add_option("-i,--input", eval_args.input_path, "Input document (JSON or YAML)");
  eval->add_flag("--v0-compatible", eval_args.v0_compatible, "Parse modules with Rego v0 syntax");
  eval->add_flag("--strict-builtin-errors", eval_args.strict_builtin_errors,
                 "Treat builtin errors as evaluation errors");
  eval->add_option("-f,--format", eval_args.format, "Output format")
      ->check(CLI::IsMember({"json", "pretty", "values"}));
  eval->add_flag("--fail", eval_args.fail_undefined, "Exit 1 when the result is undefined");
  eval->add_flag("--fail-defined", eval_args.fail_defined, "Exit 1 when the result is defined");
  eval->add_option("--explain", eval_args.explain,
                   "Explain the evaluation: fails (why rules produced nothing) or full "
                   "(also why they produced what they did)")
      ->check(CLI::IsMember({"fails", "full"}));
  eval->add_option("--depth", eval_args.depth, "How deep --explain follows rules and functions")
      ->check(CLI::Range(1, 64));
  policyc::cli::add_limit_options(eval, eval_args.limits, "0", "0",
                                  "Stop evaluating after this long (30s, 5m; 0: no limit)");
  eval->add_option("query", eval_args.query, "Rego query, e.g. data.example.allow")->required();

  std::string builtins_format = "json";
  CLI::App* builtins = app.add_subcommand("builtins", "List the built-in functions");
  builtins->add_option("-f,--format", builtins_format, "Output format")
      ->check(CLI::IsMember({"json", "table"}));

  CLI::App* version = app.add_subcommand("version", "Print the version");
  auto blueprint_commands = policyc::cli::add_blueprint_commands(app);
  auto check_commands = policyc::cli::add_check_commands(app);
  auto generate_command = policyc::cli::add_generate_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    // Help requests exit 0; every other parse problem is a usage error.
    return code == 0 ? kExitOk : kExitUsageOrInput;
  }

  if (eval->parsed()) {
    if (eval_args.fail_undefined && eval_args.fail_defined) {
      fmt::print(stderr, "policyc eval: --fail and --fail-defined are mutually exclusive\n");
      return kExitUsageOrInput;
    }
    return run_eval(eval_args);
  }
  if (builtins->parsed()) return run_builtins(builtins_format);
  if (int code = policyc::cli::run_blueprint_commands(*blueprint_commands); code >= 0) return code;
  if (int code = policyc::cli::run_check_commands(*check_commands); code >= 0) return code;
  if (int code = policyc::cli::run_generate_command(*generate_command); code >= 0) return code;
  if (version->parsed()) {
    fmt::print("policyc {}\n", POLICYC_VERSION);
    return kExitOk;
  }
  return kExitUsageOrInput;
}
