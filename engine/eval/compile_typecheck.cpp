// OPA's type checker (its ast/check.go) on the compiled form: rules are checked in dependency
// order, each body expression by expression in evaluation order. A variable takes the type of
// what first binds it (an assignment, a call's declared argument or result type, a key of the
// collection it indexes); later uses must be compatible, and rules and functions get the union
// of their definitions' types, which their callers are checked against. Mistakes are
// rego_type_error: a call's argument that cannot have the declared type ("count: invalid
// argument(s)"), `=` between values that cannot be equal ("match error"), and a reference into
// something that has no such key or no keys at all ("undefined ref").
//
// Where policyc does not model a term's type it leaves it untyped, and an untyped term never
// causes an error: the checker may miss what OPA reports, but must not report what OPA accepts.
#include <functional>
#include <map>
#include <unordered_map>

#include "internal.hpp"
#include "type_lattice.hpp"

namespace policyc::eval {

struct RuleTypes {
  std::map<const RuleNode*, types::TypeRef> types;
};

namespace {

using types::TypeRef;

class TypeChecker {
 public:
  explicit TypeChecker(EngineState& st) : st_(st) {}
  // Checks queries against types computed before (read, not copied: check prepares many).
  TypeChecker(EngineState& st, const RuleTypes& known) : st_(st), known_(&known.types) {}

  RuleTypes take_types() { return RuleTypes{std::move(owned_)}; }

  // A query: its body, in a frame of its own.
  void check_query(const Body& body) {
    in_rule_ = false;
    layers_.assign(1, Env());
    compr_types_.clear();
    call_types_.clear();
    check_body(body);
  }

  void check_node(const RuleNode* node) {
    TypeRef type;
    bool failed = false;
    for (const auto* list : {&node->rules, &node->defaults}) {
      for (const auto& cr : *list) {
        TypeRef t;
        if (!check_rule(*cr, t)) {
          failed = true;
          continue;
        }
        type = merge_definition(*cr, type, t);
      }
    }
    // A rule with an error is `any` to its callers, so that one mistake is reported once.
    owned_[node] = failed ? types::any_type() : type;
  }

  std::vector<Diagnostic> errors;

 private:
  // A rule's type with one more definition's: a partial set's elements and a partial
  // object's keys and values are joined inside one set or object type, as OPA does; the
  // values of complete rules and functions are joined as alternatives.
  static TypeRef merge_definition(const CompiledRule& cr, const TypeRef& so_far, const TypeRef& t) {
    if (!so_far || !t) return so_far ? so_far : t;
    bool partial_set = cr.rule.kind == ast::RuleKind::MultiValue && cr.rest.empty();
    bool partial_object = cr.rule.kind != ast::RuleKind::MultiValue &&
                          cr.rule.kind != ast::RuleKind::Function && cr.rest.size() == 1;
    if (partial_set && so_far->kind == types::Kind::Set && t->kind == types::Kind::Set)
      return types::set_of(types::type_or(so_far->of, t->of));
    if (partial_object && so_far->kind == types::Kind::Object && t->kind == types::Kind::Object)
      return types::object_of({}, types::type_or(types::keys(so_far), types::keys(t)),
                              types::type_or(types::values(so_far), types::values(t)));
    return types::type_or(so_far, t);
  }

  using Env = std::unordered_map<int, TypeRef>;

  // ----- rules

  // A rule's type (a function type for functions), from its main body and, as OPA checks each
  // else branch as a definition of its own, the union with each else branch's.
  bool check_rule(const CompiledRule& cr, TypeRef& out) {
    const plan::Rule& r = cr.rule;
    size_t errors_before = errors.size();
    out = check_definition(cr, r.body, r.value);
    for (const auto& ec : r.elses) {
      TypeRef t = check_definition(cr, ec.body, ec.value);
      out = types::type_or(out, t);
    }
    return errors.size() == errors_before;
  }

