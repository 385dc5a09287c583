#include "policyc/engine/engine.hpp"

#include "evaluator.hpp"
#include "policyc/dsl/parser.hpp"

namespace policyc {

struct Engine::Impl {
  explicit Impl(const BuiltinRegistry& r) : st(r) {}
  eval::EngineState st;
  uint64_t generation = 0;  // bumped when modules change; prepared queries remember it
};

Engine::Engine(const BuiltinRegistry& registry) : impl_(std::make_unique<Impl>(registry)) {}
Engine::~Engine() = default;

bool Engine::add_module(const std::string& filename, std::string source, bool v0,
                        std::vector<Diagnostic>& errors) {
  auto file = std::make_shared<ast::SourceFile>();
  file->name = filename;
  file->text = std::move(source);
  dsl::ParseOptions opts;
  opts.v0 = v0;
  auto mod = dsl::parse_module(file, opts, errors);
  if (!mod) return false;
  impl_->st.modules.push_back(std::move(mod));
  impl_->st.compiled = false;
  ++impl_->generation;
  return true;
}

namespace {

Value merge_values(const Value& a, const Value& b) {
  if (!a.is_object() || !b.is_object()) return b;
  ObjectEntries out(a.entries().begin(), a.entries().end());
  for (const auto& [k, v] : b.entries()) {
    bool done = false;
    for (auto& e : out) {
      if (e.first == k) {
        e.second = merge_values(e.second, v);
        done = true;
        break;
      }
    }
    if (!done) out.emplace_back(k, v);
  }
  return Value::object(std::move(out));
}

Value wrap(const std::vector<std::string>& path, size_t i, const Value& doc) {
  if (i == path.size()) return doc;
  return Value::object({{Value::string(path[i]), wrap(path, i + 1, doc)}});
}

}  // namespace

bool Engine::add_data(const std::vector<std::string>& path, const Value& doc,
                      std::vector<Diagnostic>& errors) {
  if (path.empty() && !doc.is_object()) {
    Diagnostic d;
    d.code = "data_error";
    d.message = "data document must be an object";
    errors.push_back(d);
    return false;
  }
  impl_->st.data = merge_values(impl_->st.data, wrap(path, 0, doc));
  return true;
}

void Engine::set_input(Value input) { impl_->st.input = std::move(input); }
void Engine::clear_input() { impl_->st.input = Value(); }

bool Engine::compile(std::vector<Diagnostic>& errors) {
  if (impl_->st.compiled) return true;
  return eval::compile_modules(impl_->st, errors);
}

const std::vector<Diagnostic>& Engine::warnings() const { return impl_->st.warnings; }

namespace {

// Plain evaluation (EvalOptions::plain) is traced evaluation without a listener: a trace
// shows the evaluation as written, so the evaluator takes none of its shortcuts for it, and
// untraced evaluation pays nothing for the option.
class SilentTracer final : public Tracer {
 public:
  void enter_rule(const std::string&, const TraceLocation&, bool, std::span<const Value>) override {
  }
  void exit_rule(const Value&) override {}
  void rule_reused(const std::string&, const Value&) override {}
  void enter_body(const TraceLocation&, TraceBodyKind) override {}
  void exit_body() override {}
  void arguments_mismatch(const TraceLocation&) override {}
  void expr_held(const TraceExpr&) override {}
  void expr_undone() override {}
  void expr_failed(const TraceExpr&) override {}
  void body_produced(const Value&) override {}
};

EvalOptions effective_options(const EvalOptions& options) {
  static SilentTracer silent;
  EvalOptions out = options;
  if (out.plain && !out.tracer) out.tracer = &silent;
  return out;
}

}  // namespace

struct PreparedQuery::Impl {
  eval::CompiledQuery q;
  uint64_t generation = 0;
};

PreparedQuery::PreparedQuery() = default;
PreparedQuery::~PreparedQuery() = default;
PreparedQuery::PreparedQuery(PreparedQuery&&) noexcept = default;
PreparedQuery& PreparedQuery::operator=(PreparedQuery&&) noexcept = default;

bool Engine::prepare(std::string_view query, PreparedQuery& out, std::vector<Diagnostic>& errors) {
  if (!compile(errors)) return false;
  out.impl = std::make_unique<PreparedQuery::Impl>();
  out.impl->generation = impl_->generation;
  eval::CompiledQuery& q = out.impl->q;
  q.file = std::make_shared<ast::SourceFile>();
  q.file->name = "query";
  q.file->text = std::string(query);
  auto parsed = dsl::parse_query(q.file, errors);
  if (!parsed) return false;
  q.body = std::make_unique<eval::Body>(eval::plan::lower_body(*parsed));
  return eval::compile_query(impl_->st, q, errors);
}

namespace {

bool is_current(const PreparedQuery& prepared, uint64_t generation, bool compiled,
                std::vector<Diagnostic>& errors) {
  if (prepared.impl && prepared.impl->generation == generation && compiled) return true;
  Diagnostic d;
  d.code = "eval_error";
  d.message = "prepared query is stale: modules changed after it was prepared";
  errors.push_back(d);
  return false;
}

Diagnostic limit_diagnostic(const LimitExceeded& e) {
  Diagnostic d;
  d.code = e.kind == LimitExceeded::Kind::Time ? "eval_cancel_error" : "eval_memory_error";
  d.message = e.what();
  d.message += e.rule.empty() ? " while evaluating the query" : " while evaluating " + e.rule;
  d.file = e.file;
  d.line = e.line;
  d.col = e.col;
  d.source_line = e.source_line;
  return d;
}

bool run_prepared(eval::Evaluator& ev, const PreparedQuery& prepared,
                  std::vector<QueryResult>& results, std::vector<Diagnostic>& errors) {
  const eval::CompiledQuery& q = prepared.impl->q;
  try {
    auto on_frame = [&](eval::Frame& f) {
      QueryResult r;
      for (const auto& e : *q.body) {
        QueryExpression qe;
        qe.text = e.loc.text();
        qe.row = e.loc.line;
        qe.col = e.loc.col;
        qe.value =
            e.capture_slot >= 0 ? f[static_cast<size_t>(e.capture_slot)] : Value::boolean(true);
        r.expressions.push_back(std::move(qe));
      }
      for (int s : q.output_slots) {
        const Value& v = f[static_cast<size_t>(s)];
        if (v.is_defined()) r.bindings.emplace_back(q.slot_names[static_cast<size_t>(s)], v);
      }
      results.push_back(std::move(r));
      return false;
    };
    ev.run_query(q, on_frame);
  } catch (const eval::EvalError& e) {
    errors.push_back(eval::make_diag(e.code, e.what(), e.loc));
    return false;
  } catch (const LimitExceeded& e) {
    errors.push_back(limit_diagnostic(e));
    return false;
  }
  return true;
}

}  // namespace

bool Engine::eval(const PreparedQuery& prepared, const EvalOptions& options,
                  std::vector<QueryResult>& results, std::vector<Diagnostic>& errors) {
  if (!is_current(prepared, impl_->generation, impl_->st.compiled, errors)) return false;
  EvalOptions effective = effective_options(options);
  eval::Evaluator ev(impl_->st, effective);
  return run_prepared(ev, prepared, results, errors);
}

bool Engine::eval_batch(const std::vector<const PreparedQuery*>& queries,
                        const EvalOptions& options, std::vector<std::vector<QueryResult>>& results,
                        std::vector<Diagnostic>& errors) {
  // One evaluator (eval_pulled's), taking the queries in order: rules that several queries
  // reach are evaluated once.
  results.assign(queries.size(), {});
  size_t next = 0;
  return eval_pulled(
      queries, [&] { return next++; }, options, results, errors);
}

bool SharedRuleValues::find(const std::string& path, Value& out) const {
  std::lock_guard<std::mutex> guard(lock_);
  auto it = values_.find(path);
  if (it == values_.end()) return false;
  out = it->second;
  return true;
}

Value SharedRuleValues::publish(const std::string& path, Value value) {
  {
    std::lock_guard<std::mutex> guard(lock_);
    auto it = values_.find(path);
    if (it != values_.end()) return it->second;
  }
  // Freezing walks the value: not under the lock. Two evaluators computing one rule at once
  // both freeze it; the first published stays.
  Value frozen = arena_.freeze(std::move(value));
  std::lock_guard<std::mutex> guard(lock_);
  return values_.try_emplace(path, std::move(frozen)).first->second;
}

bool Engine::eval_pulled(const std::vector<const PreparedQuery*>& queries,
                         const std::function<size_t()>& next, const EvalOptions& options,
                         std::vector<std::vector<QueryResult>>& results,
                         std::vector<Diagnostic>& errors) {
  for (const PreparedQuery* q : queries) {
    if (!is_current(*q, impl_->generation, impl_->st.compiled, errors)) return false;
  }
  EvalOptions effective = effective_options(options);
  eval::Evaluator ev(impl_->st, effective);
  for (size_t i = next(); i < queries.size(); i = next()) {
    if (!run_prepared(ev, *queries[i], results[i], errors)) return false;
  }
  return true;
}

void Engine::freeze(FrozenValues& arena, const std::vector<const PreparedQuery*>& queries) {
  eval::EngineState& st = impl_->st;
  auto freeze = [&](Value& v) { arena.freeze_in_place(v); };
  std::function<void(eval::RuleNode&)> freeze_node = [&](eval::RuleNode& node) {
    for (auto* rules : {&node.rules, &node.defaults}) {
      for (auto& cr : *rules) {
        eval::plan::for_each_value(cr->rule, freeze);
        auto freeze_guards = [&](std::vector<eval::CompiledRule::Guard>& guards) {
          for (auto& guard : guards) {
            for (auto& key : guard.path) freeze(key);
            freeze(guard.value);
            for (auto& e : guard.elements) freeze(e);
          }
        };
        freeze_guards(cr->guards);
        for (auto& g : cr->else_guards) freeze_guards(g);
      }
    }
    for (auto& [name, child] : node.children) freeze_node(*child);
  };
  if (st.root) freeze_node(*st.root);
  for (auto& [term, plan] : st.comprehension_plans) {
    for (const auto& t : plan.key_terms) eval::plan::for_each_value(t, freeze);
    eval::plan::for_each_value(plan.reduced_body, freeze);
  }
  for (auto& [annotations, value] : st.annotations) freeze(value);
  freeze(st.data);
  freeze(st.input);
  for (const PreparedQuery* q : queries) {
    // Freezing writes only the handles' hold and the payloads' flags, which no evaluation of
    // the query reads concurrently with this call.
    auto& body = const_cast<eval::Body&>(*q->impl->q.body);
    eval::plan::for_each_value(body, freeze);
  }
}

bool Engine::query(std::string_view query, const EvalOptions& options,
                   std::vector<QueryResult>& results, std::vector<Diagnostic>& errors) {
  PreparedQuery prepared;
  if (!prepare(query, prepared, errors)) return false;
  return eval(prepared, options, results, errors);
}

std::vector<Engine::RuleInfo> Engine::rules() const {
  std::vector<RuleInfo> out;
  for (const auto& m : impl_->st.modules) {
    for (const auto& r : m->rules) {
      RuleInfo info;
      info.package = m->package;
      info.name = r.ref[0]->name;
      info.file = m->file->name;
      info.line = r.loc.line;
      info.is_function = r.kind == ast::RuleKind::Function;
      if (r.annotations) info.annotations = impl_->st.annotations.at(r.annotations.get());
      out.push_back(std::move(info));
    }
  }
  return out;
}

}  // namespace policyc
