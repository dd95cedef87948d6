// `GET /metrics`: the agent's view in Prometheus text format (exposition format 0.0.4).
#pragma once

#include <string>
#include <vector>

#include "agent/control/controller.h"
#include "common/http/server.h"
#include "proto/agent.pb.h"
#include "proto/backup.pb.h"

namespace lockstep::agent {

std::string RenderMetrics(const proto::ClusterStatus& cluster, const std::string& self,
                          const control::ZkController& controller,
                          const http::ServerCounters* server,
                          const std::vector<proto::Backup>& catalog);

}  // namespace lockstep::agent
