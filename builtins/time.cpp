// Time builtins with Go's time package semantics: layouts ("2006-01-02T15:04:05Z07:00"),
// durations, calendar arithmetic, and zones from the system tz database.
#include <cstdio>
#include <cstring>

#include "internal.hpp"
#include "tz.hpp"

namespace policyc::builtins {
namespace {

constexpr int64_t kNsPerSec = 1000000000;

// Days since 1970-01-01 for a proleptic Gregorian date (any month/day overflow allowed).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t mp = (m + 9) % 12;
  int64_t doy = (153 * mp + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t z, int64_t& y, int& m, int& d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  if (m <= 2) ++y;
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in(int m, int64_t y) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

const char* kLongDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                           "Thursday", "Friday", "Saturday"};
const char* kLongMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                             "July",    "August",   "September", "October", "November", "December"};

// A broken-down time in a zone.
struct Civil {
  int64_t year = 0;
  int month = 1, day = 1, hour = 0, minute = 0, second = 0;
  int64_t nanos = 0;
  int weekday = 0;  // 0 = Sunday
  int yday = 1;
  int32_t offset = 0;
  std::string abbr;
};

Civil to_civil(int64_t unix_ns, const Zone& zone) {
  int64_t secs = floor_div(unix_ns, kNsPerSec);
  Civil c;
  c.nanos = unix_ns - secs * kNsPerSec;
  ZoneType zt = zone.lookup(secs);
  c.offset = zt.offset;
  c.abbr = zt.abbr;
  int64_t local = secs + zt.offset;
  int64_t days = floor_div(local, 86400);
  int64_t rem = local - days * 86400;
  civil_from_days(days, c.year, c.month, c.day);
  c.hour = static_cast<int>(rem / 3600);
  c.minute = static_cast<int>(rem / 60 % 60);
  c.second = static_cast<int>(rem % 60);
  c.weekday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday
  c.yday = static_cast<int>(days - days_from_civil(c.year, 1, 1) + 1);
  return c;
}

// Go's time.Date: normalises overflowing fields, then resolves the wall clock in the zone.
bool from_civil(int64_t year, int64_t month, int64_t day, int64_t hour, int64_t minute,
                int64_t second, int64_t nanos, const Zone& zone, int64_t& out_ns) {
  int64_t m0 = month - 1;
  year += floor_div(m0, 12);
  m0 -= floor_div(m0, 12) * 12;
  int64_t days = days_from_civil(year, m0 + 1, 1) + day - 1;
  __int128 local = static_cast<__int128>(days) * 86400 + hour * 3600 + minute * 60 + second;
  if (local > INT64_MAX / 2 || local < INT64_MIN / 2) return false;
  int64_t utc = zone.local_to_utc(static_cast<int64_t>(local));
  __int128 ns = static_cast<__int128>(utc) * kNsPerSec + nanos;
  if (ns > INT64_MAX || ns < INT64_MIN) return false;
  out_ns = static_cast<int64_t>(ns);
  return true;
}

// --- Go layouts -----------------------------------------------------------------------

enum Std {
  kNone,
  kLongMonth,
  kMonth,
  kNumMonth,
  kZeroMonth,
  kLongWeekDay,
  kWeekDay,
  kDay,
  kUnderDay,
  kZeroDay,
  kUnderYearDay,
  kZeroYearDay,
  kHour,
  kHour12,
  kZeroHour12,
  kMinute,
  kZeroMinute,
  kSecond,
  kZeroSecond,
  kLongYear,
  kYear,
  kPM,
  kpm,
  kTZ,
  kISO8601TZ,
  kISO8601SecondsTZ,
  kISO8601ShortTZ,
  kISO8601ColonTZ,
  kISO8601ColonSecondsTZ,
  kNumTZ,
  kNumSecondsTz,
  kNumShortTZ,
  kNumColonTZ,
  kNumColonSecondsTZ,
  kFracSecond0,
  kFracSecond9
};

struct Chunk {
  std::string prefix;
  Std std = kNone;
  int frac_digits = 0;
  char frac_sep = '.';
  std::string std_text;
  std::string suffix;
};

bool starts(const std::string& s, size_t i, const char* p) {
  return s.compare(i, std::strlen(p), p) == 0;
}

bool is_lower(char c) { return c >= 'a' && c <= 'z'; }

// Go's nextStdChunk.
Chunk next_chunk(const std::string& l) {
  Chunk c;
  for (size_t i = 0; i < l.size(); ++i) {
    char ch = l[i];
    Std s = kNone;
    size_t len = 0;
    switch (ch) {
      case 'J':
        if (starts(l, i, "Jan")) {
          if (starts(l, i, "January"))
            s = kLongMonth, len = 7;
          else if (i + 3 >= l.size() || !is_lower(l[i + 3]))
            s = kMonth, len = 3;
        }
        break;
      case 'M':
        if (starts(l, i, "Mon")) {
          if (starts(l, i, "Monday"))
            s = kLongWeekDay, len = 6;
          else if (i + 3 >= l.size() || !is_lower(l[i + 3]))
            s = kWeekDay, len = 3;
        }
        if (s == kNone && starts(l, i, "MST")) s = kTZ, len = 3;
        break;
      case '0':
        if (i + 1 < l.size() && l[i + 1] >= '1' && l[i + 1] <= '6') {
          static const Std std0x[] = {kZeroMonth,  kZeroDay,    kZeroHour12,
                                      kZeroMinute, kZeroSecond, kYear};
          s = std0x[l[i + 1] - '1'];
          len = 2;
        } else if (starts(l, i, "002")) {
          s = kZeroYearDay, len = 3;
        }
        break;
      case '1':
        if (starts(l, i, "15"))
          s = kHour, len = 2;
        else
          s = kNumMonth, len = 1;
        break;
      case '2':
        if (starts(l, i, "2006"))
          s = kLongYear, len = 4;
        else
          s = kDay, len = 1;
        break;
      case '_':
        if (starts(l, i, "_2")) {
          if (starts(l, i, "_2006")) {
            // "_" followed by a year is a literal underscore.
            c.prefix = l.substr(0, i + 1);
            c.std = kLongYear;
            c.std_text = "2006";
            c.suffix = l.substr(i + 5);
            return c;
          }
          s = kUnderDay, len = 2;
        }
        if (starts(l, i, "__2")) s = kUnderYearDay, len = 3;
        break;
      case '3':
        s = kHour12, len = 1;
        break;
      case '4':
        s = kMinute, len = 1;
        break;
      case '5':
        s = kSecond, len = 1;
        break;
      case 'P':
        if (starts(l, i, "PM")) s = kPM, len = 2;
        break;
      case 'p':
        if (starts(l, i, "pm")) s = kpm, len = 2;
        break;
      case '-':
        if (starts(l, i, "-070000"))
          s = kNumSecondsTz, len = 7;
        else if (starts(l, i, "-07:00:00"))
          s = kNumColonSecondsTZ, len = 9;
        else if (starts(l, i, "-0700"))
          s = kNumTZ, len = 5;
        else if (starts(l, i, "-07:00"))
          s = kNumColonTZ, len = 6;
        else if (starts(l, i, "-07"))
          s = kNumShortTZ, len = 3;
        break;
      case 'Z':
        if (starts(l, i, "Z070000"))
          s = kISO8601SecondsTZ, len = 7;
        else if (starts(l, i, "Z07:00:00"))
          s = kISO8601ColonSecondsTZ, len = 9;
        else if (starts(l, i, "Z0700"))
          s = kISO8601TZ, len = 5;
        else if (starts(l, i, "Z07:00"))
          s = kISO8601ColonTZ, len = 6;
        else if (starts(l, i, "Z07"))
          s = kISO8601ShortTZ, len = 3;
        break;
      case '.':
      case ',':
        if (i + 1 < l.size() && (l[i + 1] == '0' || l[i + 1] == '9')) {
          char digit = l[i + 1];
          size_t j = i + 1;
          while (j < l.size() && l[j] == digit) ++j;
          if (j >= l.size() || !std::isdigit(static_cast<unsigned char>(l[j]))) {
            s = digit == '0' ? kFracSecond0 : kFracSecond9;
            len = j - i;
            c.frac_digits = static_cast<int>(j - i - 1);
            c.frac_sep = ch;
          }
        }
        break;
      default:
        break;
    }
    if (s != kNone) {
      c.prefix = l.substr(0, i);
      c.std = s;
      c.std_text = l.substr(i, len);
      c.suffix = l.substr(i + len);
      return c;
    }
  }
  c.prefix = l;
  return c;
}

void append_int(std::string& out, int64_t v, int width) {
  std::string s = std::to_string(v < 0 ? -v : v);
  if (v < 0) out += '-';
  if (static_cast<int>(s.size()) < width) out.append(static_cast<size_t>(width) - s.size(), '0');
  out += s;
}

std::string format_layout(const Civil& t, std::string layout) {
  std::string out;
  while (!layout.empty()) {
    Chunk c = next_chunk(layout);
    out += c.prefix;
    if (c.std == kNone) break;
    layout = c.suffix;
    int hour12 = t.hour % 12 == 0 ? 12 : t.hour % 12;
    switch (c.std) {
      case kYear:
        append_int(out, ((t.year % 100) + 100) % 100, 2);
        break;
      case kLongYear:
        append_int(out, t.year, 4);
        break;
      case kMonth:
        out += std::string(kLongMonths[t.month - 1]).substr(0, 3);
        break;
      case kLongMonth:
        out += kLongMonths[t.month - 1];
        break;
      case kNumMonth:
        append_int(out, t.month, 0);
        break;
      case kZeroMonth:
        append_int(out, t.month, 2);
        break;
      case kWeekDay:
        out += std::string(kLongDays[t.weekday]).substr(0, 3);
        break;
      case kLongWeekDay:
        out += kLongDays[t.weekday];
        break;
      case kDay:
        append_int(out, t.day, 0);
        break;
      case kUnderDay:
        if (t.day < 10) out += ' ';
        append_int(out, t.day, 0);
        break;
      case kZeroDay:
        append_int(out, t.day, 2);
        break;
      case kUnderYearDay:
        if (t.yday < 100) out += t.yday < 10 ? "  " : " ";
        append_int(out, t.yday, 0);
        break;
      case kZeroYearDay:
        append_int(out, t.yday, 3);
        break;
      case kHour:
        append_int(out, t.hour, 2);
        break;
      case kHour12:
        append_int(out, hour12, 0);
        break;
      case kZeroHour12:
        append_int(out, hour12, 2);
        break;
      case kMinute:
        append_int(out, t.minute, 0);
        break;
      case kZeroMinute:
        append_int(out, t.minute, 2);
        break;
      case kSecond:
        append_int(out, t.second, 0);
        break;
      case kZeroSecond:
        append_int(out, t.second, 2);
        break;
      case kPM:
        out += t.hour >= 12 ? "PM" : "AM";
        break;
      case kpm:
        out += t.hour >= 12 ? "pm" : "am";
        break;
      case kTZ:
        if (!t.abbr.empty()) {
          out += t.abbr;
        } else {
          int m = t.offset / 60;
          out += m < 0 ? '-' : '+';
          append_int(out, std::abs(m) / 60, 2);
          append_int(out, std::abs(m) % 60, 2);
        }
        break;
      case kISO8601TZ:
      case kISO8601ColonTZ:
      case kISO8601SecondsTZ:
      case kISO8601ShortTZ:
      case kISO8601ColonSecondsTZ:
      case kNumTZ:
      case kNumColonTZ:
      case kNumSecondsTz:
      case kNumShortTZ:
      case kNumColonSecondsTZ: {
        bool iso = c.std >= kISO8601TZ && c.std <= kISO8601ColonSecondsTZ;
        if (iso && t.offset == 0) {
          out += 'Z';
          break;
        }
        int zone = t.offset / 60;
        int abs_off = std::abs(t.offset);
        out += zone < 0 ? '-' : '+';
        append_int(out, std::abs(zone) / 60, 2);
        bool colon = c.std == kISO8601ColonTZ || c.std == kNumColonTZ ||
                     c.std == kISO8601ColonSecondsTZ || c.std == kNumColonSecondsTZ;
        if (c.std != kISO8601ShortTZ && c.std != kNumShortTZ) {
          if (colon) out += ':';
          append_int(out, std::abs(zone) % 60, 2);
        }
        if (c.std == kISO8601SecondsTZ || c.std == kNumSecondsTz || c.std == kNumColonSecondsTZ ||
            c.std == kISO8601ColonSecondsTZ) {
          if (colon) out += ':';
          append_int(out, abs_off % 60, 2);
        }
        break;
      }
      case kFracSecond0:
      case kFracSecond9: {
        char buf[16];
        std::snprintf(buf, sizeof buf, "%09lld", static_cast<long long>(t.nanos));
        std::string digits(buf, static_cast<size_t>(std::min(c.frac_digits, 9)));
        if (c.std == kFracSecond9) {
          while (!digits.empty() && digits.back() == '0') digits.pop_back();
          if (digits.empty()) break;
        }
        out += c.frac_sep;
        out += digits;
        break;
      }
      default:
        break;
    }
  }
  return out;
}

struct ParseError {
  std::string message;
};

[[noreturn]] void cannot_parse(const std::string& layout, const std::string& value,
                               const std::string& rest, const std::string& elem) {
  throw ParseError{"parsing time " + go_quote(value) + " as " + go_quote(layout) +
                   ": cannot parse " + go_quote(rest) + " as " + go_quote(elem)};
}

[[noreturn]] void out_of_range(const std::string& value, const char* what) {
  throw ParseError{"parsing time " + go_quote(value) + ": " + what + " out of range"};
}

bool is_digit_at(const std::string& s, size_t i) {
  return i < s.size() && s[i] >= '0' && s[i] <= '9';
}

// Go's getnum: one or two digits (exactly two when fixed).
bool getnum(std::string& v, bool fixed, int& out) {
  if (!is_digit_at(v, 0)) return false;
  if (!is_digit_at(v, 1)) {
    if (fixed) return false;
    out = v[0] - '0';
    v.erase(0, 1);
    return true;
  }
  out = (v[0] - '0') * 10 + (v[1] - '0');
  v.erase(0, 2);
  return true;
}

bool getnum3(std::string& v, bool fixed, int& out) {
  int n = 0, i = 0;
  for (; i < 3 && is_digit_at(v, static_cast<size_t>(i)); ++i)
    n = n * 10 + (v[static_cast<size_t>(i)] - '0');
  if (i == 0 || (fixed && i != 3)) return false;
  v.erase(0, static_cast<size_t>(i));
  out = n;
  return true;
}

// Go's skip: layout spaces match runs of value spaces; other bytes must be equal.
bool skip_prefix(std::string& value, const std::string& prefix) {
  size_t pi = 0;
  while (pi < prefix.size()) {
    if (prefix[pi] == ' ') {
      if (!value.empty() && value[0] != ' ') return false;
      while (pi < prefix.size() && prefix[pi] == ' ') ++pi;
      size_t k = 0;
      while (k < value.size() && value[k] == ' ') ++k;
      value.erase(0, k);
      continue;
    }
    if (value.empty() || value[0] != prefix[pi]) return false;
    value.erase(0, 1);
    ++pi;
  }
  return true;
}

int lookup_name(const char* const* names, int n, size_t len, std::string& v) {
  for (int k = 0; k < n; ++k) {
    std::string name = len ? std::string(names[k]).substr(0, len) : names[k];
    if (v.size() >= name.size()) {
      bool eq = true;
      for (size_t i = 0; i < name.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(v[i])) !=
            std::tolower(static_cast<unsigned char>(name[i])))
          eq = false;
      if (eq) {
        v.erase(0, name.size());
        return k;
      }
    }
  }
  return -1;
}

