// The cluster's state composed from this master and its peers' last answers: who leads, how many
// serve, whether there is a quorum; and the same view in Exhibitor's JSON for old monitoring.
#pragma once

#include <string>
#include <vector>

#include "agent/master/local_node.h"
#include "agent/master/peer_view.h"
#include "coordinator/cluster_view.h"
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
// "" when a majority of voters serve; else what an operator reads: "ZooKeeper has no quorum: 1
// of 3 voters serve (not serving: m2, m3)".
std::string WhyNoQuorum(const proto::ClusterStatus& status);

// The masters as this agent sees them: its own server's last probe and its peers' last answers.
// Thread-safe: it only reads the node's and the peers' snapshots.
class MastersView {
 public:
  MastersView(LocalNode* node, PeerView* peers, int voters)
      : node_(node), peers_(peers), voters_(voters) {}
  // `fresh`: probe and ask every peer now (at most one peer timeout) instead of using the last
  // poll, for decisions such as the quorum rule that must not rest on a stale view.
  coordinator::ClusterView View(bool fresh = false) const;
  proto::ClusterStatus Status() const;
  int voters() const { return voters_; }

 private:
  LocalNode* node_;
  PeerView* peers_;
  const int voters_;
};

}  // namespace lockstep::agent
