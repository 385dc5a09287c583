// Explanations as text and as a JSON tree.
#include <set>
#include <string>
#include <utility>

#include "policyc/engine/explain.hpp"

namespace policyc::explain {

namespace {

constexpr size_t kMaxValueText = 100;

class ObjectBuilder {
 public:
  ObjectBuilder& add(const char* key, Value v) {
    if (v.is_defined()) entries_.emplace_back(Value::string(key), std::move(v));
    return *this;
  }
  Value build() { return Value::object(std::move(entries_)); }

 private:
  ObjectEntries entries_;
};

Value shown(const Value& v, const RenderOptions& options) {
  return options.mask && v.is_defined() ? options.mask(v) : v;
}

// Whether a value has at most `budget` scalars and collections: a large one (a system's
// services) is summarised, never written out or even measured in full.
bool small(const Value& v, size_t& budget) {
  if (budget == 0) return false;
  --budget;
  if (v.is_object()) {
    for (const auto& [key, child] : v.entries())
      if (!small(child, budget)) return false;
  } else if (v.is_array() || v.is_set()) {
    for (const auto& item : v.items())
      if (!small(item, budget)) return false;
  }
  return true;
}

std::string summary(const Value& v) {
  const std::string n = std::to_string(v.size());
  if (v.is_object()) return "{...} (object, " + n + " keys)";
  if (v.is_array()) return "[...] (array, " + n + " items)";
  if (v.is_set()) return "{...} (set, " + n + " items)";
  return "...";
}

// A value for the JSON tree: in full when small, else its summary.
void add_value(ObjectBuilder& out, const char* key, const Value& v, const RenderOptions& options) {
  size_t budget = 200;
  if (small(v, budget)) {
    out.add(key, shown(v, options));
  } else {
    out.add((std::string(key) + "_summary").c_str(), Value::string(summary(v)));
  }
}

// Short values in full; a long collection by its size, since the reads into it show what
// mattered (a service's whole blueprint, bound to `svc`, is a page of JSON).
std::string value_text(const Value& v, const RenderOptions& options) {
  size_t budget = kMaxValueText / 2;
  if (!small(v, budget)) return summary(v);
  std::string text = shown(v, options).to_json();
  if (text.size() <= kMaxValueText) return text;
  if (v.is_collection()) return summary(v);
  return text.substr(0, kMaxValueText - 3) + "...";
}

// An expression on one line, shortened: a comprehension's body can run over many.
std::string one_line(const std::string& text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == '\n' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  if (out.size() > kMaxValueText) out = out.substr(0, kMaxValueText - 3) + "...";
  return out;
}

Value location_json(const TraceLocation& loc) {
  return ObjectBuilder()
      .add("file", Value::string(loc.file))
      .add("line", Value::integer(loc.line))
      .add("col", Value::integer(loc.col))
      .build();
}

std::string location_text(const TraceLocation& loc) {
  return loc.file + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.col);
}

const char* body_kind_name(const BodyRecord& body) {
  if (body.arguments_mismatch) return "arguments";
  switch (body.kind) {
    case TraceBodyKind::Else:
      return "else";
    case TraceBodyKind::Default:
      return "default";
    case TraceBodyKind::Body:
      break;
  }
  return "body";
}

// Which attempts explain an evaluation: the reader's choice for the one asked about; below
// it, proofs for what produced a value and failures for what did not.
struct Shown {
  bool proofs;
  bool failures;
};

Shown shown_attempts(const Evaluation& e, bool root, const RenderOptions& options) {
  if (root) return {options.proofs, options.failures};
  const bool held = e.rule == "every" ? e.value.is_true() : e.value.is_defined();
  // A value from an else or a default is explained by why the bodies before it failed too.
  bool fallback = false;
  for (const auto& b : e.bodies)
    fallback = fallback || (!b.proofs.empty() &&
                            (b.kind == TraceBodyKind::Else || b.kind == TraceBodyKind::Default));
  return {held, !held || fallback};
}

class JsonWriter {
 public:
  explicit JsonWriter(const RenderOptions& options) : options_(options) {}

