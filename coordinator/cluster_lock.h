// The cluster operation lock as the coordinator holds it: taken on every agent in name order (so
// two coordinators racing can't each hold half), renewed at a third of the lease while held, and
// released on every agent at the end. If the coordinator dies, the leases lapse on their own.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "coordinator/agent_client.h"

namespace lockstep::coordinator {

// Thread-safe: the renewer thread and the owner share its state under one mutex.
class ClusterLock {
 public:
  // `members` in any order; they are locked sorted by name. With `require_all`, an unreachable
  // agent fails the acquisition; otherwise it is skipped (a master that is down can't run
  // anything that conflicts). Renewals are timed on `clock`.
  ClusterLock(AgentClient& agents, std::vector<Member> members, proto::LockRequest request,
              bool require_all, Clock& clock = RealClockInstance());
  ~ClusterLock();  // releases

  // Busy (the holder named) when another operation holds it anywhere; nothing stays locked then.
  Status Acquire();
  void Release();
  // True once a renewal found another operation holding the lock: stop before changing more.
  bool lost() const { return lost_; }
  // Agents skipped because they could not be reached.
  const std::vector<std::string>& skipped() const { return skipped_; }

 private:
  void Renew();
  static bool Answered(const std::future<Result<proto::LockState>>& renewal);
  void Judge(const Member& member, const Result<proto::LockState>& renewed);

  AgentClient& agents_;
  std::vector<Member> members_;
  const proto::LockRequest request_;
  const bool require_all_;
  Clock& clock_;
  std::vector<Member> held_;
  std::vector<std::string> skipped_;

  std::mutex mu_;
  std::condition_variable stop_;
  bool stopping_ = false;
  std::atomic<bool> lost_{false};
  std::thread renewer_;
};

// The lock an operation (backup, restore, delete…) takes on `members`, held by `holder` with a
// lease renewed while it runs; not yet acquired.
std::unique_ptr<ClusterLock> MakeOperationLock(AgentClient& agents, std::vector<Member> members,
                                               const std::string& operation, const std::string& id,
                                               const std::string& holder,
                                               std::chrono::milliseconds lease, bool require_all,
                                               Clock& clock = RealClockInstance());

}  // namespace lockstep::coordinator
