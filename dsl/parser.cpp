#include "policyc/dsl/parser.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include "lexer.hpp"

namespace policyc::dsl {

using namespace ast;

namespace {

// A number literal's text as JSON writes it, or why OPA's parser refuses it: "00" and "-00.5"
// (`expected number`), and magnitudes whose binary exponent passes 100,000 either way
// (`number too big`, OPA's guard against big.Float's slow formatting). "05.10" is accepted as
// OPA accepts it, and kept without the leading zero: "05.10" is not JSON.
std::string number_literal_problem(std::string& text) {
  size_t sign = text[0] == '-' ? 1 : 0;
  if (text.size() > sign + 1 && text[sign] == '0' && text[sign + 1] == '0')
    return "expected number";
  size_t first = sign;
  while (first + 1 < text.size() && text[first] == '0' &&
         std::isdigit(static_cast<unsigned char>(text[first + 1])))
    ++first;
  text.erase(sign, first - sign);
  // log2 of the magnitude from its significant digits and decimal exponent.
  size_t e = text.find_first_of("eE");
  std::string mantissa = text.substr(sign, e == std::string::npos ? std::string::npos : e - sign);
  double exp10 = e == std::string::npos ? 0 : std::strtod(text.c_str() + e + 1, nullptr);
  size_t point = mantissa.find('.');
  std::string digits = mantissa;
  if (point != std::string::npos) {
    digits.erase(point, 1);
    exp10 -= static_cast<double>(mantissa.size() - point - 1);
  }
  size_t nonzero = digits.find_first_not_of('0');
  if (nonzero == std::string::npos) return "";
  digits.erase(0, nonzero);
  double lead = std::strtod(digits.substr(0, 17).c_str(), nullptr);
  double log2_magnitude =
      std::log2(lead) + (static_cast<double>(digits.size()) -
                         static_cast<double>(std::min<size_t>(digits.size(), 17)) + exp10) *
                            std::log2(10.0);
  if (log2_magnitude + 1 > 1e5 || log2_magnitude + 1 < -1e5) return "number too big";
  return "";
}

struct ParseFailure : std::runtime_error {
  ParseFailure(std::string msg, const Token& at) : std::runtime_error(std::move(msg)), tok(at) {}
  Token tok;
};

constexpr const char* kComprehensionHeadHint =
    "unexpected some keyword (hint: a comprehension head with an operator needs parentheses, "
    "e.g. [(x * 2) | ...])";

const std::set<std::string, std::less<>> kReservedWords = {
    "package", "import", "default", "not", "with", "as", "null", "true", "false", "some", "else"};

class Parser {
 public:
  Parser(std::shared_ptr<SourceFile> file, bool v0) : file_(std::move(file)), v0_(v0) {
    toks_ = tokenize(file_->text, comments_);
    if (!v0_) keywords_ = {"if", "contains", "in", "every"};
  }

  std::unique_ptr<Module> module() {
    auto m = std::make_unique<Module>();
    m->file = file_;
    m->v1 = !v0_;
    check_lex_error();
    if (!is_ident("package")) fail("expected package declaration");
    Token pkg = next();
    m->package_loc = loc_of(pkg);
    m->package_annotations = take_annotations(pkg.offset);
    auto ref = parse_ref_path();
    for (size_t i = 0; i < ref.size(); ++i) {
      const auto& t = ref[i];
      if (t->kind == TermKind::Var && i == 0) {
        m->package.push_back(t->name);
      } else if (t->kind == TermKind::Scalar && t->value.is_string()) {
        m->package.push_back(t->value.str());
      } else {
        fail_at(t->loc, "unexpected non-string package path term");
      }
    }
    if (!m->package.empty() && m->package[0] == "data") m->package.erase(m->package.begin());
    while (is_ident("import")) m->imports.push_back(parse_import(*m));
    while (!at(Tok::End)) parse_rule_or_group(*m);
    return m;
  }

  std::unique_ptr<Body> query() {
    check_lex_error();
    auto body = std::make_unique<Body>();
    keywords_ = {"if", "contains", "in", "every"};
    while (!at(Tok::End)) {
      body->push_back(parse_literal());
      if (at(Tok::Semicolon)) {
        next();
        continue;
      }
      if (at(Tok::End)) break;
      if (!cur().newline_before) unexpected("expected end of query");
    }
    if (body->empty()) fail("empty query");
    return body;
  }

  [[noreturn]] void fail(const std::string& msg) { throw ParseFailure(msg, cur()); }

 private:
  std::shared_ptr<SourceFile> file_;
  bool v0_;
  std::vector<Token> toks_;
  std::vector<Comment> comments_;
  size_t pos_ = 0;
  std::set<std::string, std::less<>> keywords_;
  size_t next_comment_ = 0;
  int nesting_ = 0;
  // How many infix operators each operator term of the module nests (left-associative chains
  // grow one level per operator without recursing in the parser).
  std::unordered_map<const Term*, int> operator_depth_;
  int backtracks_ = 0;
  static constexpr int kMaxBacktracks = 10000;

