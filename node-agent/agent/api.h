// The agent's HTTP API: routes, authentication and the mapping of results to HTTP statuses.
//   open:  GET /healthz, GET /metrics, GET /exhibitor/v1/cluster/status
//   token: GET /v1/cluster/status, GET /v1/node/status (what peers poll),
//          POST /v1/nodes/NAME/zk/stop|start|restart (forwarded to NAME's agent)
#pragma once

#include <string>

#include "common/http/client.h"
#include "common/http/message.h"
#include "common/http/server.h"
#include "coordinator/election.h"
#include "node-agent/agent/backup_service.h"
#include "node-agent/agent/restore_service.h"
#include "node-agent/agent/local_node.h"
#include "node-agent/agent/op_lock.h"
#include "node-agent/agent/peer_view.h"
#include "node-agent/agent/schedule_service.h"

namespace lockstep::agent {

struct ApiContext {
  std::string token;
  LocalNode* node = nullptr;
  PeerView* peers = nullptr;
  const http::Client* client = nullptr;
  int voters = 1;
  const http::ServerCounters* server = nullptr;  // for /metrics; set once the server exists
  coordinator::Election* election = nullptr;
  OperationLock* lock = nullptr;
  BackupService* backups = nullptr;
  ScheduleService* schedules = nullptr;
  RestoreService* restores = nullptr;
};

class Api {
 public:
  explicit Api(ApiContext context) : context_(std::move(context)) {}
  void set_server(const http::ServerCounters* server) { context_.server = server; }

  http::Reply Handle(const http::Request& request) const;

 private:
  http::Reply Route(const http::Request& request) const;
  proto::ClusterStatus ClusterStatus() const;
  http::Reply NodeAction(const http::Request& request, const std::string& name,
                         const std::string& action) const;

  ApiContext context_;
};

}  // namespace lockstep::agent
