#include "policyc/dsl/ast.hpp"

namespace policyc::ast {

std::string SourceFile::line_text(int line) const {
  if (line <= 0) return {};
  size_t pos = 0;
  for (int l = 1; l < line; ++l) {
    pos = text.find('\n', pos);
    if (pos == std::string::npos) return {};
    ++pos;
  }
  size_t end = text.find('\n', pos);
  std::string out = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
  if (!out.empty() && out.back() == '\r') out.pop_back();
  return out;
}

std::string Location::text() const {
  if (!file || end <= offset) return {};
  return file->text.substr(static_cast<size_t>(offset), static_cast<size_t>(end - offset));
}

TermPtr make_call(std::string op, std::vector<TermPtr> args, Location loc) {
  auto t = std::make_shared<Term>();
  t->kind = TermKind::Call;
  t->loc = loc;
  // Dotted builtin names (internal.member_2) become refs of a var and strings.
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t dot = op.find('.', start);
    parts.push_back(op.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  TermPtr fn = make_var(parts[0], loc);
  if (parts.size() > 1) {
    auto ref = std::make_shared<Term>();
    ref->kind = TermKind::Ref;
    ref->loc = loc;
    ref->items.push_back(fn);
    for (size_t i = 1; i < parts.size(); ++i)
      ref->items.push_back(make_scalar(Value::string(parts[i]), loc));
    fn = ref;
  }
  t->items.push_back(fn);
  for (auto& a : args) t->items.push_back(std::move(a));
  return t;
}

std::string term_to_string(const Term& t) {
  switch (t.kind) {
    case TermKind::Scalar:
      return t.value.to_rego();
    case TermKind::Var:
      return t.name;
    case TermKind::Ref: {
      std::string out = term_to_string(*t.items[0]);
      for (size_t i = 1; i < t.items.size(); ++i) {
        const Term& seg = *t.items[i];
        if (seg.kind == TermKind::Scalar && seg.value.is_string()) {
          out += "." + seg.value.str();
        } else {
          out += "[" + term_to_string(seg) + "]";
        }
      }
      return out;
    }
    default:
      return t.loc.text();
  }
}

}  // namespace policyc::ast