  const Token& cur() const { return toks_[pos_]; }
  const Token& peek(size_t k = 1) const { return toks_[std::min(pos_ + k, toks_.size() - 1)]; }
  bool at(Tok k) const { return cur().kind == k; }
  bool is_ident(std::string_view s) const { return cur().kind == Tok::Ident && cur().text == s; }
  bool is_keyword(std::string_view s) const { return is_ident(s) && keywords_.count(s); }
  Token next() {
    Token t = toks_[pos_];
    if (pos_ + 1 < toks_.size()) ++pos_;
    return t;
  }

  void check_lex_error() {
    const Token& last = toks_.back();
    if (last.kind == Tok::Error) throw ParseFailure(last.text, last);
  }

  Location loc_of(const Token& t) const {
    Location l;
    l.file = file_.get();
    l.line = t.line;
    l.col = t.col;
    l.offset = t.offset;
    l.end = t.end;
    return l;
  }

  Location span(const Location& from) const {
    Location l = from;
    l.end = pos_ > 0 ? toks_[pos_ - 1].end : from.end;
    return l;
  }

  [[noreturn]] void fail_at(const Location& l, const std::string& msg) {
    Token t;
    t.line = l.line;
    t.col = l.col;
    t.offset = l.offset;
    throw ParseFailure(msg, t);
  }

  std::string describe(const Token& t) const {
    switch (t.kind) {
      case Tok::Ident:
        return "ident";
      case Tok::String:
        return "string";
      case Tok::Number:
        return "number";
      case Tok::Assign:
        return "assign";
      case Tok::End:
        return "eof";
      default:
        return tok_name(t.kind);
    }
  }

  [[noreturn]] void unexpected(const std::string& expected) {
    const Token& t = cur();
    std::string what =
        t.kind == Tok::Ident && (kReservedWords.count(t.text) || keywords_.count(t.text))
            ? t.text + " keyword"
            : describe(t) + " token";
    fail("unexpected " + what + ": " + expected);
  }

  Token expect(Tok k, const std::string& what) {
    if (!at(k)) unexpected("expected " + what);
    return next();
  }

  // ----- annotations -----
  std::vector<std::shared_ptr<Annotations>> take_annotations(int before_offset) {
    std::vector<std::shared_ptr<Annotations>> out;
    while (next_comment_ < comments_.size() && comments_[next_comment_].offset < before_offset) {
      const Comment& c = comments_[next_comment_];
      std::string t = c.text;
      size_t k = t.find_first_not_of(' ');
      if (k != std::string::npos && t.compare(k, 8, "METADATA") == 0 &&
          t.find_first_not_of(' ', k + 8) == std::string::npos) {
        auto a = std::make_shared<Annotations>();
        a->loc.file = file_.get();
        a->loc.line = c.line;
        a->loc.col = c.col;
        int expect_line = c.line + 1;
        ++next_comment_;
        while (next_comment_ < comments_.size() && comments_[next_comment_].line == expect_line &&
               comments_[next_comment_].offset < before_offset) {
          std::string body = comments_[next_comment_].text;
          if (!body.empty() && body[0] == ' ') body.erase(0, 1);
          a->yaml += body + "\n";
          ++expect_line;
          ++next_comment_;
        }
        out.push_back(a);
        continue;
      }
      ++next_comment_;
    }
    return out;
  }

  // ----- imports -----
  Import parse_import(Module& m) {
    Token kw = next();
    Import imp;
    imp.loc = loc_of(kw);
    imp.path = parse_ref_path();
    if (imp.path.empty() || imp.path[0]->kind != TermKind::Var)
      fail_at(imp.loc, "invalid import path");
    const std::string& head = imp.path[0]->name;
    if (head != "data" && head != "input" && head != "future" && head != "rego") {
      fail_at(imp.loc,
              "unexpected import path, must begin with one of: {data, future, input, rego}, got: " +
                  head);
    }
    if (head == "future") {
      if (imp.path.size() < 2 || !imp.path[1]->value.is_string() ||
          imp.path[1]->value.str() != "keywords") {
        fail_at(imp.loc, "invalid import, must be `future.keywords`");
      }
      if (imp.path.size() == 2) {
        keywords_ = {"if", "contains", "in", "every"};
      } else {
        std::string kw2 = imp.path[2]->value.str();
        if (kw2 != "if" && kw2 != "contains" && kw2 != "in" && kw2 != "every") {
          fail_at(imp.loc, "unexpected keyword, must be one of [contains every if in]");
        }
        keywords_.insert(kw2);
      }
    } else if (head == "rego") {
      if (imp.path.size() != 2 || !imp.path[1]->value.is_string() ||
          imp.path[1]->value.str() != "v1") {
        fail_at(imp.loc, "invalid import `" + imp.loc.text() + "`, must be `rego.v1`");
      }
      keywords_ = {"if", "contains", "in", "every"};
      m.rego_v1_import = true;
      // `import rego.v1` in a v0 file asks for every v1 rule: `if` and `contains` required,
      // keywords reserved, deprecated builtins rejected, input and data not shadowed.
      v0_ = false;
      m.v1 = true;
    }
    if (is_ident("as")) {
      next();
      Token alias = expect(Tok::Ident, "import alias");
      imp.alias = alias.text;
      if (head == "future" || head == "rego")
        fail_at(imp.loc, "`" + head + "` imports cannot be aliased");
    }
    imp.loc = span(imp.loc);
    return imp;
  }