  TypeRef check_definition(const CompiledRule& cr, const Body& body, const TermPtr& value_term) {
    const plan::Rule& r = cr.rule;
    layers_.assign(1, Env());
    compr_types_.clear();
    call_types_.clear();
    check_body(body);
    // OPA moves head terms that need evaluation into the body: they are checked there.
    for (const TermPtr* t : {&value_term, &r.key})
      if (*t) check_head_term(**t);
    for (const auto& t : cr.rest) check_head_term(*t);
    auto value_type = [&]() -> TypeRef {
      if (!value_term) return types::boolean_type();
      TypeRef t = get(*value_term);
      return t ? t : types::any_type();
    };
    if (r.kind == ast::RuleKind::Function) {
      // Arguments the body did not type are any.
      std::function<void(const Term&)> fill = [&](const Term& t) {
        if (t.kind == TermKind::Var && t.slot >= 0 && !lookup(t.slot))
          put(t.slot, types::any_type());
        for (const auto& i : t.items) fill(*i);
        for (const auto& [k, v] : t.pairs) fill(*v);
      };
      std::vector<TypeRef> args;
      for (const auto& a : r.args) {
        fill(*a);
        TypeRef t = get(*a);
        args.push_back(t ? t : types::any_type());
      }
      return types::function_of(std::move(args), value_type());
    }
    // Ref heads with variables before the end nest objects policyc does not type.
    if (cr.rest.size() > 1 || (!cr.rest.empty() && r.kind == ast::RuleKind::MultiValue))
      return types::any_type();
    if (r.kind == ast::RuleKind::MultiValue) {
      TypeRef key = get(*r.key);
      return types::set_of(key ? key : types::any_type());
    }
    if (cr.rest.size() == 1) {
      // A partial object (`p[k] := v`): its keys and values.
      TypeRef key = get(*cr.rest.back());
      return types::object_of({}, key ? key : types::any_type(), value_type());
    }
    return value_type();
  }

  // OPA moves a head term holding a reference or comprehension into the body as `__v = t`
  // (its RewriteRefsInHead) and checks that unification, the fresh variable untyped.
  void check_head_term(const Term& t) {
    size_t errors_before = errors.size();
    check_parts(t);
    if (errors.size() == errors_before && needs_evaluation(t)) check_bound_operand(t);
  }

  // A term OPA binds to a fresh variable (`__v = t`) before the expression that uses it.
  void check_bound_operand(const Term& t) {
    bind_dynamic_parts_of_operand(t);
    check_bound_to_fresh_var(t);
  }

  // `__v = t` for an untyped `__v`, as OPA's unify2 decides it: an untyped variable takes
  // the term's type unless that type has untyped parts (a comprehension whose head is a
  // variable nothing typed, say), where only variables, arrays and objects can be matched
  // element by element; anything else is a match error.
  void check_bound_to_fresh_var(const Term& t) {
    switch (t.kind) {
      case TermKind::Var:
      case TermKind::Array:
      case TermKind::Object:
      case TermKind::Scalar:
        return;
      default:
        break;
    }
    if (untyped_by_policyc(t)) return;
    TypeRef type = get(t);
    // No type at all: the term's own error was reported already.
    if (type && types::has_nil(type)) match_error(nullptr, type, t.loc);
  }

  // OPA's RewriteDynamicTerms binds every comprehension inside an operand of a call (in
  // arrays, objects, sets and reference keys too) to a fresh variable first, `__v = [x | ...]`.
  void bind_dynamic_parts(const Term& t) {
    switch (t.kind) {
      case TermKind::ArrayCompr:
      case TermKind::SetCompr:
      case TermKind::ObjectCompr:
        check_bound_to_fresh_var(t);
        return;
      case TermKind::Call:  // an expression of its own, checked as one
        return;
      case TermKind::Ref:
        for (size_t i = 1; i < t.items.size(); ++i) bind_dynamic_parts(*t.items[i]);
        return;
      default:
        break;
    }
    for (const auto& i : t.items) bind_dynamic_parts(*i);
    for (const auto& [k, v] : t.pairs) {
      bind_dynamic_parts(*k);
      bind_dynamic_parts(*v);
    }
  }

  // An operand of `=` or a term standing as an expression: a comprehension there is unified
  // as it is, the comprehensions inside other terms are bound first.
  void bind_dynamic_parts_of_operand(const Term& t) {
    switch (t.kind) {
      case TermKind::ArrayCompr:
      case TermKind::SetCompr:
      case TermKind::ObjectCompr:
        return;
      default:
        bind_dynamic_parts(t);
    }
  }

  // The literal or comprehension that heads a reference (`[1, 2][i]`, and the domain of
  // `some x in [...]`): OPA binds it to a fresh variable first.
  void check_reference_subject(const Term& subject) {
    switch (subject.kind) {
      case TermKind::Array:
      case TermKind::Object:
      case TermKind::Set:
      case TermKind::ArrayCompr:
      case TermKind::SetCompr:
      case TermKind::ObjectCompr:
        check_bound_operand(subject);
        return;
      default:
        return;
    }
  }

