// The compiler's driver and its scoping and name-resolution stages: lowers the modules into the
// compiled form (plan.hpp), builds the rule tree, gives locals frame slots, resolves rule
// names and imports to data refs and calls to typed targets, and runs the other stages
// (compile_stages.hpp: folding, type and arity checks, safety and reordering, indexing).
#include <algorithm>
#include <functional>

#include "compile_stages.hpp"
#include "policyc/core/io.hpp"

namespace policyc::eval {

Diagnostic make_diag(const std::string& code, const std::string& msg, const Location& loc) {
  Diagnostic d;
  d.code = code;
  d.message = msg;
  if (loc.file) {
    d.file = loc.file->name;
    d.source_line = loc.file->line_text(loc.line);
  }
  d.line = loc.line;
  d.col = loc.col;
  return d;
}

bool is_string_scalar(const Term& t) { return t.kind == TermKind::Scalar && t.value.is_string(); }

std::string join_path(const std::vector<std::string>& p) {
  std::string out = "data";
  for (const auto& s : p) out += "." + s;
  return out;
}

RuleNode* find_node(RuleNode* root, const std::vector<std::string>& path) {
  RuleNode* n = root;
  for (const auto& p : path) {
    auto it = n->children.find(p);
    if (it == n->children.end()) return nullptr;
    n = it->second.get();
  }
  return n;
}

namespace {

RuleNode* ensure_node(RuleNode* root, const std::vector<std::string>& path) {
  RuleNode* n = root;
  for (const auto& p : path) {
    auto& child = n->children[p];
    if (!child) {
      child = std::make_unique<RuleNode>();
      child->name = p;
      child->parent = n;
      child->path = n->path;
      child->path.push_back(p);
    }
    n = child.get();
  }
  return n;
}

// `data.<path>` as a ref term: what a rule name or import resolves to.
TermPtr data_ref(const std::vector<std::string>& path, const Location& loc) {
  auto ref = std::make_shared<Term>();
  ref->kind = TermKind::Ref;
  ref->loc = loc;
  ref->items.push_back(plan::make_var("data", loc));
  for (const auto& seg : path) ref->items.push_back(plan::make_scalar(Value::string(seg), loc));
  return ref;
}

struct Scope {
  std::unordered_map<std::string, int> vars;
  Scope* parent = nullptr;
  int lookup(const std::string& n) const {
    for (const Scope* s = this; s; s = s->parent) {
      auto it = s->vars.find(n);
      if (it != s->vars.end()) return it->second;
    }
    return -1;
  }
};

const std::unordered_map<std::string, SpecialCall>& special_calls() {
  static const std::unordered_map<std::string, SpecialCall> m = {
      {"internal.member_2", kSpecialMember2},
      {"internal.member_3", kSpecialMember3},
      {"print", kSpecialPrint},
      {"equal", kSpecialEqual},
      {"neq", kSpecialNeq},
      {"lt", kSpecialLt},
      {"lte", kSpecialLte},
      {"gt", kSpecialGt},
      {"gte", kSpecialGte},
      {"trace", kSpecialTrace},
      {"rego.metadata.rule", kSpecialMetadataRule},
      {"rego.metadata.chain", kSpecialMetadataChain},
      {"walk", kSpecialWalk}};
  return m;
}

int special_arity(int s) {
  switch (s) {
    case kSpecialMember3:
      return 3;
    case kSpecialPrint:
      return -1;
    case kSpecialTrace:
      return 1;
    case kSpecialWalk:
      return 1;
    case kSpecialMetadataRule:
    case kSpecialMetadataChain:
      return 0;
    default:
      return 2;
  }
}

class BodyCompiler {
 public:
  BodyCompiler(EngineState& st, const ast::Module* module, std::vector<std::string>& slot_names)
      : st_(st), module_(module), slot_names_(slot_names) {
    if (module_) {
      for (const auto& imp : module_->imports) {
        const std::string& head = imp.path[0]->name;
        if (head != "data" && head != "input") continue;
        std::string alias = imp.alias;
        if (alias.empty()) {
          if (imp.path.size() == 1) {
            alias = head;
          } else {
            alias = imp.path.back()->value.str();
          }
        }
        imports_[alias] = &imp;
      }
    }
  }

  int new_slot(const std::string& name, const Location& loc) {
    slot_names_.push_back(name);
    slot_locs_.push_back(loc);
    return static_cast<int>(slot_names_.size()) - 1;
  }

