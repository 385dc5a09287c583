// Time zones from the system tz database (TZif files under /usr/share/zoneinfo), read by
// Abseil's time zone library (cctz). It also applies a file's POSIX TZ rule (the footer) to
// instants after the file's last listed transition, which slim zone files reach soon.
#pragma once

#include <absl/time/time.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace policyc::builtins {

struct ZoneType {
  int32_t offset = 0;     // seconds east of UTC
  std::string_view abbr;  // lives as long as the process (the library keeps loaded zones)
};

class Zone {
 public:
  Zone(std::string name, absl::TimeZone tz) : name(std::move(name)), tz_(tz) {}

  std::string name;

  // Offset and abbreviation in effect at a UTC instant.
  ZoneType lookup(int64_t utc_seconds) const;
  // UTC seconds for local wall-clock seconds (as Go's time.Date resolves them).
  int64_t local_to_utc(int64_t local_seconds) const;

 private:
  absl::TimeZone tz_;
};

// "" and "UTC" give UTC; null when the zone is unknown.
std::shared_ptr<const Zone> load_zone(const std::string& name);
std::shared_ptr<const Zone> utc_zone();

}  // namespace policyc::builtins