  // OPA's requiresEval: a term holding a reference or a comprehension.
  static bool needs_evaluation(const Term& t) {
    switch (t.kind) {
      case TermKind::Ref:
      case TermKind::ArrayCompr:
      case TermKind::SetCompr:
      case TermKind::ObjectCompr:
        return true;
      default:
        break;
    }
    return plan::any_child(t, [](const Term& child) { return needs_evaluation(child); });
  }

  // ----- bodies and expressions

  void check_body(const Body& body) {
    for (const auto& e : body) check_expr(e);
  }

  void check_expr(const Expr& e) {
    switch (e.kind) {
      case ExprKind::Term:
        if (in_rule_ && e.a->kind == TermKind::Call && e.a->target.kind == CallKind::Special &&
            e.a->target.special == kSpecialEqual && e.a->items.size() == 3) {
          // In a rule body OPA checks `a == b` as `a = b` (its RewriteEquals stage runs first).
          const Term& a = *e.a->items[1];
          const Term& b = *e.a->items[2];
          check_parts(a, b);
          bind_dynamic_parts_of_operand(a);
          bind_dynamic_parts_of_operand(b);
          if (!unify2(a, get(a), b, get(b))) match_error(get(a), get(b), e.loc);
        } else if (e.a->kind == TermKind::Call) {
          check_call(*e.a);
        } else {
          check_parts(*e.a);
          bind_dynamic_parts_of_operand(*e.a);
          get(*e.a);
        }
        return;
      case ExprKind::Unify:
      case ExprKind::Assign:
        check_parts(*e.a, *e.b);
        bind_dynamic_parts_of_operand(*e.a);
        bind_dynamic_parts_of_operand(*e.b);
        if (!unify2(*e.a, get(*e.a), *e.b, get(*e.b))) match_error(get(*e.a), get(*e.b), e.loc);
        return;
      case ExprKind::Not:
        if (e.body) check_body(*e.body);
        check_expr(*e.inner);
        return;
      case ExprKind::SomeDecl:
        return;
      case ExprKind::SomeIn:
        check_some_in(e);
        return;
      case ExprKind::Every: {
        // OPA binds a domain other than a call to a fresh variable first (`__v = domain`).
        size_t errors_before = errors.size();
        check_parts(*e.domain);
        get(*e.domain);
        if (errors.size() == errors_before) {
          if (e.domain->kind == TermKind::Var && e.domain->slot >= 0 && !lookup(e.domain->slot))
            put(e.domain->slot, types::any_type());
          if (e.domain->kind != TermKind::Call) check_bound_operand(*e.domain);
        }
        layers_.emplace_back();
        if (e.key) unify1(*e.key, types::any_type(), false);
        unify1(*e.val, types::any_type(), false);
        // OPA 0.61 checks the references in an `every` body but not its calls and
        // unifications (its expression walk does not enter the body).
        ++quiet_;
        check_body(*e.body);
        --quiet_;
        layers_.pop_back();
        return;
      }
    }
  }

  // `some k, v in xs` is `v = xs[k]` to OPA: the key takes the collection's key type and the
  // value its element type. A domain without keys is an undefined reference when it is a
  // variable or a reference (OPA's reference check), and a match error when it is a literal
  // (`some x in "abc"`: the reference's type is unknown, so `x = "abc"[k]` cannot unify).
  void check_some_in(const Expr& e) {
    size_t errors_before = errors.size();
    check_parts(*e.domain);
    if (errors.size() == errors_before) check_reference_subject(*e.domain);
    TypeRef domain = get(*e.domain);
    if (!domain) {
      // OPA's reference check makes an untyped variable any when it is indexed (`xs[k]`).
      if (e.domain->kind == TermKind::Var && e.domain->slot >= 0)
        put(e.domain->slot, types::any_type());
      domain = types::any_type();
    }
    bool literal = e.domain->kind == TermKind::Scalar;
    TypeRef k = types::keys(domain);
    if (!k) {
      if (literal) {
        fail("match error", e.loc);
      } else {
        fail("undefined ref: " + e.domain->loc.text() + "[_]", e.domain->loc);
      }
      return;
    }
    if (e.key) {
      bool fits = e.key->kind == TermKind::Scalar ? types::select(domain, e.key->value) != nullptr
                                                  : unify1(*e.key, k, false);
      if (!fits) {
        fail("undefined ref: " + e.domain->loc.text(), e.domain->loc);
        return;
      }
    }
    TypeRef element = types::values(domain);
    if (!element) return;
    if (!unify1(*e.val, element, false)) fail("match error", e.loc);
  }

