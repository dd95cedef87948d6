// The operators' backup routes (the route table, routes.cc, lists them):
//   POST /v1/backups, DELETE /v1/backups/ID      run by the coordinator (forwarded to it)
//   GET /v1/backups[?prefix=P], GET /v1/backups/ID  the catalog merged from every master
//   POST /v1/backups/import                        verified here, registered by the coordinator
// and, on the coordinator, starting and deleting backups for the scheduler. Thread-safe: the
// running backups are coordinator::ClusterBackups' and it locks for itself.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "agent/http/router.h"
#include "agent/master/catalog.h"
#include "agent/master/local_agent.h"
#include "agent/master/masters_view.h"
#include "agent/offsite/repository.h"
#include "common/http/client.h"
#include "common/http/message.h"
#include "coordinator/agent_client.h"
#include "coordinator/cluster_backups.h"
#include "coordinator/election.h"

namespace lockstep::agent {

struct BackupServiceOptions {
  std::string token;
  coordinator::BackupSettings settings;
};

class BackupService {
 public:
  BackupService(BackupServiceOptions options, LocalAgent* self, Catalog* catalog,
                const MastersView* masters, coordinator::AgentClient* agents,
                const http::Client* client, coordinator::Election* election);

  http::Reply Create(const http::Request& request, const PathParams& params);
  http::Reply Delete(const http::Request& request, const PathParams& params);
  http::Reply Show(const http::Request& request, const PathParams& params);
  http::Reply List(const http::Request& request, const PathParams& params);
  http::Reply Import(const http::Request& request, const PathParams& params);
  // `backup download`: this master's replica, fetched first from the repository when it has
  // none and the repository holds a READY copy (sha256 checked, then kept as a replica).
  http::Reply Archive(const http::Request& request, const PathParams& params);
  // POST /v1/internal/backups/register?holder=NAME: an import kept on NAME becomes a backup.
  http::Reply Register(const http::Request& request, const PathParams& params);

  // Coordinator only (the scheduler): start a backup, delete one from every master.
  Result<proto::Backup> StartBackup(const proto::CreateBackupRequest& request);
  Result<proto::Backup> DeleteBackup(const std::string& id);
  // On the coordinator, periodically: backups whose coordinator was lost end STATUS_ERROR.
  void RecoverInterrupted(const std::vector<proto::Backup>& catalog);
  // Coordinator duty: copies a backup missed while a master did not answer (replica_catch_up.h).
  void CatchUp(const std::vector<proto::Backup>& catalog);
  // The cluster's backups as the coordinator runs them: what the coordinator's duties (archive
  // bases, uploads) start and publish through, without the HTTP side.
  coordinator::ClusterBackups* cluster() { return backups_.get(); }
  // Pushes a record (its revision bumped) to every master.
  void Publish(proto::Backup& record) { backups_->Publish(record); }
  // With a repository, `backup delete` removes the bucket's copy too, and `backup download`
  // fetches a copy kept only there.
  void set_repository(const Repository* repository) { repository_ = repository; }
  // Remote retention: the masters' replicas go, the repository's copy stays.
  Result<proto::Backup> ReleaseReplicas(const std::string& id);
  void Publish(coordinator::AgentClient& fenced, proto::Backup& record) {
    backups_->PublishWith(fenced, record);
  }

 private:
  // When this agent isn't the coordinator, the reply of the one that is. `repeatable`: see
  // RouteToCoordinator.
  std::optional<http::Reply> ForwardToCoordinator(const http::Request& request,
                                                  bool repeatable = false);
  // The coordinator makes an archive kept on `holder` a READY backup, replicated from there.
  Result<proto::Backup> RegisterImport(const proto::Backup& record, const std::string& holder);
  // The record an imported archive becomes, from what its inspection found.
  Result<proto::Backup> ImportedRecord(const std::string& path, const std::string& label);

  const BackupServiceOptions options_;
  LocalAgent* self_;
  Catalog* catalog_;
  const MastersView* masters_;
  const http::Client* client_;
  coordinator::Election* election_;
  std::unique_ptr<coordinator::ClusterBackups> backups_;
  const Repository* repository_ = nullptr;
};

}  // namespace lockstep::agent
