// OPA-compatible output documents. Written by hand rather than as Values because OPA's key
// order (expressions before bindings, value before text) is not sorted order.
#include "policyc/engine/eval_output.hpp"

#include <algorithm>
#include <string>

namespace policyc {

namespace {

void newline(std::string& out, int indent) {
  out.push_back('\n');
  out.append(static_cast<size_t>(indent) * 2, ' ');
}

void write_string(std::string& out, const std::string& s) {
  write_json(out, Value::string(s), false, 0);
}

// Writes `"key": ` at the given indent, with a comma before it unless it is the first.
void key(std::string& out, const char* name, int indent, bool& first) {
  if (!first) out.push_back(',');
  first = false;
  newline(out, indent);
  write_string(out, name);
  out += ": ";
}

}  // namespace

std::string results_to_json(const std::vector<QueryResult>& results, const Value* explanation) {
  if (results.empty() && !explanation) return "{}\n";
  std::string out = "{";
  bool first_top = true;
  if (explanation) {
    key(out, "explanation", 1, first_top);
    write_json(out, *explanation, true, 1);
  }
  if (results.empty()) {
    newline(out, 0);
    out += "}\n";
    return out;
  }
  key(out, "result", 1, first_top);
  out.push_back('[');
  for (size_t r = 0; r < results.size(); ++r) {
    const QueryResult& result = results[r];
    if (r) out.push_back(',');
    newline(out, 2);
    out.push_back('{');
    bool first = true;
    key(out, "expressions", 3, first);
    out.push_back('[');
    for (size_t e = 0; e < result.expressions.size(); ++e) {
      const QueryExpression& expr = result.expressions[e];
      if (e) out.push_back(',');
      newline(out, 4);
      out.push_back('{');
      bool first_field = true;
      key(out, "value", 5, first_field);
      write_json(out, expr.value, true, 5);
      key(out, "text", 5, first_field);
      write_string(out, expr.text);
      key(out, "location", 5, first_field);
      out.push_back('{');
      bool first_loc = true;
      key(out, "row", 6, first_loc);
      out += std::to_string(expr.row);
      key(out, "col", 6, first_loc);
      out += std::to_string(expr.col);
      newline(out, 5);
      out.push_back('}');
      newline(out, 4);
      out.push_back('}');
    }
    if (!result.expressions.empty()) newline(out, 3);
    out.push_back(']');
    if (!result.bindings.empty()) {
      key(out, "bindings", 3, first);
      out.push_back('{');
      bool first_binding = true;
      for (const auto& [name, value] : result.bindings) {
        key(out, name.c_str(), 4, first_binding);
        write_json(out, value, true, 4);
      }
      newline(out, 3);
      out.push_back('}');
    }
    newline(out, 2);
    out.push_back('}');
  }
  newline(out, 1);
  out.push_back(']');
  newline(out, 0);
  out += "}\n";
  return out;
}

std::string errors_to_json(const std::vector<Diagnostic>& errors) {
  std::string out = "{";
  bool first_top = true;
  key(out, "errors", 1, first_top);
  out.push_back('[');
  for (size_t i = 0; i < errors.size(); ++i) {
    const Diagnostic& d = errors[i];
    if (i) out.push_back(',');
    newline(out, 2);
    out.push_back('{');
    bool first = true;
    key(out, "code", 3, first);
    write_string(out, d.code);
    key(out, "message", 3, first);
    write_string(out, d.message);
    if (!d.file.empty() || d.line > 0) {
      key(out, "location", 3, first);
      out.push_back('{');
      bool first_loc = true;
      key(out, "file", 4, first_loc);
      write_string(out, d.file);
      key(out, "row", 4, first_loc);
      out += std::to_string(d.line);
      key(out, "col", 4, first_loc);
      out += std::to_string(d.col);
      newline(out, 3);
      out.push_back('}');
    }
    newline(out, 2);
    out.push_back('}');
  }
  if (!errors.empty()) newline(out, 1);
  out.push_back(']');
  newline(out, 0);
  out += "}\n";
  return out;
}

std::string builtins_to_json(const BuiltinRegistry& registry) {
  std::string out = "{";
  bool first_top = true;
  key(out, "builtins", 1, first_top);
  out.push_back('[');
  bool first_builtin = true;
  for (const auto& [name, decl] : registry.all()) {
    if (!first_builtin) out.push_back(',');
    first_builtin = false;
    newline(out, 2);
    out.push_back('{');
    bool first = true;
    key(out, "name", 3, first);
    write_string(out, name);
    key(out, "decl", 3, first);
    out.push_back('{');
    bool first_decl = true;
    key(out, "args", 4, first_decl);
    out.push_back('[');
    for (size_t i = 0; i < decl.arg_types.size(); ++i) {
      if (i) out.push_back(',');
      newline(out, 5);
      write_string(out, decl.arg_types[i]);
    }
    if (!decl.arg_types.empty()) newline(out, 4);
    out.push_back(']');
    key(out, "result", 4, first_decl);
    write_string(out, decl.result_type);
    newline(out, 3);
    out.push_back('}');
    key(out, "description", 3, first);
    write_string(out, decl.description);
    key(out, "categories", 3, first);
    out.push_back('[');
    if (!decl.category.empty()) {
      newline(out, 4);
      write_string(out, decl.category);
      newline(out, 3);
    }
    out.push_back(']');
    if (decl.nondeterministic) {
      key(out, "nondeterministic", 3, first);
      out += "true";
    }
    newline(out, 2);
    out.push_back('}');
  }
  if (!first_builtin) newline(out, 1);
  out.push_back(']');
  newline(out, 0);
  out += "}\n";
  return out;
}

std::string builtins_to_table(const BuiltinRegistry& registry) {
  size_t width = 0;
  for (const auto& [name, decl] : registry.all()) width = std::max(width, name.size());
  std::string out;
  for (const auto& [name, decl] : registry.all()) {
    out += name;
    out.append(width + 2 - name.size(), ' ');
    out += '(';
    for (size_t i = 0; i < decl.arg_types.size(); ++i) {
      if (i) out += ", ";
      out += decl.arg_types[i];
    }
    out += ") -> ";
    out += decl.result_type;
    if (!decl.category.empty()) {
      out += "  [";
      out += decl.category;
      out += ']';
    }
    out += '\n';
  }
  return out;
}

}  // namespace policyc
