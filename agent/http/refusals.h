// Requests refused before anyone was identified (no token, an unknown token, a forward proof
// that does not verify): counted, not written to the audit log. Each such write cost an fsync
// on the disk ZooKeeper writes to, and enough of them rotated every admin's history out of the
// log; an unauthenticated caller now leaves a count (the metric
// lockstep_http_unauthenticated_total{remote,reason}) and at most one summary log line per
// remote address per minute. Memory is bounded: past kMaxRemotes addresses, the rest are
// counted under remote="other". Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "common/clock.h"

namespace lockstep::agent {

class UnauthenticatedRefusals {
 public:
  static constexpr size_t kMaxRemotes = 256;
  static constexpr std::chrono::seconds kSummaryEvery{60};

  explicit UnauthenticatedRefusals(const Clock& clock = RealClockInstance()) : clock_(clock) {}

  // Counts one refusal of a request from `remote` ("ADDRESS:PORT"; the port is dropped) for
  // `reason` ("no_token", "unknown_token", "bad_forward_proof"), and logs the remote's summary
  // when its last one is kSummaryEvery old.
  void Count(const std::string& remote, const std::string& reason);
  // The counts as Prometheus text.
  std::string Metrics() const;
  // The count for one remote address and reason (tests, and the summary line).
  uint64_t CountOf(const std::string& address, const std::string& reason) const;

 private:
  struct PerRemote {
    std::map<std::string, uint64_t> by_reason;
    uint64_t since_summary = 0;
    std::optional<Clock::TimePoint> last_summary;
  };

  const Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, PerRemote> remotes_;
};

}  // namespace lockstep::agent
