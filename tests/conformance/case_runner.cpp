#include "case_runner.hpp"

#include <string>
#include <vector>

#include "policyc/builtins/builtins.hpp"
#include "policyc/core/io.hpp"
#include "policyc/engine/engine.hpp"
#include "policyc/engine/loader.hpp"
#include "result_match.hpp"

namespace policyc::conformance {

namespace {

const Value* field(const Value& obj, const char* name) {
  if (!obj.is_object()) return nullptr;
  return obj.find(Value::string(name));
}

std::string string_field(const Value& obj, const char* name) {
  const Value* v = field(obj, name);
  return v && v->is_string() ? v->str() : std::string();
}

bool bool_field(const Value& obj, const char* name) {
  const Value* v = field(obj, name);
  return v && v->is_true();
}

std::string describe(const std::vector<Diagnostic>& errors) {
  std::string out;
  for (const auto& e : errors) {
    if (!out.empty()) out += "; ";
    out += e.code + ": " + e.message;
    if (e.line > 0) out += " (" + e.file + ":" + std::to_string(e.line) + ")";
  }
  return out;
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t start = 0;
  while (start < s.size() && std::isspace(static_cast<unsigned char>(s[start]))) ++start;
  return s.substr(start);
}

CaseResult fail(std::string detail) { return CaseResult{Outcome::Fail, std::move(detail)}; }

// Builtins the case calls that the registry lacks, as the compiler reports them
// ("undefined function NAME"). Only such cases may be skipped rather than failed.
std::vector<std::string> unregistered_builtins(const std::vector<Diagnostic>& errors,
                                               const BuiltinRegistry& registry) {
  static const std::string kPrefix = "undefined function ";
  std::vector<std::string> names;
  for (const auto& e : errors) {
    if (e.message.rfind(kPrefix, 0) != 0) continue;
    std::string name = e.message.substr(kPrefix.size());
    name = name.substr(0, name.find_first_of(" \t:,("));
    // User functions live under data; only a bare or dotted builtin-style name counts.
    if (name.empty() || name.rfind("data.", 0) == 0 || registry.find(name)) continue;
    names.push_back(name);
  }
  return names;
}

bool load_json_file(const std::filesystem::path& path, Value& out, std::string& error) {
  std::string text;
  if (!read_file(path.string(), text)) {
    error = "cannot read " + path.string();
    return false;
  }
  TextError err;
  if (!parse_json(text, out, err)) {
    error = path.string() + ":" + std::to_string(err.line) + ":" + std::to_string(err.col) + ": " +
            err.message;
    return false;
  }
  return true;
}

std::string solutions_text(const std::vector<Value>& solutions) {
  std::string out = "[";
  for (size_t i = 0; i < solutions.size(); ++i) {
    if (i) out += ", ";
    out += solutions[i].to_json();
  }
  return out + "]";
}

// rego-cpp writes some multi-variable expectations as one map per variable; accept that
// shape for a single solution.
bool split_single_solution_matches(const std::vector<Value>& got, const std::vector<Value>& want) {
  if (got.size() != 1 || want.size() < 2) return false;
  ObjectEntries merged;
  for (const auto& w : want) {
    if (!w.is_object()) return false;
    for (const auto& e : w.entries()) merged.push_back(e);
  }
  Value combined = Value::object(std::move(merged));
  if (combined.size() != got[0].size()) return false;
  return value_matches(got[0], combined);
}

class CaseExecution {
 public:
  CaseExecution(const TestCase& test, const BuiltinRegistry& registry, const RunOptions& options)
      : test_(test), registry_(registry), options_(options), engine_(registry) {}

  CaseResult run() {
    const Value& spec = test_.spec;
    std::string query = string_field(spec, "query");
    if (query.empty()) return fail("case has no query");

    std::vector<Diagnostic> errors;
    std::string setup_error;
    if (!load_modules(errors, setup_error) || !load_data(errors, setup_error)) {
      if (!setup_error.empty()) return fail(setup_error);
    }
    if (errors.empty()) load_input(errors, setup_error);
    if (!setup_error.empty()) return fail(setup_error);

    std::vector<QueryResult> results;
    std::string output;
    EvalOptions eval_options;
    eval_options.strict_builtin_errors = bool_field(spec, "strict_error");
    eval_options.print = [&output](const std::string& line) {
      output += line;
      output += '\n';
    };
    if (errors.empty()) engine_.query(query, eval_options, results, errors);

    CaseResult result = check(results, errors, output);
    if (result.outcome == Outcome::Fail) {
      std::vector<std::string> missing = unregistered_builtins(errors, registry_);
      if (!missing.empty()) {
        std::string names;
        for (const auto& m : missing) names += (names.empty() ? "" : ", ") + m;
        return CaseResult{Outcome::Skip, "calls unregistered builtin " + names};
      }
    }
    return result;
  }

 private:
  bool load_modules(std::vector<Diagnostic>& errors, std::string& setup_error) {
    const Value* modules = field(test_.spec, "modules");
    if (!modules) return true;
    if (!modules->is_array()) {
      setup_error = "modules is not a list";
      return false;
    }
    // A case may ask for v0 syntax itself (`v0_compatible: true`), as `--v0-compatible` does.
    const bool v0 = options_.v0 || bool_field(test_.spec, "v0_compatible");
    bool ok = true;
    int index = 0;
    for (const auto& m : modules->items()) {
      if (!m.is_string()) continue;
      std::string text = m.str();
      std::string filename = "module" + std::to_string(index++) + ".rego";
      // rego-cpp lists file names relative to the YAML file.
      if (text.find('\n') == std::string::npos && text.size() > 5 &&
          text.compare(text.size() - 5, 5, ".rego") == 0) {
        std::filesystem::path path = test_.file.parent_path() / text;
        if (!read_file(path.string(), text)) {
          setup_error = "cannot read module " + path.string();
          return false;
        }
        filename = path.string();
      }
      ok = engine_.add_module(filename, std::move(text), v0, errors) && ok;
    }
    return ok;
  }

