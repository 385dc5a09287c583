// YAML reader (libyaml events to values, under each schema): any bytes either fail with an
// error or give values whose JSON text reads back as the same values.
#include "fuzz_target.hpp"
#include "policyc/core/io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace policyc;
  if (size == 0) return 0;
  // The first byte picks the schema, so one corpus covers all three.
  YamlSchema schema = data[0] % 3 == 0   ? YamlSchema::Core12
                      : data[0] % 3 == 1 ? YamlSchema::Go11
                                         : YamlSchema::Decimal12;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  std::vector<Value> docs;
  TextError error;
  if (!parse_yaml(text, docs, error, schema)) {
    fuzz::require(!error.message.empty(), "a YAML error has a message");
    return 0;
  }
  for (const auto& doc : docs) {
    if (doc.is_undefined()) continue;
    std::string written = doc.to_json();
    Value again;
    TextError second;
    fuzz::require(parse_json(written, again, second), "a YAML value writes as JSON", written);
    fuzz::require(again == doc, "a YAML value's JSON reads back the same", written);
  }
  return 0;
}
