// Agents for the coordinator's state machines in unit tests: each one's operation lock is a real
// OperationLock in memory, on `clock`; every other call is unused unless a test's subclass answers it. Lock
// calls are logged in `calls` ("lock m1", "unlock m1") and fail for agents in `unreachable`.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "coordinator/agent_client.h"
#include "node-agent/agent/op_lock.h"

namespace lockstep::testing {

class FakeAgents : public coordinator::AgentClient {
 public:
  using Member = coordinator::Member;

  std::mutex mu;  // lock renewals call from several threads at once
  Clock* clock = &RealClockInstance();  // the agents' leases run on it
  std::map<std::string, agent::OperationLock> locks;
  std::set<std::string> unreachable;
  std::vector<std::string> calls;

  // The master's lock, made on `clock` the first time.
  agent::OperationLock& LockOf(const std::string& name) {
    return locks.try_emplace(name, *clock).first->second;
  }

  Result<proto::LockState> Lock(const Member& m, const proto::LockRequest& r) override {
    std::lock_guard guard(mu);
    calls.push_back("lock " + m.name);
    if (unreachable.count(m.name)) return Status(StatusCode::kUnavailable, m.name + " down");
    return LockOf(m.name).Acquire(r);
  }
  Status Unlock(const Member& m, const std::string& id) override {
    std::lock_guard guard(mu);
    calls.push_back("unlock " + m.name);
    LockOf(m.name).Release(id);
    return Status::Ok();
  }
  Result<proto::LockState> LockState(const Member& m) override {
    std::lock_guard guard(mu);
    return LockOf(m.name).Current();
  }
  Result<proto::TakeReply> Take(const Member&, const proto::TakeRequest&) override {
    return Internal("unused");
  }
  Status Fetch(const Member&, const proto::FetchRequest&) override { return Internal("unused"); }
  Status PutRecord(const Member&, const proto::Backup&) override { return Status::Ok(); }
  Status RemoveArchive(const Member&, const std::string&) override { return Status::Ok(); }
  Status PutSchedule(const Member&, const proto::Schedule&) override { return Status::Ok(); }
  Result<proto::StageReply> Stage(const Member&, const proto::StageRequest&) override {
    return Internal("unused");
  }
  Result<proto::RestoreJournal> RestoreStep(const Member&, const std::string&,
                                            const proto::RestoreStepRequest&) override {
    return Internal("unused");
  }
  Result<proto::RestoreJournalList> RestoreJournals(const Member&) override {
    return Internal("unused");
  }
};

}  // namespace lockstep::testing
