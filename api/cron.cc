#include "api/cron.h"

#include <charconv>
#include <sstream>
#include <vector>

namespace lockstep::api {
namespace {

struct Field {
  const char* name;
  int min;
  int max;
};

Result<int> Number(const std::string& text, const Field& field) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return InvalidArgument(std::string("cron ") + field.name + ": '" + text + "' is not a number");
  }
  if (value < field.min || value > field.max) {
    return InvalidArgument(std::string("cron ") + field.name + ": " + text + " is outside " +
                           std::to_string(field.min) + "-" + std::to_string(field.max));
  }
  return value;
}

// Sets bits for one comma-separated field; returns whether it restricts anything ('*' doesn't).
template <size_t N>
Result<bool> ParseField(const std::string& text, const Field& field, std::bitset<N>* bits) {
  if (text.empty() || text.front() == ',' || text.back() == ',') {
    return InvalidArgument(std::string("cron ") + field.name + ": '" + text + "' is malformed");
  }
  std::stringstream items(text);
  std::string item;
  bool restricted = text != "*";
  while (std::getline(items, item, ',')) {
    int step = 1;
    if (size_t slash = item.find('/'); slash != std::string::npos) {
      ASSIGN_OR_RETURN(step, Number(item.substr(slash + 1), {field.name, 1, field.max}));
      item = item.substr(0, slash);
    }
    int low = field.min, high = field.max;
    if (item != "*") {
      size_t dash = item.find('-');
      ASSIGN_OR_RETURN(low, Number(item.substr(0, dash), field));
      high = low;
      if (dash != std::string::npos) {
        ASSIGN_OR_RETURN(high, Number(item.substr(dash + 1), field));
      }
      if (high < low) {
        return InvalidArgument(std::string("cron ") + field.name + ": range " + item +
                               " runs backwards");
      }
    }
    for (int v = low; v <= high; v += step) bits->set(static_cast<size_t>(v));
  }
  return restricted;
}

}  // namespace

Result<CronSchedule> CronSchedule::Parse(const std::string& expression) {
  std::istringstream words(expression);
  std::vector<std::string> fields;
  for (std::string word; words >> word;) fields.push_back(word);
  if (fields.size() != 5) {
    return InvalidArgument("cron expression '" + expression + "' has " +
                           std::to_string(fields.size()) +
                           " fields; it needs 5: minute hour day-of-month month day-of-week, "
                           "e.g. \"0 3 * * *\"");
  }
  CronSchedule cron;
  std::bitset<8> weekdays;
  RETURN_IF_ERROR(ParseField(fields[0], {"minute", 0, 59}, &cron.minutes_).status());
  RETURN_IF_ERROR(ParseField(fields[1], {"hour", 0, 23}, &cron.hours_).status());
  ASSIGN_OR_RETURN(cron.days_restricted_,
                   ParseField(fields[2], {"day-of-month", 1, 31}, &cron.days_));
  RETURN_IF_ERROR(ParseField(fields[3], {"month", 1, 12}, &cron.months_).status());
  ASSIGN_OR_RETURN(cron.weekdays_restricted_,
                   ParseField(fields[4], {"day-of-week", 0, 7}, &weekdays));
  if (weekdays[7]) weekdays.set(0);
  for (size_t d = 0; d < 7; ++d) cron.weekdays_[d] = weekdays[d];
  return cron;
}

bool CronSchedule::Matches(time_t minute) const {
  std::tm t{};
  gmtime_r(&minute, &t);
  if (!minutes_[static_cast<size_t>(t.tm_min)] || !hours_[static_cast<size_t>(t.tm_hour)] ||
      !months_[static_cast<size_t>(t.tm_mon + 1)]) {
    return false;
  }
  const bool day = days_[static_cast<size_t>(t.tm_mday)];
  const bool weekday = weekdays_[static_cast<size_t>(t.tm_wday)];
  if (days_restricted_ && weekdays_restricted_) return day || weekday;
  return day && weekday;
}

std::optional<time_t> CronSchedule::LastDueIn(time_t after, time_t upto, time_t horizon) const {
  time_t minute = upto - upto % 60;
  const time_t stop = std::max(after, upto - horizon);
  for (; minute > stop; minute -= 60) {
    if (Matches(minute)) return minute;
  }
  return std::nullopt;
}

}  // namespace lockstep::api
