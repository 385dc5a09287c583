#include "lexer.hpp"

#include <cctype>

#include "policyc/core/utf8.hpp"

namespace policyc::dsl {

const char* tok_name(Tok t) {
  switch (t) {
    case Tok::End:
      return "EOF";
    case Tok::Ident:
      return "ident";
    case Tok::String:
      return "string";
    case Tok::Number:
      return "number";
    case Tok::LBrace:
      return "{";
    case Tok::RBrace:
      return "}";
    case Tok::LBrack:
      return "[";
    case Tok::RBrack:
      return "]";
    case Tok::LParen:
      return "(";
    case Tok::RParen:
      return ")";
    case Tok::Dot:
      return ".";
    case Tok::Comma:
      return ",";
    case Tok::Semicolon:
      return ";";
    case Tok::Colon:
      return ":";
    case Tok::Assign:
      return "assign";
    case Tok::Unify:
      return "=";
    case Tok::Eq:
      return "==";
    case Tok::Neq:
      return "!=";
    case Tok::Lt:
      return "<";
    case Tok::Lte:
      return "<=";
    case Tok::Gt:
      return ">";
    case Tok::Gte:
      return ">=";
    case Tok::Plus:
      return "+";
    case Tok::Minus:
      return "-";
    case Tok::Star:
      return "*";
    case Tok::Slash:
      return "/";
    case Tok::Percent:
      return "%";
    case Tok::Pipe:
      return "|";
    case Tok::Amp:
      return "&";
    case Tok::Error:
      return "error";
  }
  return "?";
}

namespace {

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// OPA's scanner refuses a NUL byte, bytes that are not UTF-8, and a byte-order mark past the
// start, wherever they are (comments and strings included): the first such byte, or npos.
size_t first_illegal_byte(const std::string& s, size_t from, const char*& reason) {
  for (size_t i = from; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == 0) {
      reason = "illegal null character";
      return i;
    }
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = utf8_sequence_length(s, i);
    if (len == 0) {
      reason = "illegal utf-8 character";
      return i;
    }
    if (len == 3 && c == 0xEF && static_cast<unsigned char>(s[i + 1]) == 0xBB &&
        static_cast<unsigned char>(s[i + 2]) == 0xBF) {
      reason = "illegal byte-order mark";
      return i;
    }
    i += len;
  }
  return std::string::npos;
}

}  // namespace

