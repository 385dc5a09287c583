// strings.render_template: the subset of Go's text/template that policies use: fields
// ({{.a.b}}, {{.}}), variables, if/else/range/with/end, comments, trim markers, and the
// builtin functions not, and, or, len, index, eq, ne, lt, le, gt, ge, print.
#include <algorithm>
#include <map>
#include <memory>

#include "internal.hpp"

namespace policyc::builtins {
namespace {

struct TemplateError {
  std::string message;
};

enum class NodeKind { Text, Action, If, Range, With };

struct Node {
  NodeKind kind = NodeKind::Text;
  std::string text;                   // Text
  std::vector<std::string> pipeline;  // tokens of the action / condition
  std::vector<std::string> decl;      // range variables ($i, $e)
  std::vector<std::unique_ptr<Node>> body, else_body;
};

using NodeList = std::vector<std::unique_ptr<Node>>;

struct Action {
  std::string text;
  int line;
};

// Splits the source into text and action pieces, applying {{- and -}} trimming.
void lex(const std::string& src, std::vector<std::pair<bool, Action>>& pieces) {
  size_t i = 0;
  int line = 1;
  while (i < src.size()) {
    size_t open = src.find("{{", i);
    std::string text = src.substr(i, open == std::string::npos ? std::string::npos : open - i);
    if (open == std::string::npos) {
      pieces.push_back({false, {text, line}});
      break;
    }
    size_t body = open + 2;
    bool trim_left = src.compare(body, 2, "- ") == 0 || src.compare(body, 2, "-\t") == 0 ||
                     src.compare(body, 2, "-\n") == 0;
    if (trim_left) {
      while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.pop_back();
      body += 1;
    }
    pieces.push_back({false, {text, line}});
    for (char c : src.substr(i, open - i))
      if (c == '\n') ++line;
    // Find the closing braces outside string literals.
    size_t j = body;
    bool in_str = false;
    char quote = 0;
    for (; j + 1 < src.size(); ++j) {
      if (in_str) {
        if (src[j] == '\\')
          ++j;
        else if (src[j] == quote)
          in_str = false;
        continue;
      }
      if (src[j] == '"' || src[j] == '`' || src[j] == '\'') {
        in_str = true;
        quote = src[j];
      } else if (src[j] == '}' && src[j + 1] == '}') {
        break;
      }
      if (src[j] == '\n' && !in_str) {
      }
    }
    if (j + 1 >= src.size())
      throw TemplateError{"template: template:" + std::to_string(line) + ": unclosed action"};
    size_t end = j;
    bool trim_right =
        end >= 2 && src[end - 1] == '-' && std::isspace(static_cast<unsigned char>(src[end - 2]));
    std::string action = src.substr(body, (trim_right ? end - 1 : end) - body);
    pieces.push_back({true, {action, line}});
    for (char c : action)
      if (c == '\n') ++line;
    i = end + 2;
    if (trim_right)
      while (i < src.size() && std::isspace(static_cast<unsigned char>(src[i]))) {
        if (src[i] == '\n') ++line;
        ++i;
      }
  }
}

std::vector<std::string> tokenize(const std::string& s, int line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    if (c == '"' || c == '`') {
      size_t j = i + 1;
      while (j < s.size() && s[j] != c) j += (c == '"' && s[j] == '\\') ? 2 : 1;
      if (j >= s.size())
        throw TemplateError{"template: template:" + std::to_string(line) +
                            ": unterminated quoted string"};
      out.push_back(s.substr(i, j + 1 - i));
      i = j + 1;
      continue;
    }
    if (c == '(' || c == ')' || c == '|') {
      out.push_back(std::string(1, c));
      ++i;
      continue;
    }
    size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j])) && s[j] != '(' &&
           s[j] != ')' && s[j] != '|')
      ++j;
    out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

struct Parser {
  std::vector<std::pair<bool, Action>> pieces;
  size_t pos = 0;

  [[noreturn]] void error(int line, const std::string& msg) {
    throw TemplateError{"template: template:" + std::to_string(line) + ": " + msg};
  }

