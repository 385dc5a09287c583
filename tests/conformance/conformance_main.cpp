// policyc_conformance: runs YAML conformance cases (OPA's format) against the engine.
//
//   policyc_conformance [--skip-list FILE] [--known-failures FILE] [--filter REGEX] [--v0]
//                       [--verbose] [--no-fork] PATH...
//
// Each case runs in a forked child by default, so a crash or a hang in one case is reported
// as that case's failure instead of ending the run (the engine is still growing).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "case_runner.hpp"
#include "isolated_run.hpp"
#include "known_failures.hpp"
#include "policyc/builtins/builtins.hpp"
#include "policyc/core/io.hpp"

namespace fs = std::filesystem;
using policyc::conformance::CaseResult;
using policyc::conformance::Outcome;
using policyc::conformance::TestCase;

namespace {

constexpr int kCaseTimeoutMs = 30'000;

std::vector<fs::path> collect_case_files(const std::vector<std::string>& paths) {
  std::vector<fs::path> files;
  for (const auto& p : paths) {
    if (fs::is_directory(p)) {
      for (const auto& entry : fs::recursive_directory_iterator(p)) {
        auto ext = entry.path().extension();
        if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) {
          files.push_back(entry.path());
        }
      }
    } else {
      files.emplace_back(p);
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::set<std::string> read_skip_list(const std::string& path) {
  std::set<std::string> notes;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    notes.insert(line);
  }
  return notes;
}

// Reads the cases of one file; a file that is not a case file yields an error message.
bool read_cases(const fs::path& file, std::vector<TestCase>& cases, std::string& error) {
  std::string text;
  if (!policyc::read_file(file.string(), text)) {
    error = "cannot read";
    return false;
  }
  std::vector<policyc::Value> docs;
  policyc::TextError err;
  if (!policyc::parse_yaml(text, docs, err, policyc::YamlSchema::Core12)) {
    error = std::to_string(err.line) + ":" + std::to_string(err.col) + ": " + err.message;
    return false;
  }
  for (const auto& doc : docs) {
    const policyc::Value* list =
        doc.is_object() ? doc.find(policyc::Value::string("cases")) : nullptr;
    if (!list || !list->is_array()) continue;
    for (const auto& spec : list->items()) {
      const policyc::Value* note =
          spec.is_object() ? spec.find(policyc::Value::string("note")) : nullptr;
      TestCase test;
      test.note = note && note->is_string() ? note->str() : "(no note)";
      test.file = file;
      test.spec = spec;
      cases.push_back(std::move(test));
    }
  }
  return true;
}

CaseResult run_case_isolated(const TestCase& test, const policyc::BuiltinRegistry& registry,
                             const policyc::conformance::RunOptions& options, bool isolate) {
  std::string verdict, failure;
  auto body = [&] {
    CaseResult r = run_case(test, registry, options);
    return std::string(1, static_cast<char>(r.outcome)) + r.detail;
  };
  if (!policyc::testing::run_isolated(body, isolate, kCaseTimeoutMs, verdict, failure)) {
    return CaseResult{Outcome::Fail, failure};
  }
  return CaseResult{static_cast<Outcome>(verdict[0]), verdict.substr(1)};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Runs Rego conformance cases in OPA's YAML format"};
  std::vector<std::string> paths;
  std::string skip_list_path;
  std::string filter;
  bool v0 = false;
  bool verbose = false;
  bool no_fork = false;
  std::string known_failures_path;
  app.add_option("paths", paths, "Case files or directories")->required();
  app.add_option("--skip-list", skip_list_path, "Notes not required to pass, one per line");
  app.add_option("--filter", filter, "Only cases whose note matches this regex");
  app.add_flag("--v0", v0, "Parse modules with Rego v0 syntax");
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

  std::set<std::string> skip_list;
  if (!skip_list_path.empty()) skip_list = read_skip_list(skip_list_path);
  std::regex filter_re(filter.empty() ? ".*" : filter);

  policyc::BuiltinRegistry registry;
  policyc::register_standard_builtins(registry);
  policyc::conformance::RunOptions options;
  options.v0 = v0;

  int passed = 0, failed = 0, skipped = 0, unreadable_files = 0;
  int skipped_by_list = 0;  // failing cases the --skip-list excuses (known disagreements)
  for (const auto& file : collect_case_files(paths)) {
    std::vector<TestCase> cases;
    std::string error;
    if (!read_cases(file, cases, error)) {
      std::printf("ERROR %s: %s\n", file.c_str(), error.c_str());
      ++unreadable_files;
      continue;
    }
    for (const auto& test : cases) {
      if (!filter.empty() && !std::regex_search(test.note, filter_re)) continue;
      CaseResult r = run_case_isolated(test, registry, options, !no_fork);
      if (r.outcome == Outcome::Fail && skip_list.count(test.note)) {
        r = CaseResult{Outcome::Skip, "listed in the skip list (" + r.detail + ")"};
        ++skipped_by_list;
      }
      if (r.outcome != Outcome::Skip && known.excuse(test.note, r.outcome == Outcome::Fail)) {
        if (verbose) {
          std::printf("KNOWN %s: %s\n    %s\n", test.note.c_str(), known.reason(test.note).c_str(),
                      r.detail.c_str());
        }
        continue;
      }
      switch (r.outcome) {
        case Outcome::Pass:
          ++passed;
          if (verbose) std::printf("PASS %s\n", test.note.c_str());
          break;
        case Outcome::Skip:
          ++skipped;
          std::printf("SKIP %s (%s): %s\n", test.note.c_str(), test.file.c_str(), r.detail.c_str());
          break;
        case Outcome::Fail:
          ++failed;
          std::printf("FAIL %s (%s)\n    %s\n", test.note.c_str(), test.file.c_str(),
                      r.detail.c_str());
          break;
      }
    }
  }
  if (unreadable_files) std::printf("%d case file(s) could not be read\n", unreadable_files);
  if (skipped_by_list) {
    std::printf("%d of the skipped cases failed but are listed in %s\n", skipped_by_list,
                skip_list_path.c_str());
  }
  std::printf("%d passed, %d failed, %d skipped, %zu known failures\n", passed, failed, skipped,
              known.excused());
  bool fresh = known.report_stale(stdout, filter.empty());
  return failed == 0 && unreadable_files == 0 && fresh ? 0 : 1;
}
