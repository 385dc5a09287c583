// The Rego abstract syntax tree, exactly as the parser produced it: the compiler lowers it into
// a compiled form of its own (engine/eval/plan.hpp) and never writes here. Every node carries
// its source location.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "policyc/core/value.hpp"

namespace policyc::ast {

struct SourceFile {
  std::string name;
  std::string text;
  // The text of 1-based line `line` (without the newline).
  std::string line_text(int line) const;
};

struct Location {
  const SourceFile* file = nullptr;
  int line = 0;
  int col = 0;
  int offset = 0;            // byte offset into file->text
  int end = 0;               // byte offset one past the node's text
  std::string text() const;  // the node's source text
};

struct Term;
struct Expr;
using TermPtr = std::shared_ptr<Term>;
using Body = std::vector<Expr>;

enum class TermKind {
  Scalar,       // value
  Var,          // name
  Ref,          // items[0] head (var or call term), items[1..] path terms
  Array,        // items
  Set,          // items
  Object,       // pairs
  ArrayCompr,   // head, body
  SetCompr,     // head, body
  ObjectCompr,  // key, head (value), body
  Call,         // items[0] operator (var or ref of vars/strings), items[1..] arguments
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
};

enum class ExprKind {
  Term,      // a: true unless undefined or false
  Unify,     // a = b
  Assign,    // a := b
  Not,       // not inner
  SomeDecl,  // some vars
  SomeIn,    // some [key,] val in domain
  Every,     // every [key,] val in domain { body }
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
};

struct Annotations {
  std::string yaml;  // the METADATA block's YAML text
  Location loc;
};

struct ElseClause {
  Location loc;
  TermPtr value;  // null: true
  Body body;
};

enum class RuleKind { Complete, MultiValue, Function };

struct Rule {
  Location loc;
  RuleKind kind = RuleKind::Complete;
  bool is_default = false;
  bool assign = false;  // := rather than =
  // Head reference: items[0] is the rule name var; rest are path terms (strings for `.x`).
  std::vector<TermPtr> ref;
  std::vector<TermPtr> args;  // functions
  TermPtr key;                // MultiValue: the element
  TermPtr value;              // null: true
  Body body;                  // empty: unconditionally true
  bool has_body = false;
  std::vector<ElseClause> elses;
  std::shared_ptr<Annotations> annotations;
};

struct Import {
  Location loc;
  std::vector<TermPtr> path;  // data.x.y / input.x / future.keywords.in / rego.v1
  std::string alias;
};

struct Module {
  std::shared_ptr<SourceFile> file;
  Location package_loc;
  std::vector<std::string> package;  // without the leading "data"
  std::vector<Import> imports;
  std::vector<Rule> rules;
  std::vector<std::shared_ptr<Annotations>> package_annotations;
  bool v1 = true;
  bool rego_v1_import = false;
};

// Scalar and variable terms of this tree or of one shaped like it (the compiled form's).
template <class T>
std::shared_ptr<T> scalar_term(Value v, Location loc) {
  auto t = std::make_shared<T>();
  t->kind = TermKind::Scalar;
  t->value = std::move(v);
  t->loc = loc;
  return t;
}
template <class T>
std::shared_ptr<T> var_term(std::string name, Location loc) {
  auto t = std::make_shared<T>();
  t->kind = TermKind::Var;
  t->name = std::move(name);
  t->loc = loc;
  return t;
}

// Builds a term quickly.
inline TermPtr make_scalar(Value v, Location loc) { return scalar_term<Term>(std::move(v), loc); }
inline TermPtr make_var(std::string name, Location loc) {
  return var_term<Term>(std::move(name), loc);
}
TermPtr make_call(std::string op, std::vector<TermPtr> args, Location loc);

// Source text of a term, as OPA prints it in messages.
std::string term_to_string(const Term& t);

}  // namespace policyc::ast