  // Declares the variables of function arguments / patterns.
  void declare_pattern(TermPtr& t, Scope& scope) {
    if (!t) return;
    if (t->kind == TermKind::Var) {
      if (t->name == "_") {
        t->slot = new_slot("_", t->loc);
        return;
      }
      int s = scope.vars.count(t->name) ? scope.vars[t->name] : -1;
      if (s < 0) {
        s = new_slot(t->name, t->loc);
        scope.vars[t->name] = s;
      }
      t->slot = s;
      return;
    }
    for (auto& i : t->items) declare_pattern(i, scope);
    for (auto& [k, v] : t->pairs) {
      resolve_term(k, scope);
      declare_pattern(v, scope);
    }
    if (t->kind == TermKind::Ref || t->kind == TermKind::Call) resolve_term(t, scope);
  }

  // Returns the slots bound once the body has run.
  std::set<int> compile_body(Body& body, Scope& scope, std::set<int> initially_bound) {
    // Declarations first: names declared with := or some are locals even when a rule of
    // that name exists.
    for (auto& e : body) predeclare(e, scope);
    for (auto& e : body) collect_locals(e, scope);
    for (auto& e : body) resolve_expr(e, scope);
    std::set<int> bound = order_.reorder(body, std::move(initially_bound));
    hoist_negated_operands(
        body, [this](const Location& loc) { return new_slot("$negated", loc); }, module_ != nullptr,
        [this](const Expr& negation, const Term& operand) {
          if (!module_) return;  // queries: the caller sees what it asked
          st_.warnings.push_back(make_diag(
              "warning",
              "`" + operand.loc.text() +
                  "` is evaluated before the `not`, as OPA does: when it is undefined this "
                  "expression fails instead of the negation holding (test it in a helper rule, "
                  "or give it a default with object.get)",
              negation.loc));
        });
    return bound;
  }

  std::set<int> slots_below(int start) const {
    std::set<int> out;
    for (int i = 0; i < start; ++i) out.insert(i);
    return out;
  }

  void resolve_term(TermPtr& t, Scope& scope) {
    switch (t->kind) {
      case TermKind::Scalar:
        return;
      case TermKind::Var:
        resolve_var(t, scope);
        return;
      case TermKind::Ref: {
        // Dotted segments are strings already; bracket segments are terms.
        resolve_term(t->items[0], scope);
        for (size_t i = 1; i < t->items.size(); ++i) resolve_term(t->items[i], scope);
        // An import alias or rule name expanded into a ref: flatten.
        if (t->items[0]->kind == TermKind::Ref) {
          auto head = t->items[0];
          std::vector<TermPtr> items = head->items;
          for (size_t i = 1; i < t->items.size(); ++i) items.push_back(t->items[i]);
          t->items = std::move(items);
        }
        t->target.node = data_rule_node(*t);
        return;
      }
      case TermKind::Array:
      case TermKind::Set:
        for (auto& i : t->items) resolve_term(i, scope);
        fold_constant(*t);
        return;
      case TermKind::Object:
        for (auto& [k, v] : t->pairs) {
          resolve_term(k, scope);
          resolve_term(v, scope);
        }
        fold_constant(*t);
        return;
      case TermKind::ArrayCompr:
      case TermKind::SetCompr:
      case TermKind::ObjectCompr: {
        Scope inner;
        inner.parent = &scope;
        int start = static_cast<int>(slot_names_.size());
        st_.scope_start[t.get()] = start;
        std::set<int> bound = compile_body(*t->body, inner, slots_below(start));
        if (t->key) resolve_term(t->key, inner);
        resolve_term(t->head, inner);
        order_.check_safe_terms({t->key, t->head}, bound);
        plan_comprehension_index(st_, *t, start, static_cast<int>(slot_names_.size()));
        return;
      }
      case TermKind::Call:
        resolve_call(t, scope);
        return;
    }
  }

  // A data reference whose leading dotted segments reach a rule: that rule's node (the
  // evaluator starts there instead of walking the rule tree by name on every evaluation).
  const RuleNode* data_rule_node(const Term& t) const {
    const Term& head = *t.items[0];
    if (head.kind != TermKind::Var || head.slot >= 0 || head.name != "data") return nullptr;
    const RuleNode* n = st_.root.get();
    for (size_t i = 1; i < t.items.size(); ++i) {
      if (!is_string_scalar(*t.items[i])) return nullptr;
      auto it = n->children.find(t.items[i]->value.str());
      if (it == n->children.end()) return nullptr;
      n = it->second.get();
      if (!n->rules.empty() || !n->defaults.empty()) return n;
    }
    return nullptr;
  }

