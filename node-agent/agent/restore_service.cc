#include "node-agent/agent/restore_service.h"

#include <algorithm>

#include "common/log.h"
#include "common/zk_client.h"
#include "coordinator/labels.h"
#include "coordinator/restore_ids.h"
#include "node-agent/agent/api_util.h"
#include "node-agent/agent/coordinator_route.h"
#include "proto/json.h"

namespace lockstep::agent {
namespace {

constexpr auto kDriverTimeout = std::chrono::hours(1);  // a dry run stages everywhere

bool NamesZooKeeper(const proto::RestoreRequest& request) {
  return std::find(request.components().begin(), request.components().end(), "zookeeper") !=
         request.components().end();
}

Status CheckComponents(const proto::RestoreRequest& request) {
  if (NamesZooKeeper(request) && request.components_size() > 1) {
    return InvalidArgument(
        "restore zookeeper on its own: it replaces the whole ensemble's data, every app "
        "component's included");
  }
  if (!NamesZooKeeper(request) && request.dry_run()) {
    return InvalidArgument("--dry-run plans a --component zookeeper restore; app components are "
                           "restored online and stop nothing");
  }
  return Status::Ok();
}

// A forwarded request the coordinator could not take (it is gone, or ZooKeeper is): drive here.
bool DriverUnreachable(const http::Reply& reply) {
  return reply.status == 502 || reply.status == 503 || reply.status == 504;
}

}  // namespace

RestoreService::RestoreService(RestoreServiceOptions options, BackupService* backups,
                               LocalNode* node, const http::Client* client,
                               coordinator::Election* election, OperationLock* lock)
    : options_(std::move(options)),
      backups_(backups),
      client_(client),
      election_(election),
      lock_(lock),
      node_restore_(options_.store_dir, options_.zoo_cfg, node, &backups->archives(),
                    options_.rollback_keep, options_.compact) {
  coordinator::RestoreHost host{
      .view = [backups](bool fresh) { return backups->View(fresh); },
      .find = [backups](const std::string& id) { return backups->FindBackup(id); },
      .publish = [backups](proto::Backup& record) { backups->Publish(record); },
      .seal =
          [zk_connect = options_.zk_connect] {
            // A new session is a transaction: it moves the ensemble into its new epoch.
            (void)ZkClient::Connect(zk_connect, std::chrono::seconds(5));
          }};
  restores_ = std::make_unique<coordinator::Restores>(backups->agents(), host, options_.settings);
  components_ = std::make_unique<ComponentRestores>(
      ComponentRestoreOptions{.self = options_.settings.self,
                              .zk_connect = options_.zk_connect,
                              .lease = options_.settings.lease,
                              .components = options_.components},
      backups->agents(), std::move(host), &backups->archives());
}

Status RestoreService::Open() { return node_restore_.Open(); }

std::optional<http::Reply> RestoreService::RouteToDriver(const http::Request& request) {
  if (election_->IsCoordinator() || request.query.count("forwarded")) return std::nullopt;
  if (!election_->Current()) return std::nullopt;  // no election possible: this agent drives
  std::optional<http::Reply> reply =
      RouteToCoordinator(*election_, *client_, options_.token, request,
                         std::chrono::duration_cast<std::chrono::milliseconds>(kDriverTimeout));
  if (reply && DriverUnreachable(*reply)) {
    log::Warn("the coordinator cannot drive the restore, driving it here",
              {{"reply", reply->body.substr(0, 200)}});
    return std::nullopt;
  }
  return reply;
}

http::Reply RestoreService::Restore(const http::Request& request, const std::string& backup_id) {
  if (auto wrong = WrongMethod(request, "POST")) return *wrong;
  if (Status valid = coordinator::CheckBackupId(backup_id); !valid.ok()) return StatusReply(valid);
  proto::RestoreRequest restore;
  if (Status parsed = ParseBody(request, &restore); !parsed.ok()) return StatusReply(parsed);
  if (Status components = CheckComponents(restore); !components.ok()) {
    return StatusReply(components);
  }
  if (!NamesZooKeeper(restore)) {
    // App components are restored through ZooKeeper, which then serves: the coordinator drives.
    if (auto forwarded = RouteToCoordinator(
            *election_, *client_, options_.token, request,
            std::chrono::duration_cast<std::chrono::milliseconds>(kDriverTimeout))) {
      return *forwarded;
    }
    Result<proto::RestoreRecord> started = components_->Start(
        backup_id, {restore.components().begin(), restore.components().end()});
    return started.ok() ? JsonReply(*started, 202) : StatusReply(started.status());
  }
  if (auto routed = RouteToDriver(request)) return *routed;
  if (restore.dry_run()) {
    Result<proto::RestorePlan> plan = restores_->DryRun(backup_id);
    return plan.ok() ? JsonReply(*plan) : StatusReply(plan.status());
  }
  Result<proto::RestoreRecord> started = restores_->Start(backup_id);
  return started.ok() ? JsonReply(*started, 202) : StatusReply(started.status());
}

http::Reply RestoreService::Step(const http::Request& request, const std::string& restore_id,
                                 const std::string& step) {
  if (auto wrong = WrongMethod(request, "POST")) return *wrong;
  if (Status valid = coordinator::CheckRestoreId(restore_id); !valid.ok()) {
    return StatusReply(valid);
  }
  // Only under a restore's operation lock: a stray request can't stop or swap anything.
  const proto::LockState lock = lock_->Current();
  if (!lock.held() || lock.operation() != "restore") {
    return StatusReply(FailedPrecondition("refusing restore step '" + step + "' for " +
                                          restore_id + " without a restore's operation lock"));
  }
  if (step == "stage") {
    proto::StageRequest stage;
    if (Status parsed = ParseBody(request, &stage); !parsed.ok()) return StatusReply(parsed);
    if (stage.restore_id() != restore_id) {
      return StatusReply(InvalidArgument("restore id differs from path"));
    }
    Result<proto::StageReply> staged = node_restore_.Stage(stage);
    return staged.ok() ? JsonReply(*staged) : StatusReply(staged.status());
  }
  proto::RestoreStepRequest body;
  if (Status parsed = ParseBody(request, &body); !parsed.ok()) return StatusReply(parsed);
  Result<proto::RestoreJournal> done = NotFound("unknown restore step '" + step + "'");
  if (step == "stop") done = node_restore_.Stop(restore_id);
  if (step == "swap") done = node_restore_.Swap(restore_id, body.min_epoch());
  if (step == "start") done = node_restore_.Start(restore_id);
  if (step == "finish") done = node_restore_.Finish(restore_id);
  if (step == "rollback") done = node_restore_.Rollback(restore_id);
  return done.ok() ? JsonReply(*done) : StatusReply(done.status());
}

std::optional<http::Reply> RestoreService::Handle(const http::Request& request,
                                                  const std::vector<std::string>& parts) {
  if (parts.size() == 4 && parts[1] == "backups" && parts[3] == "restore") {
    return Restore(request, parts[2]);
  }
  if (parts.size() == 3 && parts[1] == "internal" && parts[2] == "restores") {
    if (auto wrong = WrongMethod(request, "GET")) return *wrong;
    proto::RestoreJournalList list;
    for (auto& journal : node_restore_.Journals()) *list.add_journals() = std::move(journal);
    return JsonReply(list);
  }
  if (parts.size() == 5 && parts[1] == "internal" && parts[2] == "restores") {
    return Step(request, parts[3], parts[4]);
  }
  return std::nullopt;
}

void RestoreService::SettleOrphans() {
  for (const auto& journal : node_restore_.Journals()) {
    if (IsTerminalPhase(journal.phase()) || lock_->Current().held()) continue;
    restores_->Recover(journal.restore_id(), journal.backup_id());
  }
}

}  // namespace lockstep::agent
