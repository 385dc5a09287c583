// Time zones from the system tz database (TZif files under /usr/share/zoneinfo).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace policyc::builtins {

struct ZoneType {
  int32_t offset = 0;  // seconds east of UTC
  std::string abbr;
};

class Zone {
 public:
  std::string name;
  std::vector<int64_t> transitions;      // UTC seconds
  std::vector<uint8_t> transition_type;  // index into types
  std::vector<ZoneType> types;
  size_t initial_type = 0;

  // Offset and abbreviation in effect at a UTC instant, with the validity window.
  const ZoneType& lookup(int64_t utc_seconds, int64_t* start = nullptr,
                         int64_t* end = nullptr) const;
  // UTC seconds for local wall-clock seconds (as Go's time.Date resolves them).
  int64_t local_to_utc(int64_t local_seconds) const;
};

// "" and "UTC" give UTC; null when the zone is unknown.
std::shared_ptr<const Zone> load_zone(const std::string& name);
std::shared_ptr<const Zone> utc_zone();

}  // namespace policyc::builtins
