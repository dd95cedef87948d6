// The coordinator's line to every master: its own master in process (LocalAgent, no loopback
// HTTP), every other one over HTTP. Thread-safe as its two halves are.
#pragma once

#include <string>

#include "coordinator/agent_client.h"
#include "node-agent/agent/local_agent.h"

namespace lockstep::agent {

class AgentClients : public coordinator::AgentClient {
 public:
  AgentClients(LocalAgent* self, const http::Client& client, std::string token,
               std::chrono::milliseconds timeout)
      : self_(self), remote_(client, std::move(token), timeout) {}

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

  LocalAgent* self_;
  coordinator::HttpAgentClient remote_;
};

}  // namespace lockstep::agent