  // Parses until {{end}} / {{else}}; returns the keyword that stopped it ("" at EOF).
  std::string parse_list(NodeList& out, std::vector<std::string>* else_tokens = nullptr) {
    while (pos < pieces.size()) {
      auto& [is_action, act] = pieces[pos++];
      if (!is_action) {
        if (!act.text.empty()) {
          auto n = std::make_unique<Node>();
          n->text = act.text;
          out.push_back(std::move(n));
        }
        continue;
      }
      std::string trimmed = act.text;
      size_t b = trimmed.find_first_not_of(" \t\n\r");
      trimmed = b == std::string::npos ? "" : trimmed.substr(b);
      if (trimmed.starts_with("/*")) continue;
      auto toks = tokenize(trimmed, act.line);
      if (toks.empty()) error(act.line, "missing value for command");
      const std::string& kw = toks[0];
      if (kw == "end") return "end";
      if (kw == "else") {
        if (else_tokens) *else_tokens = std::vector<std::string>(toks.begin() + 1, toks.end());
        return "else";
      }
      auto n = std::make_unique<Node>();
      if (kw == "if" || kw == "range" || kw == "with") {
        n->kind = kw == "if" ? NodeKind::If : kw == "range" ? NodeKind::Range : NodeKind::With;
        std::vector<std::string> rest(toks.begin() + 1, toks.end());
        auto assign = std::find(rest.begin(), rest.end(), ":=");
        if (assign != rest.end()) {
          for (auto it = rest.begin(); it != assign; ++it) {
            std::string v = *it;
            if (!v.empty() && v.back() == ',') v.pop_back();
            if (!v.empty()) n->decl.push_back(v);
          }
          rest.erase(rest.begin(), assign + 1);
        }
        if (rest.empty()) error(act.line, "missing value for " + kw);
        n->pipeline = rest;
        parse_block(*n, act.line);
      } else {
        n->kind = NodeKind::Action;
        n->pipeline = toks;
      }
      out.push_back(std::move(n));
    }
    return "";
  }

  void parse_block(Node& n, int line) {
    std::vector<std::string> else_toks;
    std::string stop = parse_list(n.body, &else_toks);
    if (stop == "") error(line, "unexpected EOF");
    if (stop == "else") {
      if (!else_toks.empty() && else_toks[0] == "if" && n.kind == NodeKind::If) {
        auto nested = std::make_unique<Node>();
        nested->kind = NodeKind::If;
        nested->pipeline.assign(else_toks.begin() + 1, else_toks.end());
        parse_block(*nested, line);
        n.else_body.push_back(std::move(nested));
        return;
      }
      if (parse_list(n.else_body) != "end") error(line, "unexpected EOF");
    }
  }
};

// Go's fmt %v of the JSON-ish values OPA hands to the template.
std::string print_value(const Value& v, bool top = true) {
  switch (v.kind()) {
    case Kind::Undefined:
      return "<no value>";
    case Kind::Null:
      return "<nil>";
    case Kind::Boolean:
      return v.as_bool() ? "true" : "false";
    case Kind::Number:
      return v.number_to_string();
    case Kind::String:
      return v.str();
    case Kind::Array:
    case Kind::Set: {
      std::string out = "[";
      for (size_t i = 0; i < v.items().size(); ++i) {
        if (i) out += ' ';
        out += print_value(v.items()[i], false);
      }
      return out + "]";
    }
    case Kind::Object: {
      std::string out = "map[";
      bool first = true;
      for (const auto& [k, x] : v.entries()) {
        if (!first) out += ' ';
        first = false;
        out += print_value(k, false) + ":" + print_value(x, false);
      }
      return out + "]";
    }
  }
  (void)top;
  return "";
}

bool truthy(const Value& v) {
  switch (v.kind()) {
    case Kind::Undefined:
    case Kind::Null:
      return false;
    case Kind::Boolean:
      return v.as_bool();
    case Kind::Number:
      return v.to_rational() != 0;
    case Kind::String:
      return !v.str().empty();
    case Kind::Array:
    case Kind::Set:
      return !v.items().empty();
    case Kind::Object:
      return !v.entries().empty();
  }
  return false;
}

struct Exec {
  std::vector<std::pair<std::string, Value>> vars;

  Value lookup_var(const std::string& name) {
    for (auto it = vars.rbegin(); it != vars.rend(); ++it)
      if (it->first == name) return it->second;
    throw TemplateError{"template: template:1: undefined variable: " + name};
  }

