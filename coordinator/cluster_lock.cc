#include "coordinator/cluster_lock.h"

#include <algorithm>
#include <future>

#include "common/log.h"

namespace lockstep::coordinator {

ClusterLock::ClusterLock(AgentClient& agents, std::vector<Member> members,
                         proto::LockRequest request, bool require_all, Clock& clock)
    : agents_(agents),
      members_(std::move(members)),
      request_(std::move(request)),
      require_all_(require_all),
      clock_(clock) {
  std::sort(members_.begin(), members_.end(),
            [](const Member& a, const Member& b) { return a.name < b.name; });
}

ClusterLock::~ClusterLock() { Release(); }

std::unique_ptr<ClusterLock> MakeOperationLock(AgentClient& agents, std::vector<Member> members,
                                               const std::string& operation, const std::string& id,
                                               const std::string& holder,
                                               std::chrono::milliseconds lease, bool require_all,
                                               Clock& clock) {
  proto::LockRequest request;
  request.set_operation(operation);
  request.set_id(id);
  request.set_holder(holder);
  request.set_lease_ms(static_cast<uint32_t>(lease.count()));
  return std::make_unique<ClusterLock>(agents, std::move(members), request, require_all, clock);
}

Status ClusterLock::Acquire() {
  for (const Member& member : members_) {
    Result<proto::LockState> locked = agents_.Lock(member, request_);
    if (locked.ok()) {
      held_.push_back(member);
      continue;
    }
    if (locked.status().code() == StatusCode::kUnavailable && !require_all_) {
      log::Warn("operation lock: agent unreachable, skipped",
                {{"agent", member.name}, {"error", locked.status().message()}});
      skipped_.push_back(member.name);
      continue;
    }
    Release();
    if (locked.status().code() == StatusCode::kBusy) {
      // The agent's message already reads "busy: <operation> <id> since <time> …".
      std::string message = locked.status().message();
      const size_t at = message.find("busy: ");
      return Status(StatusCode::kBusy, at == std::string::npos ? message : message.substr(at));
    }
    if (locked.status().message().find("fenced: ") != std::string::npos) {
      // A newer coordinator leads, as that master knows: this one is no longer coordinator, and
      // says so the way a forwarding agent and the CLI take as "ask the new one".
      return Status(StatusCode::kUnavailable, std::string(kNotCoordinator) + " (" + member.name +
                                                  " " + locked.status().message() +
                                                  "); nothing was changed: retry, and the "
                                                  "request goes to the new coordinator");
    }
    return locked.status().Prepend("taking the operation lock");
  }
  renewer_ = std::thread([this] { Renew(); });
  return Status::Ok();
}

void ClusterLock::Renew() {
  const auto period = std::chrono::milliseconds(request_.lease_ms() / 3);
  // One renewal in flight per agent. A round waits for the answers only so long (half a period,
  // on the steady clock: it bounds a real call); an agent that has not answered by then (a paused
  // master) is skipped by the next rounds until it does, so it never holds back the others'
  // renewals past their lease.
  std::vector<std::future<Result<proto::LockState>>> in_flight(held_.size());
  proto::LockRequest renewal = request_;
  renewal.set_renew(true);
  std::unique_lock lock(mu_);
  while (!clock_.WaitFor(lock, stop_, period, [&] { return stopping_; })) {
    lock.unlock();
    for (size_t i = 0; i < held_.size(); ++i) {
      if (in_flight[i].valid()) {
        if (!Answered(in_flight[i])) {
          log::Warn("operation lock renewal still unanswered; renewing the others",
                    {{"agent", held_[i].name}});
          continue;
        }
        Judge(held_[i], in_flight[i].get());
      }
      in_flight[i] = std::async(std::launch::async,
                                [&, member = held_[i]] { return agents_.Lock(member, renewal); });
    }
    const auto deadline = std::chrono::steady_clock::now() + period / 2;
    for (size_t i = 0; i < held_.size(); ++i) {
      if (in_flight[i].valid() && in_flight[i].wait_until(deadline) == std::future_status::ready) {
        Judge(held_[i], in_flight[i].get());
      }
    }
    lock.lock();
  }
}

bool ClusterLock::Answered(const std::future<Result<proto::LockState>>& renewal) {
  return renewal.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

void ClusterLock::Judge(const Member& member, const Result<proto::LockState>& renewed) {
  if (renewed.ok()) return;
  log::Warn("operation lock renewal failed",
            {{"agent", member.name}, {"error", renewed.status().message()}});
  if (renewed.status().code() == StatusCode::kBusy ||
      renewed.status().code() == StatusCode::kFailedPrecondition) {
    // Someone else holds it there now, or our lease lapsed there (or a newer coordinator fenced
    // us): the operation must not go on.
    lost_ = true;
  }
}

void ClusterLock::Release() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_.notify_all();
  if (renewer_.joinable()) renewer_.join();
  // All at once: a paused agent delays the release by one call's timeout, not one per agent.
  std::vector<std::future<Status>> releases;
  for (const Member& member : held_) {
    releases.push_back(std::async(std::launch::async,
                                  [&, member] { return agents_.Unlock(member, request_.id()); }));
  }
  for (size_t i = 0; i < held_.size(); ++i) {
    Status released = releases[i].get();
    if (!released.ok()) {
      log::Warn("operation lock release failed; it lapses with its lease",
                {{"agent", held_[i].name}, {"error", released.message()}});
    }
  }
  held_.clear();
}

}  // namespace lockstep::coordinator
