// Agents for the coordinator's state machines in unit tests: each one's operation lock is a real
// OperationLock in memory, on `clock`; Take and Fetch answer as a test scripts them per master;
// records pushed are kept per master; every other call is unused unless a test's subclass
// answers it. Lock, unlock, take and fetch calls are logged in `calls` ("lock m1", "unlock m1",
// "take m2", "fetch m3"); lock calls fail for agents in `unreachable`. Thread-safe through `mu`
// (a test touching the members while a coordinator thread runs takes it too).
// Fencing: AtGeneration's clients refuse every call but the reads when their generation is
// older than `fence`, as real agents do, and note each generation they carried in `generations`.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "agent/master/op_lock.h"
#include "common/clock.h"
#include "coordinator/agent_client.h"

namespace lockstep::testing {

class FakeAgents : public coordinator::AgentClient {
 public:
  using Member = coordinator::Member;

  std::mutex mu;  // lock renewals and replication call from several threads at once
  Clock* clock = &RealClockInstance();  // the agents' leases run on it
  std::map<std::string, agent::OperationLock> locks;
  std::set<std::string> unreachable;
  std::vector<std::string> calls;
  // Take's answer by master (Internal "unused" for one not listed); `on_take` runs first, outside
  // `mu`, as if while the master archives.
  std::map<std::string, Result<proto::TakeReply>> takes;
  std::function<void(const Member&, const proto::TakeRequest&)> on_take;
  std::vector<proto::TakeRequest> take_requests;
  // Fetch's answer by master (Internal "unused" for one not listed), and what each was asked.
  std::map<std::string, Status> fetches;
  std::map<std::string, proto::FetchRequest> fetch_requests;
  std::map<std::string, std::vector<proto::Backup>> records;  // PutRecord calls, in order
  uint64_t fence = 0;              // the newest coordinator generation the agents know
  std::set<uint64_t> generations;  // generations fenced calls carried

  std::unique_ptr<AgentClient> AtGeneration(uint64_t generation) override;
  // Ok when `generation` is not older than `fence` (and noted), as Agent::Admit decides.
  Status Admit(uint64_t generation) {
    std::lock_guard guard(mu);
    if (generation < fence)
      return FailedPrecondition("fenced: generation " + std::to_string(generation));
    generations.insert(generation);
    return Status::Ok();
  }

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
  Result<proto::TakeReply> Take(const Member& m, const proto::TakeRequest& r) override {
    {
      std::lock_guard guard(mu);
      calls.push_back("take " + m.name);
      take_requests.push_back(r);
    }
    if (on_take) on_take(m, r);
    std::lock_guard guard(mu);
    auto it = takes.find(m.name);
    return it == takes.end() ? Result<proto::TakeReply>(Internal("unused")) : it->second;
  }
  // Runs first, outside `mu`, as if while the master fetches (a test may block it).
  std::function<void(const Member&)> on_fetch;
  Status Fetch(const Member& m, const proto::FetchRequest& r) override {
    if (on_fetch) on_fetch(m);
    std::lock_guard guard(mu);
    calls.push_back("fetch " + m.name);
    fetch_requests[m.name] = r;
    auto it = fetches.find(m.name);
    return it == fetches.end() ? Internal("unused") : it->second;
  }
  Status PutRecord(const Member& m, const proto::Backup& record) override {
    std::lock_guard guard(mu);
    records[m.name].push_back(record);
    return Status::Ok();
  }
  Status RemoveArchive(const Member& m, const std::string&) override {
    std::lock_guard guard(mu);
    calls.push_back("remove " + m.name);
    return Status::Ok();
  }
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

// FakeAgents' calls at one generation: each mutating call is admitted (FakeAgents::Admit) and
// then answered by the FakeAgents (subclass overrides included).
class FencedFakeAgents : public coordinator::AgentClient {
 public:
  using Member = coordinator::Member;
  FencedFakeAgents(FakeAgents& agents, uint64_t generation)
      : agents_(agents), generation_(generation) {}
  std::unique_ptr<AgentClient> AtGeneration(uint64_t generation) override {
    return std::make_unique<FencedFakeAgents>(agents_, generation);
  }
  Result<proto::LockState> Lock(const Member& m, const proto::LockRequest& r) override {
    RETURN_IF_ERROR(agents_.Admit(generation_));
    return agents_.Lock(m, r);
  }
  Status Unlock(const Member& m, const std::string& id) override {
    RETURN_IF_ERROR(agents_.Admit(generation_));
    return agents_.Unlock(m, id);
  }
  Result<proto::LockState> LockState(const Member& m) override { return agents_.LockState(m); }
  Result<proto::TakeReply> Take(const Member& m, const proto::TakeRequest& r) override {
    RETURN_IF_ERROR(agents_.Admit(generation_));
    return agents_.Take(m, r);
  }
  Status Fetch(const Member& m, const proto::FetchRequest& r) override {
    RETURN_IF_ERROR(agents_.Admit(generation_));
    return agents_.Fetch(m, r);
  }
  Status PutRecord(const Member& m, const proto::Backup& record) override {
    RETURN_IF_ERROR(agents_.Admit(generation_));
    return agents_.PutRecord(m, record);
  }
  Status RemoveArchive(const Member& m, const std::string& id) override {
    RETURN_IF_ERROR(agents_.Admit(generation_));
    return agents_.RemoveArchive(m, id);
  }
  Status PutSchedule(const Member& m, const proto::Schedule& schedule) override {
    RETURN_IF_ERROR(agents_.Admit(generation_));
    return agents_.PutSchedule(m, schedule);
  }
  Result<proto::StageReply> Stage(const Member& m, const proto::StageRequest& r) override {
    RETURN_IF_ERROR(agents_.Admit(generation_));
    return agents_.Stage(m, r);
  }
  Result<proto::RestoreJournal> RestoreStep(const Member& m, const std::string& step,
                                            const proto::RestoreStepRequest& r) override {
    RETURN_IF_ERROR(agents_.Admit(generation_));
    return agents_.RestoreStep(m, step, r);
  }
  Result<proto::RestoreJournalList> RestoreJournals(const Member& m) override {
    return agents_.RestoreJournals(m);
  }

 private:
  FakeAgents& agents_;
  const uint64_t generation_;
};

inline std::unique_ptr<coordinator::AgentClient> FakeAgents::AtGeneration(uint64_t generation) {
  return std::make_unique<FencedFakeAgents>(*this, generation);
}

}  // namespace lockstep::testing
