#include "plan.hpp"

namespace policyc::eval::plan {

TermPtr make_scalar(Value v, Location loc) { return ast::scalar_term<Term>(std::move(v), loc); }

TermPtr make_var(std::string name, Location loc) {
  return ast::var_term<Term>(std::move(name), loc);
}

namespace {

std::shared_ptr<Body> lower_body_ptr(const std::shared_ptr<ast::Body>& body) {
  return body ? std::make_shared<Body>(lower_body(*body)) : nullptr;
}

Expr lower_expr(const ast::Expr& e) {
  Expr out;
  out.kind = e.kind;
  out.loc = e.loc;
  out.a = lower_term(e.a);
  out.b = lower_term(e.b);
  if (e.inner) out.inner = std::make_shared<Expr>(lower_expr(*e.inner));
  out.vars.reserve(e.vars.size());
  for (const auto& v : e.vars) out.vars.push_back(lower_term(v));
  out.key = lower_term(e.key);
  out.val = lower_term(e.val);
  out.domain = lower_term(e.domain);
  out.body = lower_body_ptr(e.body);
  out.withs.reserve(e.withs.size());
  for (const auto& w : e.withs)
    out.withs.push_back({lower_term(w.target), lower_term(w.value), w.loc});
  return out;
}

}  // namespace

void for_each_value(const TermPtr& t, const std::function<void(Value&)>& visit) {
  if (!t) return;
  visit(t->value);
  for (const auto& i : t->items) for_each_value(i, visit);
  for (const auto& [k, v] : t->pairs) {
    for_each_value(k, visit);
    for_each_value(v, visit);
  }
  for_each_value(t->key, visit);
  for_each_value(t->head, visit);
  if (t->body) for_each_value(*t->body, visit);
}

namespace {

void for_each_value(Expr& e, const std::function<void(Value&)>& visit) {
  for (const auto* t : {&e.a, &e.b, &e.key, &e.val, &e.domain}) for_each_value(*t, visit);
  for (const auto& v : e.vars) for_each_value(v, visit);
  if (e.inner) for_each_value(*e.inner, visit);
  if (e.body) for_each_value(*e.body, visit);
  for (auto& w : e.withs) {
    for_each_value(w.target, visit);
    for_each_value(w.value, visit);
  }
}

}  // namespace

void for_each_value(Body& body, const std::function<void(Value&)>& visit) {
  for (auto& e : body) for_each_value(e, visit);
}

void for_each_value(Rule& rule, const std::function<void(Value&)>& visit) {
  for (const auto& t : rule.ref) for_each_value(t, visit);
  for (const auto& t : rule.args) for_each_value(t, visit);
  for_each_value(rule.key, visit);
  for_each_value(rule.value, visit);
  for_each_value(rule.body, visit);
  for (auto& ec : rule.elses) {
    for_each_value(ec.value, visit);
    for_each_value(ec.body, visit);
  }
  visit(rule.annotations);
}

TermPtr lower_term(const ast::TermPtr& t) {
  if (!t) return nullptr;
  auto out = std::make_shared<Term>();
  out->kind = t->kind;
  out->loc = t->loc;
  out->value = t->value;
  out->name = t->name;
  out->items.reserve(t->items.size());
  for (const auto& i : t->items) out->items.push_back(lower_term(i));
  out->pairs.reserve(t->pairs.size());
  for (const auto& [k, v] : t->pairs) out->pairs.emplace_back(lower_term(k), lower_term(v));
  out->key = lower_term(t->key);
  out->head = lower_term(t->head);
  out->body = lower_body_ptr(t->body);
  return out;
}

Body lower_body(const ast::Body& body) {
  Body out;
  out.reserve(body.size());
  for (const auto& e : body) out.push_back(lower_expr(e));
  return out;
}

Rule lower_rule(const ast::Rule& rule) {
  Rule out;
  out.loc = rule.loc;
  out.kind = rule.kind;
  out.is_default = rule.is_default;
  out.assign = rule.assign;
  for (const auto& t : rule.ref) out.ref.push_back(lower_term(t));
  for (const auto& t : rule.args) out.args.push_back(lower_term(t));
  out.key = lower_term(rule.key);
  out.value = lower_term(rule.value);
  out.body = lower_body(rule.body);
  out.has_body = rule.has_body;
  for (const auto& ec : rule.elses)
    out.elses.push_back({ec.loc, lower_term(ec.value), lower_body(ec.body)});
  return out;
}

}  // namespace policyc::eval::plan
