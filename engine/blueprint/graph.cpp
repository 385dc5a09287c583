// The dependency graph: nodes from services and their `dependencies[]` entries, an edge
// from each entry's `name` to each of its `dependsOn`, cycle detection and a boot order.
#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "parallel.hpp"
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

// Where an edge was declared, to point a cycle error at it. The path is built only then:
// a large system has tens of thousands of edges and, normally, no cycle.
struct EdgeSource {
  const ResolvedService* service = nullptr;
  const char* list = nullptr;  // "dependencies", "storage.databases", "secrets", ...
  size_t index = 0;
  size_t inner = 0;  // dependsOn index, for dependency edges

  std::string path() const {
    std::string base = index_path(list, index);
    if (std::string_view(list) == "dependencies")
      return index_path(child_path(base, "dependsOn"), inner);
    if (std::string_view(list) == "secrets") return child_path(base, "source");
    if (std::string_view(list) == "messaging.bus" || std::string_view(list) == "keyVault.name")
      return list;
    return base;
  }
};

// The keys read here, interned once: lookups then match the blueprint's (interned) keys by
// pointer, with nothing hashed or allocated per service.
struct Keys {
  Value blobStores = Value::interned("blobStores");
  Value bus = Value::interned("bus");
  Value cache = Value::interned("cache");
  Value databases = Value::interned("databases");
  Value dependencies = Value::interned("dependencies");
  Value dependsOn = Value::interned("dependsOn");
  Value keyVault = Value::interned("keyVault");
  Value messaging = Value::interned("messaging");
  Value name = Value::interned("name");
  Value secrets = Value::interned("secrets");
  Value source = Value::interned("source");
  Value storage = Value::interned("storage");
  Value tier = Value::interned("tier");
};

const Keys& keys() {
  static const Keys k;
  return k;
}

const Value* field(const Value& object, const Value& key) {
  return object.is_object() ? object.get_ptr(key) : nullptr;
}

// Nodes by name, numbered in order of first appearance. Names are looked up as views and
// copied once, when first seen.
class NodeTable {
 public:
  int id(std::string_view name) {
    auto it = ids_.find(name);
    if (it != ids_.end()) return it->second;
    int id = static_cast<int>(names_.size());
    names_.emplace_back(name);
    tiers_.emplace_back();
    ids_.emplace(names_.back(), id);
    return id;
  }
  const std::string& name(int id) const { return names_[static_cast<size_t>(id)]; }
  std::string& tier(int id) { return tiers_[static_cast<size_t>(id)]; }
  size_t size() const { return names_.size(); }

 private:
  std::unordered_map<std::string_view, int> ids_;  // views into names_
  std::deque<std::string> names_;                  // stable addresses
  std::vector<std::string> tiers_;
};

struct Edge {
  int from;
  int to;
  EdgeSource source;
};

// What one service contributes to the graph, read from its value on a loader thread; the
// graph is then built by replaying every service's facts in service order, which numbers
// nodes, picks tiers and keeps first declarations exactly as one pass over the services
// would. Names are views into the service values, which outlive the build.
struct GraphFact {
  enum Kind : uint8_t {
    kStoreEdge,   // the service uses store `store_kind:name` (tier "core" unless set)
    kDependency,  // dependency entry `name` (declared tier in `other`, may be empty)
    kDependsOn,   // `name` depends on `other`
  };
  Kind kind;
  const char* store_kind = nullptr;
  std::string_view name;
  std::string_view other;
  EdgeSource source;
};

