// What one service adds to the dependency graph, read while the service loads.
//
// The loader thread that resolves a service reads its stores and dependencies here, while
// the value is still in cache; build_graph then replays every service's facts in service
// order, which numbers nodes, picks tiers and keeps first declarations exactly as one pass
// over the services would.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "policyc/blueprint/blueprint.hpp"

namespace policyc::blueprint {

// Where an edge was declared in its service, to point a cycle error at it. The path is built
// only then: a large system has tens of thousands of edges and, normally, no cycle.
struct EdgeSource {
  const char* list = nullptr;  // "dependencies", "storage.databases", "secrets", ...
  size_t index = 0;
  size_t inner = 0;  // dependsOn index, for dependency edges

  std::string path() const;
};

// Names are views into the service value or into ServiceGraphFacts::store_names, with their
// hashes, computed on the loader thread rather than in the serial replay.
struct GraphFact {
  enum Kind : uint8_t {
    kStoreEdge,   // the service uses store `name` ("<kind>:<name>", tier "core" unless set)
    kDependency,  // dependency entry `name` (declared tier in `other`, may be empty)
    kDependsOn,   // `name` depends on `other`
  };
  Kind kind;
  std::string_view name;
  std::string_view other;
  size_t name_hash = 0;
  size_t other_hash = 0;
  EdgeSource source;
};

struct ServiceGraphFacts {
  std::vector<GraphFact> facts;
  std::string store_names;  // "<kind>:<name>" of each store, one after another
};

size_t graph_name_hash(std::string_view name);

// The facts of a resolved service value; views point into `service`, which must outlive them.
void collect_graph_facts(const Value& service, ServiceGraphFacts& out);

}  // namespace policyc::blueprint