  // a.b["c"].d — only var head with string/var segments (package and import paths).
  std::vector<TermPtr> parse_ref_path() {
    std::vector<TermPtr> out;
    Token head = expect(Tok::Ident, "ident");
    out.push_back(make_var(head.text, loc_of(head)));
    while (true) {
      if (at(Tok::Dot) && peek().kind == Tok::Ident && peek().offset == cur().end) {
        next();
        Token id = next();
        out.push_back(make_scalar(Value::interned(id.text), loc_of(id)));
      } else if (at(Tok::LBrack) && !cur().newline_before) {
        next();
        if (!at(Tok::String)) unexpected("expected string");
        Token s = next();
        out.push_back(make_scalar(Value::string(s.text), loc_of(s)));
        expect(Tok::RBrack, "]");
      } else {
        break;
      }
    }
    return out;
  }

  // ----- rules -----
  void parse_rule_or_group(Module& m) {
    if (!at(Tok::Ident)) unexpected("expected rule head");
    auto annotations = take_annotations(cur().offset);
    Rule rule;
    rule.loc = loc_of(cur());
    if (is_ident("default")) {
      next();
      rule.is_default = true;
    }
    if (!at(Tok::Ident)) unexpected("expected rule head");
    if (kReservedWords.count(cur().text)) unexpected("expected rule head");
    // Head ref.
    Token name = next();
    rule.ref.push_back(make_var(name.text, loc_of(name)));
    while (true) {
      if (at(Tok::Dot) && peek().kind == Tok::Ident) {
        next();
        Token id = next();
        rule.ref.push_back(make_scalar(Value::interned(id.text), loc_of(id)));
      } else if (at(Tok::LBrack) && !cur().newline_before) {
        next();
        rule.ref.push_back(parse_term_in());
        expect(Tok::RBrack, "]");
      } else {
        break;
      }
    }
    if (at(Tok::LParen) && !cur().newline_before) {
      rule.kind = RuleKind::Function;
      next();
      parse_call_args(rule.args);
    }
    if (is_keyword("contains") && rule.kind != RuleKind::Function) {
      if (rule.is_default) fail("default rules cannot use contains");
      next();
      rule.kind = RuleKind::MultiValue;
      rule.key = parse_term_in();
    } else if (at(Tok::Assign) || at(Tok::Unify)) {
      rule.assign = at(Tok::Assign);
      Token op = next();
      try {
        rule.value = parse_term_in();
      } catch (const ParseFailure& f) {
        // OPA reports a rule value that does not parse as a term at the assignment, which is
        // where its parser gives up; the comprehension hint stays with it.
        if (std::string_view(f.what()).starts_with(kComprehensionHeadHint)) {
          fail_at(loc_of(op), std::string("unexpected ") + (rule.assign ? "assign" : "eq") +
                                  " token: expected rule value term (e.g., p := <VALUE> { ... })" +
                                  std::string(f.what()).substr(
                                      std::string_view("unexpected some keyword").size()));
        }
        throw;
      }
    } else if (rule.is_default) {
      unexpected("expected assignment for default rule");
    }
    if (rule.is_default) {
      if (at(Tok::LBrace) || is_keyword("if")) fail("default rules must not have a body");
      if (contains_var(*rule.value))
        fail_at(rule.loc, "illegal default rule (value cannot contain var)");
      rule.loc = span(rule.loc);
      finish_rule(m, std::move(rule), annotations);
      return;
    }
    // v0 partial set: `p[x] { ... }` (one bracketed key, no value). In v1 (and under
    // `import rego.v1`) the same head is a single-value rule of value true at p[x], and so it
    // is in v0 when `if` follows (OPA: a set needs `contains` there).
    if (rule.kind == RuleKind::Complete && !rule.value && rule.ref.size() == 2 && v0_ &&
        !m.rego_v1_import && !is_keyword("if")) {
      const Term& last = *rule.ref[1];
      bool dotted = file_->text[static_cast<size_t>(last.loc.offset) - 1] == '.';
      if (!dotted) {
        rule.kind = RuleKind::MultiValue;
        rule.key = rule.ref[1];
        rule.ref.pop_back();
      }
    }
    parse_rule_body(rule);
    // else chain
    while (is_ident("else")) {
      if (rule.kind == RuleKind::MultiValue)
        fail("else keyword cannot be used on multi-value rules");
      if (!rule.has_body) fail("expected rule body before else");
      Token e = next();
      ElseClause ec;
      ec.loc = loc_of(e);
      if (at(Tok::Assign) || at(Tok::Unify)) {
        next();
        ec.value = parse_term_in();
      }
      Rule tmp;
      tmp.kind = rule.kind;
      parse_rule_body(tmp);
      ec.body = std::move(tmp.body);  // no body: unconditionally true
      rule.elses.push_back(std::move(ec));
    }
    rule.loc = span(rule.loc);
    // v0: additional bodies `p { a } { b }` define more rules with the same head.
    std::vector<Body> extra;
    while (at(Tok::LBrace) && !cur().newline_before && rule.has_body) {
      extra.push_back(parse_braced_body());
    }
    Rule copy_base = rule;
    finish_rule(m, std::move(rule), annotations);
    for (auto& b : extra) {
      Rule r = copy_base;
      r.body = std::move(b);
      r.elses.clear();
      finish_rule(m, std::move(r), {});
    }
  }

