// `with`: replacing input, data and functions for one expression.
#include <optional>

#include "evaluator.hpp"

namespace policyc::eval {

namespace {

// `count`, `data.lib.f` or `time.now_ns` as a dotted name; false for anything else.
bool dotted_name(const Term& t, std::string& out) {
  if (t.kind == TermKind::Var) {
    if (t.slot >= 0) return false;
    out = t.name;
    return true;
  }
  if (t.kind != TermKind::Ref || t.items[0]->kind != TermKind::Var || t.items[0]->slot >= 0)
    return false;
  out = t.items[0]->name;
  for (size_t i = 1; i < t.items.size(); ++i) {
    if (!(t.items[i]->kind == TermKind::Scalar && t.items[i]->value.is_string())) return false;
    out += "." + t.items[i]->value.str();
  }
  return true;
}

// The user function a `data.x.f` ref names, if any.
const RuleNode* function_named(RuleNode* root, const Term& ref) {
  std::vector<std::string> path;
  for (size_t i = 1; i < ref.items.size(); ++i) path.push_back(ref.items[i]->value.str());
  const RuleNode* n = find_node(root, path);
  return n && n->is_function ? n : nullptr;
}

}  // namespace

bool Evaluator::eval_with(const Expr& e, size_t wi, Frame& f, KDone k, WithState& outer) {
  if (wi < e.withs.size()) {
    const plan::With& w = e.withs[wi];
    const Term& target = *w.target;
    // Which function the target replaces: a user function or builtin (keyed by its node or
    // declaration), or one the evaluator implements or policyc lacks (keyed by name).
    std::string name;
    dotted_name(target, name);
    const void* mock_key = nullptr;
    std::string named_key;
    if (name.rfind("data.", 0) == 0) {
      mock_key = function_named(st_.root.get(), target);
    } else if (!name.empty() && name != "input" && name.rfind("input.", 0) != 0) {
      mock_key = st_.registry.find(name);
      if (!mock_key) named_key = name;
    }
    if (mock_key || !named_key.empty()) {
      auto apply = [&](const Mock& mock) {
        std::optional<Mock> saved;
        if (mock_key) {
          auto it = mocks_.find(mock_key);
          if (it != mocks_.end()) saved = it->second;
          mocks_[mock_key] = mock;
        } else {
          auto it = special_mocks_.find(named_key);
          if (it != special_mocks_.end()) saved = it->second;
          special_mocks_[named_key] = mock;
        }
        caches_.emplace_back();
        bool r = eval_with(e, wi + 1, f, k, outer);
        caches_.pop_back();
        if (mock_key) {
          if (saved) {
            mocks_[mock_key] = *saved;
          } else {
            mocks_.erase(mock_key);
          }
        } else if (saved) {
          special_mocks_[named_key] = *saved;
        } else {
          special_mocks_.erase(named_key);
        }
        return r;
      };
      // The replacement: another function, or a value.
      const Term& replacement = *w.value;
      std::string replacement_name;
      if (dotted_name(replacement, replacement_name)) {
        if (replacement_name.rfind("data.", 0) == 0) {
          if (const RuleNode* fn = function_named(st_.root.get(), replacement)) {
            return apply(Mock{Mock::Kind::Function, Value(), fn});
          }
        } else if (const BuiltinDecl* decl = st_.registry.find(replacement_name)) {
          return apply(Mock{Mock::Kind::Builtin, Value(), decl});
        }
      }
      auto on_value = [&](const Value& v) { return apply(Mock{Mock::Kind::Value, v, nullptr}); };
      return eval_term(replacement, f, on_value);
    }
    // input / data replacement.
    auto on_replacement = [&](const Value& v) {
      std::vector<Value> path;
      bool is_input = false;
      const Term* head = target.kind == TermKind::Ref ? target.items[0].get() : &target;
      is_input = head->kind == TermKind::Var && head->name == "input";
      if (target.kind == TermKind::Ref) {
        for (size_t i = 1; i < target.items.size(); ++i) {
          bool ok = false;
          auto on_segment = [&](const Value& seg) {
            path.push_back(seg);
            ok = true;
            return true;
          };
          eval_term(*target.items[i], f, on_segment);
          if (!ok) return false;
        }
      }
      if (is_input) {
        Value saved = input_;
        input_ = set_path(input_, path, 0, v);
        caches_.emplace_back();
        bool r = eval_with(e, wi + 1, f, k, outer);
        caches_.pop_back();
        input_ = saved;
        return r;
      }
      DataOverride o;
      for (const auto& p : path) o.path.push_back(p.is_string() ? p.str() : p.to_json());
      o.value = v;
      data_overrides_.push_back(o);
      caches_.emplace_back();
      bool r = eval_with(e, wi + 1, f, k, outer);
      caches_.pop_back();
      data_overrides_.pop_back();
      return r;
    };
    return eval_term(*w.value, f, on_replacement);
  }
  // The expression runs with the replacements; its continuation without them.
  auto then = [&]() {
    WithState inner{input_, data_overrides_, mocks_, special_mocks_, caches_.size()};
    std::vector<std::unordered_map<const RuleNode*, Value>> inner_caches(
        std::make_move_iterator(caches_.begin() + static_cast<std::ptrdiff_t>(outer.cache_depth)),
        std::make_move_iterator(caches_.end()));
    caches_.resize(outer.cache_depth);
    input_ = outer.input;
    data_overrides_ = outer.overrides;
    mocks_ = outer.mocks;
    special_mocks_ = outer.special_mocks;
    bool r = k();
    input_ = std::move(inner.input);
    data_overrides_ = std::move(inner.overrides);
    mocks_ = std::move(inner.mocks);
    special_mocks_ = std::move(inner.special_mocks);
    for (auto& c : inner_caches) caches_.push_back(std::move(c));
    return r;
  };
  return eval_expr_core(e, f, then);
}

}  // namespace policyc::eval
