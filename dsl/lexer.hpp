// Rego tokens. Keywords are identifiers here; the parser decides by context, because
// v0 modules only treat `if`, `in`, `contains` and `every` as keywords once imported.
#pragma once

#include <string>
#include <vector>

#include "policyc/dsl/ast.hpp"

namespace policyc::dsl {

enum class Tok {
  End,
  Ident,
  String,  // value holds the decoded text
  Number,  // text holds the literal
  LBrace,
  RBrace,
  LBrack,
  RBrack,
  LParen,
  RParen,
  Dot,
  Comma,
  Semicolon,
  Colon,
  Assign,  // :=
  Unify,   // =
  Eq,
  Neq,
  Lt,
  Lte,
  Gt,
  Gte,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  Pipe,
  Amp,
  Error,
};

struct Token {
  Tok kind = Tok::End;
  std::string text;  // identifier, number literal, decoded string, or error message
  int line = 0, col = 0, offset = 0, end = 0;
  bool newline_before = false;
  bool raw = false;  // raw string
};

struct Comment {
  std::string text;  // after '#'
  int line = 0, col = 0, offset = 0;
};

// Tokenises the whole file. On a lexical error, the last token is Tok::Error.
std::vector<Token> tokenize(const std::string& text, std::vector<Comment>& comments);

const char* tok_name(Tok t);

}  // namespace policyc::dsl