bool parse_frac(std::string& v, int64_t& nanos) {
  if (v.size() < 2 || (v[0] != '.' && v[0] != ',') || !is_digit_at(v, 1)) return false;
  size_t i = 1;
  int64_t n = 0;
  int digits = 0;
  while (is_digit_at(v, i)) {
    if (digits < 9) {
      n = n * 10 + (v[i] - '0');
      ++digits;
    }
    ++i;
  }
  while (digits < 9) n *= 10, ++digits;
  nanos = n;
  v.erase(0, i);
  return true;
}

int64_t parse_time(const std::string& layout_in, const std::string& value_in,
                   const std::shared_ptr<const Zone>& default_zone) {
  std::string layout = layout_in, value = value_in;
  int64_t year = 1;
  int month = -1, day = -1, yday = -1, hour = 0, minute = 0, second = 0;
  int64_t nanos = 0;
  bool pm_set = false, am_set = false;
  bool have_offset = false;
  int32_t zone_offset = 0;
  std::string zone_name;
  while (true) {
    Chunk c = next_chunk(layout);
    std::string hold = value;
    if (!skip_prefix(value, c.prefix)) cannot_parse(layout_in, value_in, value, c.prefix);
    if (c.std == kNone) {
      if (!value.empty())
        throw ParseError{"parsing time " + go_quote(value_in) + ": extra text: " + go_quote(value)};
      break;
    }
    layout = c.suffix;
    hold = value;
    bool ok = true;
    const char* range = nullptr;
    switch (c.std) {
      case kYear: {
        if (value.size() < 2 || !is_digit_at(value, 0) || !is_digit_at(value, 1)) {
          ok = false;
          break;
        }
        int y = (value[0] - '0') * 10 + (value[1] - '0');
        value.erase(0, 2);
        year = y >= 69 ? 1900 + y : 2000 + y;
        break;
      }
      case kLongYear: {
        if (value.size() < 4 || !is_digit_at(value, 0)) {
          ok = false;
          break;
        }
        std::string p = value.substr(0, 4);
        value.erase(0, 4);
        for (char ch : p)
          if (ch < '0' || ch > '9') ok = false;
        if (ok) year = std::stoll(p);
        break;
      }
      case kMonth: {
        int m = lookup_name(kLongMonths, 12, 3, value);
        if (m < 0)
          ok = false;
        else
          month = m + 1;
        break;
      }
      case kLongMonth: {
        int m = lookup_name(kLongMonths, 12, 0, value);
        if (m < 0)
          ok = false;
        else
          month = m + 1;
        break;
      }
      case kNumMonth:
      case kZeroMonth:
        ok = getnum(value, c.std == kZeroMonth, month);
        if (ok && (month <= 0 || month > 12)) range = "month";
        break;
      case kWeekDay:
        ok = lookup_name(kLongDays, 7, 3, value) >= 0;
        break;
      case kLongWeekDay:
        ok = lookup_name(kLongDays, 7, 0, value) >= 0;
        break;
      case kDay:
      case kUnderDay:
      case kZeroDay:
        if (c.std == kUnderDay && !value.empty() && value[0] == ' ') value.erase(0, 1);
        ok = getnum(value, c.std == kZeroDay, day);
        break;
      case kUnderYearDay:
      case kZeroYearDay:
        for (int k = 0; k < 2 && c.std == kUnderYearDay && !value.empty() && value[0] == ' '; ++k)
          value.erase(0, 1);
        ok = getnum3(value, c.std == kZeroYearDay, yday);
        break;
      case kHour:
        ok = getnum(value, false, hour);
        if (ok && (hour < 0 || hour >= 24)) range = "hour";
        break;
      case kHour12:
      case kZeroHour12:
        ok = getnum(value, c.std == kZeroHour12, hour);
        if (ok && (hour < 0 || hour > 12)) range = "hour";
        break;
      case kMinute:
      case kZeroMinute:
        ok = getnum(value, c.std == kZeroMinute, minute);
        if (ok && (minute < 0 || minute >= 60)) range = "minute";
        break;
      case kSecond:
      case kZeroSecond: {
        ok = getnum(value, c.std == kZeroSecond, second);
        if (ok && (second < 0 || second >= 60)) {
          range = "second";
          break;
        }
        // A fractional second in the value without one in the layout is still accepted.
        if (ok && value.size() >= 2 && (value[0] == '.' || value[0] == ',') &&
            is_digit_at(value, 1)) {
          Chunk next = next_chunk(layout);
          if (next.std == kFracSecond0 || next.std == kFracSecond9) break;
          parse_frac(value, nanos);
        }
        break;
      }
      case kPM:
      case kpm: {
        if (value.size() < 2) {
          ok = false;
          break;
        }
        std::string p = value.substr(0, 2);
        value.erase(0, 2);
        if (p == (c.std == kPM ? "PM" : "pm"))
          pm_set = true;
        else if (p == (c.std == kPM ? "AM" : "am"))
          am_set = true;
        else
          ok = false;
        break;
      }
      case kISO8601TZ:
      case kISO8601ColonTZ:
      case kISO8601SecondsTZ:
      case kISO8601ShortTZ:
      case kISO8601ColonSecondsTZ:
      case kNumTZ:
      case kNumShortTZ:
      case kNumColonTZ:
      case kNumSecondsTz:
      case kNumColonSecondsTZ: {
        bool iso = c.std >= kISO8601TZ && c.std <= kISO8601ColonSecondsTZ;
        if (iso && !value.empty() && value[0] == 'Z') {
          value.erase(0, 1);
          have_offset = true;
          zone_offset = 0;
          zone_name = "UTC";
          break;
        }
        std::string sign, hh, mm = "00", ss = "00";
        auto take = [&](size_t n) {
          std::string s = value.substr(0, n);
          value.erase(0, n);
          return s;
        };
        bool colon = c.std == kISO8601ColonTZ || c.std == kNumColonTZ ||
                     c.std == kISO8601ColonSecondsTZ || c.std == kNumColonSecondsTZ;
        bool secs = c.std == kISO8601SecondsTZ || c.std == kNumSecondsTz ||
                    c.std == kISO8601ColonSecondsTZ || c.std == kNumColonSecondsTZ;
        bool shrt = c.std == kISO8601ShortTZ || c.std == kNumShortTZ;
        size_t need = 3 + (shrt ? 0 : (colon ? 3 : 2)) + (secs ? (colon ? 3 : 2) : 0);
        if (value.size() < need) {
          ok = false;
          break;
        }
        sign = take(1);
        hh = take(2);
        if (!shrt) {
          if (colon && take(1) != ":") ok = false;
          mm = take(2);
        }
        if (secs) {
          if (colon && take(1) != ":") ok = false;
          ss = take(2);
        }
        if (sign != "+" && sign != "-") ok = false;
        for (const auto* part : {&hh, &mm, &ss})
          for (char ch : *part)
            if (ch < '0' || ch > '9') ok = false;
        if (!ok) break;
        int h = std::stoi(hh), m = std::stoi(mm), s = std::stoi(ss);
        if (h > 24 || m > 60 || s > 60) {
          range = "time zone offset";
          break;
        }
        zone_offset = (h * 3600 + m * 60 + s) * (sign == "-" ? -1 : 1);
        have_offset = true;
        break;
      }
      case kTZ: {
        if (value.size() >= 3 && value.compare(0, 3, "UTC") == 0) {
          value.erase(0, 3);
          zone_name = "UTC";
          have_offset = true;
          zone_offset = 0;
          break;
        }
        size_t n = 0;
        while (n < value.size() && std::isupper(static_cast<unsigned char>(value[n]))) ++n;
        if (n < 3) {
          ok = false;
          break;
        }
        zone_name = value.substr(0, n);
        value.erase(0, n);
        break;
      }
      case kFracSecond0: {
        size_t ndigit = 1 + static_cast<size_t>(c.frac_digits);
        if (value.size() < ndigit || (value[0] != '.' && value[0] != ',')) {
          ok = false;
          break;
        }
        for (size_t k = 1; k < ndigit; ++k)
          if (!is_digit_at(value, k)) ok = false;
        if (!ok) break;
        std::string frac = value.substr(1, ndigit - 1);
        value.erase(0, ndigit);
        while (frac.size() < 9) frac += '0';
        nanos = std::stoll(frac.substr(0, 9));
        break;
      }
      case kFracSecond9:
        if (value.size() < 2 || (value[0] != '.' && value[0] != ',') || !is_digit_at(value, 1))
          break;
        parse_frac(value, nanos);
        break;
      default:
        break;
    }
    if (range) out_of_range(value_in, range);
    if (!ok) cannot_parse(layout_in, value_in, value == hold ? hold : value, c.std_text);
  }
  if (pm_set && hour < 12)
    hour += 12;
  else if (am_set && hour == 12)
    hour = 0;
  if (yday >= 0) {
    if (yday < 1 || yday > (is_leap(year) ? 366 : 365)) out_of_range(value_in, "day-of-year");
    int m = 1, d = yday;
    while (d > days_in(m, year)) d -= days_in(m++, year);
    if (month >= 0 && month != m) out_of_range(value_in, "day-of-year");
    if (day >= 0 && day != d) out_of_range(value_in, "day-of-year");
    month = m;
    day = d;
  } else {
    if (month < 0) month = 1;
    if (day < 0) day = 1;
  }
  if (day < 1 || day > days_in(month, year)) out_of_range(value_in, "day");
  int64_t ns;
  bool in_range;
  if (have_offset) {
    in_range = from_civil(year, month, day, hour, minute, second, nanos, *utc_zone(), ns);
    ns -= static_cast<int64_t>(zone_offset) * kNsPerSec;
  } else {
    in_range = from_civil(year, month, day, hour, minute, second, nanos, *default_zone, ns);
  }
  if (!in_range) throw ParseError{"time outside of valid range"};
  return ns;
}

