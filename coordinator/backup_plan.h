// A cluster backup's plan, decided before anything is locked: what it holds (the components
// asked for) and where it is taken (the source master, by the online or offline rule).
// Pure functions over the cluster's view.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "coordinator/cluster_view.h"
#include "proto/agent.pb.h"
#include "proto/backup.pb.h"

namespace lockstep::coordinator {

// What a backup holds: `zookeeper` (the data directory) and app components, by name. Empty
// `names`: zookeeper and every configured app component. InvalidArgument naming an unknown one.
struct ComponentSelection {
  bool zookeeper = false;
  std::vector<proto::ComponentSpec> apps;
};
Result<ComponentSelection> SelectComponents(const std::vector<std::string>& names,
                                            const std::vector<proto::ComponentSpec>& configured);

// The master to archive on. Online: the serving follower with the highest zxid (the leader only
// when the ensemble is standalone). Offline: only when stopping one leaves a quorum
// (serving - 1 >= floor(voters/2) + 1 + margin); a follower, never the leader, preferring one
// other than the coordinator's own master. FailedPrecondition naming the rule and the numbers.
Result<proto::MasterStatus> ChooseSource(const ClusterView& view, const std::string& mode,
                                         const std::string& self, int quorum_margin);

}  // namespace lockstep::coordinator