  EngineState& st_;
  const ast::Module* module_;
  std::vector<std::string>& slot_names_;
  std::vector<Location> slot_locs_;
  BodyOrder order_{st_, slot_names_, slot_locs_};
  std::unordered_map<std::string, const ast::Import*> imports_;
  const Term* statement_call_ = nullptr;

 private:
  void predeclare(Expr& e, Scope& scope) {
    switch (e.kind) {
      case ExprKind::Assign:
        declare_assign_lhs(e.a, scope);
        break;
      case ExprKind::SomeDecl:
        for (auto& v : e.vars) {
          if (v->name != "_") scope.vars[v->name] = new_slot(v->name, v->loc);
        }
        break;
      case ExprKind::SomeIn:
        for (const auto* t : {&e.key, &e.val}) {
          if (*t && (*t)->kind == TermKind::Var) {
            auto it = scope.vars.find((*t)->name);
            if (it != scope.vars.end() && assigned_.count(it->second)) {
              throw CompileError{make_diag("rego_compile_error",
                                           "var " + (*t)->name + " assigned above", (*t)->loc)};
            }
          }
        }
        declare_pattern_names(e.key, scope);
        declare_pattern_names(e.val, scope);
        break;
      default:
        break;
    }
  }

  void declare_pattern_names(const TermPtr& t, Scope& scope) {
    if (!t) return;
    if (t->kind == TermKind::Var) {
      if (t->name != "_" && !scope.vars.count(t->name))
        scope.vars[t->name] = new_slot(t->name, t->loc);
      return;
    }
    for (auto& i : t->items) declare_pattern_names(i, scope);
    for (auto& [k, v] : t->pairs) declare_pattern_names(v, scope);
  }

  void declare_assign_lhs(const TermPtr& t, Scope& scope) {
    if (t->kind == TermKind::Var) {
      if (t->name == "_") return;
      if (t->name == "input" || t->name == "data") {
        throw CompileError{make_diag(
            "rego_compile_error",
            "variables must not shadow " + t->name + " (use a different variable name)", t->loc)};
      }
      if (scope.vars.count(t->name) && assigned_.count(scope.vars[t->name])) {
        throw CompileError{
            make_diag("rego_compile_error", "var " + t->name + " assigned above", t->loc)};
      }
      int s = new_slot(t->name, t->loc);
      scope.vars[t->name] = s;
      assigned_.insert(s);
      return;
    }
    if (t->kind == TermKind::Array) {
      for (auto& i : t->items) declare_assign_lhs(i, scope);
      return;
    }
    if (t->kind == TermKind::Object) {
      for (auto& [k, v] : t->pairs) declare_assign_lhs(v, scope);
      return;
    }
    throw CompileError{
        make_diag("rego_parse_error",
                  "cannot assign to " + std::string(t->kind == TermKind::Ref    ? "ref"
                                                    : t->kind == TermKind::Call ? "call"
                                                                                : "scalar"),
                  t->loc)};
  }

  // Free variables at the top level of a body (not inside comprehensions or every) become
  // locals of this scope, unless they name something global.
  void collect_locals(Expr& e, Scope& scope) {
    std::function<void(const TermPtr&)> visit = [&](const TermPtr& t) {
      if (!t) return;
      switch (t->kind) {
        case TermKind::Var:
          if (t->name != "_" && scope.lookup(t->name) < 0 && !is_global(t->name)) {
            scope.vars[t->name] = new_slot(t->name, t->loc);
          }
          return;
        case TermKind::Ref:
          // The head of a ref that is a plain var may be global; segments may be locals.
          for (auto& i : t->items) visit(i);
          return;
        case TermKind::Call:
          for (size_t i = 1; i < t->items.size(); ++i) visit(t->items[i]);
          return;
        case TermKind::Array:
        case TermKind::Set:
          for (auto& i : t->items) visit(i);
          return;
        case TermKind::Object:
          for (auto& [k, v] : t->pairs) {
            visit(k);
            visit(v);
          }
          return;
        default:
          return;
      }
    };
    switch (e.kind) {
      case ExprKind::Term:
        visit(e.a);
        break;
      case ExprKind::Unify:
      case ExprKind::Assign:
        visit(e.a);
        visit(e.b);
        break;
      case ExprKind::Not:
        collect_locals(*e.inner, scope);
        break;
      case ExprKind::SomeIn:
        visit(e.domain);
        break;
      case ExprKind::Every:
        visit(e.domain);
        break;
      default:
        break;
    }
    for (auto& w : e.withs)
      if (!names_builtin(w.value)) visit(w.value);
  }

