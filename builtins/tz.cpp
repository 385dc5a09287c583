#include "tz.hpp"

#include <algorithm>
#include <climits>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>

namespace policyc::builtins {
namespace {

int64_t read_be(const std::string& d, size_t pos, int bytes) {
  uint64_t v = 0;
  for (int k = 0; k < bytes; ++k)
    v = (v << 8) | static_cast<uint8_t>(d[pos + static_cast<size_t>(k)]);
  if (bytes == 4) return static_cast<int32_t>(static_cast<uint32_t>(v));
  return static_cast<int64_t>(v);
}

bool parse_tzif(const std::string& d, Zone& z) {
  if (d.size() < 44 || d.compare(0, 4, "TZif") != 0) return false;
  auto counts = [&](size_t base, int64_t c[6]) {
    for (int k = 0; k < 6; ++k) c[k] = read_be(d, base + 20 + static_cast<size_t>(k) * 4, 4);
  };
  int64_t c[6];  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  counts(0, c);
  size_t base = 0;
  int tsize = 4;
  if (d[4] >= '2') {
    // Skip the v1 block; the v2 block has 64-bit times.
    size_t v1len =
        44 + static_cast<size_t>(c[3] * 4 + c[3] + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0]);
    if (d.size() < v1len + 44) return false;
    base = v1len;
    counts(base, c);
    tsize = 8;
  }
  size_t p = base + 44;
  size_t need = static_cast<size_t>(c[3] * tsize + c[3] + c[4] * 6 + c[5]);
  if (d.size() < p + need) return false;
  for (int64_t k = 0; k < c[3]; ++k, p += static_cast<size_t>(tsize))
    z.transitions.push_back(read_be(d, p, tsize));
  for (int64_t k = 0; k < c[3]; ++k, ++p) z.transition_type.push_back(static_cast<uint8_t>(d[p]));
  std::vector<std::pair<int32_t, uint8_t>> raw;
  for (int64_t k = 0; k < c[4]; ++k, p += 6)
    raw.push_back({static_cast<int32_t>(read_be(d, p, 4)), static_cast<uint8_t>(d[p + 5])});
  std::string chars = d.substr(p, static_cast<size_t>(c[5]));
  for (const auto& [off, ai] : raw) {
    ZoneType t;
    t.offset = off;
    if (ai < chars.size()) t.abbr = chars.c_str() + ai;
    z.types.push_back(t);
  }
  if (z.types.empty()) return false;
  for (auto& ti : z.transition_type)
    if (ti >= z.types.size()) ti = 0;
  return true;
}

}  // namespace

const ZoneType& Zone::lookup(int64_t utc, int64_t* start, int64_t* end) const {
  auto it = std::upper_bound(transitions.begin(), transitions.end(), utc);
  size_t idx = static_cast<size_t>(it - transitions.begin());
  int64_t lo = INT64_MIN, hi = INT64_MAX;
  const ZoneType* t;
  if (idx == 0) {
    t = &types[initial_type];
    if (!transitions.empty()) hi = transitions[0];
  } else {
    t = &types[transition_type[idx - 1]];
    lo = transitions[idx - 1];
    if (idx < transitions.size()) hi = transitions[idx];
  }
  if (start) *start = lo;
  if (end) *end = hi;
  return *t;
}

int64_t Zone::local_to_utc(int64_t local) const {
  int64_t start, end;
  int32_t offset = lookup(local, &start, &end).offset;
  if (offset != 0) {
    int64_t utc = local - offset;
    if (utc < start || utc >= end) offset = lookup(utc).offset;
  }
  return local - offset;
}

std::shared_ptr<const Zone> utc_zone() {
  static const std::shared_ptr<const Zone> utc = [] {
    auto z = std::make_shared<Zone>();
    z->name = "UTC";
    z->types.push_back({0, "UTC"});
    return z;
  }();
  return utc;
}

std::shared_ptr<const Zone> load_zone(const std::string& name) {
  if (name.empty() || name == "UTC") return utc_zone();
  if (name.find("..") != std::string::npos || name[0] == '/' ||
      name.find('\\') != std::string::npos)
    return nullptr;
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const Zone>> cache;
  std::lock_guard lock(mu);
  if (auto it = cache.find(name); it != cache.end()) return it->second;
  std::string path = name == "Local" ? "/etc/localtime" : "/usr/share/zoneinfo/" + name;
  std::ifstream in(path, std::ios::binary);
  std::shared_ptr<const Zone> result;
  if (in) {
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto z = std::make_shared<Zone>();
    z->name = name;
    if (parse_tzif(data, *z)) result = z;
  }
  if (!result && name == "Local") result = utc_zone();
  cache.emplace(name, result);
  return result;
}

}  // namespace policyc::builtins