// --- operands -------------------------------------------------------------------------

int64_t ns_operand(std::string_view fn, const Value& v, int pos) {
  need_number(fn, v, pos);
  mpq_class q = v.to_rational();
  mpz_class z;
  mpz_tdiv_q(z.get_mpz_t(), q.get_num_mpz_t(), q.get_den_mpz_t());
  if (!z.fits_slong_p()) fail(fn, "timestamp too big");
  return z.get_si();
}

struct TimeArg {
  int64_t ns = 0;
  std::shared_ptr<const Zone> zone;
  std::string layout;
};

TimeArg time_operand(std::string_view fn, const Value& v, bool allow_layout = false) {
  TimeArg t;
  t.zone = utc_zone();
  const char* expected = "either number (ns) or [number (ns), string (tz)]";
  if (v.is_number()) {
    t.ns = ns_operand(fn, v, 1);
    return t;
  }
  if (!v.is_array()) operand_error(fn, 1, expected, v);
  const auto& xs = v.items();
  if (xs.size() != 2 && !(allow_layout && xs.size() == 3)) fail(fn, "array should have 2 elements");
  if (!xs[0].is_number()) operand_error(fn, 1, expected, v);
  t.ns = ns_operand(fn, xs[0], 1);
  if (!xs[1].is_string()) operand_error(fn, 1, expected, v);
  t.zone = load_zone(xs[1].str());
  if (!t.zone) fail(fn, "unknown time zone " + xs[1].str());
  if (xs.size() == 3) {
    if (!xs[2].is_string()) operand_error(fn, 1, expected, v);
    t.layout = xs[2].str();
  }
  return t;
}

