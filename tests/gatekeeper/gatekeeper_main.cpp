// policyc_gatekeeper: runs the Gatekeeper policy library's gator suites (as prepared in
// ../shared/corpus/gatekeeper) through the library, the way Gatekeeper evaluates them:
// the ConstraintTemplate's Rego as v0, `data.<package>.violation` against each case input.
//
//   policyc_gatekeeper [--filter REGEX] [--verbose] [--known-failures FILE] [--no-fork] ROOT
//
// A case passes when every assertion in expected.json holds: the number of violations whose
// `msg` matches `message_regex` (all when absent) is `violations` — "yes" at least one,
// "no" none, a number exactly that many.
#include <re2/re2.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "isolated_run.hpp"
#include "known_failures.hpp"
#include "policyc/builtins/builtins.hpp"
#include "policyc/core/io.hpp"
#include "policyc/engine/engine.hpp"
#include "policyc/engine/loader.hpp"

namespace fs = std::filesystem;
using policyc::Value;

namespace {

constexpr int kCaseTimeoutMs = 30'000;

const Value* field(const Value& obj, const char* name) {
  return obj.is_object() ? obj.find(Value::string(name)) : nullptr;
}

std::string string_field(const Value& obj, const char* name) {
  const Value* v = field(obj, name);
  return v && v->is_string() ? v->str() : std::string();
}

std::string describe(const std::vector<policyc::Diagnostic>& errors) {
  std::string out;
  for (const auto& e : errors) {
    out += (out.empty() ? "" : "; ") + e.file + ":" + std::to_string(e.line) + ": " + e.code +
           ": " + e.message;
  }
  return out;
}

// The package of the template's first Rego source, e.g. "k8sallowedrepos".
std::string template_package(const fs::path& template_file) {
  std::vector<policyc::Diagnostic> errors;
  Value doc;
  if (!policyc::load_document(template_file.string(), doc, errors)) return "";
  std::vector<std::string> sources;
  if (!policyc::constraint_template_sources(doc, sources) || sources.empty()) return "";
  static const std::regex package_line(R"((^|\n)\s*package\s+([A-Za-z0-9_.]+))");
  std::smatch m;
  if (!std::regex_search(sources[0], m, package_line)) return "";
  return m[2].str();
}

// Checks one gator assertion against the violation messages.
bool assertion_holds(const Value& assertion, const std::vector<std::string>& messages,
                     std::string& why) {
  std::string pattern = string_field(assertion, "message_regex");
  size_t count = messages.size();
  if (!pattern.empty()) {
    // gator matches with Go's regexp; RE2 accepts the same syntax.
    RE2 re(pattern, RE2::Quiet);
    if (!re.ok()) {
      why = "bad message_regex /" + pattern + "/: " + re.error();
      return false;
    }
    count = static_cast<size_t>(
        std::count_if(messages.begin(), messages.end(),
                      [&](const std::string& m) { return RE2::PartialMatch(m, re); }));
  }
  const Value* want = field(assertion, "violations");
  bool ok = false;
  std::string want_text;
  if (want && want->is_string()) {
    want_text = want->str();
    ok = want_text == "yes" ? count > 0 : (want_text == "no" ? count == 0 : false);
  } else if (want && want->is_number()) {
    int64_t n = 0;
    want->to_int64(n);
    want_text = std::to_string(n);
    ok = static_cast<int64_t>(count) == n;
  } else {
    want_text = "(bad assertion)";
  }
  if (!ok) {
    why = "expected violations " + want_text +
          (pattern.empty() ? "" : " matching /" + pattern + "/") + ", got " + std::to_string(count);
  }
  return ok;
}

// Returns "" when the case passes, else what went wrong.
std::string run_gatekeeper_case(const fs::path& policy_dir, const std::string& package,
                                const Value& record, const policyc::BuiltinRegistry& registry) {
  policyc::Engine engine(registry);
  std::vector<policyc::Diagnostic> errors;
  std::vector<std::string> paths = {(policy_dir / "template.yaml").string()};
  std::string data = string_field(record, "data");
  if (!data.empty()) paths.push_back((policy_dir / data).string());
  policyc::LoadOptions options;
  options.v0 = true;
  if (!policyc::load_paths(engine, paths, options, errors)) return "load: " + describe(errors);
  Value input;
  if (!policyc::load_document((policy_dir / string_field(record, "input")).string(), input,
                              errors)) {
    return "input: " + describe(errors);
  }
  engine.set_input(std::move(input));
  std::vector<policyc::QueryResult> results;
  if (!engine.query("data." + package + ".violation", policyc::EvalOptions{}, results, errors)) {
    return "eval: " + describe(errors);
  }
  std::vector<std::string> messages;
  if (!results.empty() && !results[0].expressions.empty()) {
    const Value& violations = results[0].expressions[0].value;
    if (!violations.is_set() && !violations.is_array()) {
      return "violation is not a set: " + violations.to_json();
    }
    for (const auto& v : violations.items()) {
      std::string msg = string_field(v, "msg");
      messages.push_back(msg);
    }
  }
  const Value* expected = field(record, "expected");
  if (!expected || !expected->is_array()) return "expected.json record without `expected`";
  for (const auto& assertion : expected->items()) {
    std::string why;
    if (!assertion_holds(assertion, messages, why)) {
      std::string got;
      for (const auto& m : messages) got += "\n      msg: " + m;
      return why + got;
    }
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Runs the Gatekeeper library's gator suites through policyc"};
  std::string root;
  std::string filter;
  bool verbose = false;
  bool no_fork = false;
  std::string known_failures_path;
  app.add_option("root", root, "The gatekeeper corpus directory")->required();
  app.add_option("--filter", filter, "Only policies/cases (policy/test/case) matching this regex");
  app.add_flag("--verbose", verbose, "Print every case");
  app.add_flag("--no-fork", no_fork, "Run cases in this process (for debuggers)");
  app.add_option("--known-failures", known_failures_path,
                 "Cases this suite may fail, each with its reason (known_failures.hpp)");
  CLI11_PARSE(app, argc, argv);

  policyc::testing::KnownFailures known;
  std::string known_error;
  if (!known.load(known_failures_path, known_error)) {
    std::printf("ERROR %s\n", known_error.c_str());
    return 1;
  }

  policyc::BuiltinRegistry registry;
  policyc::register_standard_builtins(registry);
  std::regex filter_re(filter.empty() ? ".*" : filter);

  std::vector<fs::path> policy_dirs;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (entry.is_directory() && fs::exists(entry.path() / "expected.json")) {
      policy_dirs.push_back(entry.path());
    }
  }
  std::sort(policy_dirs.begin(), policy_dirs.end());

  int passed = 0, failed = 0;
  for (const auto& dir : policy_dirs) {
    std::vector<policyc::Diagnostic> errors;
    Value records;
    if (!policyc::load_document((dir / "expected.json").string(), records, errors) ||
        !records.is_array()) {
      std::printf("ERROR %s: cannot read expected.json\n", dir.c_str());
      ++failed;
      continue;
    }
    std::string package = template_package(dir / "template.yaml");
    for (const auto& record : records.items()) {
      std::string name = dir.filename().string() + "/" + string_field(record, "test") + "/" +
                         string_field(record, "case");
      if (!filter.empty() && !std::regex_search(name, filter_re)) continue;
      std::string problem, failure;
      bool ran = package.empty()
                     ? (failure = "no package in template.yaml", false)
                     : policyc::testing::run_isolated(
                           [&]() -> std::string {
                             try {
                               return run_gatekeeper_case(dir, package, record, registry);
                             } catch (const std::exception& e) {
                               return std::string("exception: ") + e.what();
                             }
                           },
                           !no_fork, kCaseTimeoutMs, problem, failure);
      if (!ran) problem = failure;
      if (known.excuse(name, !problem.empty())) {
        if (verbose) std::printf("KNOWN %s: %s\n", name.c_str(), known.reason(name).c_str());
        continue;
      }
      if (problem.empty()) {
        ++passed;
        if (verbose) std::printf("PASS %s\n", name.c_str());
      } else {
        ++failed;
        std::printf("FAIL %s\n    %s\n", name.c_str(), problem.c_str());
      }
    }
  }
  std::printf("%d passed, %d failed, %zu known failures\n", passed, failed, known.excused());
  bool fresh = known.report_stale(stdout, filter.empty());
  return failed == 0 && fresh ? 0 : 1;
}