  // A with value that names a builtin (`with count as object.union_n`) is a function
  // replacement, not a variable.
  bool names_builtin(const TermPtr& t) {
    std::vector<std::string> path;
    if (!operator_path(t, path)) return false;
    std::string dotted;
    for (size_t i = 0; i < path.size(); ++i) dotted += (i ? "." : "") + path[i];
    return st_.registry.find(dotted) != nullptr || special_calls().count(dotted) > 0;
  }

  bool is_global(const std::string& name) const {
    if (name == "input" || name == "data") return true;
    if (imports_.count(name)) return true;
    if (module_) {
      std::vector<std::string> p = module_->package;
      p.push_back(name);
      RuleNode* n = find_node(st_.root.get(), p);
      if (n && has_rules_below(n)) return true;
    }
    return false;
  }

  static bool has_rules_below(const RuleNode* n) {
    if (!n->rules.empty() || !n->defaults.empty()) return true;
    for (const auto& [k, c] : n->children)
      if (has_rules_below(c.get())) return true;
    return false;
  }

  void resolve_var(TermPtr& t, Scope& scope) {
    if (t->name == "_") {
      t->slot = new_slot("$_", t->loc);
      return;
    }
    int s = scope.lookup(t->name);
    if (s >= 0) {
      t->slot = s;
      return;
    }
    if (t->name == "input" || t->name == "data") return;
    auto it = imports_.find(t->name);
    if (it != imports_.end()) {
      auto ref = std::make_shared<Term>();
      ref->kind = TermKind::Ref;
      ref->loc = t->loc;
      for (const auto& seg : it->second->path) ref->items.push_back(plan::lower_term(seg));
      if (ref->items.size() == 1) {
        *t = *ref->items[0];
      } else {
        t = ref;
      }
      return;
    }
    if (module_) {
      std::vector<std::string> p = module_->package;
      p.push_back(t->name);
      RuleNode* n = find_node(st_.root.get(), p);
      if (n) {
        t = data_ref(p, t->loc);
        t->target.node = data_rule_node(*t);
        return;
      }
    }
    // A fresh local (e.g. inside a with value or a nested scope).
    s = new_slot(t->name, t->loc);
    scope.vars[t->name] = s;
    t->slot = s;
  }

  // The dotted name of a call operator, with imports expanded.
  bool operator_path(const TermPtr& op, std::vector<std::string>& out) {
    if (op->kind == TermKind::Var) {
      out.push_back(op->name);
      return true;
    }
    if (op->kind != TermKind::Ref || op->items[0]->kind != TermKind::Var) return false;
    out.push_back(op->items[0]->name);
    for (size_t i = 1; i < op->items.size(); ++i) {
      if (!is_string_scalar(*op->items[i])) return false;
      out.push_back(op->items[i]->value.str());
    }
    return true;
  }

