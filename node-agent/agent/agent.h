// lockstep-agent: one per master. Wires the configuration, the ZooKeeper controller, the local
// prober, the peer view and the HTTP API, and runs until SIGTERM or SIGINT.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "common/http/client.h"
#include "common/http/server.h"
#include "coordinator/election.h"
#include "node-agent/agent/api.h"
#include "node-agent/agent/backup_service.h"
#include "node-agent/agent/config.h"
#include "node-agent/agent/local_node.h"
#include "node-agent/agent/op_lock.h"
#include "node-agent/agent/peer_view.h"
#include "node-agent/agent/schedule_service.h"

namespace lockstep::agent {

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

  AgentConfig config_;
  std::unique_ptr<http::Client> client_;
  std::unique_ptr<LocalNode> node_;
  std::unique_ptr<PeerView> peers_;
  std::unique_ptr<coordinator::Election> election_;
  OperationLock lock_;
  std::unique_ptr<BackupService> backups_;
  std::unique_ptr<ScheduleService> schedules_;
  std::unique_ptr<RestoreService> restores_;
  std::mutex duties_mu_;
  std::condition_variable duties_wake_;
  bool duties_stop_ = false;
  std::thread duties_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace lockstep::agent