  void parse_rule_body(Rule& rule) {
    if (is_keyword("if")) {
      next();
      rule.has_body = true;
      if (at(Tok::LBrace)) {
        // `if {` opens a body, unless what follows only parses as one expression
        // (`if {x: 1 | ...}`).
        size_t save = pos_;
        bool braced = true;
        std::optional<ParseFailure> body_error;
        try {
          rule.body = parse_braced_body();
          // `if {x} = {1}`: the braces were a term of an expression.
          if (!cur().newline_before && !at(Tok::End) && !at(Tok::LBrace) && !is_ident("else") &&
              !at(Tok::Semicolon)) {
            braced = false;
          }
        } catch (const ParseFailure& f) {
          braced = false;
          body_error = f;
        }
        if (!braced) {
          pos_ = save;
          rule.body.clear();
          try {
            rule.body.push_back(parse_literal());
          } catch (const ParseFailure&) {
            // Neither reading works: the error is the body's, as in OPA (which reads
            // `{ ... }` as a body once it is not one expression). The expression reading
            // would only report the body's first line as a malformed set.
            if (body_error) throw *body_error;
            throw;
          }
        }
      } else {
        if (cur().newline_before && at(Tok::End)) unexpected("expected rule body");
        rule.body.push_back(parse_literal());
      }
      return;
    }
    if (at(Tok::LBrace) && !cur().newline_before) {
      if (!v0_ && !keywords_.count("if")) {
        fail("`if` keyword is required before rule body");
      }
      if (!v0_) fail("`if` keyword is required before rule body");
      rule.has_body = true;
      rule.body = parse_braced_body();
      return;
    }
    if (at(Tok::LBrace) && cur().newline_before && v0_) {
      rule.has_body = true;
      rule.body = parse_braced_body();
      return;
    }
    if (!cur().newline_before && !at(Tok::End) && !at(Tok::Semicolon)) {
      unexpected("expected rule body");
    }
  }

  void finish_rule(Module& m, Rule rule,
                   const std::vector<std::shared_ptr<Annotations>>& annotations) {
    if (!annotations.empty()) rule.annotations = annotations.back();
    m.rules.push_back(std::move(rule));
  }

  Body parse_braced_body() {
    expect(Tok::LBrace, "{");
    Body body;
    while (!at(Tok::RBrace)) {
      if (at(Tok::End)) unexpected("expected }");
      body.push_back(parse_literal());
      if (at(Tok::Semicolon)) {
        next();
        continue;
      }
      if (at(Tok::RBrace)) break;
      if (!cur().newline_before) unexpected("expected end of expression");
    }
    next();
    if (body.empty()) fail("found empty body");
    return body;
  }

  // ----- literals -----
  Expr parse_literal() {
    Expr e;
    Location start = loc_of(cur());
    if (is_ident("some")) {
      next();
      std::vector<TermPtr> terms;
      terms.push_back(parse_term_relation());
      while (at(Tok::Comma)) {
        next();
        terms.push_back(parse_term_relation());
      }
      if (is_keyword("in")) {
        next();
        if (terms.size() > 2)
          fail_at(start, "unexpected , token: expected `some x in xs` or `some k, v in xs`");
        e.kind = ExprKind::SomeIn;
        if (terms.size() == 2) {
          e.key = terms[0];
          e.val = terms[1];
        } else {
          e.val = terms[0];
        }
        e.domain = parse_term_relation();
      } else {
        e.kind = ExprKind::SomeDecl;
        for (auto& t : terms) {
          if (t->kind != TermKind::Var) fail_at(t->loc, "expected var in some declaration");
        }
        e.vars = std::move(terms);
      }
    } else if (is_keyword("every")) {
      next();
      e.kind = ExprKind::Every;
      TermPtr first = parse_term_relation();
      if (at(Tok::Comma)) {
        next();
        e.key = first;
        e.val = parse_term_relation();
      } else {
        e.val = first;
      }
      if (!is_keyword("in")) unexpected("expected in keyword");
      next();
      e.domain = parse_term_relation();
      // OPA takes no patterns here (`every [a, b] in xs` is an error): key and value are
      // variables, reported at the token after the domain as OPA does.
      if (e.key && !is_plain_var(*e.key)) unexpected("expected key to be a variable");
      if (!is_plain_var(*e.val)) unexpected("expected value to be a variable");
      e.body = std::make_shared<Body>(parse_braced_body());
    } else if (is_ident("not")) {
      next();
      e.kind = ExprKind::Not;
      auto inner = std::make_shared<Expr>(parse_expr());
      e.inner = inner;
    } else {
      e = parse_expr();
    }
    while (is_ident("with")) {
      Token w = next();
      With wi;
      wi.loc = loc_of(w);
      wi.target = parse_term_relation();
      if (!is_ident("as")) unexpected("expected as keyword");
      next();
      wi.value = parse_term_in();
      wi.loc = span(wi.loc);
      e.withs.push_back(std::move(wi));
    }
    e.loc = span(start);
    return e;
  }