std::vector<Token> tokenize(const std::string& s, std::vector<Comment>& comments) {
  std::vector<Token> toks;
  size_t i = 0, n = s.size();
  int line = 1;
  size_t line_start = 0;
  bool nl = true;
  auto col_of = [&](size_t pos) { return static_cast<int>(pos - line_start) + 1; };
  auto push = [&](Tok k, size_t start, size_t end, std::string text) {
    Token t;
    t.kind = k;
    t.text = std::move(text);
    t.line = line;
    t.col = col_of(start);
    t.offset = static_cast<int>(start);
    t.end = static_cast<int>(end);
    t.newline_before = nl;
    nl = false;
    toks.push_back(std::move(t));
  };
  auto error = [&](size_t pos, std::string msg) {
    Token t;
    t.kind = Tok::Error;
    t.text = std::move(msg);
    t.line = line;
    t.col = col_of(pos);
    t.offset = static_cast<int>(pos);
    t.end = static_cast<int>(pos + 1);
    toks.push_back(std::move(t));
  };
  // A byte-order mark may open the file.
  if (s.compare(0, 3, "\xEF\xBB\xBF") == 0) i = line_start = 3;
  const char* reason = nullptr;
  size_t illegal = first_illegal_byte(s, i, reason);
  if (illegal != std::string::npos) {
    for (size_t k = 0; k < illegal; ++k) {
      if (s[k] == '\n') {
        ++line;
        line_start = k + 1;
      }
    }
    error(illegal, reason);
    return toks;
  }
  while (i < n) {
    char c = s[i];
    if (c == '\n') {
      ++i;
      ++line;
      line_start = i;
      nl = true;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
      continue;
    }
    if (c == '#') {
      size_t start = i;
      while (i < n && s[i] != '\n') ++i;
      comments.push_back(
          {s.substr(start + 1, i - start - 1), line, col_of(start), static_cast<int>(start)});
      continue;
    }
    size_t start = i;
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      while (i < n && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
      push(Tok::Ident, start, i, s.substr(start, i - start));
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && i + 1 < n && std::isdigit(static_cast<unsigned char>(s[i + 1])) &&
         (toks.empty() || toks.back().kind != Tok::Ident))) {
      while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      if (i < n && s[i] == '.' && i + 1 < n && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
        ++i;
        while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      }
      if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t save = i;
        ++i;
        if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
        if (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) {
          while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
        } else {
          i = save;
        }
      }
      std::string text = s.substr(start, i - start);
      if (text[0] == '.') text.insert(0, "0");
      push(Tok::Number, start, i, text);
      continue;
    }
    if (c == '"') {
      std::string out;
      ++i;
      bool closed = false;
      while (i < n) {
        char d = s[i];
        if (d == '"') {
          closed = true;
          ++i;
          break;
        }
        if (d == '\n') break;
        if (d == '\\') {
          if (i + 1 >= n) break;
          char e = s[i + 1];
          i += 2;
          switch (e) {
            case '"':
              out.push_back('"');
              break;
            case '\\':
              out.push_back('\\');
              break;
            case '/':
              out.push_back('/');
              break;
            case 'b':
              out.push_back('\b');
              break;
            case 'f':
              out.push_back('\f');
              break;
            case 'n':
              out.push_back('\n');
              break;
            case 'r':
              out.push_back('\r');
              break;
            case 't':
              out.push_back('\t');
              break;
            case 'u': {
              auto read4 = [&](uint32_t& cp) {
                if (i + 4 > n) return false;
                cp = 0;
                for (int k = 0; k < 4; ++k) {
                  int h = hex_digit(s[i + k]);
                  if (h < 0) return false;
                  cp = cp * 16 + static_cast<uint32_t>(h);
                }
                i += 4;
                return true;
              };
              uint32_t cp;
              if (!read4(cp)) {
                error(i, "illegal escape sequence");
                return toks;
              }
              if (cp >= 0xD800 && cp < 0xDC00 && i + 1 < n && s[i] == '\\' && s[i + 1] == 'u') {
                size_t save = i;
                i += 2;
                uint32_t lo;
                if (read4(lo) && lo >= 0xDC00 && lo < 0xE000) {
                  cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                } else {
                  i = save;
                }
              }
              append_utf8(out, cp);
              break;
            }
            default:
              error(i - 2, "illegal escape sequence");
              return toks;
          }
          continue;
        }
        out.push_back(d);
        ++i;
      }
      if (!closed) {
        error(start, "non-terminated string");
        return toks;
      }
      push(Tok::String, start, i, std::move(out));
      continue;
    }
    if (c == '`') {
      ++i;
      size_t body = i;
      int start_line = line;
      size_t start_line_start = line_start;
      while (i < n && s[i] != '`') {
        if (s[i] == '\n') {
          ++line;
          line_start = i + 1;
        }
        ++i;
      }
      if (i >= n) {
        line = start_line;
        line_start = start_line_start;
        error(start, "non-terminated raw string");
        return toks;
      }
      std::string text = s.substr(body, i - body);
      ++i;
      Token t;
      t.kind = Tok::String;
      t.text = std::move(text);
      t.line = start_line;
      t.col = static_cast<int>(start - start_line_start) + 1;
      t.offset = static_cast<int>(start);
      t.end = static_cast<int>(i);
      t.newline_before = nl;
      t.raw = true;
      nl = false;
      toks.push_back(std::move(t));
      continue;
    }
    auto two = [&](char a, char b) { return c == a && i + 1 < n && s[i + 1] == b; };
    Tok k;
    size_t len = 1;
    if (two(':', '=')) {
      k = Tok::Assign;
      len = 2;
    } else if (two('=', '=')) {
      k = Tok::Eq;
      len = 2;
    } else if (two('!', '=')) {
      k = Tok::Neq;
      len = 2;
    } else if (two('<', '=')) {
      k = Tok::Lte;
      len = 2;
    } else if (two('>', '=')) {
      k = Tok::Gte;
      len = 2;
    } else {
      switch (c) {
        case '{':
          k = Tok::LBrace;
          break;
        case '}':
          k = Tok::RBrace;
          break;
        case '[':
          k = Tok::LBrack;
          break;
        case ']':
          k = Tok::RBrack;
          break;
        case '(':
          k = Tok::LParen;
          break;
        case ')':
          k = Tok::RParen;
          break;
        case '.':
          k = Tok::Dot;
          break;
        case ',':
          k = Tok::Comma;
          break;
        case ';':
          k = Tok::Semicolon;
          break;
        case ':':
          k = Tok::Colon;
          break;
        case '=':
          k = Tok::Unify;
          break;
        case '<':
          k = Tok::Lt;
          break;
        case '>':
          k = Tok::Gt;
          break;
        case '+':
          k = Tok::Plus;
          break;
        case '-':
          k = Tok::Minus;
          break;
        case '*':
          k = Tok::Star;
          break;
        case '/':
          k = Tok::Slash;
          break;
        case '%':
          k = Tok::Percent;
          break;
        case '|':
          k = Tok::Pipe;
          break;
        case '&':
          k = Tok::Amp;
          break;
        default:
          error(i, std::string("illegal token '") + c + "'");
          return toks;
      }
    }
    i += len;
    push(k, start, i, s.substr(start, len));
  }
  Token end;
  end.kind = Tok::End;
  end.line = line;
  end.col = col_of(n);
  end.offset = static_cast<int>(n);
  end.end = static_cast<int>(n);
  end.newline_before = true;
  toks.push_back(end);
  return toks;
}

}  // namespace policyc::dsl
