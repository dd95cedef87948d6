#include "agent/master/op_lock.h"

#include "common/clock.h"
#include "common/log.h"

namespace lockstep::agent {

std::string BusyMessage(const proto::LockState& state) {
  return "busy: " + state.operation() + " " + state.id() + " since " + state.since() +
         " (coordinated by " + state.holder() +
         "); wait for it to finish or check `lockstep "
         "cluster status`";
}

bool OperationLock::HeldLocked() const { return state_.held() && clock_.Now() < expires_; }

Result<proto::LockState> OperationLock::Acquire(const proto::LockRequest& request) {
  if (request.id().empty() || request.operation().empty() || request.lease_ms() == 0) {
    return InvalidArgument("a lock request needs operation, id and lease_ms");
  }
  std::lock_guard lock(mu_);
  if (request.renew() && !(HeldLocked() && state_.id() == request.id())) {
    return FailedPrecondition("the operation lock of " + request.id() +
                              " lapsed or was released here; a renewal does not take it again");
  }
  if (HeldLocked() && state_.id() != request.id()) {
    return Status(StatusCode::kBusy, BusyMessage(state_));
  }
  if (!HeldLocked() || state_.id() != request.id()) {
    if (state_.held()) {
      log::Warn("operation lock lapsed", {{"id", state_.id()}, {"holder", state_.holder()}});
    }
    state_.set_held(true);
    state_.set_operation(request.operation());
    state_.set_id(request.id());
    state_.set_holder(request.holder());
    state_.set_generation(request.generation());
    state_.set_since(UtcTimestamp(clock_));
    log::Info(
        "operation lock taken",
        {{"operation", request.operation()}, {"id", request.id()}, {"holder", request.holder()}});
  }
  expires_ = clock_.Now() + std::chrono::milliseconds(request.lease_ms());
  return state_;
}

void OperationLock::Release(const std::string& id) {
  std::lock_guard lock(mu_);
  if (state_.held() && state_.id() == id) {
    log::Info("operation lock released", {{"id", id}});
    state_ = proto::LockState();
  }
}

proto::LockState OperationLock::Current() const {
  std::lock_guard lock(mu_);
  return HeldLocked() ? state_ : proto::LockState();
}

}  // namespace lockstep::agent
