#include "agent/http/restore_service.h"

#include <algorithm>

#include "agent/http/api_util.h"
#include "agent/http/coordinator_route.h"
#include "agent/master/point_in_time.h"
#include "api/names.h"
#include "api/restore_request.h"
#include "api/znode_path.h"
#include "common/crypto/secret.h"
#include "common/log.h"
#include "common/zk_client.h"
#include "proto/json.h"

namespace lockstep::agent {
namespace {

constexpr auto kDriverTimeout = std::chrono::hours(1);  // a dry run stages everywhere

bool NamesZooKeeper(const proto::RestoreRequest& request) {
  return std::find(request.components().begin(), request.components().end(), "zookeeper") !=
         request.components().end();
}

// A forwarded request the coordinator could not take (it is gone, or ZooKeeper is): drive here.
bool DriverUnreachable(const http::Reply& reply) {
  return reply.status == 502 || reply.status == 503 || reply.status == 504;
}

}  // namespace

RestoreService::RestoreService(RestoreServiceOptions options, LocalAgent* self, Catalog* catalog,
                               BackupService* backups, const MastersView* masters,
                               coordinator::AgentClient* agents, const http::Client* client,
                               coordinator::Election* election, DiffService* diffs)
    : options_(std::move(options)),
      self_(self),
      catalog_(catalog),
      masters_(masters),
      agents_(agents),
      client_(client),
      election_(election),
      diffs_(diffs) {
  coordinator::RestoreHost host{
      .view = [masters](bool fresh) { return masters->View(fresh); },
      .find = [catalog](const std::string& id) { return catalog->Find(id); },
      .publish = [backups](coordinator::AgentClient& fenced,
                           proto::Backup& record) { backups->Publish(fenced, record); },
      .seal =
          [zk_connect = options_.zk_connect] {
            // A new session is a transaction: it moves the ensemble into its new epoch.
            (void)ZkClient::Connect(zk_connect, std::chrono::seconds(5));
          }};
  restores_ = std::make_unique<coordinator::Restores>(*agents, host, options_.settings,
                                                      [this] { return DriverGeneration(); });
  components_ = std::make_unique<ComponentRestores>(
      ComponentRestoreOptions{.self = options_.settings.self,
                              .zk_connect = options_.zk_connect,
                              .zk_auth = options_.zk_auth,
                              .lease = options_.settings.lease,
                              .components = options_.components},
      *agents, [election] { return election->Generation(); }, std::move(host), &self->replicas());
}

uint64_t RestoreService::DriverGeneration() const {
  if (election_->IsCoordinator()) return election_->Generation();
  // ZooKeeper out of reach, so no coordinator can be elected (a restore is how an operator
  // brings a dark ensemble back): this agent drives with the newest generation it knows, which
  // every agent that knows no newer one admits, and the operation lock keeps drivers apart.
  // With ZooKeeper reachable, only the elected coordinator drives: a former one that woke up
  // from a pause holding an old request executes nothing.
  if (!election_->Connected()) {
    const std::optional<coordinator::CoordinatorInfo> seen = election_->Current();
    return std::max<uint64_t>({1, self_->fence().newest(), seen ? seen->generation : 0});
  }
  return 0;
}

std::optional<http::Reply> RestoreService::RouteToDriver(const http::Request& request) {
  if (election_->IsCoordinator() || !request.forwarded_by.empty()) return std::nullopt;
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

http::Reply RestoreService::Restore(const http::Request& request, const PathParams& params) {
  const std::string& backup_id = params.at("id");
  if (Status valid = api::CheckBackupId(backup_id); !valid.ok()) return StatusReply(valid);
  proto::RestoreRequest restore;
  if (Status parsed = ParseBody(request, &restore); !parsed.ok()) return StatusReply(parsed);
  if (Status components = api::CheckBackupRestore(restore); !components.ok()) {
    return StatusReply(components);
  }
  const age::SecretStrings identities = age::TakeSecrets(restore.mutable_identities());
  if (!NamesZooKeeper(restore)) return RestoreOnline(request, backup_id, restore, identities.get());
  if (auto routed = RouteToDriver(request)) return *routed;
  if (restore.dry_run()) return ResultReply(restores_->DryRun(backup_id, identities.get()));
  Result<proto::RestoreRecord> started =
      restores_->Start(backup_id, restore.request_id(), identities.get());
  return ResultReply(started, 202);
}

http::Reply RestoreService::RestorePointInTime(const http::Request& request, const PathParams&) {
  proto::RestoreRequest restore;
  if (Status parsed = ParseBody(request, &restore); !parsed.ok()) return StatusReply(parsed);
  if (Status valid = api::CheckPointInTimeRestore(restore); !valid.ok()) return StatusReply(valid);
  if (auto routed = RouteToDriver(request)) return *routed;
  if (const std::string adopting = adopting_ ? adopting_() : ""; !adopting.empty()) {
    return StatusReply(
        Status(StatusCode::kUnavailable,
               "this master is still " + adopting +
                   ": a point-in-time restore now would see only part "
                   "of the archive. Try again once `lockstep archive status` no longer says so"));
  }
  const age::SecretStrings taken = age::TakeSecrets(restore.mutable_identities());
  const std::vector<std::string>& identities = taken.get();
  Result<age::Identities> opened = self_->replicas().Identities(identities);
  if (!opened.ok()) return StatusReply(opened.status());
  // The driver's view of the archive: every master holds every segment it was shipped.
  Result<PointInTimeChoice> choice =
      ChoosePointInTime(restore, catalog_->All(), self_->segments(), *opened);
  if (!choice.ok()) return StatusReply(choice.status());
  if (restore.dry_run()) {
    return ResultReply(restores_->DryRun(choice->base_id, identities, choice->pit));
  }
  return ResultReply(
      restores_->Start(choice->base_id, restore.request_id(), identities, choice->pit), 202);
}

http::Reply RestoreService::RestoreOnline(const http::Request& request,
                                          const std::string& backup_id,
                                          const proto::RestoreRequest& restore,
                                          const std::vector<std::string>& identities) {
  if (restore.dry_run()) {  // a subtree's (api::CheckBackupRestore): what it would change
    return ResultReply(diffs_->Compute(backup_id, restore.path(), restore.to(), identities));
  }
  // Restored through ZooKeeper, which then serves: the coordinator drives.
  if (auto forwarded =
          RouteToCoordinator(*election_, *client_, options_.token, request,
                             std::chrono::duration_cast<std::chrono::milliseconds>(kDriverTimeout),
                             RealClockInstance(), !restore.request_id().empty())) {
    return *forwarded;
  }
  ComponentRestores::Target target;
  target.names.assign(restore.components().begin(), restore.components().end());
  target.path = restore.path();
  target.to = restore.to().empty() ? restore.path() : restore.to();
  return ResultReply(
      components_->Start(backup_id, std::move(target), restore.request_id(), identities), 202);
}

void RestoreService::SettleOrphans() {
  for (const auto& journal : self_->RestoreJournals()) {
    if (api::restore_phase::IsTerminal(journal.phase()) || self_->LockState().held()) continue;
    restores_->Recover(journal.restore_id(), journal.backup_id());
  }
}

}  // namespace lockstep::agent
