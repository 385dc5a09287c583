// Explanations: why a rule produced a value, or why it produced none. A Recorder attached to
// an evaluation as its tracer keeps, for each rule and function evaluated, the proofs of the
// values its bodies produced (the expressions that held, with the values they read) and the
// attempts that failed (the expressions that held, then the one that was false or undefined),
// nested through the rules and functions each expression evaluated.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "policyc/engine/tracer.hpp"

namespace policyc::explain {

struct Evaluation;
using EvaluationPtr = std::shared_ptr<const Evaluation>;

// One expression of a body, as it held or failed.
struct Step {
  std::string text;
  TraceLocation loc;
  TraceOutcome outcome = TraceOutcome::Held;
  bool head = false;  // the head term the body's value came from
  std::vector<TraceOperand> operands;
  std::vector<EvaluationPtr> calls;  // the rules and functions it evaluated
};
using StepPtr = std::shared_ptr<const Step>;

// One pass through a body: the steps that held, then the failed one for a failure.
struct Attempt {
  std::vector<StepPtr> steps;
  bool produced = false;
  Value value;  // what a produced attempt contributed to the rule
};

struct BodyRecord {
  TraceLocation loc;
  TraceBodyKind kind = TraceBodyKind::Body;
  bool arguments_mismatch = false;  // a function definition whose parameters did not match
  std::vector<Attempt> proofs;
  std::vector<Attempt> failures;
  size_t proofs_omitted = 0;    // beyond the recorder's limits
  size_t failures_omitted = 0;  // beyond the recorder's limits, or not relevant
};

// One evaluation of a rule, a function call, an `every` or a comprehension.
struct Evaluation {
  std::string rule;  // "data.policies.security.deny", "every", "comprehension"
  TraceLocation loc;
  bool function = false;
  std::vector<Value> args;
  Value value;          // Undefined when it produced nothing
  bool reused = false;  // computed earlier in the evaluation; see Recorder::latest
  bool beyond_depth = false;
  std::vector<BodyRecord> bodies;
};

struct RecorderOptions {
  // Evaluations nested deeper than this are listed with their value only.
  int depth = 4;
  size_t max_proofs = 3;    // per body
  size_t max_failures = 3;  // per body
  // Which attempts matter to the question (say, those that read one service). Others are
  // kept only for a body where no attempt matters, within the same limits. Null: all matter.
  std::function<bool(const Attempt&)> relevant;
};

class Recorder final : public Tracer {
 public:
  explicit Recorder(RecorderOptions options = {});

  // The evaluations the query itself made, in order.
  const std::vector<EvaluationPtr>& roots() const { return roots_; }
  // The last complete evaluation of a rule (for a `reused` one, where it was computed).
  EvaluationPtr latest(const std::string& rule) const;

  bool detailed() const override { return true; }
  void enter_rule(const std::string& rule_path, const TraceLocation& loc, bool function,
                  std::span<const Value> args) override;
  void exit_rule(const Value& value) override;
  void rule_reused(const std::string& rule_path, const Value& value) override;
  void enter_body(const TraceLocation& loc, TraceBodyKind kind) override;
  void exit_body() override;
  void arguments_mismatch(const TraceLocation& loc) override;
  void expr_held(const TraceExpr& e) override;
  void expr_undone() override;
  void expr_failed(const TraceExpr& e) override;
  void body_produced(const Value& value) override;

 private:
  struct OpenBody {
    BodyRecord record;
    std::vector<StepPtr> path;
    std::vector<EvaluationPtr> pending;  // finished since the body's last step
    std::map<const void*, std::vector<EvaluationPtr>> calls_by_expr;
    std::vector<Attempt> other_proofs, other_failures;  // not relevant, kept as a fallback
  };
  struct OpenEvaluation {
    std::shared_ptr<Evaluation> evaluation;
    std::vector<OpenBody> bodies;  // open bodies of this evaluation, innermost last
  };
  StepPtr make_step(const TraceExpr& e);
  void keep(Attempt attempt, std::vector<Attempt>& kept, std::vector<Attempt>& others, size_t limit,
            size_t& omitted);
  void finished(EvaluationPtr evaluation);
  OpenBody* current_body();

  RecorderOptions options_;
  std::vector<OpenEvaluation> open_;
  int skipped_ = 0;  // nesting inside an evaluation beyond the depth limit
  std::vector<EvaluationPtr> roots_;
  std::vector<EvaluationPtr> root_pending_;
  std::map<std::string, EvaluationPtr> latest_;
};

}  // namespace policyc::explain

namespace policyc::explain {

// How a reader shows explanations. Every hook may be null.
struct RenderOptions {
  // Applied to every value shown (check masks secret literals).
  std::function<Value(const Value&)> mask;
  // Where an operand's value came from, as lines printed under it (check: the blueprint file,
  // line and column, with the source line and a caret) and as a JSON value ("source").
  std::function<std::vector<std::string>(const TraceOperand&)> origin_lines;
  std::function<Value(const TraceOperand&)> origin_json;
  // What explains the evaluation asked about: its proofs, its failed attempts, or both.
  // Below it, an evaluation that produced a value shows its proofs, one that did not its
  // failures.
  bool failures = true;
  bool proofs = true;
  // Where a rule's value was computed, for an evaluation that reused it (Recorder::latest):
  // shown in full the first time, then referred to.
  std::function<const Evaluation*(const std::string& rule)> earlier;
};

// A tree an editor can render: evaluation -> bodies -> proofs/failures -> steps -> values and
// the evaluations each step made (README: "explain JSON").
Value to_json(const Evaluation& evaluation, const RenderOptions& options);
// Indented text, like a compiler's notes.
std::string to_text(const Evaluation& evaluation, const RenderOptions& options, int indent = 0);
// "held", "false", "undefined".
const char* outcome_name(TraceOutcome outcome);

}  // namespace policyc::explain
