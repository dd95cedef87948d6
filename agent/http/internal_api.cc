#include "agent/http/internal_api.h"

#include "agent/http/api_util.h"
#include "api/names.h"
#include "common/crash_point.h"
#include "common/crypto/secret.h"
#include "common/zxid.h"
#include "coordinator/agent_client.h"

namespace lockstep::agent {
namespace {

// A path parameter and the same field of the body must agree: a body meant for another
// backup is refused rather than applied to the one in the path.
Status SameId(const std::string& in_body, const std::string& in_path) {
  if (in_body == in_path) return Status::Ok();
  return InvalidArgument("id '" + in_body + "' in the body differs from '" + in_path +
                         "' in the path");
}

http::Reply Done(const Status& status) {
  return status.ok() ? JsonReply(proto::LockState()) : StatusReply(status);
}

}  // namespace

Result<uint64_t> InternalApi::GenerationOf(const http::Request& request) {
  const std::string text = QueryOr(request, coordinator::kGenerationParam, "");
  std::optional<Zxid> generation = ParseHexZxid(text);
  if (!text.empty() && !generation) {
    return InvalidArgument("generation '" + text + "' is not a hex coordinator generation");
  }
  return static_cast<uint64_t>(generation.value_or(0));
}

Status InternalApi::Admit(const http::Request& request) {
  ASSIGN_OR_RETURN(uint64_t generation, GenerationOf(request));
  return self_->Admit(generation);
}

http::Reply InternalApi::GetLock(const http::Request&, const PathParams&) {
  return JsonReply(self_->LockState());
}

http::Reply InternalApi::TakeLock(const http::Request& request, const PathParams&) {
  proto::LockRequest lock;
  if (Status parsed = ParseBody(request, &lock); !parsed.ok()) return StatusReply(parsed);
  Result<uint64_t> generation = GenerationOf(request);  // admitted already (the route fences)
  if (!generation.ok()) return StatusReply(generation.status());
  return ResultReply(self_->Lock(lock, *generation));
}

http::Reply InternalApi::ReleaseLock(const http::Request& request, const PathParams&) {
  proto::LockRequest lock;
  if (Status parsed = ParseBody(request, &lock); !parsed.ok()) return StatusReply(parsed);
  self_->Unlock(lock.id());
  return JsonReply(self_->LockState());
}

http::Reply InternalApi::ArmCrashPoint(const http::Request& request, const PathParams&) {
  proto::CrashPointRequest arm;
  if (Status parsed = ParseBody(request, &arm); !parsed.ok()) return StatusReply(parsed);
  if (arm.disarm()) {
    DisarmCrashPoint(arm.name());
  } else {
    lockstep::ArmCrashPoint(arm.name(), std::chrono::milliseconds(arm.delay_ms()));
  }
  return JsonReply(arm);
}

http::Reply InternalApi::ListRecords(const http::Request& request, const PathParams&) {
  if (QueryOr(request, "index", "") == "1") {
    return JsonReply(catalog_->Index());
  }
  proto::BackupList list;
  for (auto& record : catalog_->Local()) *list.add_backups() = std::move(record);
  return JsonReply(list);
}

http::Reply InternalApi::GetRecord(const http::Request&, const PathParams& params) {
  const std::string& id = params.at("id");
  if (Status valid = api::CheckBackupId(id); !valid.ok()) return StatusReply(valid);
  return ResultReply(self_->records().Get(id));
}

http::Reply InternalApi::PutRecord(const http::Request& request, const PathParams& params) {
  proto::Backup record;
  if (Status parsed = ParseBody(request, &record); !parsed.ok()) return StatusReply(parsed);
  if (Status same = SameId(record.id(), params.at("id")); !same.ok()) return StatusReply(same);
  Result<bool> stored = self_->PutRecord(record);
  return stored.ok() ? JsonReply(record) : StatusReply(stored.status());
}

http::Reply InternalApi::ListSchedules(const http::Request&, const PathParams&) {
  proto::ScheduleList list;
  for (auto& schedule : self_->schedules().All()) *list.add_schedules() = std::move(schedule);
  return JsonReply(list);
}

http::Reply InternalApi::PutSchedule(const http::Request& request, const PathParams& params) {
  proto::Schedule schedule;
  if (Status parsed = ParseBody(request, &schedule); !parsed.ok()) return StatusReply(parsed);
  if (Status same = SameId(schedule.name(), params.at("name")); !same.ok()) {
    return StatusReply(same);
  }
  Result<bool> stored = self_->PutSchedule(schedule);
  return stored.ok() ? JsonReply(schedule) : StatusReply(stored.status());
}

http::Reply InternalApi::Take(const http::Request& request, const PathParams& params) {
  proto::TakeRequest take;
  if (Status parsed = ParseBody(request, &take); !parsed.ok()) return StatusReply(parsed);
  if (Status same = SameId(take.id(), params.at("id")); !same.ok()) {
    return StatusReply(FailedPrecondition("refusing to take " + params.at("id") +
                                          " without the cluster operation lock for it"));
  }
  return ResultReply(self_->Take(take));
}

http::Reply InternalApi::Fetch(const http::Request& request, const PathParams& params) {
  proto::FetchRequest fetch;
  if (Status parsed = ParseBody(request, &fetch); !parsed.ok()) return StatusReply(parsed);
  if (Status same = SameId(fetch.id(), params.at("id")); !same.ok()) return StatusReply(same);
  if (Status valid = api::CheckBackupId(fetch.id()); !valid.ok()) return StatusReply(valid);
  return Done(self_->Fetch(fetch));
}

http::Reply InternalApi::Check(const http::Request& request, const PathParams& params) {
  const std::string sha = QueryOr(request, "sha256", "");
  return ResultReply(self_->Check(params.at("id"), sha));
}

http::Reply InternalApi::DeepVerify(const http::Request&, const PathParams& params) {
  return ResultReply(self_->DeepVerify(params.at("id")));
}

http::Reply InternalApi::RemoveReplica(const http::Request&, const PathParams& params) {
  return Done(self_->RemoveReplica(params.at("id")));
}

http::Reply InternalApi::SendReplica(const http::Request&, const PathParams& params) {
  const std::string& id = params.at("id");
  if (Status valid = api::CheckBackupId(id); !valid.ok()) return StatusReply(valid);
  return ArchiveReply(self_->name(), id, self_->replicas().Has(id), self_->replicas().PathOf(id));
}

http::Reply InternalApi::ListJournals(const http::Request&, const PathParams&) {
  proto::RestoreJournalList list;
  for (auto& journal : self_->RestoreJournals()) *list.add_journals() = std::move(journal);
  return JsonReply(list);
}

http::Reply InternalApi::RestoreStep(const http::Request& request, const PathParams& params) {
  const std::string& id = params.at("id");
  const std::string& step = params.at("step");
  if (step == "stage") {
    proto::StageRequest stage;
    if (Status parsed = ParseBody(request, &stage); !parsed.ok()) return StatusReply(parsed);
    if (stage.restore_id() != id) {
      return StatusReply(InvalidArgument("restore id differs from path"));
    }
    Result<proto::StageReply> staged = self_->Stage(stage);
    (void)age::TakeSecrets(stage.mutable_identities());  // wiped once staging used them
    return ResultReply(staged);
  }
  proto::RestoreStepRequest body;
  if (Status parsed = ParseBody(request, &body); !parsed.ok()) return StatusReply(parsed);
  if (body.restore_id().empty()) body.set_restore_id(id);
  if (body.restore_id() != id) return StatusReply(InvalidArgument("restore id differs from path"));
  return ResultReply(self_->RestoreStep(step, body));
}

}  // namespace lockstep::agent
