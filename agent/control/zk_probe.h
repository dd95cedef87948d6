// This master's ZooKeeper server as Exhibitor judged it: `ruok` says whether it is up, `srvr`
// whether it serves and as what (mode, zxid, node count), `mntr` how it is doing (latency,
// outstanding requests, synced followers, data size, version).
#pragma once

#include <chrono>

#include "api/exhibitor_code.h"
#include "engine/zk/zoo_cfg.h"
#include "proto/agent.pb.h"

namespace lockstep::agent {

// Sets code, description, mode, zxid, node_count, is_leader, probed_at and error.
proto::ZkServerStatus ProbeZk(const zk::Endpoint& endpoint, std::chrono::milliseconds timeout);

}  // namespace lockstep::agent