  Expr parse_expr() {
    Expr e;
    Location start = loc_of(cur());
    TermPtr a = parse_term_in();
    // `k, v in xs` as an expression
    if (at(Tok::Comma) && keywords_.count("in")) {
      size_t save = pos_;
      next();
      TermPtr v = parse_term_relation();
      if (is_keyword("in")) {
        next();
        TermPtr coll = parse_term_relation();
        e.kind = ExprKind::Term;
        e.a = continue_in(make_call("internal.member_3", {a, v, coll}, span(start)), start);
        e.loc = span(start);
        return e;
      }
      pos_ = save;
    }
    if (at(Tok::Unify) || at(Tok::Assign)) {
      e.kind = at(Tok::Assign) ? ExprKind::Assign : ExprKind::Unify;
      next();
      e.a = a;
      e.b = parse_term_in();
    } else {
      e.kind = ExprKind::Term;
      e.a = a;
    }
    e.loc = span(start);
    return e;
  }

  // ----- terms, by OPA's precedence: in < relation < | < & < + - < * / % -----
  // Each precedence level may start from an already parsed primary term (`first`): array and
  // set literals parse their first element's primary once, to tell a comprehension head from
  // an expression without parsing it twice (which nested literals would make exponential).
  Location start_of(const TermPtr& first) const { return first ? first->loc : loc_of(cur()); }

  TermPtr parse_term_in(TermPtr first = nullptr) {
    Location start = start_of(first);
    return continue_in(parse_term_relation(first), start);
  }

  TermPtr continue_in(TermPtr lhs, const Location& start) {
    while (is_keyword("in")) {
      next();
      TermPtr rhs = parse_term_relation();
      lhs = infix("internal.member_2", lhs, rhs, start);
    }
    return lhs;
  }

  TermPtr parse_term_relation(TermPtr first = nullptr) {
    Location start = start_of(first);
    TermPtr lhs = parse_term_or(first);
    while (true) {
      const char* op = nullptr;
      switch (cur().kind) {
        case Tok::Eq:
          op = "equal";
          break;
        case Tok::Neq:
          op = "neq";
          break;
        case Tok::Lt:
          op = "lt";
          break;
        case Tok::Lte:
          op = "lte";
          break;
        case Tok::Gt:
          op = "gt";
          break;
        case Tok::Gte:
          op = "gte";
          break;
        default:
          break;
      }
      if (!op) break;
      next();
      TermPtr rhs = parse_term_or();
      lhs = infix(op, lhs, rhs, start);
    }
    return lhs;
  }

  TermPtr parse_term_or(TermPtr first = nullptr) {
    Location start = start_of(first);
    TermPtr lhs = parse_term_and(first);
    while (at(Tok::Pipe)) {
      next();
      TermPtr rhs = parse_term_and();
      lhs = infix("or", lhs, rhs, start);
    }
    return lhs;
  }

  TermPtr parse_term_and(TermPtr first = nullptr) {
    Location start = start_of(first);
    TermPtr lhs = parse_term_arith(first);
    while (at(Tok::Amp)) {
      next();
      TermPtr rhs = parse_term_arith();
      lhs = infix("and", lhs, rhs, start);
    }
    return lhs;
  }

  TermPtr parse_term_arith(TermPtr first = nullptr) {
    Location start = start_of(first);
    TermPtr lhs = parse_term_factor(first);
    while (at(Tok::Plus) || at(Tok::Minus)) {
      const char* op = at(Tok::Plus) ? "plus" : "minus";
      next();
      TermPtr rhs = parse_term_factor();
      lhs = infix(op, lhs, rhs, start);
    }
    return lhs;
  }

  TermPtr parse_term_factor(TermPtr first = nullptr) {
    Location start = start_of(first);
    TermPtr lhs = first ? first : parse_term();
    while (at(Tok::Star) || at(Tok::Slash) || at(Tok::Percent)) {
      const char* op = at(Tok::Star) ? "mul" : (at(Tok::Slash) ? "div" : "rem");
      next();
      TermPtr rhs = parse_term();
      lhs = infix(op, lhs, rhs, start);
    }
    return lhs;
  }