  void resolve_call(TermPtr& t, Scope& scope) {
    bool output_allowed = statement_call_ == t.get();
    statement_call_ = nullptr;
    for (size_t i = 1; i < t->items.size(); ++i) resolve_term(t->items[i], scope);
    std::vector<std::string> path;
    if (!operator_path(t->items[0], path)) {
      throw CompileError{make_diag("rego_type_error", "invalid call operator", t->loc)};
    }
    std::string dotted;
    for (size_t i = 0; i < path.size(); ++i) dotted += (i ? "." : "") + path[i];
    t->target.name = dotted;
    size_t nargs = t->items.size() - 1;
    // User functions: data.x.f, imported alias, or a function in this package.
    std::vector<std::string> fpath;
    if (path[0] == "data") {
      fpath.assign(path.begin() + 1, path.end());
    } else if (imports_.count(path[0]) && imports_.at(path[0])->path[0]->name == "data") {
      const auto* imp = imports_.at(path[0]);
      for (size_t i = 1; i < imp->path.size(); ++i) fpath.push_back(imp->path[i]->value.str());
      fpath.insert(fpath.end(), path.begin() + 1, path.end());
    } else if (module_ && scope.lookup(path[0]) < 0) {
      fpath = module_->package;
      fpath.insert(fpath.end(), path.begin(), path.end());
    }
    if (!fpath.empty()) {
      RuleNode* n = find_node(st_.root.get(), fpath);
      if (n && (n->is_function || !n->rules.empty() || !n->defaults.empty())) {
        t->target.kind = CallKind::Function;
        t->target.node = n;
        int arity = n->arity < 0 ? 0 : n->arity;
        if (!n->is_function) {
          throw CompileError{make_diag("rego_type_error", "undefined function " + dotted, t->loc)};
        }
        if (nargs != static_cast<size_t>(arity) &&
            !(output_allowed && nargs == static_cast<size_t>(arity) + 1)) {
          throw CompileError{make_diag("rego_type_error",
                                       "function " + join_path(fpath) + " has arity " +
                                           std::to_string(arity) + ", got " +
                                           std::to_string(nargs) + " arguments",
                                       t->loc)};
        }
        t->slot = arity;
        return;
      }
    }
    auto sp = special_calls().find(dotted);
    if (sp != special_calls().end()) {
      t->target.kind = CallKind::Special;
      t->target.special = sp->second;
      t->slot = special_arity(sp->second);
      t->target.name = dotted;
      if (t->slot >= 0 && nargs != static_cast<size_t>(t->slot) &&
          !(output_allowed && nargs == static_cast<size_t>(t->slot) + 1)) {
        arity_error(dotted, t->slot, nargs, t->loc);
      }
      return;
    }
    const BuiltinDecl* decl = st_.registry.find(dotted);
    if (decl) {
      if (module_ && module_->v1 && is_deprecated_builtin(dotted)) {
        throw CompileError{make_diag("rego_type_error",
                                     "deprecated built-in function calls in expression: " + dotted,
                                     t->loc)};
      }
      t->target.kind = CallKind::Builtin;
      t->target.builtin = decl;
      int arity = static_cast<int>(decl->arg_types.size());
      t->slot = arity;
      if (nargs != static_cast<size_t>(arity) &&
          !(output_allowed && nargs == static_cast<size_t>(arity) + 1)) {
        arity_error(dotted, arity, nargs, t->loc);
      }
      return;
    }
    if (const std::string* reason = st_.registry.unsupported_reason(dotted)) {
      if (st_.mocked_names.count(dotted)) {
        t->target.kind = CallKind::Unsupported;
        t->slot = -1;
        return;
      }
      throw CompileError{make_diag(
          "rego_type_error",
          "undefined function " + dotted + ": policyc does not support it (" + *reason + ")",
          t->loc)};
    }
    std::string msg = "undefined function " + dotted;
    std::string near = st_.registry.suggest(dotted);
    if (!near.empty()) msg += " (did you mean " + near + "?)";
    throw CompileError{make_diag("rego_type_error", msg, t->loc)};
  }

  void resolve_expr(Expr& e, Scope& scope) {
    switch (e.kind) {
      case ExprKind::Term:
        // Only a call that is a whole expression may take an output argument: `count(x, n)`.
        statement_call_ = e.a.get();
        resolve_term(e.a, scope);
        statement_call_ = nullptr;
        break;
      case ExprKind::Unify:
        resolve_term(e.a, scope);
        resolve_term(e.b, scope);
        break;
      case ExprKind::Assign: {
        // The assigned names are not in scope inside their own value (`a := {x: a | ...}`
        // has a local `a` in the comprehension).
        std::vector<std::pair<std::string, int>> hidden;
        hide_assigned(e.a, scope, hidden);
        resolve_term(e.b, scope);
        for (auto& [n, slot] : hidden) scope.vars[n] = slot;
        resolve_term(e.a, scope);
        break;
      }
      case ExprKind::Not:
        resolve_expr(*e.inner, scope);
        break;
      case ExprKind::SomeDecl:
        for (auto& v : e.vars) resolve_term(v, scope);
        break;
      case ExprKind::SomeIn:
        resolve_term(e.domain, scope);
        if (e.key) resolve_term(e.key, scope);
        resolve_term(e.val, scope);
        break;
      case ExprKind::Every: {
        resolve_term(e.domain, scope);
        Scope inner;
        inner.parent = &scope;
        int start = static_cast<int>(slot_names_.size());
        st_.scope_start[&e] = start;
        if (e.key) declare_pattern(e.key, inner);
        declare_pattern(e.val, inner);
        compile_body(*e.body, inner, slots_below(static_cast<int>(slot_names_.size())));
        break;
      }
    }
    for (auto& w : e.withs) {
      resolve_with_target(w);
      if (!names_builtin(w.value)) resolve_term(w.value, scope);
    }
  }

  void hide_assigned(const TermPtr& t, Scope& scope,
                     std::vector<std::pair<std::string, int>>& hidden) {
    if (t->kind == TermKind::Var) {
      auto it = scope.vars.find(t->name);
      if (it != scope.vars.end() && assigned_.count(it->second)) {
        hidden.emplace_back(it->first, it->second);
        scope.vars.erase(it);
      }
      return;
    }
    for (const auto& i : t->items) hide_assigned(i, scope, hidden);
    for (const auto& [k, v] : t->pairs) hide_assigned(v, scope, hidden);
  }