Value time_now_ns(Args, BuiltinContext& ctx) { return Value::integer(ctx.now_ns); }

Value parse_rfc3339_ns(Args a, BuiltinContext&) {
  const std::string& s = need_string("time.parse_rfc3339_ns", a[0], 1);
  try {
    return Value::integer(parse_time("2006-01-02T15:04:05Z07:00", s, utc_zone()));
  } catch (const ParseError& e) {
    fail("time.parse_rfc3339_ns", e.message);
  }
}

Value parse_ns(Args a, BuiltinContext&) {
  const std::string& layout = need_string("time.parse_ns", a[0], 1);
  const std::string& s = need_string("time.parse_ns", a[1], 2);
  try {
    return Value::integer(parse_time(layout, s, utc_zone()));
  } catch (const ParseError& e) {
    fail("time.parse_ns", e.message);
  }
}

Value parse_duration_ns(Args a, BuiltinContext&) {
  const char* fn = "time.parse_duration_ns";
  const std::string& orig = need_string(fn, a[0], 1);
  std::string s = orig;
  auto invalid = [&]() { fail(fn, "time: invalid duration " + go_quote(orig)); };
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.erase(0, 1);
  }
  if (s == "0") return Value::integer(0);
  if (s.empty()) invalid();
  unsigned __int128 total = 0;
  const unsigned __int128 limit = static_cast<unsigned __int128>(1) << 63;
  while (!s.empty()) {
    if (!(s[0] == '.' || std::isdigit(static_cast<unsigned char>(s[0])))) invalid();
    size_t i = 0;
    unsigned __int128 whole = 0;
    bool overflow = false;
    size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      whole = whole * 10 + static_cast<unsigned>(s[i] - '0');
      if (whole > limit) overflow = true;
      ++i;
    }
    if (overflow) invalid();
    bool pre = i != start;
    unsigned __int128 frac = 0, scale = 1;
    bool post = false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      size_t fs = i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
        if (scale < static_cast<unsigned __int128>(1e30)) {
          frac = frac * 10 + static_cast<unsigned>(s[i] - '0');
          scale *= 10;
        }
        ++i;
      }
      post = i != fs;
    }
    if (!pre && !post) invalid();
    size_t us = i;
    while (i < s.size() && s[i] != '.' && !std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (us == i) fail(fn, "time: missing unit in duration " + go_quote(orig));
    std::string unit = s.substr(us, i - us);
    uint64_t mult;
    if (unit == "ns")
      mult = 1;
    else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs")
      mult = 1000;
    else if (unit == "ms")
      mult = 1000000;
    else if (unit == "s")
      mult = kNsPerSec;
    else if (unit == "m")
      mult = 60 * kNsPerSec;
    else if (unit == "h")
      mult = 3600 * kNsPerSec;
    else
      fail(fn, "time: unknown unit " + go_quote(unit) + " in duration " + go_quote(orig));
    if (whole > limit / mult) invalid();
    unsigned __int128 v = whole * mult;
    if (frac)
      v += static_cast<unsigned __int128>(static_cast<long double>(frac) * mult /
                                          static_cast<long double>(scale));
    total += v;
    if (total > limit) invalid();
    s.erase(0, i);
  }
  if (!neg && total > limit - 1) invalid();
  int64_t r =
      neg ? static_cast<int64_t>(-static_cast<__int128>(total)) : static_cast<int64_t>(total);
  return Value::integer(r);
}

