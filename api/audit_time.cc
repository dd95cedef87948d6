#include "api/audit_time.h"

#include <cctype>
#include <cstdio>
#include <ctime>

namespace lockstep::api {
namespace {

using std::chrono::system_clock;

Status Unreadable(std::string_view text) {
  return InvalidArgument("'" + std::string(text) +
                         "' is not a time: give RFC 3339 (2026-12-01T23:56:21Z, or with a "
                         "+01:00 offset), a UTC date (2026-12-01) or an age (90m, 24h, 7d)");
}

// The seconds since the epoch of a UTC calendar time, or an error when a field is out of range
// (timegm would quietly roll 2026-02-31 over into March).
Result<int64_t> UtcSeconds(std::string_view text, int year, int month, int day, int hour,
                           int minute, int second) {
  std::tm fields{};
  fields.tm_year = year - 1900;
  fields.tm_mon = month - 1;
  fields.tm_mday = day;
  fields.tm_hour = hour;
  fields.tm_min = minute;
  fields.tm_sec = second;
  const time_t seconds = timegm(&fields);
  std::tm back{};
  gmtime_r(&seconds, &back);
  if (back.tm_year != year - 1900 || back.tm_mon != month - 1 || back.tm_mday != day ||
      back.tm_hour != hour || back.tm_min != minute || back.tm_sec != second) {
    return Unreadable(text);
  }
  return static_cast<int64_t>(seconds);
}

// The fraction ".123456" at the start of `rest` in milliseconds; advances `rest` past it.
int TakeMillis(std::string_view& rest) {
  if (rest.empty() || rest.front() != '.') return 0;
  rest.remove_prefix(1);
  int millis = 0, digits = 0;
  while (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest.front()))) {
    if (digits++ < 3) millis = millis * 10 + (rest.front() - '0');
    rest.remove_prefix(1);
  }
  for (; digits < 3; ++digits) millis *= 10;
  return millis;
}

// "Z" → 0, "+hh:mm" / "-hh:mm" → that offset in seconds east of UTC; false when neither.
bool TakeOffset(std::string_view rest, int* seconds_east) {
  if (rest == "Z" || rest == "z") {
    *seconds_east = 0;
    return true;
  }
  int hours = 0, minutes = 0;
  char sign = 0, end = 0;
  const std::string copy(rest);
  if (std::sscanf(copy.c_str(), "%c%2d:%2d%c", &sign, &hours, &minutes, &end) != 3) return false;
  if ((sign != '+' && sign != '-') || copy.size() != 6 || hours > 23 || minutes > 59) return false;
  *seconds_east = (sign == '+' ? 1 : -1) * (hours * 3600 + minutes * 60);
  return true;
}

}  // namespace

std::string AuditTimestamp(system_clock::time_point when) {
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
  const time_t seconds = static_cast<time_t>(millis / 1000);
  std::tm fields{};
  gmtime_r(&seconds, &fields);
  char text[96];  // room for any int the compiler imagines in each field
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", fields.tm_year + 1900,
                fields.tm_mon + 1, fields.tm_mday, fields.tm_hour, fields.tm_min, fields.tm_sec,
                static_cast<int>(millis % 1000));
  return text;
}

Result<system_clock::time_point> ParseAuditTime(std::string_view text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, used = 0;
  const std::string copy(text);
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2d%n", &year, &month, &day, &used) != 3 || used != 10) {
    return Unreadable(text);
  }
  std::string_view rest = text.substr(10);
  int millis = 0, offset = 0;
  if (!rest.empty()) {
    if (rest.size() < 9 || (rest[0] != 'T' && rest[0] != 't' && rest[0] != ' ')) {
      return Unreadable(text);
    }
    const std::string clock(rest.substr(1, 8));
    if (std::sscanf(clock.c_str(), "%2d:%2d:%2d%n", &hour, &minute, &second, &used) != 3 ||
        used != 8) {
      return Unreadable(text);
    }
    rest.remove_prefix(9);
    millis = TakeMillis(rest);
    if (!TakeOffset(rest, &offset)) return Unreadable(text);
  }
  ASSIGN_OR_RETURN(int64_t seconds, UtcSeconds(text, year, month, day, hour, minute, second));
  return system_clock::time_point(std::chrono::seconds(seconds - offset) +
                                  std::chrono::milliseconds(millis));
}

Result<std::string> SinceBound(std::string_view text, system_clock::time_point now) {
  if (text.size() >= 2 && std::isdigit(static_cast<unsigned char>(text.front()))) {
    const char unit = text.back();
    const std::string number(text.substr(0, text.size() - 1));
    const bool digits = number.find_first_not_of("0123456789") == std::string::npos;
    const int64_t per = unit == 'm' ? 60 : unit == 'h' ? 3600 : unit == 'd' ? 86400 : 0;
    if (digits && per && number.size() <= 6) {
      return AuditTimestamp(now - std::chrono::seconds(std::stoll(number) * per));
    }
  }
  ASSIGN_OR_RETURN(system_clock::time_point when, ParseAuditTime(text));
  return AuditTimestamp(when);
}

}  // namespace lockstep::api
