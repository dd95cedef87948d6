#include "node-agent/agent/agent_clients.h"

namespace lockstep::agent {

using coordinator::Member;

Result<proto::LockState> AgentClients::Lock(const Member& member,
                                            const proto::LockRequest& request) {
  return IsSelf(member) ? self_->Lock(request) : remote_.Lock(member, request);
}

Status AgentClients::Unlock(const Member& member, const std::string& id) {
  if (!IsSelf(member)) return remote_.Unlock(member, id);
  self_->Unlock(id);
  return Status::Ok();
}

Result<proto::LockState> AgentClients::LockState(const Member& member) {
  if (!IsSelf(member)) return remote_.LockState(member);
  return self_->LockState();
}

Result<proto::TakeReply> AgentClients::Take(const Member& member,
                                            const proto::TakeRequest& request) {
  return IsSelf(member) ? self_->Take(request) : remote_.Take(member, request);
}

Status AgentClients::Fetch(const Member& member, const proto::FetchRequest& request) {
  return IsSelf(member) ? self_->Fetch(request) : remote_.Fetch(member, request);
}

Status AgentClients::PutRecord(const Member& member, const proto::Backup& record) {
  return IsSelf(member) ? self_->PutRecord(record).status() : remote_.PutRecord(member, record);
}

Status AgentClients::RemoveArchive(const Member& member, const std::string& id) {
  return IsSelf(member) ? self_->RemoveReplica(id) : remote_.RemoveArchive(member, id);
}

Status AgentClients::PutSchedule(const Member& member, const proto::Schedule& schedule) {
  return IsSelf(member) ? self_->PutSchedule(schedule).status()
                        : remote_.PutSchedule(member, schedule);
}

Result<proto::StageReply> AgentClients::Stage(const Member& member,
                                              const proto::StageRequest& request) {
  return IsSelf(member) ? self_->Stage(request) : remote_.Stage(member, request);
}

Result<proto::RestoreJournal> AgentClients::RestoreStep(const Member& member,
                                                        const std::string& step,
                                                        const proto::RestoreStepRequest& request) {
  return IsSelf(member) ? self_->RestoreStep(step, request)
                        : remote_.RestoreStep(member, step, request);
}

Result<proto::RestoreJournalList> AgentClients::RestoreJournals(const Member& member) {
  if (!IsSelf(member)) return remote_.RestoreJournals(member);
  proto::RestoreJournalList list;
  for (auto& journal : self_->RestoreJournals()) *list.add_journals() = std::move(journal);
  return list;
}

}  // namespace lockstep::agent