  // Calls inside a term (OPA binds each to a variable before the expression): checked first,
  // innermost first, their result types kept for `get`.
  void check_nested_calls(const Term& t) {
    switch (t.kind) {
      case TermKind::Call:
        check_call(t);
        return;
      case TermKind::ArrayCompr:
      case TermKind::SetCompr:
      case TermKind::ObjectCompr:
        return;  // checked with their bodies
      default:
        break;
    }
    for (const auto& i : t.items) check_nested_calls(*i);
    for (const auto& [k, v] : t.pairs) {
      check_nested_calls(*k);
      check_nested_calls(*v);
    }
  }

  // The declared or inferred type of what a call calls, null when unknown.
  TypeRef callee_type(const Term& call) {
    switch (call.target.kind) {
      case CallKind::Builtin:
        return declared_type(call.target.builtin);
      case CallKind::Function: {
        auto it = known_->find(call.target.node);
        return it == known_->end() ? nullptr : it->second;
      }
      case CallKind::Special:
        // The evaluator's own operators are declared in the registry too; print takes any
        // number of operands (OPA declares it variadic), which a function type cannot say.
        if (call.target.special == kSpecialPrint) return nullptr;
        return declared_type(st_.registry.find(call.target.name));
      default:
        return nullptr;
    }
  }

  TypeRef declared_type(const BuiltinDecl* d) {
    if (!d) return nullptr;
    auto it = decl_types_.find(d);
    if (it != decl_types_.end()) return it->second;
    std::vector<TypeRef> args;
    TypeRef fn;
    bool ok = true;
    for (const auto& a : d->arg_types) {
      TypeRef t = types::parse_type(a);
      if (!t) ok = false;
      args.push_back(t);
    }
    TypeRef result = types::parse_type(d->result_type);
    if (ok && result) fn = types::function_of(std::move(args), result);
    decl_types_[d] = fn;
    return fn;
  }

  TypeRef check_call(const Term& call) {
    auto cached = call_types_.find(&call);
    if (cached != call_types_.end()) return cached->second;
    // As OPA rewrites it: the calls nested in the arguments first, then the arguments'
    // references, bound to variables before the call.
    for (size_t i = 1; i < call.items.size(); ++i) check_nested_calls(*call.items[i]);
    for (size_t i = 1; i < call.items.size(); ++i) check_refs(*call.items[i]);
    for (size_t i = 1; i < call.items.size(); ++i) bind_dynamic_parts(*call.items[i]);
    TypeRef fn = callee_type(call);
    TypeRef result;
    if (fn && fn->kind == types::Kind::Function) {
      result = fn->of;
      size_t nargs = call.items.size() - 1;
      for (size_t i = 0; i < nargs; ++i) {
        // The argument after the declared ones is the output (`count(x, n)`).
        TypeRef want =
            i < fn->items.size() ? fn->items[i] : (i == fn->items.size() ? fn->of : nullptr);
        if (!want) break;
        if (!unify1(*call.items[i + 1], want, false)) {
          // OPA's message, then what it shows as details: the argument types it had and the
          // declared ones.
          std::string have, wanted;
          for (size_t j = 0; j < nargs; ++j)
            have += (j ? ", " : "") + types::to_string(get(*call.items[j + 1]));
          for (size_t j = 0; j < fn->items.size(); ++j)
            wanted += (j ? ", " : "") + types::to_string(fn->items[j]);
          std::string name = call.target.kind == CallKind::Function && call.target.node
                                 ? join_path(call.target.node->path)
                                 : call.target.name;
          fail_quietly_or(
              name + ": invalid argument(s): have (" + have + "), want (" + wanted + ")", call.loc);
          break;
        }
      }
    }
    call_types_[&call] = result;
    return result;
  }

  // ----- the type of a term (OPA's TypeEnv.Get)

  TypeRef lookup(int slot) const {
    for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) {
      auto found = it->find(slot);
      if (found != it->end()) return found->second;
    }
    return nullptr;
  }
  void put(int slot, TypeRef t) { layers_.back()[slot] = std::move(t); }