  Value field_chain(Value base, const std::string& chain) {
    size_t i = 0;
    while (i < chain.size()) {
      if (chain[i] != '.') break;
      size_t j = chain.find('.', i + 1);
      std::string name =
          chain.substr(i + 1, j == std::string::npos ? std::string::npos : j - i - 1);
      if (name.empty()) break;
      if (base.is_object()) {
        const Value* f = base.find(Value::string(name));
        // OPA renders with missingkey=error.
        if (!f)
          throw TemplateError{"template: template:1: executing \"template\" at <" + chain +
                              ">: map has no entry for key " + go_quote(name)};
        base = *f;
      } else {
        base = Value();
      }
      if (j == std::string::npos) break;
      i = j;
    }
    return base;
  }

  Value operand(const std::string& tok, const Value& dot) {
    if (tok == ".") return dot;
    if (tok[0] == '.') return field_chain(dot, tok);
    if (tok[0] == '$') {
      size_t dotpos = tok.find('.');
      Value base = lookup_var(tok.substr(0, dotpos));
      return dotpos == std::string::npos ? base : field_chain(base, tok.substr(dotpos));
    }
    if (tok[0] == '"' || tok[0] == '`') {
      Value parsed = Value::string(tok.substr(1, tok.size() - 2));
      if (tok[0] == '"') {
        std::string out;
        for (size_t i = 1; i + 1 < tok.size(); ++i) {
          if (tok[i] == '\\' && i + 2 < tok.size()) {
            char e = tok[++i];
            out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
          } else {
            out += tok[i];
          }
        }
        parsed = Value::string(out);
      }
      return parsed;
    }
    if (tok == "true" || tok == "false") return Value::boolean(tok == "true");
    if (tok == "nil") return Value::null();
    Value n = Value::number_from_text(tok);
    if (n.is_defined()) return n;
    throw TemplateError{"template: template:1: function " + go_quote(tok) + " not defined"};
  }

  Value call(const std::string& fn, const std::vector<Value>& args) {
    auto need = [&](size_t n) {
      if (args.size() != n)
        throw TemplateError{"template: template:1: wrong number of args for " + fn};
    };
    if (fn == "not") {
      need(1);
      return Value::boolean(!truthy(args[0]));
    }
    if (fn == "and" || fn == "or") {
      if (args.empty()) throw TemplateError{"template: template:1: wrong number of args for " + fn};
      for (const auto& a : args)
        if (truthy(a) != (fn == "and")) return a;
      return args.back();
    }
    if (fn == "len") {
      need(1);
      return Value::integer(
          static_cast<int64_t>(args[0].is_string() ? args[0].str().size() : args[0].size()));
    }
    if (fn == "index") {
      if (args.empty()) throw TemplateError{"template: template:1: wrong number of args for index"};
      Value cur = args[0];
      for (size_t i = 1; i < args.size(); ++i) cur = cur.get(args[i]);
      return cur;
    }
    if (fn == "eq" || fn == "ne" || fn == "lt" || fn == "le" || fn == "gt" || fn == "ge") {
      if (args.size() < 2)
        throw TemplateError{"template: template:1: missing argument for comparison"};
      int c = compare(args[0], args[1]);
      if (fn == "eq") {
        for (size_t i = 1; i < args.size(); ++i)
          if (args[0] == args[i]) return Value::boolean(true);
        return Value::boolean(false);
      }
      if (fn == "ne") return Value::boolean(c != 0);
      if (fn == "lt") return Value::boolean(c < 0);
      if (fn == "le") return Value::boolean(c <= 0);
      if (fn == "gt") return Value::boolean(c > 0);
      return Value::boolean(c >= 0);
    }
    if (fn == "print") {
      std::string out;
      for (size_t i = 0; i < args.size(); ++i) {
        if (i && !args[i].is_string() && !args[i - 1].is_string()) out += ' ';
        out += print_value(args[i]);
      }
      return Value::string(out);
    }
    throw TemplateError{"template: template:1: function " + go_quote(fn) + " not defined"};
  }