  // Nesting is bounded so that a hostile or generated module gets an error, not a stack
  // overflow in the parser, compiler or evaluator (each walks the tree recursively).
  static constexpr int kMaxNesting = 500;

  struct NestingGuard {
    Parser& p;
    explicit NestingGuard(Parser& parser) : p(parser) {
      if (++p.nesting_ > kMaxNesting) p.fail("expression nested too deeply (more than 500 levels)");
    }
    ~NestingGuard() { --p.nesting_; }
  };

  // A left-associative operator chain (`a + b + c ...`) nests one level per operator.
  TermPtr infix(const char* op, const TermPtr& lhs, const TermPtr& rhs, const Location& start) {
    int depth = std::max(operator_depth(lhs), operator_depth(rhs)) + 1;
    if (depth > kMaxNesting) fail("expression nested too deeply (more than 500 operators)");
    TermPtr call = make_call(op, {lhs, rhs}, span(start));
    operator_depth_[call.get()] = depth;
    return call;
  }

  int operator_depth(const TermPtr& t) const {
    auto it = operator_depth_.find(t.get());
    return it == operator_depth_.end() ? 0 : it->second;
  }

  TermPtr parse_term() {
    NestingGuard guard(*this);
    Location start = loc_of(cur());
    TermPtr t;
    switch (cur().kind) {
      case Tok::Number: {
        Token n = next();
        if (std::string problem = number_literal_problem(n.text); !problem.empty())
          fail_at(start, problem == "expected number" ? "unexpected number token: expected number"
                                                      : problem);
        Value v = Value::number_from_text(n.text);
        if (v.is_undefined()) fail_at(start, "invalid number " + n.text);
        t = make_scalar(v, start);
        break;
      }
      case Tok::Minus: {
        next();
        // Unary minus makes negative number literals only, as in OPA (`-x` does not parse).
        if (!at(Tok::Number)) unexpected("expected number");
        Token n = next();
        n.text.insert(0, "-");
        if (std::string problem = number_literal_problem(n.text); !problem.empty())
          fail_at(start, problem == "expected number" ? "unexpected number token: expected number"
                                                      : problem);
        Value v = Value::number_from_text(n.text);
        if (v.is_undefined()) fail_at(start, "invalid number");
        t = make_scalar(v, span(start));
        break;
      }
      case Tok::String: {
        Token s = next();
        // Short constants share payloads with document keys (pointer-equal lookups).
        t = make_scalar(s.text.size() <= 64 ? Value::interned(s.text) : Value::string(s.text),
                        start);
        break;
      }
      case Tok::LParen: {
        next();
        t = parse_term_in();
        if (at(Tok::Comma) && keywords_.count("in")) {
          // `(k, v in xs)`
          next();
          TermPtr v = parse_term_relation();
          if (!is_keyword("in")) unexpected("expected in keyword");
          next();
          TermPtr coll = parse_term_relation();
          t = continue_in(make_call("internal.member_3", {t, v, coll}, span(start)), start);
        }
        expect(Tok::RParen, ")");
        break;
      }
      case Tok::LBrack:
        t = parse_array();
        break;
      case Tok::LBrace:
        t = parse_brace();
        break;
      case Tok::Ident: {
        const std::string& w = cur().text;
        if (w == "null") {
          next();
          t = make_scalar(Value::null(), start);
        } else if (w == "true" || w == "false") {
          next();
          t = make_scalar(Value::boolean(w == "true"), start);
        } else if (w == "set" && peek().kind == Tok::LParen && peek(2).kind == Tok::RParen) {
          next();
          next();
          next();
          t = std::make_shared<Term>();
          t->kind = TermKind::Set;
          t->loc = span(start);
        } else if (kReservedWords.count(w) ||
                   (keywords_.count(w) &&
                    !(peek().kind == Tok::LParen && peek().offset == cur().end))) {
          // Keywords name builtins when called: contains(s, "x").
          unexpected("expected term");
        } else {
          Token id = next();
          t = make_var(id.text, start);
        }
        break;
      }
      default:
        unexpected("expected term");
    }
    return parse_ref_suffix(t, start);
  }

  TermPtr parse_ref_suffix(TermPtr t, const Location& start) {
    while (true) {
      if (at(Tok::Dot) && peek().kind == Tok::Ident && cur().offset == toks_[pos_ - 1].end) {
        if (!is_refable(*t)) break;
        next();
        Token id = next();
        t = append_ref(t, make_scalar(Value::interned(id.text), loc_of(id)), start);
      } else if (at(Tok::LBrack) && cur().offset == toks_[pos_ - 1].end) {
        if (!is_refable(*t)) break;
        next();
        TermPtr key = parse_term_in();
        expect(Tok::RBrack, "]");
        t = append_ref(t, key, start);
      } else if (at(Tok::LParen) && cur().offset == toks_[pos_ - 1].end && is_callable(*t)) {
        next();
        std::vector<TermPtr> args;
        parse_call_args(args);
        auto call = std::make_shared<Term>();
        call->kind = TermKind::Call;
        call->items.push_back(t);
        for (auto& a : args) call->items.push_back(a);
        call->loc = span(start);
        t = call;
      } else {
        break;
      }
    }
    return t;
  }

