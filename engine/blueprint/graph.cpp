// The dependency graph: nodes from services and their `dependencies[]` entries, an edge
// from each entry's `name` to each of its `dependsOn`, cycle detection and a boot order.
#include <algorithm>
#include <cstdint>
#include <queue>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "graph_facts.hpp"
#include "parallel.hpp"
#include "policyc/blueprint/blueprint.hpp"

namespace policyc::blueprint {

namespace {

// Lower boots first when both are ready: infrastructure before the services on top of it.
int tier_rank(const std::string& tier) {
  if (tier == "core") return 0;
  if (tier == "infra-service") return 1;
  if (tier == "internal-api" || tier.empty()) return 2;
  return 3;  // edge-facing, entrypoint
}

// Nodes by name, numbered in order of first appearance. Names are views (into the service
// values and the facts' store names, which outlive the build) looked up by the hash the
// loader threads computed; the table is sized for every name the facts could introduce, so
// it never grows.
class NodeTable {
 public:
  explicit NodeTable(size_t most_names) {
    size_t slots = 16;
    while (slots < most_names * 2) slots <<= 1;
    slots_.assign(slots, Slot{});
    names_.reserve(most_names);
    tiers_.reserve(most_names);
  }

  uint32_t id(std::string_view name, size_t hash) {
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (slot.id == kEmpty) {
        slot = Slot{hash, static_cast<uint32_t>(names_.size())};
        names_.push_back(name);
        tiers_.emplace_back();
        return slot.id;
      }
      if (slot.hash == hash && names_[slot.id] == name) return slot.id;
    }
  }
  std::string_view name(uint32_t id) const { return names_[id]; }
  std::string_view& tier(uint32_t id) { return tiers_[id]; }
  size_t size() const { return names_.size(); }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    size_t hash = 0;
    uint32_t id = kEmpty;
  };
  std::vector<Slot> slots_;
  std::vector<std::string_view> names_;
  std::vector<std::string_view> tiers_;
};

struct Edge {
  uint32_t from;
  uint32_t to;
  uint32_t service;  // index in ResolvedSystem::services of the service declaring it
  EdgeSource source;
};

Diagnostic cycle_error(const ResolvedSystem& system, const std::string& cycle, const Edge& edge) {
  Diagnostic d;
  d.code = kGraphError;
  d.message = "dependency cycle: " + cycle;
  Origin origin = origin_of(system, system.services[edge.service], edge.source.path());
  if (origin.file >= 0) {
    const SourceDocument& file = system.files[origin.file];
    d.file = file.file;
    d.line = origin.line;
    d.col = origin.col;
    d.source_line = file.line_text(d.line);
  }
  return d;
}

// The first 8 bytes of a name, big-endian, zero-padded: sorting by it orders names as their
// bytes do, so full comparisons are left for names sharing a prefix.
uint64_t name_prefix(std::string_view name) {
  uint64_t prefix = 0;
  for (size_t i = 0; i < 8; ++i) {
    prefix <<= 8;
    if (i < name.size()) prefix |= static_cast<unsigned char>(name[i]);
  }
  return prefix;
}

// Node ids numbered by name: rank[id] is the id's place in name order.
std::vector<uint32_t> rank_by_name(const NodeTable& nodes, std::vector<uint32_t>& by_name) {
  struct Key {
    uint64_t prefix;
    uint32_t id;
  };
  std::vector<Key> keys(nodes.size());
  for (uint32_t id = 0; id < nodes.size(); ++id) keys[id] = Key{name_prefix(nodes.name(id)), id};
  std::sort(keys.begin(), keys.end(), [&](const Key& a, const Key& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    return nodes.name(a.id) < nodes.name(b.id);
  });
  by_name.resize(nodes.size());
  std::vector<uint32_t> rank(nodes.size());
  for (uint32_t r = 0; r < keys.size(); ++r) {
    by_name[r] = keys[r].id;
    rank[keys[r].id] = r;
  }
  return rank;
}

// Offsets of a CSR adjacency: out[n]..out[n + 1] are the entries of node n, for entries
// grouped by node.
std::vector<uint32_t> group_offsets(size_t nodes, const std::vector<Edge>& edges,
                                    uint32_t Edge::*key) {
  std::vector<uint32_t> offsets(nodes + 1, 0);
  for (const Edge& edge : edges) ++offsets[edge.*key + 1];
  for (size_t n = 0; n < nodes; ++n) offsets[n + 1] += offsets[n];
  return offsets;
}

}  // namespace