// Edges from a service to the stores it uses, so they boot first and policies can ask
// "who uses this database". Store nodes are named "<kind>:<name>" to keep them apart from
// services of the same name.
void collect_store_facts(const ResolvedService& service, std::vector<GraphFact>& facts) {
  auto add = [&](const char* kind, const std::string& name, EdgeSource source) {
    facts.push_back(GraphFact{GraphFact::kStoreEdge, kind, name, {}, source});
  };
  auto add_named = [&](const Value* list, const char* kind, const char* path) {
    if (!list || !list->is_array()) return;
    for (size_t i = 0; i < list->size(); ++i) {
      const Value* name = field(list->items()[i], keys().name);
      if (name && name->is_string()) add(kind, name->str(), EdgeSource{&service, path, i, 0});
    }
  };
  if (const Value* storage = field(service.value, keys().storage)) {
    add_named(field(*storage, keys().databases), "database", "storage.databases");
    add_named(field(*storage, keys().blobStores), "blob", "storage.blobStores");
    add_named(field(*storage, keys().cache), "cache", "storage.cache");
  }
  if (const Value* messaging = field(service.value, keys().messaging)) {
    const Value* bus = field(*messaging, keys().bus);
    if (bus && bus->is_string()) add("bus", bus->str(), EdgeSource{&service, "messaging.bus"});
  }
  const Value* vault = field(service.value, keys().keyVault);
  const Value* vault_name = vault ? field(*vault, keys().name) : nullptr;
  if (vault_name && vault_name->is_string()) {
    add("keyvault", vault_name->str(), EdgeSource{&service, "keyVault.name"});
  } else if (const Value* secrets = field(service.value, keys().secrets);
             secrets && secrets->is_array()) {
    for (size_t i = 0; i < secrets->size(); ++i) {
      const Value* source = field(secrets->items()[i], keys().source);
      if (source && source->is_string())
        add("secrets", source->str(), EdgeSource{&service, "secrets", i, 0});
    }
  }
}

void collect_facts(const ResolvedService& service, std::vector<GraphFact>& facts) {
  collect_store_facts(service, facts);
  const Value* deps = field(service.value, keys().dependencies);
  if (!deps || !deps->is_array()) return;
  for (size_t i = 0; i < deps->size(); ++i) {
    const Value& entry = deps->items()[i];
    const Value* name = field(entry, keys().name);
    if (!name || !name->is_string()) continue;
    const Value* tier = field(entry, keys().tier);
    facts.push_back(
        GraphFact{GraphFact::kDependency, nullptr, name->str(),
                  tier && tier->is_string() ? std::string_view(tier->str()) : std::string_view(),
                  EdgeSource{}});
    const Value* depends_on = field(entry, keys().dependsOn);
    if (!depends_on || !depends_on->is_array()) continue;
    for (size_t j = 0; j < depends_on->size(); ++j) {
      const Value& target = depends_on->items()[j];
      if (!target.is_string()) continue;
      facts.push_back(GraphFact{GraphFact::kDependsOn, nullptr, name->str(), target.str(),
                                EdgeSource{&service, "dependencies", i, j}});
    }
  }
}

Diagnostic cycle_error(const ResolvedSystem& system, const std::string& cycle,
                       const EdgeSource& source) {
  Diagnostic d;
  d.code = kGraphError;
  d.message = "dependency cycle: " + cycle;
  Origin origin = origin_of(system, *source.service, source.path());
  if (origin.file >= 0) {
    const SourceDocument& file = system.files[origin.file];
    d.file = file.file;
    d.line = origin.line;
    d.col = origin.col;
    d.source_line = file.line_text(d.line);
  }
  return d;
}

}  // namespace

