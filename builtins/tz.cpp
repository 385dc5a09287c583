#include "tz.hpp"

#include <map>
#include <mutex>

namespace policyc::builtins {

ZoneType Zone::lookup(int64_t utc) const {
  absl::TimeZone::CivilInfo info = tz_.At(absl::FromUnixSeconds(utc));
  return {info.offset, info.zone_abbr};
}

int64_t Zone::local_to_utc(int64_t local) const {
  // Go reads the wall clock as if it were UTC, takes that instant's offset, and keeps it when
  // the resulting instant lies within the same zone period; otherwise it takes the offset at
  // the resulting instant. Both cases come to the offset at `local - offset(local)`, which
  // fixes which side of a transition a skipped or repeated wall-clock time resolves to.
  int64_t guess = local - lookup(local).offset;
  return local - lookup(guess).offset;
}

std::shared_ptr<const Zone> utc_zone() {
  static const std::shared_ptr<const Zone> utc = std::make_shared<Zone>("UTC", absl::UTCTimeZone());
  return utc;
}

std::shared_ptr<const Zone> load_zone(const std::string& name) {
  if (name.empty() || name == "UTC") return utc_zone();
  // Go only reads files below the zoneinfo directory. The library would also take absolute
  // paths, "libc:" names and its own "Fixed/UTC+hh:mm" names, which Go reports as unknown.
  if (name.find("..") != std::string::npos || name[0] == '/' ||
      name.find('\\') != std::string::npos || name.find(':') != std::string::npos ||
      name.starts_with("Fixed/"))
    return nullptr;
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const Zone>> cache;
  std::lock_guard lock(mu);
  if (auto it = cache.find(name); it != cache.end()) return it->second;
  std::shared_ptr<const Zone> result;
  if (name == "Local") {
    // The TZ variable, else /etc/localtime, else UTC (as Go's time.Local).
    result = std::make_shared<Zone>(name, absl::LocalTimeZone());
  } else if (absl::TimeZone tz; absl::LoadTimeZone(name, &tz)) {
    result = std::make_shared<Zone>(name, tz);
  }
  cache.emplace(name, result);
  return result;
}

}  // namespace policyc::builtins