  bool load_data(std::vector<Diagnostic>& errors, std::string& setup_error) {
    const Value* data = field(test_.spec, "data");
    if (data && data->is_object() && !engine_.add_data({}, *data, errors)) return false;
    std::string data_path = string_field(test_.spec, "data_path");
    if (!data_path.empty()) {
      Value doc;
      if (!load_json_file(test_.file.parent_path() / data_path, doc, setup_error)) return false;
      if (!engine_.add_data({}, doc, errors)) return false;
    }
    return true;
  }

  bool load_input(std::vector<Diagnostic>& errors, std::string& setup_error) {
    const Value* input = field(test_.spec, "input");
    if (input) engine_.set_input(*input);
    std::string input_path = string_field(test_.spec, "input_path");
    if (!input_path.empty()) {
      Value doc;
      if (!load_json_file(test_.file.parent_path() / input_path, doc, setup_error)) return false;
      engine_.set_input(std::move(doc));
    }
    std::string input_term = string_field(test_.spec, "input_term");
    if (!input_term.empty()) {
      // The term may use data and functions of the modules: evaluate it in this engine.
      static const char* kVar = "policyc_input_term__";
      std::vector<QueryResult> results;
      if (!engine_.query(std::string(kVar) + " := " + input_term, EvalOptions{}, results, errors)) {
        return false;
      }
      if (results.empty() || results[0].bindings.empty()) {
        setup_error = "input_term is undefined: " + input_term;
        return false;
      }
      for (const auto& [name, value] : results[0].bindings) {
        if (name == kVar) engine_.set_input(value);
      }
    }
    return true;
  }

  CaseResult check(const std::vector<QueryResult>& results, const std::vector<Diagnostic>& errors,
                   const std::string& output) {
    const Value& spec = test_.spec;
    std::string want_code = string_field(spec, "want_error_code");
    std::string want_message = string_field(spec, "want_error");
    if (!want_code.empty() || !want_message.empty()) {
      if (errors.empty()) {
        return fail("expected error " + (want_code.empty() ? want_message : want_code) + ", got " +
                    std::to_string(results.size()) + " result(s)");
      }
      // Messages changed across OPA versions; the code decides when there is one.
      for (const auto& e : errors) {
        if (!want_code.empty() ? e.code == want_code
                               : e.message.find(want_message) != std::string::npos) {
          return CaseResult{Outcome::Pass, ""};
        }
      }
      return fail("expected error " + want_code + " \"" + want_message + "\", got " +
                  describe(errors));
    }
    if (!errors.empty()) return fail("unexpected error: " + describe(errors));

    const Value* want_output = field(spec, "want_output");
    if (want_output && want_output->is_string() && trim(output) != trim(want_output->str())) {
      return fail("expected output \"" + want_output->str() + "\", got \"" + output + "\"");
    }
    const Value* want_defined = field(spec, "want_defined");
    if (want_defined && want_defined->is_bool() && want_defined->as_bool() == results.empty()) {
      return fail(std::string("expected ") + (want_defined->as_bool() ? "defined" : "undefined") +
                  ", got " + std::to_string(results.size()) + " result(s)");
    }
    const Value* want_result = field(spec, "want_result");
    if (!want_result) return CaseResult{Outcome::Pass, ""};
    if (!want_result->is_array()) {
      if (want_result->is_null()) {
        return results.empty() ? CaseResult{Outcome::Pass, ""}
                               : fail("expected undefined, got results");
      }
      return fail("want_result is not a list");
    }
    bool sort_bindings = bool_field(spec, "sort_bindings");
    std::vector<Value> got;
    for (const auto& r : results) {
      ObjectEntries bindings;
      for (const auto& [name, value] : r.bindings)
        bindings.emplace_back(Value::string(name), value);
      Value solution = Value::object(std::move(bindings));
      got.push_back(sort_bindings ? sort_array_bindings(solution) : solution);
    }
    std::vector<Value> want;
    for (const auto& w : want_result->items()) {
      want.push_back(sort_bindings ? sort_array_bindings(w) : w);
    }
    if (solutions_match(got, want) || split_single_solution_matches(got, want)) {
      return CaseResult{Outcome::Pass, ""};
    }
    // A query without variables: the case lists expression values.
    bool no_bindings = !results.empty() && results[0].bindings.empty();
    if (no_bindings) {
      std::vector<Value> values;
      for (const auto& r : results) {
        if (!r.expressions.empty()) values.push_back(r.expressions.back().value);
      }
      if (solutions_match(values, want)) return CaseResult{Outcome::Pass, ""};
    }
    return fail("expected " + solutions_text(want) + "\n    got      " + solutions_text(got));
  }

  const TestCase& test_;
  const BuiltinRegistry& registry_;
  const RunOptions& options_;
  Engine engine_;
};

}  // namespace

CaseResult run_case(const TestCase& test, const BuiltinRegistry& registry,
                    const RunOptions& options) {
  try {
    CaseExecution execution(test, registry, options);
    return execution.run();
  } catch (const std::exception& e) {
    return fail(std::string("exception: ") + e.what());
  }
}

}  // namespace policyc::conformance
