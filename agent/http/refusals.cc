#include "agent/http/refusals.h"

#include <sstream>

#include "common/log.h"

namespace lockstep::agent {
namespace {

// "127.0.0.1:5555" -> "127.0.0.1"; "[::1]:5555" -> "[::1]".
std::string AddressOf(const std::string& remote) {
  const size_t colon = remote.rfind(':');
  const size_t bracket = remote.find(']');
  const bool inside_brackets = bracket != std::string::npos && bracket > colon;
  if (colon == std::string::npos || inside_brackets) return remote.substr(0, 64);
  return remote.substr(0, std::min<size_t>(colon, 64));
}

}  // namespace

void UnauthenticatedRefusals::Count(const std::string& remote, const std::string& reason) {
  std::string address = AddressOf(remote);
  const Clock::TimePoint now = clock_.Now();
  std::lock_guard lock(mu_);
  if (!remotes_.count(address) && remotes_.size() >= kMaxRemotes) address = "other";
  PerRemote& counts = remotes_[address];
  ++counts.by_reason[reason];
  ++counts.since_summary;
  if (counts.last_summary && now - *counts.last_summary < kSummaryEvery) return;
  log::Warn("refused requests that carried no valid token",
            {{"remote", address},
             {"count", std::to_string(counts.since_summary)},
             {"reason", reason},
             {"per",
              "at most one line per remote per minute; see "
              "lockstep_http_unauthenticated_total"}});
  counts.since_summary = 0;
  counts.last_summary = now;
}

std::string UnauthenticatedRefusals::Metrics() const {
  std::ostringstream out;
  out << "# HELP lockstep_http_unauthenticated_total Requests refused before any caller was "
         "identified, by remote address and reason\n"
         "# TYPE lockstep_http_unauthenticated_total counter\n";
  std::lock_guard lock(mu_);
  for (const auto& [address, counts] : remotes_) {
    for (const auto& [reason, count] : counts.by_reason) {
      out << "lockstep_http_unauthenticated_total{remote=\"" << address << "\",reason=\"" << reason
          << "\"} " << count << "\n";
    }
  }
  return out.str();
}

uint64_t UnauthenticatedRefusals::CountOf(const std::string& address,
                                          const std::string& reason) const {
  std::lock_guard lock(mu_);
  auto remote = remotes_.find(address);
  if (remote == remotes_.end()) return 0;
  auto count = remote->second.by_reason.find(reason);
  return count == remote->second.by_reason.end() ? 0 : count->second;
}

}  // namespace lockstep::agent