  // Evaluates tokens [b, e): a command, pipes, parenthesised sub-expressions.
  Value eval(const std::vector<std::string>& t, size_t b, size_t e, const Value& dot,
             const Value* piped = nullptr) {
    // Split on top-level pipes.
    int depth = 0;
    for (size_t i = e; i-- > b;) {
      if (t[i] == ")")
        ++depth;
      else if (t[i] == "(")
        --depth;
      else if (t[i] == "|" && depth == 0) {
        Value left = eval(t, b, i, dot, piped);
        return eval(t, i + 1, e, dot, &left);
      }
    }
    std::vector<Value> args;
    std::string fn;
    for (size_t i = b; i < e; ++i) {
      Value v;
      if (t[i] == "(") {
        int d = 1;
        size_t j = i + 1;
        for (; j < e && d; ++j) {
          if (t[j] == "(")
            ++d;
          else if (t[j] == ")")
            --d;
        }
        v = eval(t, i + 1, j - 1, dot);
        i = j - 1;
      } else if (i == b && std::isalpha(static_cast<unsigned char>(t[i][0])) && t[i] != "true" &&
                 t[i] != "false" && t[i] != "nil") {
        fn = t[i];
        continue;
      } else {
        v = operand(t[i], dot);
      }
      args.push_back(v);
    }
    if (piped) args.push_back(*piped);
    if (!fn.empty()) return call(fn, args);
    if (args.size() != 1)
      throw TemplateError{"template: template:1: can't give argument to non-function"};
    return args[0];
  }

  void run(const NodeList& nodes, const Value& dot, std::string& out) {
    for (const auto& n : nodes) {
      switch (n->kind) {
        case NodeKind::Text:
          out += n->text;
          break;
        case NodeKind::Action: {
          const auto& p = n->pipeline;
          if (p.size() >= 2 && p[0][0] == '$' && (p[1] == ":=" || p[1] == "=")) {
            Value v = eval(p, 2, p.size(), dot);
            vars.push_back({p[0], v});
            break;
          }
          out += print_value(eval(p, 0, p.size(), dot));
          break;
        }
        case NodeKind::If:
        case NodeKind::With: {
          Value v = eval(n->pipeline, 0, n->pipeline.size(), dot);
          size_t mark = vars.size();
          if (truthy(v)) {
            if (!n->decl.empty()) vars.push_back({n->decl[0], v});
            run(n->body, n->kind == NodeKind::With ? v : dot, out);
          } else {
            run(n->else_body, dot, out);
          }
          vars.resize(mark);
          break;
        }
        case NodeKind::Range: {
          Value v = eval(n->pipeline, 0, n->pipeline.size(), dot);
          size_t mark = vars.size();
          bool any = false;
          auto iterate = [&](const Value& key, const Value& elem) {
            any = true;
            vars.resize(mark);
            if (n->decl.size() == 1) vars.push_back({n->decl[0], elem});
            if (n->decl.size() >= 2) {
              vars.push_back({n->decl[0], key});
              vars.push_back({n->decl[1], elem});
            }
            run(n->body, elem, out);
          };
          if (v.is_array() || v.is_set()) {
            for (size_t i = 0; i < v.items().size(); ++i)
              iterate(Value::integer(static_cast<int64_t>(i)), v.items()[i]);
          } else if (v.is_object()) {
            for (const auto& [k, x] : v.entries()) iterate(k, x);
          } else if (v.is_number() && v.is_integer()) {
            int64_t n_iter = 0;
            v.to_int64(n_iter);
            for (int64_t i = 0; i < n_iter; ++i) iterate(Value::integer(i), Value::integer(i));
          } else if (v.is_defined() && !v.is_null()) {
            throw TemplateError{"template: template:1: range can't iterate over " + print_value(v)};
          }
          vars.resize(mark);
          if (!any) run(n->else_body, dot, out);
          break;
        }
      }
    }
  }
};

}  // namespace

Value render_template(Args a, BuiltinContext&) {
  const std::string& tmpl = need_string("strings.render_template", a[0], 1);
  need_object("strings.render_template", a[1], 2);
  try {
    Parser p;
    lex(tmpl, p.pieces);
    NodeList root;
    std::string stop = p.parse_list(root);
    if (!stop.empty()) throw TemplateError{"template: template:1: unexpected {{" + stop + "}}"};
    Exec ex;
    ex.vars.push_back({"$", a[1]});
    std::string out;
    ex.run(root, a[1], out);
    return Value::string(std::move(out));
  } catch (const TemplateError& e) {
    fail("strings.render_template", e.message);
  }
}

}  // namespace policyc::builtins