Value time_date(Args a, BuiltinContext&) {
  TimeArg t = time_operand("time.date", a[0]);
  Civil c = to_civil(t.ns, *t.zone);
  return Value::array({Value::integer(c.year), Value::integer(c.month), Value::integer(c.day)});
}

Value time_clock(Args a, BuiltinContext&) {
  TimeArg t = time_operand("time.clock", a[0]);
  Civil c = to_civil(t.ns, *t.zone);
  return Value::array({Value::integer(c.hour), Value::integer(c.minute), Value::integer(c.second)});
}

Value time_weekday(Args a, BuiltinContext&) {
  TimeArg t = time_operand("time.weekday", a[0]);
  return Value::string(kLongDays[to_civil(t.ns, *t.zone).weekday]);
}

Value time_add_date(Args a, BuiltinContext&) {
  const char* fn = "time.add_date";
  TimeArg t = time_operand(fn, a[0]);
  int64_t y = need_int64(fn, a[1], 2), m = need_int64(fn, a[2], 3), d = need_int64(fn, a[3], 4);
  Civil c = to_civil(t.ns, *t.zone);
  int64_t out;
  if (!from_civil(c.year + y, c.month + m, c.day + d, c.hour, c.minute, c.second, c.nanos, *t.zone,
                  out))
    fail(fn, "time outside of valid range");
  return Value::integer(out);
}

