// The compiled form of a policy: what the evaluator runs. The compiler lowers each rule and
// query of the parser's syntax tree into a tree of its own (lower_rule, lower_body), then its
// stages resolve names into typed targets, give locals frame slots and reorder bodies in that
// tree. The syntax tree stays exactly as the parser produced it, and no node is shared between
// two rules or two bodies of one rule: each lowering copies the terms it needs.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "policyc/core/value.hpp"
#include "policyc/dsl/ast.hpp"

namespace policyc {
struct BuiltinDecl;
}

namespace policyc::eval {

struct RuleNode;

// What a call resolved to. CallKind::Unsupported: a builtin policyc does not implement, allowed
// only because a `with` somewhere replaces it; unmocked calls fail at evaluation.
enum class CallKind { Unresolved, Builtin, Function, Special, Unsupported };

// Calls the evaluator handles itself.
enum SpecialCall {
  kSpecialNone = 0,
  kSpecialMember2,
  kSpecialMember3,
  kSpecialPrint,
  kSpecialEqual,
  kSpecialNeq,
  kSpecialLt,
  kSpecialLte,
  kSpecialGt,
  kSpecialGte,
  kSpecialTrace,
  kSpecialMetadataRule,
  kSpecialMetadataChain,
  kSpecialWalk,
};

namespace plan {

using ast::ExprKind;
using ast::Location;
using ast::RuleKind;
using ast::TermKind;

struct Term;
struct Expr;
using TermPtr = std::shared_ptr<Term>;
using Body = std::vector<Expr>;

// The resolved operator of a call term, or the rule a ground `data` ref starts at.
struct Target {
  CallKind kind = CallKind::Unresolved;
  const BuiltinDecl* builtin = nullptr;  // CallKind::Builtin
  const RuleNode* node = nullptr;        // CallKind::Function, and data refs into rules
  SpecialCall special = kSpecialNone;    // CallKind::Special
  std::string name;                      // the dotted operator name, for messages and mocks
  // What a `with` replacing this call is keyed by.
  const void* mock_key() const {
    return builtin ? static_cast<const void*>(builtin) : static_cast<const void*>(node);
  }
};

struct Term {
  TermKind kind = TermKind::Scalar;
  Location loc;
  Value value;
  std::string name;
  std::vector<TermPtr> items;
  std::vector<std::pair<TermPtr, TermPtr>> pairs;
  TermPtr key;
  TermPtr head;
  std::shared_ptr<Body> body;
  int slot = -1;  // the variable's slot in its frame; -1: not a local
  Target target;
};

struct With {
  TermPtr target;
  TermPtr value;
  Location loc;
};

struct Expr {
  ExprKind kind = ExprKind::Term;
  Location loc;
  TermPtr a, b;
  std::shared_ptr<Expr> inner;  // Not
  std::vector<TermPtr> vars;    // SomeDecl
  TermPtr key, val, domain;     // SomeIn, Every
  std::shared_ptr<Body> body;   // Every
  std::vector<With> withs;
  bool generated = false;  // added by the compiler
  int capture_slot = -1;   // query expressions: where the value is kept for the result
};

struct ElseClause {
  Location loc;
  TermPtr value;  // null: true
  Body body;
};

struct Rule {
  Location loc;
  RuleKind kind = RuleKind::Complete;
  bool is_default = false;
  bool assign = false;
  std::vector<TermPtr> ref;  // items[0] is the rule name var; the rest are path terms
  std::vector<TermPtr> args;
  TermPtr key;
  TermPtr value;
  Body body;
  bool has_body = false;
  std::vector<ElseClause> elses;
  Value annotations;  // the parsed METADATA block; undefined when there is none
};

TermPtr make_scalar(Value v, Location loc);
TermPtr make_var(std::string name, Location loc);

// Every value the compiled form holds (constants, folded collections, annotations), for
// freezing a compiled set that several threads evaluate.
// Whether `test` holds for one of the terms directly inside `t` (its items and its pairs'
// keys and values): the recursive step of the compiler's "does this term contain ..." walks.
template <typename Test>
bool any_child(const Term& t, Test&& test) {
  for (const auto& i : t.items)
    if (test(*i)) return true;
  for (const auto& [k, v] : t.pairs)
    if (test(*k) || test(*v)) return true;
  return false;
}

void for_each_value(Rule& rule, const std::function<void(Value&)>& visit);
void for_each_value(Body& body, const std::function<void(Value&)>& visit);
void for_each_value(const TermPtr& term, const std::function<void(Value&)>& visit);

// Lowering: fresh copies, never sharing a node with the syntax tree or with each other.
TermPtr lower_term(const ast::TermPtr& t);
Body lower_body(const ast::Body& body);
Rule lower_rule(const ast::Rule& rule);

}  // namespace plan
}  // namespace policyc::eval
