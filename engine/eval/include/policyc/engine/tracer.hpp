// Evaluation tracing, for `policyc explain`. The evaluator calls a tracer only when one is
// attached to the query; without one it pays a single null check per hook.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "policyc/core/value.hpp"

namespace policyc {

struct TraceLocation {
  std::string file;
  int line = 0;
  int col = 0;
};

class Tracer {
 public:
  virtual ~Tracer() = default;
  // A rule body (or else clause) is about to be evaluated.
  virtual void enter_rule(const std::string& rule_path, const TraceLocation& loc) = 0;
  // The body produced a value (success) or no more solutions (failure).
  virtual void exit_rule(const std::string& rule_path, bool succeeded) = 0;
  // An expression failed: its text, location and the bindings visible at that point.
  virtual void expr_failed(const std::string& expr_text, const TraceLocation& loc,
                           const std::vector<std::pair<std::string, Value>>& bindings) = 0;
};

}  // namespace policyc
