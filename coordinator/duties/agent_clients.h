// The coordinator's line to every master: its own master in process (LocalAgent, no loopback
// HTTP), every other one over HTTP. Thread-safe as its two halves are.
#pragma once

#include <string>

#include "agent/master/local_agent.h"
#include "coordinator/agent_client.h"

namespace lockstep::agent {

class AgentClients : public coordinator::AgentClient {
 public:
  // `generation`: the coordinator generation every mutating call carries (0 for reads only).
  AgentClients(LocalAgent* self, const http::Client& client, std::string token,
               std::chrono::milliseconds timeout, uint64_t generation = 0)
      : self_(self),
        client_(client),
        token_(std::move(token)),
        timeout_(timeout),
        generation_(generation),
        remote_(client, token_, timeout, generation) {}

  std::unique_ptr<coordinator::AgentClient> AtGeneration(uint64_t generation) override;

  Result<proto::LockState> Lock(const coordinator::Member& member,
                                const proto::LockRequest& request) override;
  Status Unlock(const coordinator::Member& member, const std::string& id) override;
  Result<proto::LockState> LockState(const coordinator::Member& member) override;
  Result<proto::TakeReply> Take(const coordinator::Member& member,
                                const proto::TakeRequest& request) override;
  Status Fetch(const coordinator::Member& member, const proto::FetchRequest& request) override;
  Status PutRecord(const coordinator::Member& member, const proto::Backup& record) override;
  Status RemoveArchive(const coordinator::Member& member, const std::string& id) override;
  Status PutSchedule(const coordinator::Member& member, const proto::Schedule& schedule) override;
  Result<proto::StageReply> Stage(const coordinator::Member& member,
                                  const proto::StageRequest& request) override;
  Result<proto::RestoreJournal> RestoreStep(const coordinator::Member& member,
                                            const std::string& step,
                                            const proto::RestoreStepRequest& request) override;
  Result<proto::RestoreJournalList> RestoreJournals(const coordinator::Member& member) override;

 private:
  bool IsSelf(const coordinator::Member& member) const { return member.name == self_->name(); }
  // A mutating call: `remote()` for another master; for this one `local()`, once the call's
  // generation is admitted as the HTTP route would admit it.
  template <typename Local, typename Remote>
  auto Fenced(const coordinator::Member& member, Local local, Remote remote) -> decltype(remote()) {
    if (!IsSelf(member)) return remote();
    if (Status admitted = self_->Admit(generation_); !admitted.ok()) return admitted;
    return local();
  }

  LocalAgent* self_;
  const http::Client& client_;
  const std::string token_;
  const std::chrono::milliseconds timeout_;
  const uint64_t generation_;
  coordinator::HttpAgentClient remote_;
};

}  // namespace lockstep::agent
