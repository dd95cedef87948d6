// lockstep-agent: one per master. Wires the configuration, the ZooKeeper controller, the local
// prober, the peer view and the HTTP API, and runs until SIGTERM or SIGINT.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "agent/config/config.h"
#include "agent/config/credentials.h"
#include "agent/config/zk_auth.h"
#include "agent/http/api.h"
#include "agent/http/archive_api.h"
#include "agent/http/audit_service.h"
#include "agent/http/backup_service.h"
#include "agent/http/dcos_api.h"
#include "agent/http/dcos_backend.h"
#include "agent/http/internal_api.h"
#include "agent/http/restore_service.h"
#include "agent/http/schedule_service.h"
#include "agent/http/status_service.h"
#include "agent/http/verify_service.h"
#include "agent/master/audit_log.h"
#include "agent/master/bucket_catalog.h"
#include "agent/master/catalog.h"
#include "agent/master/local_agent.h"
#include "agent/master/local_node.h"
#include "agent/master/masters_view.h"
#include "agent/master/peer_view.h"
#include "agent/offsite/bucket_archive.h"
#include "agent/offsite/bucket_shipper.h"
#include "agent/offsite/peer_shipper.h"
#include "common/http/client.h"
#include "common/http/server.h"
#include "coordinator/duties/agent_clients.h"
#include "coordinator/duties/archive_duty.h"
#include "coordinator/duties/drill_runs.h"
#include "coordinator/duties/uploads.h"
#include "coordinator/election.h"

namespace lockstep::agent {

// Begin/End from the owning thread only; the coordinator-duties thread waits on its own mutex.
class Agent {
 public:
  static Result<std::unique_ptr<Agent>> Create(AgentConfig config);
  ~Agent();

  // Starts ZooKeeper (unless in maintenance), the pollers and the server.
  Status Begin();
  // Stops serving; the controller stops ZooKeeper if it owns it.
  void End();
  uint16_t port() const { return server_ ? server_->port() : 0; }

 private:
  explicit Agent(AgentConfig config) : config_(std::move(config)) {}
  void CoordinatorDuties();
  // The services and the route table over them, once the parts they use exist.
  void WireServices(Credentials credentials, const std::string& zk_connect);
  // This master's segment store and archiver (docs/design.md "Continuous archiving").
  Status OpenArchive(const zk::ZooCfg& zoo_cfg, const std::string& token);

  AgentConfig config_;
  std::vector<ZkAuth> zk_auth_;  // [zookeeper] auth_file
  std::unique_ptr<http::Client> client_;
  std::unique_ptr<LocalNode> node_;
  std::unique_ptr<PeerView> peers_;
  std::unique_ptr<coordinator::Election> election_;
  std::unique_ptr<MastersView> masters_;
  std::unique_ptr<LocalAgent> self_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<AgentClients> agents_;
  std::unique_ptr<Repository> repository_;  // with [repository] only
  std::unique_ptr<Uploads> uploads_;
  std::unique_ptr<BucketCatalog> bucket_catalog_;  // with [repository] only
  std::unique_ptr<BackupService> backups_;
  std::unique_ptr<ScheduleService> schedules_;
  std::unique_ptr<DiffService> diffs_;
  std::unique_ptr<RestoreService> restores_;
  std::unique_ptr<VerifyService> verifications_;
  std::unique_ptr<Drills> drills_;
  std::unique_ptr<InternalApi> internal_;
  std::unique_ptr<PeerShipper> shipper_;
  std::unique_ptr<BucketShipper> bucket_shipper_;  // with [repository] only
  std::unique_ptr<BucketArchive> bucket_archive_;  // with [repository] only
  std::unique_ptr<archiving::Archiver> archiver_;
  std::unique_ptr<ArchiveDuty> archive_duty_;
  std::unique_ptr<ArchiveApi> archive_api_;
  std::unique_ptr<DcosBackend> dcos_backend_;
  std::unique_ptr<DcosBackupApi> dcos_api_;
  std::unique_ptr<StatusService> status_;
  std::unique_ptr<AuditLog> audit_log_;
  UnauthenticatedRefusals refusals_;
  std::unique_ptr<AuditService> audit_;
  std::mutex duties_mu_;
  std::condition_variable duties_wake_;
  bool duties_stop_ = false;
  std::thread duties_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace lockstep::agent
