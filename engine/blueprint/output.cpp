// The resolved system as values and text: the `input` document, the graph (JSON and DOT),
// provenance, and a block-style YAML writer for `policyc resolve --format yaml`.
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "policyc/blueprint/blueprint.hpp"

namespace policyc::blueprint {

namespace {

bool is_plain_char(char c, bool first) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '/') return true;
  if (first) return false;
  return (c >= '0' && c <= '9') || c == '-' || c == '.';
}

// Plain only when it cannot read back as anything but this string; otherwise JSON's
// double-quoted form, which is valid YAML.
std::string yaml_scalar_text(const std::string& s) {
  bool plain = !s.empty();
  for (size_t i = 0; plain && i < s.size(); ++i) plain = is_plain_char(s[i], i == 0);
  static const char* const kReserved[] = {"true",  "false", "null", "True", "False", "Null", "TRUE",
                                          "FALSE", "NULL",  "yes",  "no",   "on",    "off",  "Yes",
                                          "No",    "On",    "Off",  "y",    "n"};
  for (const char* word : kReserved) plain = plain && s != word;
  if (plain) return s;
  return Value::string(s).to_json();
}

void write_yaml(std::string& out, const Value& v, int indent) {
  std::string pad(static_cast<size_t>(indent), ' ');
  if (v.is_object() && v.size() > 0) {
    for (const auto& [key, child] : v.entries()) {
      out += pad + yaml_scalar_text(key.is_string() ? key.str() : key.to_json()) + ":";
      if (child.is_collection() && child.size() > 0) {
        out += '\n';
        write_yaml(out, child, child.is_object() ? indent + 2 : indent);
      } else {
        out += ' ';
        write_yaml(out, child, 0);
      }
    }
    return;
  }
  if ((v.is_array() || v.is_set()) && v.size() > 0) {
    for (const auto& item : v.items()) {
      out += pad + "-";
      if (item.is_object() && item.size() > 0) {
        // The first key goes on the dash line; the rest align under it.
        std::string nested;
        write_yaml(nested, item, indent + 2);
        out += ' ';
        out += nested.substr(static_cast<size_t>(indent) + 2);
      } else if (item.is_collection() && item.size() > 0) {
        out += '\n';
        write_yaml(out, item, indent + 2);
      } else {
        out += ' ';
        write_yaml(out, item, 0);
      }
    }
    return;
  }
  if (v.is_object()) {
    out += "{}\n";
  } else if (v.is_collection()) {
    out += "[]\n";
  } else if (v.is_string()) {
    out += yaml_scalar_text(v.str()) + "\n";
  } else {
    out += v.to_json() + "\n";
  }
}

}  // namespace

Value graph_to_value(const Graph& graph) {
  // One string per node, shared by its edges, its place in the order and its tier entry.
  ValueVec names;
  names.reserve(graph.nodes.size());
  for (const auto& node : graph.nodes) names.push_back(Value::string(node.name));
  ValueVec edges;
  edges.reserve(graph.edges.size());
  for (const auto& [from, to] : graph.edges)
    edges.push_back(Value::array({names[from], names[to]}));
  ValueVec order;
  order.reserve(graph.order.size());
  for (uint32_t node : graph.order) order.push_back(names[node]);
  ObjectEntries tiers;
  std::map<std::string_view, Value> tier_values;  // a handful of tier names
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const std::string& tier = graph.nodes[i].tier;
    if (tier.empty()) continue;
    auto it = tier_values.find(tier);
    if (it == tier_values.end()) it = tier_values.emplace(tier, Value::string(tier)).first;
    tiers.emplace_back(names[i], it->second);
  }
  // Nodes are sorted by name, so the tiers are too.
  return Value::object({{Value::string("edges"), Value::array(std::move(edges))},
                        {Value::string("order"), Value::array(std::move(order))},
                        {Value::string("tiers"), Value::object_sorted(std::move(tiers))}});
}

std::string graph_to_dot(const Graph& graph) {
  std::string out = "digraph blueprint {\n  rankdir=LR;\n";
  for (const auto& node : graph.nodes) {
    out += "  " + Value::string(node.name).to_json();
    // DOT's own "\n" escape puts the tier on a second line of the label.
    if (!node.tier.empty()) out += " [label=\"" + node.name + "\\n" + node.tier + "\"]";
    out += ";\n";
  }
  for (const auto& [from, to] : graph.edges) {
    out += "  " + Value::string(graph.name(from)).to_json() + " -> " +
           Value::string(graph.name(to)).to_json() + ";\n";
  }
  out += "  // boot order:";
  for (uint32_t node : graph.order) out += " " + graph.name(node);
  out += "\n}\n";
  return out;
}

Value input_document(const ResolvedSystem& system) {
  ObjectEntries services;
  services.reserve(system.services.size());
  for (const auto& service : system.services) {
    services.emplace_back(Value::string(service.id), service.value);
  }
  // Services are sorted by id, and resolve() rejected repeated ids.
  return Value::object({{Value::string("environment"), Value::string(system.environment)},
                        {Value::string("services"), Value::object_sorted(std::move(services))},
                        {Value::string("system"), system.system},
                        {Value::string("graph"), graph_to_value(system.graph)}});
}

Origin origin_of(const ResolvedSystem& system, const ResolvedService& service,
                 std::string_view path) {
  auto it = service.provenance.find(std::string(path));
  if (it != service.provenance.end()) return it->second;
  Origin origin;
  if (service.base_file < 0) return origin;
  Position pos = system.files[service.base_file].find(0, path);
  origin.file = service.base_file;
  origin.line = pos.line;
  origin.col = pos.col;
  return origin;
}

namespace {

void add_leaf_origins(const ResolvedSystem& system, const ResolvedService& service,
                      const Value& value, const std::string& path, ObjectEntries& out) {
  if (value.is_object() && value.size() > 0) {
    for (const auto& [key, child] : value.entries()) {
      add_leaf_origins(system, service, child, child_path(path, key.str()), out);
    }
    return;
  }
  if (value.is_array() && value.size() > 0) {
    for (size_t i = 0; i < value.size(); ++i) {
      add_leaf_origins(system, service, value.items()[i], index_path(path, i), out);
    }
    return;
  }
  Origin origin = origin_of(system, service, path);
  ObjectEntries fields;
  fields.emplace_back(Value::string("value"), value);
  if (origin.file >= 0) {
    fields.emplace_back(Value::string("file"), Value::string(system.files[origin.file].file));
  }
  fields.emplace_back(Value::string("line"), Value::integer(origin.line));
  fields.emplace_back(Value::string("col"), Value::integer(origin.col));
  if (origin.replaced.is_defined()) fields.emplace_back(Value::string("replaced"), origin.replaced);
  out.emplace_back(Value::string(child_path("services." + service.id, path)),
                   Value::object(std::move(fields)));
}

}  // namespace

Value provenance_to_value(const ResolvedSystem& system) {
  ObjectEntries entries;
  for (const auto& service : system.services) {
    add_leaf_origins(system, service, service.value, "", entries);
  }
  return Value::object(std::move(entries));
}

std::string to_yaml(const Value& value) {
  std::string out;
  write_yaml(out, value, 0);
  return out;
}

}  // namespace policyc::blueprint
