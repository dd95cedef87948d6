// Standard 5-field cron expressions (minute hour day-of-month month day-of-week), evaluated in
// UTC: numbers, '*', ranges a-b, lists a,b,c, steps */n and a-b/n, day-of-week 0-7 (0 and 7 are
// Sunday). As in cron, when both day fields are restricted a day matching either one is due.
#pragma once

#include <bitset>
#include <ctime>
#include <optional>
#include <string>

#include "common/status.h"

namespace lockstep::api {

class CronSchedule {
 public:
  // InvalidArgument naming the field and the problem.
  static Result<CronSchedule> Parse(const std::string& expression);

  bool Matches(time_t minute) const;
  // The latest due minute in (after, upto], scanning at most `horizon` back from `upto`: a run
  // missed while nobody could run it is made up once, not once per missed minute.
  std::optional<time_t> LastDueIn(time_t after, time_t upto, time_t horizon = 8 * 24 * 3600) const;

 private:
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1..31
  std::bitset<13> months_;   // 1..12
  std::bitset<8> weekdays_;  // 0..6 (7 folded into 0)
  bool days_restricted_ = false;
  bool weekdays_restricted_ = false;
};

}  // namespace lockstep::api
