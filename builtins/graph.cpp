// Graph reachability over adjacency objects ({node: [neighbours]}).
#include <algorithm>
#include <deque>

#include "internal.hpp"

namespace policyc::builtins {
namespace {

const ValueVec& neighbours(const Value& edges) {
  static const ValueVec none;
  if (edges.is_array() || edges.is_set()) return edges.items();
  return none;
}

Value reachable(Args a, BuiltinContext&) {
  need_object("graph.reachable", a[0], 1);
  need_kinds("graph.reachable", a[1], 2, {Kind::Set, Kind::Array});
  std::deque<Value> queue(a[1].items().begin(), a[1].items().end());
  ValueVec reached;
  auto seen = [&](const Value& v) {
    return std::find(reached.begin(), reached.end(), v) != reached.end();
  };
  while (!queue.empty()) {
    Value node = std::move(queue.front());
    queue.pop_front();
    const Value* edges = a[0].find(node);
    if (!edges || seen(node)) continue;
    reached.push_back(node);
    for (const auto& n : neighbours(*edges))
      if (!seen(n)) queue.push_back(n);
  }
  return Value::set(std::move(reached));
}

void build_paths(const Value& graph, const Value& root, ValueVec& path, ValueVec& out,
                 ValueVec& reached) {
  const Value* edges = graph.find(root);
  if (!edges || neighbours(*edges).empty()) {
    out.push_back(Value::array(path));
    return;
  }
  reached.push_back(root);
  for (const auto& n : neighbours(*edges)) {
    if (std::find(reached.begin(), reached.end(), n) != reached.end()) {
      out.push_back(Value::array(path));
    } else {
      path.push_back(n);
      build_paths(graph, n, path, out, reached);
      path.pop_back();
    }
  }
}

Value reachable_paths(Args a, BuiltinContext&) {
  need_object("graph.reachable_paths", a[0], 1);
  need_kinds("graph.reachable_paths", a[1], 2, {Kind::Set, Kind::Array});
  ValueVec out;
  for (const auto& node : a[1].items()) {
    ValueVec path{node}, reached;
    build_paths(a[0], node, path, out, reached);
  }
  return Value::set(std::move(out));
}

}  // namespace

void register_graph(BuiltinRegistry& r) {
  def(r, "graph", "graph.reachable", {"object[any: array[any]|set[any]]", "array[any]|set[any]"},
      "set[any]", "Nodes reachable from the initial nodes (graph keys only).", reachable);
  def(r, "graph", "graph.reachable_paths",
      {"object[any: array[any]|set[any]]", "array[any]|set[any]"}, "set[array[any]]",
      "Paths from the initial nodes to leaves (or back into a cycle).", reachable_paths);
}

}  // namespace policyc::builtins