  Value evaluation(const Evaluation& e, bool root) {
    const Evaluation* source = &e;
    bool earlier_shown = false;
    if (e.reused && options_.earlier) {
      const Evaluation* earlier = options_.earlier(e.rule);
      earlier_shown = earlier && !shown_.insert(earlier).second;
      if (earlier && !earlier_shown) source = earlier;
    }
    shown_.insert(&e);
    ValueVec args, bodies;
    for (const auto& a : e.args) {
      ObjectBuilder arg;
      add_value(arg, "value", a, options_);
      args.push_back(arg.build());
    }
    const Shown which = shown_attempts(e, root, options_);
    if (!earlier_shown)
      for (const auto& b : source->bodies) bodies.push_back(body(b, which));
    ObjectBuilder out;
    out.add("rule", Value::string(e.rule));
    if (!source->loc.file.empty()) out.add("location", location_json(source->loc));
    out.add("function", Value::boolean(e.function));
    if (e.function) out.add("args", Value::array(std::move(args)));
    out.add("defined", Value::boolean(e.value.is_defined()));
    add_value(out, "value", e.value, options_);
    out.add("reused", Value::boolean(e.reused));
    out.add("beyond_depth", Value::boolean(e.beyond_depth));
    out.add("bodies", Value::array(std::move(bodies)));
    return out.build();
  }

 private:
  Value operand(const TraceOperand& op) {
    ObjectBuilder out;
    out.add("text", Value::string(op.text));
    out.add("defined", Value::boolean(op.value.is_defined()));
    add_value(out, "value", op.value, options_);
    if (!op.missing_key.empty()) {
      out.add("defined_prefix", Value::string(op.defined_prefix));
      out.add("missing_key", Value::string(op.missing_key));
    }
    if (options_.origin_json) out.add("source", options_.origin_json(op));
    return out.build();
  }

  Value attempt(const Attempt& a) {
    ValueVec steps;
    for (const auto& step : a.steps) {
      ValueVec values, calls;
      for (const auto& op : step->operands) values.push_back(operand(op));
      for (const auto& call : step->calls) calls.push_back(evaluation(*call, false));
      steps.push_back(
          ObjectBuilder()
              .add("text", Value::string(step->text))
              .add("location", location_json(step->loc))
              .add("outcome", Value::string(step->head ? "value" : outcome_name(step->outcome)))
              .add("values", Value::array(std::move(values)))
              .add("calls", Value::array(std::move(calls)))
              .build());
    }
    ObjectBuilder out;
    if (a.produced) add_value(out, "value", a.value, options_);
    out.add("steps", Value::array(std::move(steps)));
    return out.build();
  }

  Value body(const BodyRecord& b, Shown which) {
    ValueVec proofs, failures;
    if (which.proofs)
      for (const auto& a : b.proofs) proofs.push_back(attempt(a));
    if (which.failures && (b.proofs.empty() || !which.proofs))
      for (const auto& a : b.failures) failures.push_back(attempt(a));
    return ObjectBuilder()
        .add("kind", Value::string(body_kind_name(b)))
        .add("location", location_json(b.loc))
        .add("proofs", Value::array(std::move(proofs)))
        .add("failures", Value::array(std::move(failures)))
        .add("omitted_proofs", Value::integer(static_cast<int64_t>(b.proofs_omitted)))
        .add("omitted_failures", Value::integer(static_cast<int64_t>(b.failures_omitted)))
        .build();
  }

  const RenderOptions& options_;
  std::set<const Evaluation*> shown_;
};

class TextWriter {
 public:
  explicit TextWriter(const RenderOptions& options) : options_(options) {}

