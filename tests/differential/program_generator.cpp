#include "program_generator.hpp"

#include <vector>

namespace policyc::testing {

// Variables bound so far in a body, by what they hold.
struct ProgramGenerator::Scope {
  std::vector<std::string> numbers;
  std::vector<std::string> items;  // objects {name, v, tags}
  std::vector<std::string> strings;
  std::vector<std::string> others;  // collections and anything else
};

namespace {

const char* const kNames[] = {"a", "b", "api", "web", "db", "A", ""};
const char* const kKinds[] = {"A", "B", "C"};

}  // namespace

std::string ProgramGenerator::number() {
  switch (pick(6)) {
    case 0:
      return std::to_string(pick(5)) + ".5";
    case 1:
      return "-" + std::to_string(pick(4));
    case 2:
      return std::to_string(pick(3)) + ".0";
    default:
      return std::to_string(pick(12));
  }
}

std::string ProgramGenerator::name_literal() { return std::string("\"") + kNames[pick(7)] + "\""; }

std::string ProgramGenerator::input_value(int depth) {
  switch (pick(depth > 1 ? 5 : 7)) {
    case 0:
      return number();
    case 1:
      return name_literal();
    case 2:
      return chance(50) ? "true" : "false";
    case 3:
      return "null";
    case 4:
      return number();
    case 5: {
      std::string out = "[";
      for (int i = 0, n = pick(4); i < n; ++i) out += (i ? ", " : "") + input_value(depth + 1);
      return out + "]";
    }
    default: {
      std::string out = "{";
      for (int i = 0, n = pick(3); i < n; ++i)
        out += (i ? ", " : "") + name_literal() + ": " + input_value(depth + 1);
      return out + "}";
    }
  }
}

std::string ProgramGenerator::input_document() {
  std::vector<std::string> fields;
  if (chance(90)) fields.push_back(std::string("\"kind\": \"") + kKinds[pick(3)] + "\"");
  if (chance(80)) fields.push_back("\"n\": " + number());
  if (chance(80)) fields.push_back("\"name\": " + name_literal());
  if (chance(70)) fields.push_back(std::string("\"ok\": ") + (chance(50) ? "true" : "false"));
  if (chance(85)) {
    std::string items = "[";
    for (int i = 0, n = pick(6); i < n; ++i) {
      items += i ? ", " : "";
      items += "{\"name\": " + name_literal();
      if (chance(85)) items += ", \"v\": " + number();
      if (chance(40)) items += ", \"tags\": [" + name_literal() + "]";
      items += "}";
    }
    fields.push_back("\"items\": " + items + "]");
  }
  if (chance(80)) {
    std::string xs = "[";
    for (int i = 0, n = pick(6); i < n; ++i) xs += (i ? ", " : "") + number();
    fields.push_back("\"xs\": " + xs + "]");
  }
  if (chance(60)) {
    std::string m = "{";
    for (int i = 0, n = pick(4); i < n; ++i)
      m += (i ? ", " : "") + name_literal() + ": " + input_value(1);
    fields.push_back("\"m\": " + m + "}");
  }
  if (chance(20)) fields.push_back("\"odd\": " + input_value(0));
  std::string out = "{";
  for (size_t i = 0; i < fields.size(); ++i) out += (i ? ", " : "") + fields[i];
  return out + "}";
}

std::string ProgramGenerator::term(Scope& scope) {
  switch (pick(9)) {
    case 0:
      if (!scope.numbers.empty())
        return scope.numbers[static_cast<size_t>(pick(static_cast<int>(scope.numbers.size())))];
      return number();
    case 1:
      if (!scope.items.empty())
        return scope.items[static_cast<size_t>(pick(static_cast<int>(scope.items.size())))] +
               ".name";
      return name_literal();
    case 2:
      if (!scope.strings.empty())
        return scope.strings[static_cast<size_t>(pick(static_cast<int>(scope.strings.size())))];
      return "input.name";
    case 3:
      if (!scope.others.empty())
        return scope.others[static_cast<size_t>(pick(static_cast<int>(scope.others.size())))];
      return "input.kind";
    case 4:
      return "[" + term(scope) + ", " + term(scope) + "]";
    case 5:
      return "{\"k\": " + term(scope) + "}";
    case 6:
      return number();
    case 7:
      return name_literal();
    default:
      // A call of an earlier function: repeated calls with different arguments are what the
      // memo must tell apart.
      if (!functions_.empty() && !scope.numbers.empty() && chance(70)) {
        return functions_[static_cast<size_t>(pick(static_cast<int>(functions_.size())))] + "(" +
               scope.numbers[static_cast<size_t>(pick(static_cast<int>(scope.numbers.size())))] +
               ")";
      }
      return chance(50) ? "true" : "input.n";
  }
}

std::string ProgramGenerator::expression(Scope& scope) {
  auto fresh = [&](const char* stem) { return std::string(stem) + std::to_string(fresh_++); };
  auto any_of = [&](const std::vector<std::string>& v) {
    return v[static_cast<size_t>(pick(static_cast<int>(v.size())))];
  };
  const char* ops[] = {"==", "!=", "<", "<=", ">", ">="};
  for (;;) {
    switch (pick(26)) {
      case 0:
        return std::string("input.kind == \"") + kKinds[pick(3)] + "\"";
      case 1:
        return std::string("\"") + kKinds[pick(3)] + "\" = input.kind";
      case 2:
        return chance(50) ? "input.ok == true" : "input.ok";
      case 3: {
        std::string i = fresh("i"), e = fresh("e");
        scope.numbers.push_back(i);
        scope.items.push_back(e);
        return "some " + i + ", " + e + " in input.items";
      }
      case 4: {
        std::string x = fresh("x");
        scope.numbers.push_back(x);
        return "some " + x + " in input.xs";
      }
      case 5:
        if (scope.items.empty()) continue;
        return any_of(scope.items) + ".v " + ops[pick(6)] + " " + number();
      case 6:
        if (scope.numbers.empty()) continue;
        return any_of(scope.numbers) + " " + ops[pick(6)] + " " + number();
      case 7:
        if (scope.items.empty()) continue;
        return any_of(scope.items) + ".name == input.name";
      case 8: {
        std::string n = fresh("n");
        scope.numbers.push_back(n);
        return n + " := count(object.get(input, \"items\", []))";
      }
      case 9: {
        if (scope.items.empty()) continue;
        std::string c = fresh("c"), y = fresh("y");
        scope.others.push_back(c);
        return c + " := [" + y + ".v | some " + y + " in input.items; " + y +
               ".name == " + any_of(scope.items) + ".name]";
      }
      case 10: {
        std::string c = fresh("c"), y = fresh("y");
        scope.others.push_back(c);
        return c + " := {" + y + ".v | some " + y + " in input.items; " + y +
               ".name == " + name_literal() + "}";
      }
      case 11:
        return std::string("not input.kind == \"") + kKinds[pick(3)] + "\"";
      case 12:
        if (scope.items.empty()) continue;
        return "not " + any_of(scope.items) + ".v " + ops[pick(6)] + " " + number();
      case 13: {
        if (functions_.empty() || scope.numbers.empty()) continue;
        std::string f = any_of(functions_);
        switch (pick(3)) {
          case 0:
            return f + "(" + any_of(scope.numbers) + ") " + ops[pick(6)] + " " + number();
          case 1: {
            std::string v = fresh("v");
            scope.others.push_back(v);
            return v + " := " + f + "(" + any_of(scope.numbers) + ")";
          }
          default:
            return "not " + f + "(" + any_of(scope.numbers) + ") == " + number();
        }
      }
      case 14:
        if (complete_rules_.empty()) continue;
        return (chance(30) ? "not " : "") + any_of(complete_rules_);
      case 15: {
        if (set_rules_.empty()) continue;
        std::string x = fresh("s");
        scope.others.push_back(x);
        return "some " + x + " in " + any_of(set_rules_);
      }
      case 16:
        if (object_rules_.empty()) continue;
        return any_of(object_rules_) + "[" + name_literal() + "]";
      case 17: {
        std::string k = fresh("k"), v = fresh("v");
        scope.strings.push_back(k);
        scope.others.push_back(v);
        return "some " + k + ", " + v + " in object.get(input, \"m\", {})";
      }
      case 18:
        if (scope.numbers.empty()) continue;
        return any_of(scope.numbers) + " in object.get(input, \"xs\", [])";
      case 19:
        if (scope.items.empty()) continue;
        return "startswith(" + any_of(scope.items) + ".name, \"a\")";
      case 20:
        return "every y in object.get(input, \"xs\", []) { y " + std::string(ops[pick(6)]) + " " +
               number() + " }";
      case 21:
        if (set_rules_.empty()) continue;
        return "count(" + any_of(set_rules_) + ") > " + std::to_string(pick(3));
      case 22: {
        if (complete_rules_.empty()) continue;
        return any_of(complete_rules_) + " with input.kind as \"" + kKinds[pick(3)] + "\"";
      }
      case 23: {
        std::string v = fresh("t");
        scope.others.push_back(v);
        return v + " := " + term(scope);
      }
      case 24:
        if (scope.items.empty()) continue;
        return "not " + any_of(scope.items) + ".name in {\"a\", \"api\"}";
      default: {
        std::string x = fresh("x");
        scope.numbers.push_back(x);
        return x + " := input.xs[_]";
      }
    }
  }
}

std::string ProgramGenerator::body(Scope& scope) {
  std::string out;
  for (int i = 0, n = 1 + pick(4); i < n; ++i) out += "\n\t" + expression(scope);
  return out + "\n";
}

GeneratedCase ProgramGenerator::next() {
  complete_rules_.clear();
  set_rules_.clear();
  object_rules_.clear();
  functions_.clear();
  fresh_ = 0;
  GeneratedCase out;
  out.module = "package t\n\nimport rego.v1\n";
  for (int r = 0, rules = 2 + pick(6); r < rules; ++r) {
    std::string text;
    std::string name;
    Scope scope;
    switch (pick(5)) {
      case 0: {
        name = "p" + std::to_string(r);
        if (chance(30)) text += "default " + name + " := " + number() + "\n\n";
        std::string b = body(scope);
        text += name + " := " + term(scope) + " if {" + b + "}";
        if (chance(25)) {
          Scope else_scope;
          std::string eb = body(else_scope);
          text += " else := " + term(else_scope) + " if {" + eb + "}";
        }
        text += "\n";
        if (chance(30)) {
          Scope second;
          std::string b2 = body(second);
          text += "\n" + name + " := " + term(second) + " if {" + b2 + "}\n";
        }
        out.rule_names.push_back(name);
        complete_rules_.push_back(name);
        break;
      }
      case 1: {
        name = "s" + std::to_string(r);
        for (int d = 0, defs = 1 + pick(2); d < defs; ++d) {
          Scope s;
          std::string b = body(s);
          text += name + " contains " + term(s) + " if {" + b + "}\n";
        }
        out.rule_names.push_back(name);
        set_rules_.push_back(name);
        break;
      }
      case 2: {
        name = "m" + std::to_string(r);
        for (int d = 0, defs = 1 + pick(2); d < defs; ++d) {
          Scope s;
          std::string b = body(s);
          std::string key = !s.items.empty()     ? s.items[0] + ".name"
                            : !s.strings.empty() ? s.strings[0]
                                                 : name_literal();
          text += name + "[" + key + "] := " + term(s) + " if {" + b + "}\n";
        }
        out.rule_names.push_back(name);
        object_rules_.push_back(name);
        break;
      }
      case 3: {
        name = "f" + std::to_string(r);
        for (int d = 0, defs = 1 + pick(2); d < defs; ++d) {
          Scope s;
          s.numbers.push_back("a");
          std::string b = body(s);
          // Values that depend on the argument, mostly.
          std::string value =
              chance(70) ? (chance(50) ? "a * 2" : "[a, " + term(s) + "]") : term(s);
          text += name + "(a) := " + value + " if {" + b + "}\n";
        }
        if (chance(30)) text += "\ndefault " + name + "(_) := 0\n";
        functions_.push_back(name);
        break;
      }
      default: {
        name = "q" + std::to_string(r);
        std::string b = body(scope);
        text += name + " if {" + b + "}\n";
        out.rule_names.push_back(name);
        complete_rules_.push_back(name);
        break;
      }
    }
    out.module += "\n" + text;
  }
  out.input = input_document();
  return out;
}

}  // namespace policyc::testing