  // Call arguments (also a function head's) after `(`, and the closing `)`. As in OPA, a
  // trailing comma is allowed (`f(a, b,)`), a leading one is not.
  void parse_call_args(std::vector<TermPtr>& args) {
    while (!at(Tok::RParen)) {
      args.push_back(parse_term_in());
      if (!at(Tok::Comma)) break;
      next();
    }
    expect(Tok::RParen, ")");
  }

  // A variable as OPA's parser has it: `input` and `data` are references.
  static bool is_plain_var(const Term& t) {
    return t.kind == TermKind::Var && t.name != "input" && t.name != "data";
  }

  static bool contains_var(const Term& t) {
    if (t.kind == TermKind::Var || t.kind == TermKind::Ref || t.kind == TermKind::Call) return true;
    for (const auto& i : t.items)
      if (contains_var(*i)) return true;
    for (const auto& [k, v] : t.pairs)
      if (contains_var(*k) || contains_var(*v)) return true;
    return false;  // comprehensions bind their own variables
  }

  static bool is_refable(const Term& t) {
    return t.kind == TermKind::Var || t.kind == TermKind::Ref || t.kind == TermKind::Call ||
           t.kind == TermKind::Array || t.kind == TermKind::Object || t.kind == TermKind::Set ||
           t.kind == TermKind::ArrayCompr || t.kind == TermKind::SetCompr ||
           t.kind == TermKind::ObjectCompr;
  }

  static bool is_callable(const Term& t) {
    if (t.kind == TermKind::Var) return true;
    if (t.kind != TermKind::Ref) return false;
    if (t.items[0]->kind != TermKind::Var) return false;
    for (size_t i = 1; i < t.items.size(); ++i) {
      if (!(t.items[i]->kind == TermKind::Scalar && t.items[i]->value.is_string())) return false;
    }
    return true;
  }

  TermPtr append_ref(TermPtr base, TermPtr seg, const Location& start) {
    if (base->kind == TermKind::Ref) {
      auto r = std::make_shared<Term>(*base);
      r->items.push_back(seg);
      r->loc = span(start);
      return r;
    }
    auto r = std::make_shared<Term>();
    r->kind = TermKind::Ref;
    r->items.push_back(base);
    r->items.push_back(seg);
    r->loc = span(start);
    return r;
  }

  // Comprehension heads are plain terms (OPA: `[x * 2 | ...]` needs parentheses).
  TermPtr parse_array() {
    Location start = loc_of(cur());
    next();
    if (at(Tok::RBrack)) {
      next();
      auto t = std::make_shared<Term>();
      t->kind = TermKind::Array;
      t->loc = span(start);
      return t;
    }
    if (at(Tok::Comma)) {
      // OPA skips one leading comma (`[, x, y]`), for backwards compatibility; what follows is
      // then never a comprehension.
      next();
      auto t = std::make_shared<Term>();
      t->kind = TermKind::Array;
      parse_array_items(*t, nullptr);
      t->loc = span(start);
      return t;
    }
    size_t save = pos_;
    TermPtr head = parse_term();
    if (TermPtr compr =
            try_comprehension(TermKind::ArrayCompr, nullptr, head, Tok::RBrack, start)) {
      return compr;
    }
    auto t = std::make_shared<Term>();
    t->kind = TermKind::Array;
    try {
      parse_array_items(*t, head);
    } catch (const ParseFailure& f) {
      // `[x * 2 | some ...]` reads as the union `x * 2 | some`, which breaks at `some`. Report
      // it there with OPA's message, plus a hint in OPA's style on what is wrong.
      const Token* pipe = comprehension_pipe(save);
      if (pipe && f.tok.offset == pipe[1].offset) {
        fail_at(loc_of(pipe[1]), kComprehensionHeadHint);
      }
      throw;
    }
    t->loc = span(start);
    return t;
  }

  // The `|` at bracket depth zero of the array starting at token `from`, if the text after it
  // starts a comprehension body.
  const Token* comprehension_pipe(size_t from) const {
    int depth = 0;
    for (size_t i = from; i < toks_.size(); ++i) {
      Tok k = toks_[i].kind;
      if (k == Tok::LBrack || k == Tok::LBrace || k == Tok::LParen) ++depth;
      if (k == Tok::RBrack || k == Tok::RBrace || k == Tok::RParen) {
        if (depth == 0) return nullptr;
        --depth;
      }
      if (k == Tok::Pipe && depth == 0 && i + 1 < toks_.size() && toks_[i + 1].kind == Tok::Ident &&
          toks_[i + 1].text == "some") {
        return &toks_[i];
      }
      if (k == Tok::End) return nullptr;
    }
    return nullptr;
  }

