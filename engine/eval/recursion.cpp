// Compile-time recursion check: rules that depend on themselves through data references or
// function calls are rejected, as OPA does, with the cycle in the message.
#include <algorithm>
#include <functional>
#include <map>

#include "internal.hpp"

namespace policyc::eval {

namespace {

void rule_nodes_below(RuleNode* n, std::set<RuleNode*>& out) {
  if (!n->rules.empty() || !n->defaults.empty()) out.insert(n);
  for (auto& [k, c] : n->children) rule_nodes_below(c.get(), out);
}

// The rule nodes a data reference can read.
void ref_targets(RuleNode* root, const Term& ref, std::set<RuleNode*>& out) {
  RuleNode* n = root;
  for (size_t i = 1; i < ref.items.size(); ++i) {
    if (!n->rules.empty() || !n->defaults.empty()) {
      out.insert(n);
      return;
    }
    const Term& seg = *ref.items[i];
    // Like OPA, a dynamic step (`data[x]`) adds no static dependency; a cycle through it is
    // caught when evaluation re-enters the rule.
    if (!is_string_scalar(seg)) return;
    auto it = n->children.find(seg.value.str());
    if (it == n->children.end()) return;  // base data only
    n = it->second.get();
  }
  rule_nodes_below(n, out);
}

void term_deps(RuleNode* root, const Term& t, std::set<RuleNode*>& out);

void expr_deps(RuleNode* root, const Expr& e, std::set<RuleNode*>& out);

void body_deps(RuleNode* root, const Body& body, std::set<RuleNode*>& out) {
  for (const auto& e : body) expr_deps(root, e, out);
}

void expr_deps(RuleNode* root, const Expr& e, std::set<RuleNode*>& out) {
  for (const auto* t : {&e.a, &e.b, &e.key, &e.val, &e.domain})
    if (*t) term_deps(root, **t, out);
  if (e.inner) expr_deps(root, *e.inner, out);
  if (e.body) body_deps(root, *e.body, out);
  for (const auto& w : e.withs) term_deps(root, *w.value, out);
}

void term_deps(RuleNode* root, const Term& t, std::set<RuleNode*>& out) {
  if (t.kind == TermKind::Ref && t.items[0]->kind == TermKind::Var && t.items[0]->slot < 0 &&
      t.items[0]->name == "data") {
    ref_targets(root, t, out);
    for (size_t i = 1; i < t.items.size(); ++i) term_deps(root, *t.items[i], out);
    return;
  }
  if (t.kind == TermKind::Var && t.slot < 0 && t.name == "data") {
    rule_nodes_below(root, out);
  }
  if (t.kind == TermKind::Call && t.target.kind == CallKind::Function) {
    out.insert(const_cast<RuleNode*>(t.target.node));
  }
  for (const auto& i : t.items) term_deps(root, *i, out);
  for (const auto& [k, v] : t.pairs) {
    term_deps(root, *k, out);
    term_deps(root, *v, out);
  }
  if (t.key) term_deps(root, *t.key, out);
  if (t.head) term_deps(root, *t.head, out);
  if (t.body) body_deps(root, *t.body, out);
}

}  // namespace

RuleDependencies rule_dependencies(EngineState& st) {
  RuleDependencies out;
  std::function<void(RuleNode*)> gather = [&](RuleNode* n) {
    if (!n->rules.empty() || !n->defaults.empty()) {
      out.nodes.push_back(n);
      auto& d = out.deps[n];
      for (const auto* list : {&n->rules, &n->defaults}) {
        for (const auto& cr : *list) {
          const plan::Rule& r = cr->rule;
          body_deps(st.root.get(), r.body, d);
          for (const auto& ec : r.elses) {
            body_deps(st.root.get(), ec.body, d);
            if (ec.value) term_deps(st.root.get(), *ec.value, d);
          }
          for (const auto* t : {&r.key, &r.value})
            if (*t) term_deps(st.root.get(), **t, d);
          for (const auto& t : cr->rest) term_deps(st.root.get(), *t, d);
        }
      }
    }
    for (auto& [k, c] : n->children) gather(c.get());
  };
  gather(st.root.get());
  return out;
}

bool walk_dependencies(
    const RuleDependencies& graph, const std::function<void(RuleNode*)>& done,
    const std::function<bool(const std::vector<RuleNode*>& path, RuleNode* d)>& cycle) {
  static const std::set<RuleNode*> kNone;
  std::map<RuleNode*, int> color;  // 1: on the path being explored, 2: done
  std::vector<RuleNode*> path;
  std::vector<std::pair<std::set<RuleNode*>::const_iterator, std::set<RuleNode*>::const_iterator>>
      next;  // per rule on the path: its dependencies still to visit
  auto enter = [&](RuleNode* n) {
    color[n] = 1;
    auto found = graph.deps.find(n);
    const auto& d = found == graph.deps.end() ? kNone : found->second;
    path.push_back(n);
    next.emplace_back(d.begin(), d.end());
  };
  for (RuleNode* start : graph.nodes) {
    if (color[start] != 0) continue;
    enter(start);
    while (!path.empty()) {
      auto& [it, end] = next.back();
      if (it == end) {
        color[path.back()] = 2;
        done(path.back());
        path.pop_back();
        next.pop_back();
        continue;
      }
      RuleNode* d = *it++;
      if (color[d] == 0)
        enter(d);
      else if (color[d] == 1 && !cycle(path, d))
        return false;
    }
  }
  return true;
}

bool check_recursion(const RuleDependencies& graph, std::vector<Diagnostic>& errors) {
  auto report = [&](const std::vector<RuleNode*>& path, RuleNode* d) {
    std::string chain;
    for (auto it = std::find(path.begin(), path.end(), d); it != path.end(); ++it)
      chain += join_path((*it)->path) + " -> ";
    chain += join_path(d->path);
    const plan::Rule& r = d->rules.empty() ? d->defaults.front()->rule : d->rules.front()->rule;
    errors.push_back(make_diag("rego_recursion_error",
                               "rule " + join_path(d->path) + " is recursive: " + chain, r.loc));
    return false;
  };
  return walk_dependencies(
      graph, [](RuleNode*) {}, report);
}

}  // namespace policyc::eval
