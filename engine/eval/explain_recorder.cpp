#include <utility>

#include "policyc/engine/explain.hpp"

namespace policyc::explain {

Recorder::Recorder(RecorderOptions options) : options_(std::move(options)) {}

EvaluationPtr Recorder::latest(const std::string& rule) const {
  auto it = latest_.find(rule);
  return it == latest_.end() ? nullptr : it->second;
}

Recorder::OpenBody* Recorder::current_body() {
  if (skipped_ > 0 || open_.empty() || open_.back().bodies.empty()) return nullptr;
  return &open_.back().bodies.back();
}

void Recorder::enter_rule(const std::string& rule_path, const TraceLocation& loc, bool function,
                          std::span<const Value> args) {
  if (skipped_ > 0) {
    ++skipped_;
    return;
  }
  auto evaluation = std::make_shared<Evaluation>();
  evaluation->rule = rule_path;
  evaluation->loc = loc;
  evaluation->function = function;
  evaluation->args.assign(args.begin(), args.end());
  if (static_cast<int>(open_.size()) >= options_.depth) {
    evaluation->beyond_depth = true;
    skipped_ = 1;
  }
  open_.push_back({std::move(evaluation), {}});
}

void Recorder::exit_rule(const Value& value) {
  if (skipped_ > 1) {
    --skipped_;
    return;
  }
  skipped_ = 0;
  if (open_.empty()) return;
  std::shared_ptr<Evaluation> evaluation = std::move(open_.back().evaluation);
  open_.pop_back();
  evaluation->value = value;
  if (evaluation->rule != "every" && evaluation->rule != "comprehension" && !evaluation->function)
    latest_[evaluation->rule] = evaluation;
  finished(std::move(evaluation));
}

void Recorder::rule_reused(const std::string& rule_path, const Value& value) {
  if (skipped_ > 0) return;
  auto evaluation = std::make_shared<Evaluation>();
  evaluation->rule = rule_path;
  evaluation->value = value;
  evaluation->reused = true;
  if (auto earlier = latest(rule_path)) evaluation->loc = earlier->loc;
  finished(std::move(evaluation));
}

void Recorder::finished(EvaluationPtr evaluation) {
  if (OpenBody* body = current_body()) {
    body->pending.push_back(std::move(evaluation));
  } else if (open_.empty()) {
    roots_.push_back(std::move(evaluation));
  }
  // An evaluation finished while its caller evaluates a head value is not kept: the proof
  // ends at the body.
}

void Recorder::enter_body(const TraceLocation& loc, TraceBodyKind kind) {
  if (skipped_ > 0 || open_.empty()) return;
  OpenBody body;
  body.record.loc = loc;
  body.record.kind = kind;
  open_.back().bodies.push_back(std::move(body));
}

void Recorder::exit_body() {
  if (skipped_ > 0 || open_.empty() || open_.back().bodies.empty()) return;
  OpenBody body = std::move(open_.back().bodies.back());
  open_.back().bodies.pop_back();
  BodyRecord& record = body.record;
  // Nothing that mattered: what was kept instead explains the body.
  if (record.proofs.empty()) {
    record.proofs = std::move(body.other_proofs);
    record.proofs_omitted -= std::min(record.proofs_omitted, record.proofs.size());
  }
  if (record.failures.empty()) {
    record.failures = std::move(body.other_failures);
    record.failures_omitted -= std::min(record.failures_omitted, record.failures.size());
  }
  open_.back().evaluation->bodies.push_back(std::move(record));
}

void Recorder::arguments_mismatch(const TraceLocation& loc) {
  if (skipped_ > 0 || open_.empty()) return;
  BodyRecord record;
  record.loc = loc;
  record.arguments_mismatch = true;
  open_.back().evaluation->bodies.push_back(std::move(record));
}

StepPtr Recorder::make_step(const TraceExpr& e) {
  OpenBody& body = *current_body();
  auto step = std::make_shared<Step>();
  step->text = e.text;
  step->loc = e.loc;
  step->outcome = e.outcome;
  step->head = e.head;
  step->operands = e.operands;
  // Evaluations finished since the body's last step belong to this expression. One that
  // iterates holds again later without evaluating them again: it keeps them by identity.
  auto& calls = body.calls_by_expr[e.id];
  if (!body.pending.empty()) calls = std::move(body.pending);
  body.pending.clear();
  step->calls = calls;
  return step;
}

void Recorder::expr_held(const TraceExpr& e) {
  OpenBody* body = current_body();
  if (!body) return;
  body->path.push_back(make_step(e));
}

void Recorder::expr_undone() {
  OpenBody* body = current_body();
  if (body && !body->path.empty()) body->path.pop_back();
}

void Recorder::expr_failed(const TraceExpr& e) {
  OpenBody* body = current_body();
  if (!body) return;
  Attempt attempt;
  attempt.steps = body->path;
  attempt.steps.push_back(make_step(e));
  keep(std::move(attempt), body->record.failures, body->other_failures, options_.max_failures,
       body->record.failures_omitted);
}

void Recorder::body_produced(const Value& value) {
  OpenBody* body = current_body();
  if (!body) return;
  Attempt attempt;
  attempt.steps = body->path;
  attempt.produced = true;
  attempt.value = value;
  body->pending.clear();  // what the head value evaluated
  keep(std::move(attempt), body->record.proofs, body->other_proofs, options_.max_proofs,
       body->record.proofs_omitted);
}

void Recorder::keep(Attempt attempt, std::vector<Attempt>& kept, std::vector<Attempt>& others,
                    size_t limit, size_t& omitted) {
  const bool relevant = !options_.relevant || options_.relevant(attempt);
  if (relevant && kept.size() < limit) {
    kept.push_back(std::move(attempt));
    return;
  }
  ++omitted;
  if (!relevant && others.size() < limit) others.push_back(std::move(attempt));
}

}  // namespace policyc::explain
