#include "agent/master/masters_view.h"

#include <algorithm>

#include "agent/control/zk_probe.h"
#include "proto/json.h"

namespace lockstep::agent {
namespace {

// The masters whose server serves as a voter (an observer serves but does not vote).
int ServingVoters(const proto::ClusterStatus& cluster) {
  int serving = 0;
  for (const auto& master : cluster.masters()) {
    if (master.zk().code() == api::kServing && master.zk().mode() != "observer") ++serving;
  }
  return serving;
}

}  // namespace

proto::ClusterStatus ComposeClusterStatus(const proto::MasterStatus& self,
                                          const std::vector<proto::MasterStatus>& peers,
                                          int voters) {
  proto::ClusterStatus cluster;
  std::vector<proto::MasterStatus> masters = peers;
  masters.push_back(self);
  std::sort(masters.begin(), masters.end(),
            [](const auto& a, const auto& b) { return a.name() < b.name(); });
  for (auto& master : masters) {
    const auto& zk = master.zk();
    if (zk.code() == api::kServing) cluster.set_serving(cluster.serving() + 1);
    if (zk.code() == api::kServing && zk.is_leader()) {
      cluster.set_leaders(cluster.leaders() + 1);
      cluster.set_leader(master.name());
    }
    *cluster.add_masters() = std::move(master);
  }
  if (cluster.leaders() != 1) cluster.clear_leader();
  cluster.set_voters(voters);
  cluster.set_quorum(voters > 0 && ServingVoters(cluster) >= voters / 2 + 1);
  cluster.set_answered_by(self.name());
  return cluster;
}

std::string ExhibitorStatusJson(const proto::ClusterStatus& status) {
  std::string json = "[";
  for (const auto& master : status.masters()) {
    proto::ExhibitorServerStatus entry;
    entry.set_hostname(master.hostname());
    entry.set_code(master.zk().code());
    entry.set_description(master.zk().description());
    entry.set_isleader(master.zk().code() == api::kServing && master.zk().is_leader());
    if (json.size() > 1) json += ",";
    json += proto::ToCompactJson(entry);
  }
  return json + "]";
}

bool Healthy(const proto::ClusterStatus& status) {
  return status.quorum() && status.leaders() == 1;
}

std::string WhyNoQuorum(const proto::ClusterStatus& status) {
  if (status.quorum()) return "";
  std::string down;
  for (const auto& master : status.masters()) {
    if (master.zk().code() != api::kServing) down += (down.empty() ? "" : ", ") + master.name();
  }
  return "ZooKeeper has no quorum: " + std::to_string(ServingVoters(status)) + " of " +
         std::to_string(status.voters()) + " voters serve" +
         (down.empty() ? "" : " (not serving: " + down + ")");
}

proto::ClusterStatus MastersView::Status() const {
  return ComposeClusterStatus(node_->Snapshot(), peers_->Snapshot(), voters_);
}

coordinator::ClusterView MastersView::View(bool fresh) const {
  if (fresh) {
    node_->Refresh();
    peers_->RefreshAll();
  }
  const proto::ClusterStatus status = Status();
  coordinator::ClusterView view;
  view.voters = voters_;
  view.masters.assign(status.masters().begin(), status.masters().end());
  return view;
}

}  // namespace lockstep::agent