  void parse_array_items(Term& array, TermPtr first) {
    auto* t = &array;
    while (true) {
      t->items.push_back(parse_term_in(first));
      first = nullptr;
      if (at(Tok::Comma)) {
        next();
        if (at(Tok::RBrack)) break;
        continue;
      }
      break;
    }
    expect(Tok::RBrack, "]");
  }

  Body parse_compr_body(Tok close) {
    Body body;
    while (true) {
      body.push_back(parse_literal());
      if (at(Tok::Semicolon)) {
        next();
        continue;
      }
      if (at(close)) break;
      if (cur().newline_before && !at(Tok::End)) continue;
      unexpected(std::string("expected ") + tok_name(close));
    }
    next();
    return body;
  }

  // At `|` after a literal's first term: a comprehension if a body and the closing bracket
  // follow, otherwise null with the position back at `|` (then it is the union operator, as
  // in `[a | b, 4]`). The head is not parsed again either way.
  TermPtr try_comprehension(TermKind kind, TermPtr key, TermPtr head, Tok close,
                            const Location& start) {
    if (!at(Tok::Pipe)) return nullptr;
    size_t pipe = pos_;
    next();
    try {
      auto t = std::make_shared<Term>();
      t->kind = kind;
      t->key = std::move(key);
      t->head = std::move(head);
      t->body = std::make_shared<Body>(parse_compr_body(close));
      t->loc = span(start);
      return t;
    } catch (const ParseFailure&) {
      // Each failed attempt re-reads what follows `|` once more; bound the total so nested
      // failing attempts cannot take exponential time.
      if (++backtracks_ > kMaxBacktracks) fail("expression too complex to parse");
      pos_ = pipe;
      return nullptr;
    }
  }

  // The pairs after the first of an object literal, and its closing brace.
  void parse_object_rest(Term& object) {
    while (at(Tok::Comma)) {
      next();
      if (at(Tok::RBrace)) break;
      TermPtr k = parse_term_in();
      expect(Tok::Colon, ":");
      TermPtr val = parse_term_in();
      object.pairs.emplace_back(k, val);
    }
    expect(Tok::RBrace, "}");
  }

  TermPtr parse_brace() {
    Location start = loc_of(cur());
    next();
    if (at(Tok::RBrace)) {
      next();
      auto t = std::make_shared<Term>();
      t->kind = TermKind::Object;
      t->loc = span(start);
      return t;
    }
    // OPA skips one leading comma (`{, x}`, `{, k: v}`); what follows is then never a
    // comprehension.
    bool leading_comma = at(Tok::Comma);
    if (leading_comma) next();
    TermPtr first = leading_comma ? parse_term_in() : parse_term();
    if (TermPtr compr = leading_comma ? nullptr
                                      : try_comprehension(TermKind::SetCompr, nullptr, first,
                                                          Tok::RBrace, start)) {
      return compr;
    }
    TermPtr first_value;
    if (at(Tok::Colon) && !leading_comma) {
      next();
      first_value = parse_term();
      if (TermPtr compr =
              try_comprehension(TermKind::ObjectCompr, first, first_value, Tok::RBrace, start)) {
        return compr;
      }
      auto t = std::make_shared<Term>();
      t->kind = TermKind::Object;
      t->pairs.emplace_back(first, parse_term_in(first_value));
      parse_object_rest(*t);
      t->loc = span(start);
      return t;
    }
    if (!leading_comma) first = parse_term_in(first);
    auto t = std::make_shared<Term>();
    if (at(Tok::Colon)) {
      t->kind = TermKind::Object;
      next();
      t->pairs.emplace_back(first, parse_term_in());
      parse_object_rest(*t);
      t->loc = span(start);
      return t;
    } else {
      t->kind = TermKind::Set;
      t->items.push_back(first);
      while (at(Tok::Comma)) {
        next();
        if (at(Tok::RBrace)) break;
        t->items.push_back(parse_term_in());
      }
    }
    expect(Tok::RBrace, "}");
    t->loc = span(start);
    return t;
  }
};

Diagnostic to_diagnostic(const SourceFile& file, const ParseFailure& f) {
  Diagnostic d;
  d.code = "rego_parse_error";
  d.message = f.what();
  d.file = file.name;
  d.line = f.tok.line;
  d.col = f.tok.col;
  d.source_line = file.line_text(f.tok.line);
  return d;
}

}  // namespace

std::unique_ptr<Module> parse_module(std::shared_ptr<SourceFile> file, const ParseOptions& options,
                                     std::vector<Diagnostic>& errors) {
  Parser p(file, options.v0);
  try {
    return p.module();
  } catch (const ParseFailure& f) {
    errors.push_back(to_diagnostic(*file, f));
    return nullptr;
  }
}

std::unique_ptr<Body> parse_query(std::shared_ptr<SourceFile> file,
                                  std::vector<Diagnostic>& errors) {
  Parser p(file, false);
  try {
    return p.query();
  } catch (const ParseFailure& f) {
    errors.push_back(to_diagnostic(*file, f));
    return nullptr;
  }
}

}  // namespace policyc::dsl
