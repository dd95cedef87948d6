#include "coordinator/duties/agent_clients.h"

namespace lockstep::agent {

using coordinator::Member;

std::unique_ptr<coordinator::AgentClient> AgentClients::AtGeneration(uint64_t generation) {
  return std::make_unique<AgentClients>(self_, client_, token_, timeout_, generation);
}

Result<proto::LockState> AgentClients::Lock(const Member& member,
                                            const proto::LockRequest& request) {
  return Fenced(
      member, [&] { return self_->Lock(request, generation_); },
      [&] { return remote_.Lock(member, request); });
}

Status AgentClients::Unlock(const Member& member, const std::string& id) {
  return Fenced(
      member,
      [&] {
        self_->Unlock(id);
        return Status::Ok();
      },
      [&] { return remote_.Unlock(member, id); });
}

Result<proto::LockState> AgentClients::LockState(const Member& member) {
  if (!IsSelf(member)) return remote_.LockState(member);
  return self_->LockState();
}

Result<proto::TakeReply> AgentClients::Take(const Member& member,
                                            const proto::TakeRequest& request) {
  return Fenced(
      member, [&] { return self_->Take(request); }, [&] { return remote_.Take(member, request); });
}

Status AgentClients::Fetch(const Member& member, const proto::FetchRequest& request) {
  return Fenced(
      member, [&] { return self_->Fetch(request); },
      [&] { return remote_.Fetch(member, request); });
}

Status AgentClients::PutRecord(const Member& member, const proto::Backup& record) {
  return Fenced(
      member, [&] { return self_->PutRecord(record).status(); },
      [&] { return remote_.PutRecord(member, record); });
}

Status AgentClients::RemoveArchive(const Member& member, const std::string& id) {
  return Fenced(
      member, [&] { return self_->RemoveReplica(id); },
      [&] { return remote_.RemoveArchive(member, id); });
}

Status AgentClients::PutSchedule(const Member& member, const proto::Schedule& schedule) {
  return Fenced(
      member, [&] { return self_->PutSchedule(schedule).status(); },
      [&] { return remote_.PutSchedule(member, schedule); });
}

Result<proto::StageReply> AgentClients::Stage(const Member& member,
                                              const proto::StageRequest& request) {
  return Fenced(
      member, [&] { return self_->Stage(request); },
      [&] { return remote_.Stage(member, request); });
}

Result<proto::RestoreJournal> AgentClients::RestoreStep(const Member& member,
                                                        const std::string& step,
                                                        const proto::RestoreStepRequest& request) {
  return Fenced(
      member, [&] { return self_->RestoreStep(step, request); },
      [&] { return remote_.RestoreStep(member, step, request); });
}

Result<proto::RestoreJournalList> AgentClients::RestoreJournals(const Member& member) {
  if (!IsSelf(member)) return remote_.RestoreJournals(member);
  proto::RestoreJournalList list;
  for (auto& journal : self_->RestoreJournals()) *list.add_journals() = std::move(journal);
  return list;
}

}  // namespace lockstep::agent
