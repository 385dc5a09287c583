// What the evaluator tells a tracer about an expression: its outcome and, for a detailed
// tracer, the values it read. Operands are evaluated again after the expression, with tracing
// muted, so evaluation without a tracer never pays for them.
#include <string_view>

#include "evaluator.hpp"

namespace policyc::eval {

namespace {

// Builtins whose second call may answer differently from the first: their value in a trace
// would not be the one the expression used.
bool repeatable(const Term& call) {
  if (call.target.kind == CallKind::Function) return true;
  if (call.target.kind != CallKind::Builtin) return false;
  static constexpr std::string_view kOnce[] = {"http.send",
                                               "rand.intn",
                                               "uuid.rfc4122",
                                               "time.now_ns",
                                               "opa.runtime",
                                               "net.lookup_ip_addr",
                                               "crypto.x509.parse_and_verify_certificates"};
  for (auto name : kOnce)
    if (call.target.name == name) return false;
  return true;
}

std::string source_between(const Location& from, int end) {
  if (!from.file || end <= from.offset) return {};
  std::string_view text(from.file->text);
  std::string_view part =
      text.substr(static_cast<size_t>(from.offset), static_cast<size_t>(end - from.offset));
  while (!part.empty() && (part.back() == '.' || part.back() == '[' || part.back() == ' '))
    part.remove_suffix(1);
  return std::string(part);
}

std::string key_text(const Value& key) { return key.is_string() ? key.str() : key.to_json(); }

struct MuteGuard {
  explicit MuteGuard(bool& flag) : flag(flag), before(flag) { flag = true; }
  ~MuteGuard() { flag = before; }
  bool& flag;
  bool before;
};

}  // namespace

// Out of eval_expr, which stays small for evaluation without a tracer.
bool Evaluator::eval_expr_traced(const Expr& e, Frame& f, KDone k) {
  bool reached = false;
  const bool outer_false = false_seen_;
  false_seen_ = false;
  auto k2 = [&]() {
    reached = true;
    // Compiler-made expressions (operands hoisted out of a `not`) are not the author's: a
    // proof lists what was written.
    if (e.generated) return k();
    trace_expr(e, f, TraceOutcome::Held);
    bool r = k();
    if (Tracer* t = tracer()) t->expr_undone();
    return r;
  };
  WithState outer{input_, data_overrides_, mocks_, special_mocks_, caches_.size()};
  bool r = e.withs.empty() ? eval_expr_core(e, f, k2) : eval_with(e, 0, f, k2, outer);
  if (!reached) trace_expr(e, f, false_seen_ ? TraceOutcome::False : TraceOutcome::Undefined);
  false_seen_ = outer_false;
  return r;
}

void Evaluator::trace_operand(const Term& t, Frame& f, std::vector<TraceOperand>& out) {
  TraceOperand op;
  op.text = t.loc.text();
  if (op.text.empty()) op.text = t.name;
  if (op.text.empty() || op.text == "_" || op.text == "input" || op.text == "data") return;
  for (const auto& seen : out)
    if (seen.text == op.text) return;
  const Term* head = t.kind == TermKind::Ref ? t.items[0].get() : &t;
  const bool local_head = head->kind == TermKind::Var && head->slot >= 0;
  const bool input_head = head->kind == TermKind::Var && head->slot < 0 && head->name == "input";
  if (local_head || input_head) {
    // Walked by hand, so that an undefined reference can say which key is missing.
    const Value* cur = input_head ? &input_ : &f[static_cast<size_t>(head->slot)];
    if (cur->is_undefined()) return;  // an unbound variable: nothing to show yet
    op.root_is_input = input_head;
    op.root = *cur;
    if (t.kind == TermKind::Ref) {
      for (size_t i = 1; i < t.items.size(); ++i) {
        const Term& seg = *t.items[i];
        const Value* key = nullptr;
        if (seg.kind == TermKind::Scalar) {
          key = &seg.value;
        } else if (seg.kind == TermKind::Var && seg.slot >= 0 &&
                   f[static_cast<size_t>(seg.slot)].is_defined()) {
          key = &f[static_cast<size_t>(seg.slot)];
        } else {
          return;  // a computed or unbound key: the reference iterates
        }
        const Value* next = cur->is_collection() ? cur->get_ptr(*key) : nullptr;
        if (!next) {
          op.defined_prefix = source_between(t.loc, seg.loc.offset);
          op.missing_key = key_text(*key);
          out.push_back(std::move(op));
          return;
        }
        op.keys.push_back(*key);
        cur = next;
      }
    }
    op.value = *cur;
    out.push_back(std::move(op));
    return;
  }
  if (t.kind == TermKind::Call && !repeatable(t)) return;
  if (t.kind == TermKind::Ref && t.items[0]->kind == TermKind::Call && !repeatable(*t.items[0]))
    return;
  MuteGuard mute(trace_muted_);
  auto first = [&](const Value& v) {
    op.value = v;
    return true;
  };
  try {
    eval_term(t, f, first);
  } catch (const EvalError&) {
    return;  // the expression itself reported it, or will
  }
  out.push_back(std::move(op));
}

void Evaluator::trace_produced(const TermPtr& head, Frame& f, const Value& value) {
  Tracer* tracer = opts_.tracer;
  if (!head || is_constant_term(head) || !tracer->detailed()) {
    tracer->body_produced(value);
    return;
  }
  TraceExpr te;
  te.id = head.get();
  te.text = head->loc.text();
  te.loc = trace_loc(head->loc);
  te.head = true;
  if (head->kind == TermKind::Call) trace_operand(*head, f, te.operands);
  trace_operands(*head, f, te.operands);
  tracer->expr_held(te);
  tracer->body_produced(value);
  tracer->expr_undone();
}

void Evaluator::trace_operands(const Term& t, Frame& f, std::vector<TraceOperand>& out) {
  if (trace_variables_only_ && t.kind != TermKind::Var) {
    if (t.kind == TermKind::Ref) trace_operands(*t.items[0], f, out);
    return;
  }
  switch (t.kind) {
    case TermKind::Var:
    case TermKind::Ref:
      trace_operand(t, f, out);
      return;
    case TermKind::Call:
      for (size_t i = 1; i < t.items.size(); ++i) {
        const Term& arg = *t.items[i];
        if (arg.kind == TermKind::Call && arg.target.kind != CallKind::Special)
          trace_operand(arg, f, out);
        trace_operands(arg, f, out);
      }
      return;
    case TermKind::Array:
    case TermKind::Set:
      for (const auto& item : t.items) trace_operands(*item, f, out);
      return;
    case TermKind::Object:
      for (const auto& [key, value] : t.pairs) {
        trace_operands(*key, f, out);
        trace_operands(*value, f, out);
      }
      return;
    default:
      return;  // constants, and comprehensions (their value shows where they are used)
  }
}

void Evaluator::trace_expr(const Expr& e, Frame& f, TraceOutcome outcome) {
  Tracer* tracer = opts_.tracer;
  TraceExpr te;
  te.id = &e;
  te.text = e.loc.text();
  te.loc = trace_loc(e.loc);
  if (tracer->detailed()) {
    const Expr& shown = e.kind == ExprKind::Not ? *e.inner : e;
    trace_variables_only_ = !e.withs.empty();
    for (const TermPtr* t : {&shown.a, &shown.b, &shown.domain, &shown.key, &shown.val})
      if (*t) trace_operands(**t, f, te.operands);
    trace_variables_only_ = false;
    if (outcome == TraceOutcome::Undefined && e.kind != ExprKind::Term) {
      // `=`, `every` and `not` fail as false when everything they read has a value.
      bool all_defined = true;
      for (const auto& op : te.operands) all_defined = all_defined && op.value.is_defined();
      if (all_defined) outcome = TraceOutcome::False;
    }
  }
  te.outcome = outcome;
  if (outcome == TraceOutcome::Held) {
    tracer->expr_held(te);
  } else {
    tracer->expr_failed(te);
  }
}

}  // namespace policyc::eval
