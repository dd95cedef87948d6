// The backup half of the agent's API, public and internal:
//   POST /v1/backups, DELETE /v1/backups/ID      (run by the coordinator; forwarded to it)
//   GET /v1/backups[?prefix=P], GET /v1/backups/ID (the catalog merged from every master)
//   GET /v1/backups/ID/archive                   (streamed from this master's replica)
//   /v1/internal/lock[/release], /v1/internal/catalog[/ID], /v1/internal/backups/ID/…
// Records live in STORE/catalog on every master; archives in STORE/backups.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/http/client.h"
#include "common/http/message.h"
#include "coordinator/agent_client.h"
#include "coordinator/backups.h"
#include "coordinator/election.h"
#include "node-agent/agent/local_node.h"
#include "node-agent/agent/node_backups.h"
#include "node-agent/agent/op_lock.h"
#include "node-agent/agent/peer_view.h"
#include "node-agent/agent/record_store.h"
#include "node-agent/zk/zoo_cfg.h"

namespace lockstep::agent {

struct BackupServiceOptions {
  std::string store_dir;
  std::string token;
  std::chrono::milliseconds peer_timeout{1000};
  zk::ZooCfg zoo_cfg;
  int voters = 1;
  coordinator::BackupSettings settings;
  bool allow_crash_points = false;
  std::string java = "/usr/bin/java";  // for deep verification
  std::string classpath = "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar";
};

class BackupService {
 public:
  BackupService(BackupServiceOptions options, LocalNode* node, PeerView* peers,
                const http::Client* client, coordinator::Election* election, OperationLock* lock);
  Status Open();

  // The reply for a backup route, or nullopt when `request` is not one.
  std::optional<http::Reply> Handle(const http::Request& request,
                                    const std::vector<std::string>& parts);
  // Every master's catalog merged (the highest revision of each record), tombstones dropped.
  std::vector<proto::Backup> Catalog();
  // This master's copy only (fast, no network): for /metrics.
  std::vector<proto::Backup> LocalCatalog() const { return catalog_.All(); }
  // On the coordinator, periodically: backups whose coordinator was lost end STATUS_ERROR.
  void RecoverInterrupted(const std::vector<proto::Backup>& catalog);
  coordinator::ClusterView View(bool fresh = false) const;
  // Coordinator only (the scheduler): start a backup, delete one from every master.
  Result<proto::Backup> StartBackup(const proto::CreateBackupRequest& request);
  Result<proto::Backup> DeleteBackup(const std::string& id);
  coordinator::AgentClient& agents() { return agents_; }
  NodeBackups& archives() { return archives_; }
  Result<proto::Backup> FindBackup(const std::string& id) { return Find(id); }
  // Pushes a record (its revision bumped) to every master.
  void Publish(proto::Backup& record) { backups_->Publish(record); }
  // Where uploads land: the archives' directory, so keeping one is a rename.
  const std::string& upload_dir() const { return archives_.dir(); }

 private:
  http::Reply Create(const http::Request& request);
  http::Reply Delete(const http::Request& request, const std::string& id);
  http::Reply Show(const std::string& id);
  http::Reply List(const http::Request& request);
  http::Reply Archive(const std::string& id);
  http::Reply Import(const http::Request& request);
  http::Reply Register(const http::Request& request);
  http::Reply Verify(const http::Request& request, const std::string& id);
  // Asks `master` (this agent directly when it is this one) for an internal JSON reply.
  Status AskMaster(const proto::MasterStatus& master, const std::string& method,
                   const std::string& path, google::protobuf::Message* reply,
                   std::chrono::milliseconds timeout);
  std::optional<http::Reply> Internal(const http::Request& request,
                                      const std::vector<std::string>& parts);
  // When this agent isn't the coordinator, the reply of the one that is.
  std::optional<http::Reply> ForwardToCoordinator(const http::Request& request);
  Result<proto::Backup> Find(const std::string& id);

  const BackupServiceOptions options_;
  LocalNode* node_;
  PeerView* peers_;
  const http::Client* client_;
  coordinator::Election* election_;
  OperationLock* lock_;
  RecordStore<proto::Backup> catalog_;
  NodeBackups archives_;
  coordinator::HttpAgentClient agents_;
  std::unique_ptr<coordinator::Backups> backups_;
};

}  // namespace lockstep::agent