  void evaluation(const Evaluation& e, int indent, bool root) {
    std::string head = e.rule;
    if (e.function) {
      head += "(";
      for (size_t i = 0; i < e.args.size(); ++i)
        head += (i ? ", " : "") + value_text(e.args[i], options_);
      head += ")";
    }
    std::string result =
        e.value.is_defined() ? "= " + value_text(e.value, options_) : std::string("is undefined");
    if (e.rule == "every") result = e.value.is_true() ? "held" : "failed";
    const Evaluation* source = &e;
    if (e.reused && options_.earlier) {
      const Evaluation* earlier = options_.earlier(e.rule);
      if (earlier && !shown_.insert(earlier).second) {
        line(indent, head + " " + result + "  (explained above)");
        return;
      }
      if (earlier) source = earlier;
    }
    shown_.insert(&e);
    std::string where = source->loc.file.empty() ? "" : "  (" + location_text(source->loc) + ")";
    line(indent, head + " " + result + where);
    if (e.beyond_depth) {
      line(indent + 2, "not expanded: deeper than --depth");
      return;
    }
    const Shown which = shown_attempts(e, root, options_);
    for (const auto& body : source->bodies) this->body(body, indent + 2, which);
  }

 private:
  void body(const BodyRecord& b, int indent, Shown which) {
    const std::string at = location_text(b.loc);
    if (b.arguments_mismatch) {
      line(indent, at + ": definition skipped: its parameters do not match the arguments");
      return;
    }
    if (b.kind == TraceBodyKind::Default) {
      for (const auto& p : b.proofs)
        line(indent, at + ": no definition produced a value, the default is " +
                         value_text(p.value, options_));
      return;
    }
    const char* kind = b.kind == TraceBodyKind::Else ? "else" : "body";
    if (which.proofs) {
      for (const auto& p : b.proofs) {
        line(indent, at + ": " + kind + " produced " + value_text(p.value, options_) +
                         (p.steps.empty() ? "" : ":"));
        steps(p.steps, indent + 2);
      }
      if (b.proofs_omitted && !b.proofs.empty())
        line(indent, "(" + std::to_string(b.proofs_omitted) + " more values not shown)");
    }
    if (!which.failures || (!b.proofs.empty() && which.proofs)) return;
    if (b.failures.empty()) {
      line(indent, at + ": " + kind + " produced nothing");
      return;
    }
    for (const auto& f : b.failures) {
      line(indent, at + ": " + kind + " failed:");
      steps(f.steps, indent + 2);
    }
    if (b.failures_omitted)
      line(indent, "(" + std::to_string(b.failures_omitted) + " other failed attempts not shown)");
  }

  void steps(const std::vector<StepPtr>& list, int indent) {
    for (const auto& s : list) {
      const std::string verdict = s->head ? "value" : outcome_name(s->outcome);
      line(indent, location_text(s->loc) + ": " + verdict + ": " + one_line(s->text));
      for (const auto& op : s->operands) operand(op, indent + 4);
      for (const auto& call : s->calls) evaluation(*call, indent + 4, false);
    }
  }

  void operand(const TraceOperand& op, int indent) {
    if (op.value.is_defined()) {
      line(indent, one_line(op.text) + " = " + value_text(op.value, options_));
    } else if (!op.missing_key.empty()) {
      line(indent, one_line(op.text) + " is undefined: " + op.defined_prefix + " has no key \"" +
                       op.missing_key + "\"");
    } else {
      line(indent, one_line(op.text) + " is undefined");
    }
    if (options_.origin_lines)
      for (const auto& l : options_.origin_lines(op)) line(indent + 2, l);
  }

  void line(int indent, const std::string& text) {
    out.append(static_cast<size_t>(indent), ' ');
    out += text;
    out += '\n';
  }

  const RenderOptions& options_;
  std::set<const Evaluation*> shown_;

 public:
  std::string out;
};

}  // namespace

const char* outcome_name(TraceOutcome outcome) {
  switch (outcome) {
    case TraceOutcome::Held:
      return "held";
    case TraceOutcome::False:
      return "false";
    case TraceOutcome::Undefined:
      break;
  }
  return "undefined";
}

Value to_json(const Evaluation& evaluation, const RenderOptions& options) {
  JsonWriter writer(options);
  return writer.evaluation(evaluation, true);
}

std::string to_text(const Evaluation& evaluation, const RenderOptions& options, int indent) {
  TextWriter writer(options);
  writer.evaluation(evaluation, indent, true);
  return std::move(writer.out);
}

}  // namespace policyc::explain
