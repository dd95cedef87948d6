#include "agent/master/local_agent.h"

#include "api/names.h"
#include "common/zxid.h"
#include "engine/datadir/deep_verify.h"

namespace lockstep::agent {

LocalAgent::LocalAgent(LocalAgentOptions options, LocalNode* node, const http::Client* client)
    : options_(std::move(options)),
      node_(node),
      fence_(options_.store_dir + "/coordinator-generation", options_.elected_generation,
             options_.history,
             [node]() -> uint64_t {
               if (!node) return 0;
               std::optional<Zxid> zxid = ParseHexZxid(node->Snapshot().zk().zxid());
               return zxid ? static_cast<uint64_t>(*zxid) : 0;
             }),
      records_(options_.store_dir + "/catalog", [](const proto::Backup& b) { return b.id(); }),
      schedules_(options_.store_dir + "/schedules",
                 [](const proto::Schedule& s) { return s.name(); }),
      replicas_(options_.store_dir + "/backups", options_.zoo_cfg, node, client, options_.token,
                options_.encryption, options_.repository),
      segments_(options_.store_dir + "/archive"),
      restore_(NodeRestoreParts{.store_dir = options_.store_dir,
                                .zoo_cfg = options_.zoo_cfg,
                                .node = node,
                                .archives = &replicas_,
                                .segments = &segments_,
                                .client = client,
                                .repository = options_.repository,
                                .token = options_.token,
                                .rollback_keep = options_.rollback_keep,
                                .compact = options_.compact}) {}

Status LocalAgent::Open() {
  RETURN_IF_ERROR(fence_.Open());
  RETURN_IF_ERROR(records_.Open());
  RETURN_IF_ERROR(schedules_.Open());
  RETURN_IF_ERROR(replicas_.Open());
  RETURN_IF_ERROR(segments_.Open());
  return restore_.Open();
}

Result<bool> LocalAgent::PutRecord(const proto::Backup& record) {
  RETURN_IF_ERROR(api::CheckBackupId(record.id()));
  return records_.Put(record);
}

Result<bool> LocalAgent::PutSchedule(const proto::Schedule& schedule) {
  RETURN_IF_ERROR(api::CheckScheduleName(schedule.name()));
  return schedules_.Put(schedule);
}

Result<proto::TakeReply> LocalAgent::Take(const proto::TakeRequest& request) {
  RETURN_IF_ERROR(api::CheckBackupId(request.id()));
  // Only under the operation lock for this very backup: a stray request can't stop a server.
  if (lock_.Current().id() != request.id()) {
    return FailedPrecondition("refusing to take " + request.id() +
                              " without the cluster operation lock for it");
  }
  return replicas_.Take(request);
}

Status LocalAgent::RemoveReplica(const std::string& id) {
  RETURN_IF_ERROR(api::CheckBackupId(id));
  return replicas_.Remove(id);
}

Status LocalAgent::RequireReplica(const std::string& id) const {
  RETURN_IF_ERROR(api::CheckBackupId(id));
  if (!replicas_.Has(id)) return NotFound(name() + " holds no replica of " + id);
  return Status::Ok();
}

Result<proto::ReplicaCheck> LocalAgent::Check(const std::string& id,
                                              const std::string& expected_sha256) {
  RETURN_IF_ERROR(RequireReplica(id));
  return replicas_.Check(id, expected_sha256);
}

Result<proto::DeepCheck> LocalAgent::DeepVerify(const std::string& id) {
  RETURN_IF_ERROR(RequireReplica(id));
  ASSIGN_OR_RETURN(age::Identities identities, replicas_.Identities());
  return datadir::DeepVerify({.archive = replicas_.PathOf(id),
                              .scratch_parent = replicas_.dir(),
                              .java = options_.compact.java,
                              .classpath = options_.compact.classpath,
                              .identities = std::move(identities)});
}

Status LocalAgent::RequireRestoreLock(const std::string& step,
                                      const std::string& restore_id) const {
  RETURN_IF_ERROR(api::CheckRestoreId(restore_id));
  // Only under a restore's operation lock: a stray request can't stop or swap anything.
  const proto::LockState lock = lock_.Current();
  if (!lock.held() || lock.operation() != "restore") {
    return FailedPrecondition("refusing restore step '" + step + "' for " + restore_id +
                              " without a restore's operation lock");
  }
  return Status::Ok();
}

Result<proto::StageReply> LocalAgent::Stage(const proto::StageRequest& request) {
  RETURN_IF_ERROR(RequireRestoreLock("stage", request.restore_id()));
  return restore_.Stage(request);
}

Result<proto::RestoreJournal> LocalAgent::RestoreStep(const std::string& step,
                                                      const proto::RestoreStepRequest& request) {
  const std::string& id = request.restore_id();
  RETURN_IF_ERROR(RequireRestoreLock(step, id));
  if (step == "stop") return restore_.Stop(id);
  if (step == "swap") return restore_.Swap(id, request.min_epoch());
  if (step == "start") return restore_.Start(id);
  if (step == "finish") return restore_.Finish(id);
  if (step == "rollback") return restore_.Rollback(id);
  return NotFound("unknown restore step '" + step + "'");
}

}  // namespace lockstep::agent
