// JSON reader: any bytes either fail with a located error or give a value whose JSON text
// reads back as the same value.
#include "fuzz_target.hpp"
#include "policyc/core/io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace policyc;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Value value;
  TextError error;
  if (!parse_json(text, value, error)) {
    fuzz::require(error.line >= 1 && error.col >= 1 && !error.message.empty(),
                  "a JSON error has a location and a message", error.message);
    return 0;
  }
  std::string written = value.to_json();
  Value again;
  TextError second;
  fuzz::require(parse_json(written, again, second), "written JSON reads back", written);
  fuzz::require(again == value, "written JSON reads back as the same value", written);
  fuzz::require(again.to_json() == written, "writing is deterministic", written);
  return 0;
}