  TypeRef get(const Term& t) {
    switch (t.kind) {
      case TermKind::Scalar:
        return types::type_of(t.value);
      case TermKind::Var:
        if (t.slot >= 0) return lookup(t.slot);
        return types::any_type();  // input, data
      case TermKind::Ref:
        return ref_type(t);
      case TermKind::Array: {
        std::vector<TypeRef> items;
        for (const auto& i : t.items) items.push_back(get(*i));
        // `[]` is an array of anything, as in OPA.
        if (items.empty()) return types::array_of({}, types::any_type());
        return types::array_of(std::move(items), nullptr);
      }
      case TermKind::Set: {
        TypeRef of;
        for (const auto& i : t.items) of = types::type_or(of, get(*i));
        return types::set_of(of ? of : types::any_type());
      }
      case TermKind::Object: {
        std::vector<std::pair<Value, TypeRef>> props;
        TypeRef key, value;
        for (const auto& [k, v] : t.pairs) {
          if (k->kind == TermKind::Scalar) {
            props.emplace_back(k->value, get(*v));
          } else {
            key = get(*k);
            value = get(*v);
          }
        }
        if (value && key) return types::object_of(std::move(props), key, value);
        // `{}` is an object of anything, as in OPA.
        if (props.empty()) return types::object_of({}, types::any_type(), types::any_type());
        return types::object_of(std::move(props), nullptr, nullptr);
      }
      case TermKind::ArrayCompr:
      case TermKind::SetCompr:
      case TermKind::ObjectCompr:
        return comprehension_type(t);
      case TermKind::Call:
        return check_call(t);
    }
    return nullptr;
  }

  TypeRef comprehension_type(const Term& t) {
    auto cached = compr_types_.find(&t);
    if (cached != compr_types_.end()) return cached->second;
    size_t errors_before = errors.size();
    layers_.emplace_back();
    // A comprehension's body is checked in full, inside an `every` body too (OPA checks
    // every closure it finds).
    int quiet = quiet_;
    quiet_ = 0;
    check_body(*t.body);
    TypeRef head, key;
    if (t.key) {
      check_parts(*t.key);
      key = get(*t.key);
    }
    check_parts(*t.head);
    head = get(*t.head);
    quiet_ = quiet;
    layers_.pop_back();
    TypeRef out;
    if (errors.size() == errors_before) {
      if (t.kind == TermKind::ArrayCompr) {
        out = types::array_of({}, head);
      } else if (t.kind == TermKind::SetCompr) {
        out = types::set_of(head);
      } else {
        out = types::object_of({}, key, head);
      }
    }
    compr_types_[&t] = out;
    return out;
  }

  // The type a reference to a rule node reads. A function named without arguments (a
  // zero-argument function, as Gatekeeper's library uses them) is left untyped.
  TypeRef node_type(const RuleNode* node) const {
    auto it = known_->find(node);
    if (it == known_->end() || !it->second) return nullptr;
    if (!node->is_function) return it->second;
    // A function without arguments is typed as the value it has (OPA types rules without
    // arguments as values); one with arguments cannot be read as a value.
    const TypeRef& fn = it->second;
    return node->arity == 0 && fn->kind == types::Kind::Function ? fn->of : nullptr;
  }

  // A namespace of the rule tree as OPA types it: an object of its children's types that may
  // hold anything else under string keys (base documents are not typed).
  TypeRef extent(const RuleNode* node) const {
    if (!node->rules.empty() || !node->defaults.empty()) {
      if (!node->is_function || node->arity == 0) return node_type(node);
      auto it = known_->find(node);  // a function's own type, as OPA's tree holds it
      return it == known_->end() ? nullptr : it->second;
    }
    std::vector<std::pair<Value, TypeRef>> props;
    for (const auto& [key, child] : node->children) {
      TypeRef t = extent(child.get());
      if (!t) return nullptr;
      props.emplace_back(Value::string(key), t);
    }
    return types::object_of(std::move(props), types::string_type(), types::any_type());
  }

  // A reference's type: a local's type, `input` (any), or a data reference through the rule
  // tree to a rule's type (base documents are any).
  TypeRef ref_type(const Term& ref) {
    const Term& head = *ref.items[0];
    if (head.kind == TermKind::Var && head.slot >= 0) return select_ref(lookup(head.slot), ref, 1);
    if (head.kind == TermKind::Var && head.name == "data") {
      const RuleNode* node = st_.root.get();
      for (size_t i = 1; i < ref.items.size(); ++i) {
        if (!node->rules.empty() || !node->defaults.empty())
          return select_ref(node_type(node), ref, i);
        const Term& seg = *ref.items[i];
        if (!is_string_scalar(seg)) return select_ref(extent(node), ref, i);
        auto child = node->children.find(seg.value.str());
        if (child == node->children.end()) return types::any_type();
        node = child->second.get();
      }
      return extent(node);
    }
    if (head.kind == TermKind::Var) return types::any_type();  // input
    if (head.kind == TermKind::Call) return select_ref(check_call(head), ref, 1);
    // A literal or comprehension head (`[1, 2][i]`, which `some x in [1, 2]` becomes).
    return select_ref(get(head), ref, 1);
  }

