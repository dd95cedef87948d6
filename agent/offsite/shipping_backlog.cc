#include "agent/offsite/shipping_backlog.h"

namespace lockstep::agent {

ShippingBacklog::Standing ShippingBacklog::StandingOf(const std::string& destination) {
  std::lock_guard lock(mu_);
  auto behind = behind_.find(destination);
  if (behind == behind_.end()) return Standing::kCurrent;
  return clock_.Now() < behind->second ? Standing::kWaiting : Standing::kDue;
}

ShippingBacklog::Noted ShippingBacklog::Note(const std::string& destination, bool taken) {
  std::lock_guard lock(mu_);
  Noted noted;
  if (taken) {
    noted.caught_up = behind_.erase(destination) > 0;
    warned_.erase(destination);
    return noted;
  }
  noted.first_failure = warned_.insert(destination).second;
  behind_[destination] = clock_.Now() + retry_every_;
  return noted;
}

void ShippingBacklog::Recheck(const std::vector<std::string>& destinations) {
  std::lock_guard lock(mu_);
  for (const std::string& destination : destinations) behind_[destination] = clock_.Now();
}

}  // namespace lockstep::agent