  void resolve_with_target(plan::With& w) {
    // Targets are input/data refs or function names; rewrite aliases of imports.
    TermPtr& t = w.target;
    std::vector<std::string> path;
    if (t->kind == TermKind::Var || t->kind == TermKind::Ref) {
      if (operator_path(t, path)) {
        if (path[0] == "input" || path[0] == "data") return;
        auto it = imports_.find(path[0]);
        if (it != imports_.end()) {
          Scope dummy;
          resolve_term(t, dummy);
          return;
        }
        if (module_) {
          std::vector<std::string> p = module_->package;
          p.insert(p.end(), path.begin(), path.end());
          if (find_node(st_.root.get(), p)) {
            t = data_ref(p, t->loc);
            return;
          }
        }
        std::string dotted;
        for (size_t i = 0; i < path.size(); ++i) dotted += (i ? "." : "") + path[i];
        if (st_.registry.find(dotted) || special_calls().count(dotted) ||
            st_.registry.unsupported_reason(dotted)) {
          return;
        }
      }
    }
    throw CompileError{
        make_diag("rego_type_error",
                  "with keyword target must reference existing input, data, or a function", w.loc)};
  }

 private:
  std::set<int> assigned_;
};

// The ground prefix of a rule head: leading string segments.
void split_head(const plan::Rule& r, std::vector<std::string>& prefix, std::vector<TermPtr>& rest) {
  const auto& ref = r.ref;
  prefix.push_back(ref[0]->name);
  size_t i = 1;
  for (; i < ref.size(); ++i) {
    if (!is_string_scalar(*ref[i])) break;
    prefix.push_back(ref[i]->value.str());
  }
  for (; i < ref.size(); ++i) rest.push_back(ref[i]);
}

void compile_rule(EngineState& st, const ast::Module& m, CompiledRule& cr) {
  plan::Rule& rule = cr.rule;
  BodyCompiler bc(st, &m, cr.slot_names);
  Scope scope;
  for (auto& a : rule.args) bc.declare_pattern(a, scope);
  // Else branches see the arguments, pattern variables included (`f([_, kind]) := ...
  // else := ... if kind != "x"`), and none of the main body's locals.
  const Scope argument_scope = scope;
  std::set<int> entry;
  for (auto& a : rule.args) {
    std::set<int> n, o;
    bc.order_.collect(*a, n, o, true);
    entry.insert(n.begin(), n.end());
    entry.insert(o.begin(), o.end());
  }
  std::set<int> bound = entry;
  if (!rule.body.empty()) bound = bc.compile_body(rule.body, scope, entry);
  // Head terms see the body's bindings.
  auto resolve_head = [&](TermPtr& t) {
    if (!t) return;
    bc.resolve_term(t, scope);
    std::set<int> n, o;
    bc.order_.collect(*t, n, o, false);
    // Variables in ref key positions (`xs[_]`) enumerate; the rest must be bound.
    for (int s : n)
      if (!bound.count(s)) bc.order_.unsafe(s);
  };
  for (auto& t : cr.rest) resolve_head(t);
  resolve_head(rule.key);
  resolve_head(rule.value);
  // `some x` must be used.
  std::set<int> used;
  for (const auto& e : rule.body) {
    if (e.kind == ExprKind::SomeDecl) continue;
    std::set<int> n, o;
    bc.order_.collect_expr_all(e, n, o);
    used.insert(n.begin(), n.end());
    used.insert(o.begin(), o.end());
  }
  for (const auto* t : {&rule.key, &rule.value}) {
    if (!*t) continue;
    std::set<int> n, o;
    bc.order_.collect(**t, n, o, false);
    used.insert(n.begin(), n.end());
    used.insert(o.begin(), o.end());
  }
  for (const auto& t : cr.rest) {
    std::set<int> n, o;
    bc.order_.collect(*t, n, o, false);
    used.insert(n.begin(), n.end());
    used.insert(o.begin(), o.end());
  }
  for (const auto& e : rule.body) {
    if (e.kind != ExprKind::SomeDecl) continue;
    for (const auto& v : e.vars) {
      if (v->name == "_") continue;
      if (v->slot < 0 || !used.count(v->slot)) {
        throw CompileError{
            make_diag("rego_compile_error", "declared var " + v->name + " unused", v->loc)};
      }
    }
  }
  for (auto& ec : rule.elses) {
    BodyCompiler ebc(st, &m, cr.slot_names);
    ebc.slot_locs_.resize(cr.slot_names.size());
    Scope escope = argument_scope;
    std::set<int> eb = ec.body.empty() ? entry : ebc.compile_body(ec.body, escope, entry);
    if (ec.value) {
      ebc.resolve_term(ec.value, escope);
      std::set<int> n, o;
      ebc.order_.collect(*ec.value, n, o, false);
      for (int s : n)
        if (!eb.count(s)) ebc.order_.unsafe(s);
    }
  }
  cr.num_slots = static_cast<int>(cr.slot_names.size());
  // Head terms OPA moves into the body (RewriteRefsInHead, RewriteExprTerms) count as its
  // last expressions; an else clause's value belongs to that clause.
  std::vector<const Term*> head_terms{rule.key.get(), rule.value.get()};
  for (const auto& t : cr.rest) head_terms.push_back(t.get());
  cr.guards = index_guards(rule.body, head_terms, st.root.get());
  cr.else_guards.clear();
  for (const auto& ec : rule.elses)
    cr.else_guards.push_back(index_guards(ec.body, {ec.value.get()}, st.root.get()));
}

// METADATA blocks are YAML; rules default to scope "rule", packages to "package".
Value parse_annotations(const ast::Annotations& a, const char* default_scope,
                        std::vector<Diagnostic>& errors) {
  std::vector<Value> docs;
  TextError err;
  if (!parse_yaml(a.yaml, docs, err)) {
    Location l = a.loc;
    l.line += err.line;
    errors.push_back(make_diag("rego_parse_error", "yaml: " + err.message, l));
    return Value();
  }
  Value v = docs.empty() || !docs[0].is_object() ? Value::empty_object() : docs[0];
  if (!v.find(Value::string("scope"))) {
    ObjectEntries e(v.entries().begin(), v.entries().end());
    e.emplace_back(Value::string("scope"), Value::string(default_scope));
    v = Value::object(std::move(e));
  }
  return v;
}

}  // namespace

bool compile_modules(EngineState& st, std::vector<Diagnostic>& errors) {
  st.annotations.clear();
  for (const auto& mod : st.modules) {
    for (const auto& a : mod->package_annotations)
      st.annotations[a.get()] = parse_annotations(*a, "package", errors);
    for (const auto& r : mod->rules)
      if (r.annotations)
        st.annotations[r.annotations.get()] = parse_annotations(*r.annotations, "rule", errors);
  }
  if (!errors.empty()) return false;
  st.mocked_names.clear();
  std::function<void(const ast::Body&)> scan_withs = [&](const ast::Body& body) {
    for (const auto& e : body) {
      for (const auto& w : e.withs) st.mocked_names.insert(ast::term_to_string(*w.target));
      if (e.body) scan_withs(*e.body);
    }
  };
  for (const auto& mod : st.modules)
    for (const auto& r : mod->rules) {
      scan_withs(r.body);
      for (const auto& ec : r.elses) scan_withs(ec.body);
    }
  st.root = std::make_unique<RuleNode>();
  st.warnings.clear();
  st.rule_types.reset();
  st.scope_start.clear();
  st.comprehension_plans.clear();
  std::vector<CompiledRule*> all;
  // 1. Build the tree.
  for (const auto& mod : st.modules) {
    for (const auto& rule : mod->rules) {
      auto cr = std::make_unique<CompiledRule>();
      cr->rule = plan::lower_rule(rule);
      if (rule.annotations) cr->rule.annotations = st.annotations.at(rule.annotations.get());
      const std::string& name = rule.ref[0]->name;
      if (mod->v1 && (name == "input" || name == "data")) {
        errors.push_back(make_diag("rego_compile_error",
                                   "rules must not shadow " + name + " (use a different rule name)",
                                   rule.loc));
        return false;
      }
      std::vector<std::string> prefix = mod->package;
      std::vector<TermPtr> rest;
      split_head(cr->rule, prefix, rest);
      RuleNode* node = ensure_node(st.root.get(), prefix);
      cr->module = mod.get();
      cr->node = node;
      cr->rest = rest;
      if (rule.kind == ast::RuleKind::Function) {
        if (!node->rules.empty() && !node->is_function) {
          errors.push_back(make_diag(
              "rego_type_error", "conflicting rules " + join_path(prefix) + " found", rule.loc));
          return false;
        }
        node->is_function = true;
        int arity = static_cast<int>(rule.args.size());
        if (node->arity >= 0 && node->arity != arity) {
          errors.push_back(make_diag(
              "rego_type_error", "conflicting rules " + join_path(prefix) + " found", rule.loc));
          return false;
        }
        node->arity = arity;
      } else if (node->is_function) {
        errors.push_back(make_diag("rego_type_error",
                                   "conflicting rules " + join_path(prefix) + " found", rule.loc));
        return false;
      }
      if (rule.kind == ast::RuleKind::MultiValue) node->is_multi_value = true;
      if (!rest.empty()) node->has_dynamic_rest = true;
      all.push_back(cr.get());
      (rule.is_default ? node->defaults : node->rules).push_back(std::move(cr));
    }
  }
  // Complete and multi-value rules at the same path conflict.
  std::function<bool(RuleNode*)> check_kinds = [&](RuleNode* n) -> bool {
    bool single = false, multi = false;
    for (const auto& r : n->rules) {
      if (r->rule.kind == ast::RuleKind::MultiValue && r->rest.empty()) multi = true;
      if (r->rule.kind == ast::RuleKind::Complete && r->rest.empty()) single = true;
    }
    if (single && multi) {
      errors.push_back(make_diag("rego_type_error",
                                 "conflicting rules " + join_path(n->path) + " found",
                                 n->rules.front()->rule.loc));
      return false;
    }
    if (n->defaults.size() > 1) {
      errors.push_back(make_diag("rego_type_error",
                                 "multiple default rules " + join_path(n->path) + " found",
                                 n->defaults[1]->rule.loc));
      return false;
    }
    for (auto& [k, c] : n->children)
      if (!check_kinds(c.get())) return false;
    return true;
  };
  if (!check_kinds(st.root.get())) return false;
  // 2. Compile bodies.
  for (CompiledRule* cr : all) {
    try {
      compile_rule(st, *cr->module, *cr);
    } catch (const CompileError& e) {
      errors.push_back(e.diag);
    }
  }
  if (!errors.empty()) return false;
  const RuleDependencies graph = rule_dependencies(st);
  if (!check_recursion(graph, errors)) return false;
  if (!check_types(st, graph, errors)) return false;
  st.compiled = true;
  return true;
}

namespace {

// Whether a query iterates, as OPA decides it: a reference with a variable after its head,
// outside comprehensions.
bool iterates(const TermPtr& t) {
  if (!t) return false;
  switch (t->kind) {
    case TermKind::ArrayCompr:
    case TermKind::SetCompr:
    case TermKind::ObjectCompr:
      return false;
    case TermKind::Ref:
      for (size_t i = 1; i < t->items.size(); ++i)
        if (t->items[i]->kind == TermKind::Var) return true;
      break;
    default:
      break;
  }
  for (const auto& i : t->items)
    if (iterates(i)) return true;
  for (const auto& [k, v] : t->pairs)
    if (iterates(k) || iterates(v)) return true;
  return false;
}

bool iterates(const Expr& e) {
  for (const TermPtr* t : {&e.a, &e.b, &e.key, &e.val, &e.domain})
    if (iterates(*t)) return true;
  if (e.inner && iterates(*e.inner)) return true;
  if (e.body)
    for (const auto& inner : *e.body)
      if (iterates(inner)) return true;
  for (const auto& w : e.withs)
    if (iterates(w.value)) return true;
  return false;
}

}  // namespace

bool compile_query(EngineState& st, CompiledQuery& q, std::vector<Diagnostic>& errors) {
  BodyCompiler bc(st, nullptr, q.slot_names);
  Scope scope;
  try {
    bc.compile_body(*q.body, scope, {});
  } catch (const CompileError& e) {
    errors.push_back(e.diag);
    return false;
  }
  if (!check_query_types(st, *q.body, errors)) return false;
  q.false_fails = q.body->size() > 1 || std::any_of(q.body->begin(), q.body->end(),
                                                    [](const Expr& e) { return iterates(e); });
  // Capture the value of each term expression for the result's "expressions".
  for (auto& e : *q.body) {
    if (e.kind == ExprKind::Term) e.capture_slot = bc.new_slot("$expr", e.loc);
  }
  q.num_slots = static_cast<int>(q.slot_names.size());
  std::vector<std::pair<std::string, int>> outs;
  for (const auto& [name, slot] : scope.vars) {
    if (name.empty() || name[0] == '$' || name[0] == '_') continue;
    outs.emplace_back(name, slot);
  }
  std::sort(outs.begin(), outs.end());
  for (auto& o : outs) q.output_slots.push_back(o.second);
  return true;
}

}  // namespace policyc::eval
