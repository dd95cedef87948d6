// The restore half of the agent's API:
//   POST /v1/backups/ID/restore            body RestoreRequest; 202 with the restore's record,
//                                          or 200 with the plan for a dry run. `zookeeper`
//                                          (the whole ensemble) is restored on its own; app
//                                          components (all of the backup's when none is named)
//                                          are restored online by the coordinator
//   GET  /v1/internal/restores             this master's restore journals
//   POST /v1/internal/restores/ID/STEP     stage | stop | swap | start | finish | rollback
// The coordinator drives a restore; when ZooKeeper is down everywhere there is no coordinator,
// and the agent the request reached drives it instead, under the same all-agents lock. Every
// agent also settles, periodically, a restore its journals show unfinished once the lock that
// protected it has lapsed (its driver died).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/http/client.h"
#include "common/http/message.h"
#include "coordinator/election.h"
#include "coordinator/restores.h"
#include "node-agent/agent/backup_service.h"
#include "node-agent/agent/component_restores.h"
#include "node-agent/agent/node_restore.h"
#include "node-agent/agent/op_lock.h"
#include "node-agent/local/compact_staging.h"

namespace lockstep::agent {

struct RestoreServiceOptions {
  std::string store_dir;
  std::string token;
  zk::ZooCfg zoo_cfg;
  uint32_t rollback_keep = 0;
  local::CompactOptions compact;  // java, classpath and threshold; dirs and zxid come per restore
  coordinator::RestoreSettings settings;
  std::string zk_connect;  // the ensemble's client addresses
  std::vector<ComponentConfig> components;  // app components and their hooks
};

class RestoreService {
 public:
  RestoreService(RestoreServiceOptions options, BackupService* backups, LocalNode* node,
                 const http::Client* client, coordinator::Election* election,
                 OperationLock* lock);
  Status Open();

  std::optional<http::Reply> Handle(const http::Request& request,
                                    const std::vector<std::string>& parts);
  // Restores this master's journals show unfinished, with no lock held here: settled.
  void SettleOrphans();

 private:
  http::Reply Restore(const http::Request& request, const std::string& backup_id);
  http::Reply Step(const http::Request& request, const std::string& restore_id,
                   const std::string& step);
  // The coordinator's reply when there is one to ask; nullopt: drive the restore here.
  std::optional<http::Reply> RouteToDriver(const http::Request& request);

  const RestoreServiceOptions options_;
  BackupService* backups_;
  const http::Client* client_;
  coordinator::Election* election_;
  OperationLock* lock_;
  NodeRestore node_restore_;
  std::unique_ptr<coordinator::Restores> restores_;
  std::unique_ptr<ComponentRestores> components_;
};

}  // namespace lockstep::agent