bool build_graph(const ResolvedSystem& system, Graph& graph, std::vector<Diagnostic>& errors) {
  graph = Graph{};
  // Reading the services' values is most of the work and each is independent.
  std::vector<std::vector<GraphFact>> facts(system.services.size());
  parallel_for(system.services.size(),
               [&](size_t i) { collect_facts(system.services[i], facts[i]); });
  NodeTable nodes;
  std::vector<Edge> edges;
  std::string store;
  for (size_t s = 0; s < system.services.size(); ++s) {
    int service_node = nodes.id(system.services[s].id);
    for (const GraphFact& fact : facts[s]) {
      switch (fact.kind) {
        case GraphFact::kStoreEdge: {
          store.assign(fact.store_kind);
          store += ':';
          store += fact.name;
          int id = nodes.id(store);
          if (nodes.tier(id).empty()) nodes.tier(id) = "core";
          edges.push_back(Edge{service_node, id, fact.source});
          break;
        }
        case GraphFact::kDependency: {
          int from = nodes.id(fact.name);
          if (nodes.tier(from).empty() && !fact.other.empty()) nodes.tier(from) = fact.other;
          break;
        }
        case GraphFact::kDependsOn:
          edges.push_back(Edge{nodes.id(fact.name), nodes.id(fact.other), fact.source});
          break;
      }
    }
  }

  // Nodes and edges sorted by name; of repeated edges the first declaration stays.
  std::vector<int> by_name(nodes.size());
  for (size_t i = 0; i < by_name.size(); ++i) by_name[i] = static_cast<int>(i);
  std::sort(by_name.begin(), by_name.end(),
            [&](int a, int b) { return nodes.name(a) < nodes.name(b); });
  std::vector<int> rank(nodes.size());
  for (size_t r = 0; r < by_name.size(); ++r)
    rank[static_cast<size_t>(by_name[r])] = static_cast<int>(r);
  std::stable_sort(edges.begin(), edges.end(), [&](const Edge& a, const Edge& b) {
    return std::make_pair(rank[a.from], rank[a.to]) < std::make_pair(rank[b.from], rank[b.to]);
  });
  edges.erase(
      std::unique(edges.begin(), edges.end(),
                  [](const Edge& a, const Edge& b) { return a.from == b.from && a.to == b.to; }),
      edges.end());
  graph.nodes.reserve(nodes.size());
  for (int id : by_name) graph.nodes.push_back(GraphNode{nodes.name(id), nodes.tier(id)});
  graph.edges.reserve(edges.size());
  std::vector<std::vector<size_t>> depends_on(nodes.size());  // edge indexes, sorted by target
  for (size_t e = 0; e < edges.size(); ++e) {
    graph.edges.emplace_back(nodes.name(edges[e].from), nodes.name(edges[e].to));
    depends_on[static_cast<size_t>(edges[e].from)].push_back(e);
  }

  // Cycle detection: depth-first with an explicit stack, visiting nodes in name order; a
  // grey node reached again closes a cycle, which is the stack from that node on.
  enum class Color : char { White, Grey, Black };
  std::vector<Color> color(nodes.size(), Color::White);
  for (int start : by_name) {
    if (color[static_cast<size_t>(start)] != Color::White) continue;
    std::vector<std::pair<int, size_t>> stack{{start, 0}};
    color[static_cast<size_t>(start)] = Color::Grey;
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      const auto& targets = depends_on[static_cast<size_t>(node)];
      if (next == targets.size()) {
        color[static_cast<size_t>(node)] = Color::Black;
        stack.pop_back();
        continue;
      }
      const Edge& edge = edges[targets[next++]];
      Color& target_color = color[static_cast<size_t>(edge.to)];
      if (target_color == Color::White) {
        target_color = Color::Grey;
        stack.emplace_back(edge.to, 0);
        continue;
      }
      if (target_color != Color::Grey) continue;
      std::string cycle;
      bool in_cycle = false;
      for (const auto& frame : stack) {
        in_cycle = in_cycle || frame.first == edge.to;
        if (in_cycle) cycle += nodes.name(frame.first) + " -> ";
      }
      cycle += nodes.name(edge.to);
      errors.push_back(cycle_error(system, cycle, edge.source));
      return false;
    }
  }

  // Boot order (Kahn): a node is ready once everything it depends on has booted; among ready
  // nodes the lower tier goes first, then the name, so the order is deterministic.
  std::vector<size_t> waiting(nodes.size(), 0);
  std::vector<std::vector<int>> dependents(nodes.size());
  for (const auto& edge : edges) {
    ++waiting[static_cast<size_t>(edge.from)];
    dependents[static_cast<size_t>(edge.to)].push_back(edge.from);
  }
  using Ready = std::pair<std::pair<int, int>, int>;  // (tier rank, name rank), node
  std::priority_queue<Ready, std::vector<Ready>, std::greater<>> ready;
  auto push = [&](int id) {
    ready.push({{tier_rank(nodes.tier(id)), rank[static_cast<size_t>(id)]}, id});
  };
  for (int id : by_name) {
    if (waiting[static_cast<size_t>(id)] == 0) push(id);
  }
  graph.order.reserve(nodes.size());
  while (!ready.empty()) {
    int node = ready.top().second;
    ready.pop();
    graph.order.push_back(nodes.name(node));
    for (int dependent : dependents[static_cast<size_t>(node)]) {
      if (--waiting[static_cast<size_t>(dependent)] == 0) push(dependent);
    }
  }
  return true;
}

}  // namespace policyc::blueprint