Value time_diff(Args a, BuiltinContext&) {
  TimeArg t1 = time_operand("time.diff", a[0]);
  TimeArg t2 = time_operand("time.diff", a[1]);
  const Zone& zone = *t1.zone;
  int64_t n1 = t1.ns, n2 = t2.ns;
  if (n1 > n2) std::swap(n1, n2);
  Civil c1 = to_civil(n1, zone), c2 = to_civil(n2, zone);
  int64_t year = c2.year - c1.year;
  int64_t month = c2.month - c1.month, day = c2.day - c1.day, hour = c2.hour - c1.hour;
  int64_t min = c2.minute - c1.minute, sec = c2.second - c1.second;
  if (sec < 0) sec += 60, --min;
  if (min < 0) min += 60, --hour;
  if (hour < 0) hour += 24, --day;
  if (day < 0) {
    // Days in c1's month, as Go computes it: day 32 of the month overflows into the next.
    int dim = days_in(c1.month, c1.year);
    day += dim;
    --month;
  }
  if (month < 0) month += 12, --year;
  return Value::array({Value::integer(year), Value::integer(month), Value::integer(day),
                       Value::integer(hour), Value::integer(min), Value::integer(sec)});
}

std::string named_layout(const std::string& l) {
  static const std::pair<const char*, const char*> names[] = {
      {"ANSIC", "Mon Jan _2 15:04:05 2006"},
      {"UnixDate", "Mon Jan _2 15:04:05 MST 2006"},
      {"RubyDate", "Mon Jan 02 15:04:05 -0700 2006"},
      {"RFC822", "02 Jan 06 15:04 MST"},
      {"RFC822Z", "02 Jan 06 15:04 -0700"},
      {"RFC850", "Monday, 02-Jan-06 15:04:05 MST"},
      {"RFC1123", "Mon, 02 Jan 2006 15:04:05 MST"},
      {"RFC1123Z", "Mon, 02 Jan 2006 15:04:05 -0700"},
      {"RFC3339", "2006-01-02T15:04:05Z07:00"},
      {"RFC3339Nano", "2006-01-02T15:04:05.999999999Z07:00"},
      {"Kitchen", "3:04PM"},
      {"Stamp", "Jan _2 15:04:05"},
      {"StampMilli", "Jan _2 15:04:05.000"},
      {"StampMicro", "Jan _2 15:04:05.000000"},
      {"StampNano", "Jan _2 15:04:05.000000000"},
      {"DateTime", "2006-01-02 15:04:05"},
      {"DateOnly", "2006-01-02"},
      {"TimeOnly", "15:04:05"},
  };
  for (const auto& [name, layout] : names)
    if (l == name) return layout;
  return l;
}

