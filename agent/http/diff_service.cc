#include "agent/http/diff_service.h"

#include <chrono>

#include "agent/http/api_util.h"
#include "agent/master/replica_sources.h"
#include "api/names.h"
#include "api/znode_path.h"
#include "common/log.h"
#include "common/zk_client.h"
#include "engine/components/backup_tree.h"
#include "engine/components/tree_diff.h"

namespace lockstep::agent {

using SteadyClock = std::chrono::steady_clock;

int64_t Millis(SteadyClock::duration elapsed) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
}

DiffService::DiffService(std::string self, std::string zk_connect, Catalog* catalog,
                         const MastersView* masters, ReplicaStore* replicas)
    : self_(std::move(self)),
      zk_connect_(std::move(zk_connect)),
      catalog_(catalog),
      masters_(masters),
      replicas_(replicas) {}

http::Reply DiffService::Diff(const http::Request& request, const PathParams& params) {
  return ResultReply(Compute(params.at("id"), QueryOr(request, "path", "/"), ""));
}

Result<proto::BackupDiff> DiffService::Compute(const std::string& backup_id,
                                               const std::string& path, const std::string& to,
                                               const std::vector<std::string>& identities) {
  RETURN_IF_ERROR(api::CheckBackupId(backup_id));
  RETURN_IF_ERROR(api::CheckZnodePath(path, "--path"));
  if (!to.empty()) RETURN_IF_ERROR(api::CheckZnodePath(to, "--to"));
  ASSIGN_OR_RETURN(proto::Backup record, catalog_->Find(backup_id));
  if (record.status() != proto::STATUS_READY) {
    return FailedPrecondition("backup " + backup_id + " is not READY; only a complete backup " +
                              "can be compared");
  }
  std::unique_lock lock(running_, std::try_to_lock);
  if (!lock.owns_lock()) {
    return Status(StatusCode::kBusy, self_ + " is computing another diff; try again when it " +
                                         "ends, or ask another master (--cluster)");
  }
  return ComputeLocked(record, path, to, identities);
}

Result<proto::BackupDiff> DiffService::ComputeLocked(const proto::Backup& record,
                                                     const std::string& path, const std::string& to,
                                                     const std::vector<std::string>& identities) {
  const auto begun = SteadyClock::now();
  if (!replicas_->Has(record.id())) {
    RETURN_IF_ERROR(
        FetchFromAny(*replicas_, record, ReplicaSources(record, masters_->View(), self_))
            .Prepend(self_ + " holds no replica of " + record.id()));
  }
  ASSIGN_OR_RETURN(age::Identities keys, replicas_->Identities(identities));
  components::BackupTreeOptions options;
  options.path = path;
  options.to = to.empty() || to == path ? "" : to;
  options.keep_data = false;
  options.scratch_parent = replicas_->dir();
  const auto fetched = SteadyClock::now();
  ASSIGN_OR_RETURN(std::unique_ptr<components::ZNodeSource> backup,
                   components::OpenBackupTree(replicas_->PathOf(record.id()), keys, options));
  const auto read = SteadyClock::now();
  ASSIGN_OR_RETURN(
      std::unique_ptr<ZkClient> zk,
      ZkClient::Connect(zk_connect_, std::chrono::seconds(30), std::chrono::seconds(10), zk_auth_));
  const std::string live_root = to.empty() ? path : to;
  ASSIGN_OR_RETURN(proto::BackupDiff diff, components::DiffSubtree(*zk, *backup, live_root));
  const auto compared = SteadyClock::now();
  diff.set_backup_id(record.id());
  diff.set_path(path);
  diff.set_source(backup->what());
  diff.set_master(self_);
  diff.set_seconds(std::chrono::duration<double>(SteadyClock::now() - begun).count());
  log::Info("backup compared with the live tree",
            {{"id", record.id()},
             {"path", path},
             {"created", std::to_string(diff.created())},
             {"deleted", std::to_string(diff.deleted())},
             {"data_changed", std::to_string(diff.data_changed())},
             {"acl_changed", std::to_string(diff.acl_changed())},
             {"fetch_ms", std::to_string(Millis(fetched - begun))},
             {"read_ms", std::to_string(Millis(read - fetched))},
             {"compare_ms", std::to_string(Millis(compared - read))}});
  return diff;
}

}  // namespace lockstep::agent
