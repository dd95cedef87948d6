// The cluster's state composed from this master and its peers' last answers: who leads, how many
// serve, whether there is a quorum; and the same view in Exhibitor's JSON for old monitoring.
#pragma once

#include <string>
#include <vector>

#include "proto/agent.pb.h"

namespace lockstep::agent {

// `voters`: the ensemble's voting members (zoo.cfg's participants). Masters come out sorted by
// name; `answered_by` names this master.
proto::ClusterStatus ComposeClusterStatus(const proto::MasterStatus& self,
                                          const std::vector<proto::MasterStatus>& peers,
                                          int voters);

// Exhibitor's `GET /exhibitor/v1/cluster/status` body: [{hostname, code, description,
// isLeader}, …], one entry per master.
std::string ExhibitorStatusJson(const proto::ClusterStatus& status);

// True when there is a quorum and exactly one leader: what `lockstep cluster status` exits 0 on.
bool Healthy(const proto::ClusterStatus& status);

}  // namespace lockstep::agent