bool build_graph(const ResolvedSystem& system, Graph& graph, std::vector<Diagnostic>& errors) {
  graph = Graph{};
  // Services resolved by the loader come with their facts; others are read here.
  const size_t services = system.services.size();
  std::vector<const ServiceGraphFacts*> facts(services);
  std::vector<ServiceGraphFacts> read_here(services);
  parallel_for(services, [&](size_t i) {
    facts[i] = system.services[i].graph_facts.get();
    if (facts[i]) return;
    collect_graph_facts(system.services[i].value, read_here[i]);
    facts[i] = &read_here[i];
  });
  size_t most_names = services;
  for (const auto* service : facts) most_names += 2 * service->facts.size();
  NodeTable nodes(most_names);
  std::vector<Edge> edges;
  for (uint32_t s = 0; s < services; ++s) {
    const std::string& id = system.services[s].id;
    uint32_t service_node = nodes.id(id, graph_name_hash(id));
    for (const GraphFact& fact : facts[s]->facts) {
      switch (fact.kind) {
        case GraphFact::kStoreEdge: {
          uint32_t store = nodes.id(fact.name, fact.name_hash);
          if (nodes.tier(store).empty()) nodes.tier(store) = "core";
          edges.push_back(Edge{service_node, store, s, fact.source});
          break;
        }
        case GraphFact::kDependency: {
          uint32_t from = nodes.id(fact.name, fact.name_hash);
          if (nodes.tier(from).empty() && !fact.other.empty()) nodes.tier(from) = fact.other;
          break;
        }
        case GraphFact::kDependsOn: {
          uint32_t from = nodes.id(fact.name, fact.name_hash);
          edges.push_back(Edge{from, nodes.id(fact.other, fact.other_hash), s, fact.source});
          break;
        }
      }
    }
  }

  // From here on nodes are numbered by name. Edges are sorted by (from, to), each group of
  // equal edges in declaration order, so dropping repeats keeps the first declaration.
  std::vector<uint32_t> by_name;
  std::vector<uint32_t> rank = rank_by_name(nodes, by_name);
  const size_t n = nodes.size();
  for (Edge& edge : edges) {
    edge.from = rank[edge.from];
    edge.to = rank[edge.to];
  }
  {
    std::vector<uint32_t> next = group_offsets(n, edges, &Edge::from);
    std::vector<Edge> grouped(edges.size());
    for (const Edge& edge : edges) grouped[next[edge.from]++] = edge;
    edges = std::move(grouped);
  }
  std::vector<uint32_t> outgoing = group_offsets(n, edges, &Edge::from);
  for (size_t node = 0; node < n; ++node) {
    std::stable_sort(edges.begin() + outgoing[node], edges.begin() + outgoing[node + 1],
                     [](const Edge& a, const Edge& b) { return a.to < b.to; });
  }
  edges.erase(
      std::unique(edges.begin(), edges.end(),
                  [](const Edge& a, const Edge& b) { return a.from == b.from && a.to == b.to; }),
      edges.end());
  outgoing = group_offsets(n, edges, &Edge::from);

  graph.nodes.reserve(n);
  std::vector<int> tier_ranks(n);
  for (size_t r = 0; r < n; ++r) {
    uint32_t id = by_name[r];
    graph.nodes.push_back(GraphNode{std::string(nodes.name(id)), std::string(nodes.tier(id))});
    tier_ranks[r] = tier_rank(graph.nodes.back().tier);
  }
  graph.edges.reserve(edges.size());
  for (const Edge& edge : edges) graph.edges.emplace_back(edge.from, edge.to);

  // Cycle detection: depth-first with an explicit stack, visiting nodes in name order; a
  // grey node reached again closes a cycle, which is the stack from that node on.
  enum class Color : char { White, Grey, Black };
  std::vector<Color> color(n, Color::White);
  std::vector<std::pair<uint32_t, uint32_t>> stack;  // node, its next outgoing edge
  for (uint32_t start = 0; start < n; ++start) {
    if (color[start] != Color::White) continue;
    stack.assign(1, {start, outgoing[start]});
    color[start] = Color::Grey;
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next == outgoing[node + 1]) {
        color[node] = Color::Black;
        stack.pop_back();
        continue;
      }
      const Edge& edge = edges[next++];
      Color& target_color = color[edge.to];
      if (target_color == Color::White) {
        target_color = Color::Grey;
        stack.emplace_back(edge.to, outgoing[edge.to]);
        continue;
      }
      if (target_color != Color::Grey) continue;
      std::string cycle;
      bool in_cycle = false;
      for (const auto& frame : stack) {
        in_cycle = in_cycle || frame.first == edge.to;
        if (in_cycle) cycle += graph.name(frame.first) + " -> ";
      }
      cycle += graph.name(edge.to);
      errors.push_back(cycle_error(system, cycle, edge));
      return false;
    }
  }

  // Boot order (Kahn): a node is ready once everything it depends on has booted; among ready
  // nodes the lower tier goes first, then the name, so the order is deterministic.
  std::vector<uint32_t> waiting(n, 0);
  for (size_t node = 0; node < n; ++node) waiting[node] = outgoing[node + 1] - outgoing[node];
  std::vector<uint32_t> incoming = group_offsets(n, edges, &Edge::to);
  std::vector<uint32_t> dependents(edges.size());
  {
    std::vector<uint32_t> next(incoming.begin(), incoming.end() - 1);
    for (const Edge& edge : edges) dependents[next[edge.to]++] = edge.from;
  }
  auto ready_key = [&](uint32_t node) {
    return (static_cast<uint64_t>(tier_ranks[node]) << 32) | node;
  };
  std::priority_queue<uint64_t, std::vector<uint64_t>, std::greater<>> ready;
  for (uint32_t node = 0; node < n; ++node) {
    if (waiting[node] == 0) ready.push(ready_key(node));
  }
  graph.order.reserve(n);
  while (!ready.empty()) {
    uint32_t node = static_cast<uint32_t>(ready.top());
    ready.pop();
    graph.order.push_back(node);
    for (uint32_t d = incoming[node]; d < incoming[node + 1]; ++d) {
      if (--waiting[dependents[d]] == 0) ready.push(ready_key(dependents[d]));
    }
  }
  return true;
}

}  // namespace policyc::blueprint