Value time_format(Args a, BuiltinContext&) {
  TimeArg t = time_operand("time.format", a[0], true);
  std::string layout =
      t.layout.empty() ? "2006-01-02T15:04:05.999999999Z07:00" : named_layout(t.layout);
  return Value::string(format_layout(to_civil(t.ns, *t.zone), layout));
}

}  // namespace

void register_time(BuiltinRegistry& r) {
  const char* c = "time";
  def(r, c, "time.now_ns", {}, "number", "Nanoseconds since the epoch, fixed per query.",
      time_now_ns, true);
  def(r, c, "time.parse_rfc3339_ns", {"string"}, "number",
      "Parses an RFC 3339 timestamp into nanoseconds since the epoch.", parse_rfc3339_ns);
  def(r, c, "time.parse_ns", {"string", "string"}, "number",
      "Parses a timestamp with a Go layout into nanoseconds since the epoch.", parse_ns);
  def(r, c, "time.parse_duration_ns", {"string"}, "number",
      "Parses a Go duration (\"1h30m\") into nanoseconds.", parse_duration_ns);
  def(r, c, "time.date", {"number|array[number|string]"}, "array[number]",
      "[year, month, day] of a timestamp, optionally in a zone.", time_date);
  def(r, c, "time.clock", {"number|array[number|string]"}, "array[number]",
      "[hour, minute, second] of a timestamp, optionally in a zone.", time_clock);
  def(r, c, "time.weekday", {"number|array[number|string]"}, "string",
      "Day of the week of a timestamp.", time_weekday);
  def(r, c, "time.add_date", {"number|array[number|string]", "number", "number", "number"},
      "number", "Adds years, months and days, normalising like Go's AddDate.", time_add_date);
  def(r, c, "time.diff", {"number|array[number|string]", "number|array[number|string]"},
      "array[number]", "[years, months, days, hours, minutes, seconds] between two timestamps.",
      time_diff);
  def(r, c, "time.format", {"number|array[number|string]"}, "string",
      "Formats a timestamp (RFC 3339 by default; [ns, tz, layout] for others).", time_format);
}

}  // namespace policyc::builtins
