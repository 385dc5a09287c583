// Values that several threads read at once.
#pragma once

#include <mutex>
#include <vector>

#include "policyc/core/value.hpp"

namespace policyc {

// An arena of frozen values. freeze() makes a value's payloads immortal (Value::make_immortal),
// so any number of threads may copy and drop handles to them without touching their counts,
// and keeps the value. Destroying the arena thaws what it keeps: each payload's count becomes
// ordinary again, counting the handles that own it, and the kept values are dropped, which
// frees what nothing else holds.
//
// What the arena relies on: every handle copied from a frozen value while it was frozen is gone
// when the arena is destroyed, except the handles inside the frozen values themselves. So the
// evaluators, results and reports that used the values end first; check::CheckReport, which
// owns the arena of a check, destroys it after everything else it holds.
class FrozenValues {
 public:
  FrozenValues() = default;
  FrozenValues(const FrozenValues&) = delete;
  FrozenValues& operator=(const FrozenValues&) = delete;
  ~FrozenValues();

  // Freezes `value`, keeps it until the arena ends, and returns a handle any thread may copy.
  // Safe to call from several threads.
  Value freeze(Value value);
  // Freezes the value `value` holds where it is (its owner keeps it) and keeps a handle too.
  void freeze_in_place(Value& value);

 private:
  std::mutex lock_;
  std::vector<Value> kept_;
};

}  // namespace policyc
