// `with`: replacing input, data and functions for one expression.
#include "evaluator.hpp"

namespace policyc::eval {

bool Evaluator::eval_with(const Expr& e, size_t wi, Frame& f, KDone k, WithState& outer) {
  if (wi < e.withs.size()) {
    const ast::With& w = e.withs[wi];
    const Term& target = *w.target;
    // Function replacement?
    auto dotted = [](const Term& t, std::string& out) {
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
    };
    std::string tname;
    dotted(target, tname);
    const void* mock_key = nullptr;
    std::string special_key;
    const RuleNode* target_fn = nullptr;
    if (tname.rfind("data.", 0) == 0) {
      std::vector<std::string> path;
      for (size_t i = 1; i < target.items.size(); ++i) path.push_back(target.items[i]->value.str());
      RuleNode* n = find_node(st_.root.get(), path);
      if (n && n->is_function) {
        target_fn = n;
        mock_key = n;
      }
    } else if (tname != "input" && tname.rfind("input.", 0) != 0 && !tname.empty()) {
      const BuiltinDecl* d = st_.registry.find(tname);
      if (d) {
        mock_key = d;
      } else {
        special_key = tname;
      }
    }
    if (mock_key || !special_key.empty()) {
      Mock m;
      std::string vname;
      const Term& vt = *w.value;
      bool is_fn = false;
      if (dotted(vt, vname)) {
        if (vname.rfind("data.", 0) == 0) {
          std::vector<std::string> path;
          for (size_t i = 1; i < vt.items.size(); ++i) path.push_back(vt.items[i]->value.str());
          RuleNode* n = find_node(st_.root.get(), path);
          if (n && n->is_function) {
            m.fn = nullptr;
            m.value = Value();
            is_fn = true;
            m.is_value = false;
            // Store the node pointer in fn via the value's absence; keep separately.
            m.fn = n;
          }
        } else if (st_.registry.find(vname)) {
          is_fn = true;
          m.is_value = false;
          m.fn = st_.registry.find(vname);
          m.value = Value::string(vname);  // marks a builtin replacement
        }
      }
      (void)target_fn;
      auto apply = [&](Mock mock) {
        Mock saved;
        bool had = false;
        if (mock_key) {
          auto it = mocks_.find(mock_key);
          if (it != mocks_.end()) {
            had = true;
            saved = it->second;
          }
          mocks_[mock_key] = mock;
        } else {
          auto it = special_mocks_.find(special_key);
          if (it != special_mocks_.end()) {
            had = true;
            saved = it->second;
          }
          special_mocks_[special_key] = mock;
        }
        caches_.emplace_back();
        bool r = eval_with(e, wi + 1, f, k, outer);
        caches_.pop_back();
        if (mock_key) {
          if (had) {
            mocks_[mock_key] = saved;
          } else {
            mocks_.erase(mock_key);
          }
        } else {
          if (had) {
            special_mocks_[special_key] = saved;
          } else {
            special_mocks_.erase(special_key);
          }
        }
        return r;
      };
      if (is_fn) return apply(m);
      return eval_term(vt, f, [&](const Value& v) {
        Mock mv;
        mv.is_value = true;
        mv.value = v;
        return apply(mv);
      });
    }
    // input / data replacement.
    return eval_term(*w.value, f, [&](const Value& v) {
      std::vector<Value> path;
      bool is_input = false;
      const Term* head = target.kind == TermKind::Ref ? target.items[0].get() : &target;
      is_input = head->kind == TermKind::Var && head->name == "input";
      if (target.kind == TermKind::Ref) {
        for (size_t i = 1; i < target.items.size(); ++i) {
          bool ok = false;
          eval_term(*target.items[i], f, [&](const Value& seg) {
            path.push_back(seg);
            ok = true;
            return true;
          });
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
    });
  }
  // The expression runs with the replacements; its continuation without them.
  return eval_expr_core(e, f, [&]() {
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
  });
}

}  // namespace policyc::eval
