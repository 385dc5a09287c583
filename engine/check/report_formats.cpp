// Machine-readable reports: policyc's JSON, SARIF 2.1.0 for code scanning, JUnit XML for CI
// test tabs, and GitHub Actions workflow commands.
#include <map>
#include <set>
#include <string>
#include <utility>

#include "internal.hpp"

namespace policyc::check {

namespace {

Value str(const std::string& s) { return Value::string(s); }
Value num(int64_t n) { return Value::integer(n); }

Value obj(std::initializer_list<std::pair<const char*, Value>> fields) {
  ObjectEntries entries;
  for (const auto& [key, value] : fields) entries.emplace_back(Value::string(key), value);
  return Value::object(std::move(entries));
}

std::string pretty(const Value& v) {
  std::string out;
  write_json(out, v, true, 0);
  out += '\n';
  return out;
}

Value warnings_value(const CheckReport& report) {
  ValueVec items;
  for (const auto& w : report.warnings) {
    items.push_back(
        obj({{"message", str(w.message)},
             {"location",
              obj({{"file", str(w.file)}, {"line", num(w.line)}, {"column", num(w.col)}})}}));
  }
  return Value::array(std::move(items));
}

const char* sarif_level(Severity s) {
  return s == Severity::Error ? "error" : s == Severity::Warning ? "warning" : "note";
}

// SARIF wants URIs: relative paths with forward slashes, spaces and the like escaped.
std::string uri_of(const std::string& path) {
  std::string out = path.starts_with("/") ? "file://" : "";
  for (unsigned char c : path) {
    if (std::isalnum(c) ||
        std::string_view("-._~/").find(static_cast<char>(c)) != std::string_view::npos) {
      out += static_cast<char>(c);
    } else {
      static const char* hex = "0123456789ABCDEF";
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string xml_escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 forbids most control characters even as references.
        if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
          out += ' ';
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

// Workflow command data escapes %, CR and LF; property values also `:` and `,`.
std::string github_escape(const std::string& s, bool property) {
  std::string out;
  for (char c : s) {
    if (c == '%') {
      out += "%25";
    } else if (c == '\r') {
      out += "%0D";
    } else if (c == '\n') {
      out += "%0A";
    } else if (property && c == ':') {
      out += "%3A";
    } else if (property && c == ',') {
      out += "%2C";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

Value to_json_value(const CheckReport& report, Severity fail_level) {
  ValueVec results;
  for (const auto& f : report.findings) {
    const RuleDescriptor& rule = report.rules[f.rule];
    ObjectEntries fields = {
        {str("rule"), str(rule.rule)},
        {str("id"), str(f.id)},
        {str("title"), str(rule.title)},
        {str("severity"), str(severity_name(f.severity))},
        {str("domain"), str(f.domain)},
        {str("service"), str(f.service)},
        {str("environment"), str(f.environment)},
        {str("message"), str(f.message)},
        {str("path"), str(f.path)},
        {str("location"),
         f.file.empty()
             ? Value::null()
             : obj({{"file", str(f.file)}, {"line", num(f.line)}, {"column", num(f.column)}})},
        {str("policy_location"),
         obj({{"file", str(rule.policy_file)}, {"line", num(rule.policy_line)}})},
        {str("remediation"), str(f.remediation)},
        {str("waived"), Value::boolean(f.waived)},
    };
    if (!f.set_by.empty()) fields.emplace_back(str("set_by"), str(f.set_by));
    if (!f.base_value.empty()) fields.emplace_back(str("base_value"), str(f.base_value));
    if (f.waived) fields.emplace_back(str("justification"), str(f.waiver_justification));
    if (!f.waiver_note.empty()) fields.emplace_back(str("note"), str(f.waiver_note));
    if (f.explanation.is_defined()) fields.emplace_back(str("explanation"), f.explanation);
    results.push_back(Value::object(std::move(fields)));
  }
  auto count = [](size_t n) { return Value::integer(static_cast<int64_t>(n)); };
  Value summary = obj({{"services", count(report.services.size())},
                       {"environments", count(report.environments.size())},
                       {"rules", count(report.rules.size())},
                       {"errors", count(report.count(Severity::Error))},
                       {"warnings", count(report.count(Severity::Warning))},
                       {"infos", count(report.count(Severity::Info))},
                       {"waived", count(report.waived())},
                       {"failed", Value::boolean(report.failed(fail_level))}});
  return obj({{"summary", summary},
              {"results", Value::array(std::move(results))},
              {"reports", obj({{"observability", Value::array(report.observability)},
                               {"cost", Value::array(report.cost)}})},
              {"warnings", warnings_value(report)}});
}

std::string to_json(const CheckReport& report, Severity fail_level) {
  return pretty(to_json_value(report, fail_level));
}

// A result's property bag: where the finding is, and with check --explain its proof (SARIF
// lets a property bag hold any JSON).
Value sarif_properties(const Finding& f) {
  ObjectEntries fields = {{str("service"), str(f.service)},
                          {str("environment"), str(f.environment)},
                          {str("path"), str(f.path)},
                          {str("id"), str(f.id)}};
  if (f.explanation.is_defined()) fields.emplace_back(str("explanation"), f.explanation);
  return Value::object(std::move(fields));
}

std::string to_sarif(const CheckReport& report, const std::string& tool_version) {
  ValueVec rules;
  for (const auto& rule : report.rules) {
    std::string description = rule.description.empty() ? rule.title : rule.description;
    std::string help = rule.remediation.empty() ? description : rule.remediation;
    // `name` is the rule as policy authors call it; SARIF wants it to differ from the id.
    std::string name = rule.rule.substr(rule.rule.rfind('.') + 1);
    rules.push_back(
        obj({{"id", str(rule.id)},
             {"name", str(name == rule.id ? rule.rule : name)},
             {"shortDescription", obj({{"text", str(rule.title)}})},
             {"fullDescription", obj({{"text", str(description)}})},
             {"help", obj({{"text", str(help)}})},
             {"defaultConfiguration", obj({{"level", str(sarif_level(rule.severity))}})},
             {"properties", obj({{"domain", str(rule.domain)},
                                 {"policyFile", str(rule.policy_file)},
                                 {"policyLine", num(rule.policy_line)}})}}));
  }
  ValueVec results;
  std::set<std::string> artifacts;
  for (const auto& f : report.findings) {
    ObjectEntries fields = {
        {str("ruleId"), str(report.rules[f.rule].id)},
        {str("ruleIndex"), num(static_cast<int64_t>(f.rule))},
        {str("level"), str(sarif_level(f.severity))},
        {str("message"), obj({{"text", str(f.message)}})},
        {str("properties"), sarif_properties(f)},
        // Stable across runs, so code scanning tracks a finding rather than reopening it.
        {str("partialFingerprints"),
         obj({{"policycFinding/v1", str(f.id + "|" + f.service + "|" + f.environment + "|" +
                                        f.path + "|" + f.message)}})},
    };
    if (!f.file.empty()) {
      artifacts.insert(f.file);
      fields.emplace_back(
          str("locations"),
          Value::array({obj(
              {{"physicalLocation", obj({{"artifactLocation", obj({{"uri", str(uri_of(f.file))}})},
                                         {"region", obj({{"startLine", num(f.line)},
                                                         {"startColumn", num(f.column)}})}})}})}));
    }
    if (f.waived) {
      fields.emplace_back(str("suppressions"),
                          Value::array({obj({{"kind", str("external")},
                                             {"status", str("accepted")},
                                             {"justification", str(f.waiver_justification)}})}));
    }
    results.push_back(Value::object(std::move(fields)));
  }
  ValueVec artifact_values;
  for (const auto& file : artifacts)
    artifact_values.push_back(obj({{"location", obj({{"uri", str(uri_of(file))}})}}));
  Value driver =
      obj({{"name", str("policyc")},
           {"version", str(tool_version)},
           {"semanticVersion", str(tool_version)},
           // Code scanning links it from each alert; the rules are Rego, and this
           // is where the language they are written in is documented.
           {"informationUri", str("https://www.openpolicyagent.org/docs/latest/policy-language/")},
           {"rules", Value::array(std::move(rules))}});
  Value run = obj({{"tool", obj({{"driver", driver}})},
                   {"artifacts", Value::array(std::move(artifact_values))},
                   {"columnKind", str("unicodeCodePoints")},
                   {"results", Value::array(std::move(results))}});
  return pretty(obj({{"$schema", str("https://json.schemastore.org/sarif-2.1.0.json")},
                     {"version", str("2.1.0")},
                     {"runs", Value::array({run})}}));
}

std::string to_junit(const CheckReport& report, Severity fail_level) {
  // One test case per rule x service x environment: a suite per environment and service.
  std::map<std::tuple<size_t, std::string, size_t>, std::vector<const Finding*>> by_case;
  auto env_index = [&](const std::string& env) {
    return static_cast<size_t>(
        std::find(report.environments.begin(), report.environments.end(), env) -
        report.environments.begin());
  };
  for (const auto& f : report.findings)
    by_case[{env_index(f.environment), f.service, f.rule}].push_back(&f);
  std::vector<std::string> services = report.services;
  bool has_system = std::any_of(report.findings.begin(), report.findings.end(),
                                [](const Finding& f) { return f.service.empty(); });
  if (has_system) services.insert(services.begin(), "");

  std::string suites;
  size_t total_tests = 0;
  size_t total_failures = 0;
  size_t total_skipped = 0;
  for (size_t e = 0; e < report.environments.size(); ++e) {
    for (const auto& service : services) {
      std::string cases;
      size_t failures = 0;
      size_t skipped = 0;
      for (size_t r = 0; r < report.rules.size(); ++r) {
        const RuleDescriptor& rule = report.rules[r];
        auto it = by_case.find({e, service, r});
        if (service.empty() && it == by_case.end()) continue;
        cases += "    <testcase classname=\"" + xml_escape("policyc." + rule.domain) +
                 "\" name=\"" + xml_escape(rule.id + ": " + rule.title) + "\"";
        std::string body;
        std::string failing;
        std::string waived;
        std::string below;
        if (it != by_case.end()) {
          for (const Finding* f : it->second) {
            std::string line = std::string(severity_name(f->severity)) + " " + f->message;
            if (!f->file.empty()) line += " (" + location_text(*f) + ")";
            if (f->waived) {
              waived += line + "; waived: " + f->waiver_justification + "\n";
            } else if (static_cast<int>(f->severity) <= static_cast<int>(fail_level)) {
              failing += line + "\n";
            } else {
              below += line + "\n";
            }
          }
        }
        if (!failing.empty()) {
          ++failures;
          size_t first_end = failing.find('\n');
          body += "      <failure message=\"" + xml_escape(failing.substr(0, first_end)) +
                  "\" type=\"" + xml_escape(rule.id) + "\">" + xml_escape(failing) + "</failure>\n";
        } else if (!waived.empty()) {
          ++skipped;
          body += "      <skipped message=\"" + xml_escape(waived.substr(0, waived.find('\n'))) +
                  "\"/>\n";
        }
        if (!below.empty()) body += "      <system-out>" + xml_escape(below) + "</system-out>\n";
        cases += body.empty() ? "/>\n" : ">\n" + body + "    </testcase>\n";
        ++total_tests;
      }
      if (cases.empty()) continue;
      size_t tests = 0;
      for (size_t at = cases.find("<testcase"); at != std::string::npos;
           at = cases.find("<testcase", at + 1))
        ++tests;
      std::string name = report.environments[e] + "/" + (service.empty() ? "(system)" : service);
      suites += "  <testsuite name=\"" + xml_escape(name) + "\" tests=\"" + std::to_string(tests) +
                "\" failures=\"" + std::to_string(failures) + "\" errors=\"0\" skipped=\"" +
                std::to_string(skipped) + "\">\n" + cases + "  </testsuite>\n";
      total_failures += failures;
      total_skipped += skipped;
    }
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"policyc check\" tests=\"" +
         std::to_string(total_tests) + "\" failures=\"" + std::to_string(total_failures) +
         "\" errors=\"0\" skipped=\"" + std::to_string(total_skipped) + "\">\n" + suites +
         "</testsuites>\n";
}

std::string to_github(const CheckReport& report) {
  std::string out;
  for (const auto& f : report.findings) {
    if (f.waived) continue;
    const char* command = f.severity == Severity::Error     ? "error"
                          : f.severity == Severity::Warning ? "warning"
                                                            : "notice";
    out += "::";
    out += command;
    std::string props;
    if (!f.file.empty()) {
      props += "file=" + github_escape(f.file, true) + ",line=" + std::to_string(f.line) +
               ",col=" + std::to_string(f.column) + ",";
    }
    std::string title =
        f.id + " " + (f.service.empty() ? "" : f.service + " ") + "[" + f.environment + "]";
    props += "title=" + github_escape(title, true);
    out += " " + props + "::" + github_escape(f.message, false) + "\n";
  }
  for (const auto& w : report.warnings) {
    out += "::warning file=" + github_escape(w.file, true) + ",line=" + std::to_string(w.line) +
           ",title=waiver::" + github_escape(w.message, false) + "\n";
  }
  return out;
}

}  // namespace policyc::check
