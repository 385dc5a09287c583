// The dependency graph: nodes from services and their `dependencies[]` entries, an edge
// from each entry's `name` to each of its `dependsOn`, cycle detection and a boot order.
#include <algorithm>
#include <map>
#include <queue>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "policyc/engine/blueprint/blueprint.hpp"

namespace policyc::blueprint {

namespace {

// Lower boots first when both are ready: infrastructure before the services on top of it.
int tier_rank(const std::string& tier) {
  if (tier == "core") return 0;
  if (tier == "infra-service") return 1;
  if (tier == "internal-api" || tier.empty()) return 2;
  return 3;  // edge-facing, entrypoint
}

// Where an edge was declared, to point a cycle error at it.
struct EdgeSource {
  const ResolvedService* service = nullptr;
  std::string path;  // dependencies[i].dependsOn[j]
};

const Value* field(const Value& object, const char* key) {
  return object.is_object() ? object.get_ptr(Value::string(key)) : nullptr;
}

// Edges from a service to the stores it uses, so they boot first and policies can ask
// "who uses this database". Store nodes are named "<kind>:<name>" to keep them apart from
// services of the same name.
void add_store_edges(const ResolvedService& service, std::map<std::string, std::string>& tiers,
                     std::map<std::pair<std::string, std::string>, EdgeSource>& edges) {
  auto add = [&](const std::string& node, const std::string& path) {
    tiers.emplace(node, "core");
    edges.emplace(std::make_pair(service.id, node), EdgeSource{&service, path});
  };
  auto add_named = [&](const Value* list, const char* kind, const std::string& path) {
    if (!list || !list->is_array()) return;
    for (size_t i = 0; i < list->size(); ++i) {
      const Value* name = field(list->items()[i], "name");
      if (name && name->is_string())
        add(std::string(kind) + ":" + name->str(), index_path(path, i));
    }
  };
  if (const Value* storage = field(service.value, "storage")) {
    add_named(field(*storage, "databases"), "database", "storage.databases");
    add_named(field(*storage, "blobStores"), "blob", "storage.blobStores");
    add_named(field(*storage, "cache"), "cache", "storage.cache");
  }
  if (const Value* messaging = field(service.value, "messaging")) {
    const Value* bus = field(*messaging, "bus");
    if (bus && bus->is_string()) add("bus:" + bus->str(), "messaging.bus");
  }
  const Value* vault = field(service.value, "keyVault");
  const Value* vault_name = vault ? field(*vault, "name") : nullptr;
  if (vault_name && vault_name->is_string()) {
    add("keyvault:" + vault_name->str(), "keyVault.name");
  } else if (const Value* secrets = field(service.value, "secrets");
             secrets && secrets->is_array()) {
    for (size_t i = 0; i < secrets->size(); ++i) {
      const Value* source = field(secrets->items()[i], "source");
      if (source && source->is_string()) {
        add("secrets:" + source->str(), index_path("secrets", i) + ".source");
      }
    }
  }
}

}  // namespace

bool build_graph(const ResolvedSystem& system, Graph& graph, std::vector<Diagnostic>& errors) {
  graph = Graph{};
  std::map<std::string, std::string> tiers;  // node -> tier ("" when none given)
  std::map<std::pair<std::string, std::string>, EdgeSource> edges;
  for (const auto& service : system.services) {
    tiers.emplace(service.id, "");
    add_store_edges(service, tiers, edges);
    const Value* deps = field(service.value, "dependencies");
    if (!deps || !deps->is_array()) continue;
    for (size_t i = 0; i < deps->size(); ++i) {
      const Value& entry = deps->items()[i];
      const Value* name = field(entry, "name");
      if (!name || !name->is_string()) continue;
      std::string& tier = tiers[name->str()];
      const Value* declared_tier = field(entry, "tier");
      if (tier.empty() && declared_tier && declared_tier->is_string()) tier = declared_tier->str();
      const Value* depends_on = field(entry, "dependsOn");
      if (!depends_on || !depends_on->is_array()) continue;
      for (size_t j = 0; j < depends_on->size(); ++j) {
        const Value& target = depends_on->items()[j];
        if (!target.is_string()) continue;
        tiers.emplace(target.str(), "");
        std::string path = index_path(child_path(index_path("dependencies", i), "dependsOn"), j);
        edges.emplace(std::make_pair(name->str(), target.str()), EdgeSource{&service, path});
      }
    }
  }
  for (const auto& [name, tier] : tiers) graph.nodes.push_back(GraphNode{name, tier});
  std::map<std::string, std::vector<std::string>> depends_on;
  for (const auto& [edge, source] : edges) {
    graph.edges.push_back(edge);
    depends_on[edge.first].push_back(edge.second);
  }

  // Cycle detection: depth-first with an explicit stack; a grey node reached again closes
  // a cycle, which is the stack from that node on.
  enum class Color { White, Grey, Black };
  std::map<std::string, Color> color;
  for (const auto& node : graph.nodes) color[node.name] = Color::White;
  for (const auto& start : graph.nodes) {
    if (color[start.name] != Color::White) continue;
    std::vector<std::pair<std::string, size_t>> stack{{start.name, 0}};
    color[start.name] = Color::Grey;
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      const auto& targets = depends_on[node];
      if (next == targets.size()) {
        color[node] = Color::Black;
        stack.pop_back();
        continue;
      }
      std::string target = targets[next++];
      if (color[target] == Color::White) {
        color[target] = Color::Grey;
        stack.emplace_back(target, 0);
        continue;
      }
      if (color[target] != Color::Grey) continue;
      std::string cycle;
      bool in_cycle = false;
      for (const auto& frame : stack) {
        in_cycle = in_cycle || frame.first == target;
        if (in_cycle) cycle += frame.first + " -> ";
      }
      cycle += target;
      const EdgeSource& source = edges.at({stack.back().first, target});
      Diagnostic d;
      d.code = kGraphError;
      d.message = "dependency cycle: " + cycle;
      Origin origin = origin_of(system, *source.service, source.path);
      if (origin.file >= 0) {
        const SourceDocument& file = system.files[origin.file];
        d.file = file.file;
        d.line = origin.line;
        d.col = origin.col;
        d.source_line = file.line_text(d.line);
      }
      errors.push_back(std::move(d));
      return false;
    }
  }

  // Boot order (Kahn): a node is ready once everything it depends on has booted; among ready
  // nodes the lower tier goes first, then the name, so the order is deterministic.
  std::map<std::string, size_t> waiting;
  std::map<std::string, std::vector<std::string>> dependents;
  for (const auto& [from, to] : graph.edges) {
    ++waiting[from];
    dependents[to].push_back(from);
  }
  using Ready = std::pair<int, std::string>;
  std::priority_queue<Ready, std::vector<Ready>, std::greater<>> ready;
  for (const auto& node : graph.nodes) {
    if (waiting[node.name] == 0) ready.emplace(tier_rank(node.tier), node.name);
  }
  while (!ready.empty()) {
    std::string node = ready.top().second;
    ready.pop();
    graph.order.push_back(node);
    for (const auto& dependent : dependents[node]) {
      if (--waiting[dependent] == 0) ready.emplace(tier_rank(tiers[dependent]), dependent);
    }
  }
  return true;
}

}  // namespace policyc::blueprint
