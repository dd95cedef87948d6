// Which destinations of the archive's segments (the other masters, the repository's bucket) are
// behind, and when each is next caught up. A destination that did not take a segment is behind:
// later passes skip it, so one slow or unreachable store does not slow every pass by a timeout,
// and it is caught up, in order, at most every `retry_every`. Its failures are logged once per
// spell: the first failure after it was current, or after a recheck marked it behind.
// Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"

namespace lockstep::agent {

class ShippingBacklog {
 public:
  ShippingBacklog(Clock& clock, std::chrono::seconds retry_every)
      : clock_(clock), retry_every_(retry_every) {}

  enum class Standing { kCurrent, kDue, kWaiting };
  // Current (ship to it now), behind with its catch-up due, or behind and waiting.
  Standing StandingOf(const std::string& destination);

  // What an attempt to reach `destination` changed.
  struct Noted {
    bool caught_up = false;      // it was behind and took this one: say so
    bool first_failure = false;  // the first failure of a spell: log it
  };
  Noted Note(const std::string& destination, bool taken);

  // Marks every one of `destinations` behind with its catch-up due now (a new job: each must be
  // checked for what it lacks before it is shipped to in turn).
  void Recheck(const std::vector<std::string>& destinations);

 private:
  Clock& clock_;
  const std::chrono::seconds retry_every_;
  std::mutex mu_;
  std::map<std::string, Clock::TimePoint> behind_;  // destination -> next catch-up
  std::set<std::string> warned_;  // destinations whose failure was logged in this spell
};

}  // namespace lockstep::agent