  TypeRef select_ref(TypeRef t, const Term& ref, size_t from) {
    for (size_t i = from; i < ref.items.size() && t; ++i) {
      const Term& seg = *ref.items[i];
      if (seg.kind == TermKind::Scalar) {
        t = types::select(t, seg.value);
      } else {
        t = types::values(t);
      }
    }
    return t;
  }

  // ----- references (OPA's refChecker): a key into something with no keys, a constant key
  // an object type does not have, a variable key of the wrong type.

  // The references of terms, in the order OPA's rewriting binds them: calls nested in the
  // terms first (each checks its own arguments), then the references outside them, those in
  // a reference's brackets before the reference.
  void check_parts(const Term& t) {
    check_nested_calls(t);
    check_refs(t);
  }
  void check_parts(const Term& a, const Term& b) {
    check_nested_calls(a);
    check_nested_calls(b);
    check_refs(a);
    check_refs(b);
  }

  void check_refs(const Term& t) {
    switch (t.kind) {
      case TermKind::ArrayCompr:
      case TermKind::SetCompr:
      case TermKind::ObjectCompr:
      case TermKind::Call:  // checked with the call
        return;
      default:
        break;
    }
    for (const auto& i : t.items) check_refs(*i);
    for (const auto& [k, v] : t.pairs) {
      check_refs(*k);
      check_refs(*v);
    }
    if (t.kind == TermKind::Ref) check_ref(t);
  }

  void check_ref(const Term& ref) {
    const Term& head = *ref.items[0];
    check_reference_subject(head);
    if (head.kind == TermKind::Var && head.slot >= 0) {
      TypeRef t = lookup(head.slot);
      // An untyped local is any from here on, as OPA's reference check types it.
      if (!t) put(head.slot, t = types::any_type());
      check_ref_leaf(t, ref, 1);
      return;
    }
    if (head.kind == TermKind::Var && head.name == "data") {
      const RuleNode* node = st_.root.get();
      for (size_t i = 1; i < ref.items.size(); ++i) {
        if (!node->rules.empty() || !node->defaults.empty()) {
          // A function with arguments read as a value (OPA has no first-class functions).
          if (node->is_function && node->arity > 0) {
            fail("undefined ref: " + ref.loc.text(), ref.loc);
            return;
          }
          if (TypeRef t = node_type(node)) check_ref_leaf(t, ref, i);
          return;
        }
        const Term& seg = *ref.items[i];
        if (!is_string_scalar(seg)) {
          if (seg.kind == TermKind::Var && seg.slot >= 0) {
            // A variable over a namespace's keys is a string.
            TypeRef exist = lookup(seg.slot);
            if (!exist) {
              put(seg.slot, types::string_type());
            } else if (!types::unifies(exist, types::string_type())) {
              fail("undefined ref: " + ref.loc.text(), ref.loc);
            }
          } else if (i <= 2 && (seg.kind == TermKind::Scalar || seg.kind == TermKind::Array ||
                                seg.kind == TermKind::Object || seg.kind == TermKind::Set)) {
            // The first steps below data name packages: strings or variables only (a
            // reference there is a variable to OPA, which binds it first).
            fail("undefined ref: " + ref.loc.text(), ref.loc);
          }
          return;
        }
        auto child = node->children.find(seg.value.str());
        if (child == node->children.end()) {
          // Base data: untyped; its variable keys are any (OPA types them through the
          // namespace's other children, which can only be more lenient here).
          for (size_t j = i + 1; j < ref.items.size(); ++j) {
            const Term& k = *ref.items[j];
            if (k.kind == TermKind::Var && k.slot >= 0 && !lookup(k.slot))
              put(k.slot, types::any_type());
          }
          return;
        }
        node = child->second.get();
      }
      if (node->is_function && node->arity > 0) fail("undefined ref: " + ref.loc.text(), ref.loc);
      return;
    }
    if (head.kind == TermKind::Var) check_ref_leaf(types::any_type(), ref, 1);
  }

