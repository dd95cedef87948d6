// This agent's share of the cluster operation lock. The coordinator running an operation holds
// it on every agent, renewing a lease; a coordinator that dies stops renewing and the lock lapses
// by itself, so a crash never leaves the cluster locked.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>

#include "common/clock.h"
#include "common/status.h"
#include "proto/backup.pb.h"

namespace lockstep::agent {

// Thread-safe: every call holds one mutex.
class OperationLock {
 public:
  // Leases run on `clock`.
  explicit OperationLock(Clock& clock = RealClockInstance()) : clock_(clock) {}

  // Takes the lock, or renews it when `request.id` already holds it. Busy, naming the holder,
  // while another operation holds an unexpired lease. A request marked `renew` only extends a
  // lease `request.id` still holds (FailedPrecondition otherwise).
  Result<proto::LockState> Acquire(const proto::LockRequest& request);
  // Releases it if `id` holds it; releasing a lock not held is not an error.
  void Release(const std::string& id);
  proto::LockState Current() const;

 private:
  bool HeldLocked() const;

  Clock& clock_;
  mutable std::mutex mu_;
  proto::LockState state_;
  Clock::TimePoint expires_{};
};

// "busy: backup nightly-… since 2026-…" — the message a second operation gets.
std::string BusyMessage(const proto::LockState& state);

}  // namespace lockstep::agent
