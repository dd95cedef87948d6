// The cluster's state over HTTP (the route table, routes.cc, lists the paths):
//   open:  GET /healthz, GET /metrics, GET /exhibitor/v1/cluster/status
//   viewer: GET /v1/cluster/status, GET /v1/node/status (what peers poll)
//   admin:  POST /v1/nodes/NAME/zk/stop|start|restart (forwarded to NAME's agent)
// Thread-safe: it reads snapshots from parts that lock for themselves.
#pragma once

#include <functional>
#include <string>

#include "agent/http/router.h"
#include "agent/master/catalog.h"
#include "agent/master/local_agent.h"
#include "agent/master/local_node.h"
#include "agent/master/masters_view.h"
#include "agent/master/peer_view.h"
#include "common/http/client.h"
#include "common/http/message.h"
#include "common/http/server.h"
#include "coordinator/election.h"

namespace lockstep::agent {

struct StatusContext {
  std::string token;  // the cluster credential, for peers
  LocalNode* node = nullptr;
  PeerView* peers = nullptr;
  const MastersView* masters = nullptr;
  const http::Client* client = nullptr;
  coordinator::Election* election = nullptr;
  const LocalAgent* self = nullptr;  // the operation lock's holder
  const Catalog* catalog = nullptr;  // this master's records, for /metrics
  // More /metrics families (the archive's), appended as they come.
  std::function<std::string()> more_metrics;
};

class StatusService {
 public:
  explicit StatusService(StatusContext context) : context_(std::move(context)) {}
  // For /metrics; set once the server exists.
  void set_server(const http::ServerCounters* server) { server_ = server; }

  http::Reply Healthz(const http::Request& request, const PathParams& params) const;
  http::Reply Metrics(const http::Request& request, const PathParams& params) const;
  http::Reply Exhibitor(const http::Request& request, const PathParams& params) const;
  http::Reply Cluster(const http::Request& request, const PathParams& params) const;
  http::Reply Node(const http::Request& request, const PathParams& params) const;
  http::Reply NodeAction(const http::Request& request, const PathParams& params) const;

 private:
  proto::ClusterStatus ClusterStatus() const;

  StatusContext context_;
  const http::ServerCounters* server_ = nullptr;
};

}  // namespace lockstep::agent