  void check_ref_leaf(TypeRef t, const Term& ref, size_t idx) {
    for (; idx < ref.items.size(); ++idx) {
      if (!t) return;
      TypeRef k = types::keys(t);
      if (!k) {
        fail("undefined ref: " + ref.loc.text() + " (a " + types::to_string(t) + " has no keys)",
             ref.loc);
        return;
      }
      const Term& seg = *ref.items[idx];
      switch (seg.kind) {
        case TermKind::Scalar: {
          TypeRef child = types::select(t, seg.value);
          if (!child) {
            fail("undefined ref: " + ref.loc.text() + " (" + types::to_string(t) + " has no key " +
                     seg.value.to_json() + ")",
                 ref.loc);
            return;
          }
          t = child;
          continue;
        }
        case TermKind::Var:
          if (seg.slot >= 0) {
            TypeRef exist = lookup(seg.slot);
            if (exist) {
              if (!types::unifies(exist, k)) {
                fail("undefined ref: " + ref.loc.text() + " (a " + types::to_string(exist) +
                         " cannot be a key of " + types::to_string(t) + ")",
                     ref.loc);
                return;
              }
            } else {
              put(seg.slot, k);
            }
          }
          break;
        case TermKind::Ref:
        case TermKind::Call: {
          TypeRef exist = get(seg);
          if (exist && !types::unifies(exist, k)) {
            fail("undefined ref: " + ref.loc.text(), ref.loc);
            return;
          }
          break;
        }
        case TermKind::Array:
        case TermKind::Object:
        case TermKind::Set:
          if (!unify1(seg, k, false)) {
            fail("undefined ref: " + ref.loc.text(), ref.loc);
            return;
          }
          break;
        default:
          break;
      }
      t = types::values(t);
    }
  }

  // ----- unification (OPA's unify1 and unify2)

  bool unify1(const Term& term, const TypeRef& tpe, bool union_) {
    if (!tpe) return true;
    switch (term.kind) {
      case TermKind::Array:
        if (tpe->kind == types::Kind::Array) {
          if (term.items.size() != tpe->items.size() && !tpe->of) return false;
          for (size_t i = 0; i < term.items.size(); ++i) {
            TypeRef want = i < tpe->items.size() ? tpe->items[i] : tpe->of;
            if (!unify1(*term.items[i], want, union_)) return false;
          }
          return true;
        }
        return unify1_any(term, tpe, [&](const Term& e, const TypeRef& x, bool u) {
          for (const auto& i : e.items) unify1(*i, x, u);
        });
      case TermKind::Object:
        if (tpe->kind == types::Kind::Object) {
          if (term.pairs.size() != tpe->props.size() && !tpe->of) return false;
          for (const auto& [k, v] : term.pairs) {
            if (k->kind == TermKind::Scalar) {
              TypeRef child = types::select(tpe, k->value);
              if (!child || !unify1(*v, child, union_)) return false;
            } else {
              unify1(*v, types::any_type(), union_);
            }
          }
          return true;
        }
        return unify1_any(term, tpe, [&](const Term& e, const TypeRef& x, bool u) {
          for (const auto& [k, v] : e.pairs) {
            unify1(*k, x, u);
            unify1(*v, x, u);
          }
        });
      case TermKind::Set:
        if (tpe->kind == types::Kind::Set) {
          TypeRef of = types::values(tpe);
          for (const auto& i : term.items)
            if (!unify1(*i, of, union_)) return false;
          return true;
        }
        return unify1_any(term, tpe, [&](const Term& e, const TypeRef& x, bool u) {
          for (const auto& i : e.items) unify1(*i, x, u);
        });
      case TermKind::Var:
        if (term.slot < 0) return true;
        if (!union_) {
          TypeRef exist = lookup(term.slot);
          if (exist) return types::unifies(exist, tpe);
          put(term.slot, tpe);
        } else {
          put(term.slot, types::type_or(lookup(term.slot), tpe));
        }
        return true;
      default:
        return types::unifies(get(term), tpe);
    }
  }

  // A collection term against `any` or a union: `any` types its elements as any; a union
  // needs one alternative that fits.
  template <class Each>
  bool unify1_any(const Term& term, const TypeRef& tpe, Each each_element) {
    if (tpe->kind != types::Kind::Any) return false;
    if (tpe->items.empty()) {
      each_element(term, types::any_type(), true);
      return true;
    }
    bool any = false;
    for (const auto& alt : tpe->items) any = unify1(term, alt, true) || any;
    return any;
  }

  bool unify2(const Term& a, const TypeRef& ta, const Term& b, const TypeRef& tb) {
    bool nil_a = types::has_nil(ta), nil_b = types::has_nil(tb);
    if (nil_a && !nil_b) return unify1(a, tb, false);
    if (nil_b && !nil_a) return unify1(b, ta, false);
    if (!nil_a && !nil_b) return types::unifies(ta, tb);
    auto is_var = [](const Term& t) { return t.kind == TermKind::Var; };
    switch (a.kind) {
      case TermKind::Array:
        return unify2_array(a, b);
      case TermKind::Object:
        return unify2_object(a, b);
      case TermKind::Var:
        if (is_var(b)) return unify1(a, types::any_type(), false) && unify1(b, get(a), false);
        if (b.kind == TermKind::Array) return unify2_array(b, a);
        if (b.kind == TermKind::Object) return unify2_object(b, a);
        break;
      default:
        break;
    }
    return untyped_by_policyc(a) || untyped_by_policyc(b);
  }

