// Evaluation tracing, for `policyc explain`. The evaluator calls a tracer only when one is
// attached to the query; without one it pays a single null check per hook.
//
// Evaluation backtracks, so the events nest like this: a rule or function evaluation
// (enter_rule ... exit_rule) holds its bodies (enter_body ... exit_body); in a body each
// expression either holds (expr_held, later expr_undone when evaluation backtracks past it)
// or fails (expr_failed); a body that reaches its end with every expression held produces a
// value (body_produced). The expressions held and not undone at body_produced are the proof
// of that value.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "policyc/core/value.hpp"

namespace policyc {

struct TraceLocation {
  std::string file;
  int line = 0;
  int col = 0;
};

// A value an expression read: a variable, a reference, or a nested builtin call.
struct TraceOperand {
  std::string text;  // as written: "svc.ingress.tls.enabled"
  Value value;       // Undefined when it has none
  // When undefined: the longest prefix of the reference that has a value, and the key that
  // is missing below it ("svc.ingress.tls", "enabled").
  std::string defined_prefix;
  std::string missing_key;
  // Where the value sits: below `root` (the input document, or the value of the reference's
  // first variable) through `keys`. A reader maps it to a path in the input.
  bool root_is_input = false;
  Value root;
  std::vector<Value> keys;
};

enum class TraceOutcome { Held, False, Undefined };

enum class TraceBodyKind { Body, Else, Default };

struct TraceExpr {
  const void* id = nullptr;  // the same expression gives the same id
  std::string text;
  TraceLocation loc;
  TraceOutcome outcome = TraceOutcome::Held;
  std::vector<TraceOperand> operands;  // only for a detailed() tracer
  bool head = false;  // the head term whose value the body produced, not an expression
};

class Tracer {
 public:
  virtual ~Tracer() = default;
  // Whether expressions come with their operands (evaluated again after the expression, which
  // costs time: plain evaluation for differential tests does not want them).
  virtual bool detailed() const { return false; }
  // A rule (its value) or a function (its value for `args`) is evaluated.
  virtual void enter_rule(const std::string& rule_path, const TraceLocation& loc, bool function,
                          std::span<const Value> args) = 0;
  virtual void exit_rule(const Value& value) = 0;
  // A rule's value was computed before and is used again.
  virtual void rule_reused(const std::string& rule_path, const Value& value) = 0;
  virtual void enter_body(const TraceLocation& loc, TraceBodyKind kind) = 0;
  virtual void exit_body() = 0;
  // A function definition whose parameters do not match the arguments.
  virtual void arguments_mismatch(const TraceLocation& loc) = 0;
  virtual void expr_held(const TraceExpr& e) = 0;
  virtual void expr_undone() = 0;
  virtual void expr_failed(const TraceExpr& e) = 0;
  virtual void body_produced(const Value& value) = 0;
};

}  // namespace policyc