  // Whether a term is a reference or call that policyc may leave untyped where OPA has a
  // type (calls it has no signature for, say): unification involving one is not an error.
  // Variables, literals and comprehensions without a type are untyped to OPA too, and their
  // mismatches are OPA's match errors.
  static bool untyped_by_policyc(const Term& t) {
    return t.kind == TermKind::Ref || t.kind == TermKind::Call;
  }

  bool unify2_array(const Term& a, const Term& b) {
    if (b.kind == TermKind::Array) {
      if (a.items.size() != b.items.size()) return false;
      for (size_t i = 0; i < a.items.size(); ++i) {
        const Term& x = *a.items[i];
        const Term& y = *b.items[i];
        if (!unify2(x, get(x), y, get(y))) return false;
      }
      return true;
    }
    if (b.kind == TermKind::Var)
      return unify1(a, types::any_type(), false) && unify1(b, get(a), false);
    return untyped_by_policyc(b);
  }

  bool unify2_object(const Term& a, const Term& b) {
    if (b.kind == TermKind::Object) {
      if (a.pairs.size() != b.pairs.size()) return false;
      for (const auto& [ka, va] : a.pairs) {
        if (ka->kind != TermKind::Scalar) return true;
        const Term* match = nullptr;
        for (const auto& [kb, vb] : b.pairs)
          if (kb->kind == TermKind::Scalar && kb->value == ka->value) match = vb.get();
        if (!match) return false;
        if (!unify2(*va, get(*va), *match, get(*match))) return false;
      }
      return true;
    }
    if (b.kind == TermKind::Var)
      return unify1(a, types::any_type(), false) && unify1(b, get(a), false);
    return untyped_by_policyc(b);
  }

  // OPA's "match error", with the two sides' types it shows as details.
  void match_error(const TypeRef& left, const TypeRef& right, const Location& loc) {
    fail_quietly_or(
        "match error: left " + types::to_string(left) + ", right " + types::to_string(right), loc);
  }

  void fail(const std::string& message, const Location& loc) {
    errors.push_back(make_diag("rego_type_error", message, loc));
  }
  // Calls and unifications inside `every` bodies: not reported (see check_expr).
  void fail_quietly_or(const std::string& message, const Location& loc) {
    if (!quiet_) fail(message, loc);
  }
  int quiet_ = 0;
  bool in_rule_ = true;  // queries keep `==` (see check_expr)

  EngineState& st_;
  std::map<const RuleNode*, TypeRef> owned_;  // the types this checker computes
  const std::map<const RuleNode*, TypeRef>* known_ = &owned_;
  std::map<const BuiltinDecl*, TypeRef> decl_types_;
  std::vector<Env> layers_;
  std::unordered_map<const Term*, TypeRef> compr_types_;
  std::unordered_map<const Term*, TypeRef> call_types_;
};

// OPA reports its errors sorted by location; the first is the one a reader meets first.
bool report_first(const std::vector<Diagnostic>& found, std::vector<Diagnostic>& errors) {
  if (found.empty()) return true;
  auto first =
      std::min_element(found.begin(), found.end(), [](const Diagnostic& a, const Diagnostic& b) {
        return std::tie(a.file, a.line, a.col) < std::tie(b.file, b.line, b.col);
      });
  errors.push_back(*first);
  return false;
}

}  // namespace

bool check_types(EngineState& st, const RuleDependencies& graph, std::vector<Diagnostic>& errors) {
  TypeChecker checker(st);
  // Dependencies first; the recursion check has ruled cycles out.
  walk_dependencies(
      graph, [&](RuleNode* n) { checker.check_node(n); },
      [](const std::vector<RuleNode*>&, RuleNode*) { return true; });
  st.rule_types = std::make_shared<const RuleTypes>(checker.take_types());
  return report_first(checker.errors, errors);
}

bool check_query_types(EngineState& st, const Body& query, std::vector<Diagnostic>& errors) {
  if (!st.rule_types) return true;
  TypeChecker checker(st, *st.rule_types);
  checker.check_query(query);
  return report_first(checker.errors, errors);
}

}  // namespace policyc::eval
