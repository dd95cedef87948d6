#include "coordinator/backup_plan.h"

#include <algorithm>

#include "common/zxid.h"

namespace lockstep::coordinator {
namespace {

Zxid ZxidOf(const proto::MasterStatus& master) {
  return ParseHexZxid(master.zk().zxid()).value_or(0);
}

}  // namespace

Result<proto::MasterStatus> ChooseSource(const ClusterView& view, const std::string& mode,
                                         const std::string& self, int quorum_margin) {
  std::vector<proto::MasterStatus> followers;
  int serving = 0;
  for (const auto& master : view.masters) {
    if (!ServingVoter(master)) continue;
    ++serving;
    if (view.voters == 1 && master.zk().mode() == "standalone") return master;
    if (master.zk().mode() == "follower") followers.push_back(master);
  }
  if (mode == "offline") {
    const int majority = view.voters / 2 + 1;
    if (serving - 1 < majority + quorum_margin) {
      return FailedPrecondition(
          "offline backup refused, nothing was stopped: " + std::to_string(serving) + " of " +
          std::to_string(view.voters) + " voters serve; stopping one would leave " +
          std::to_string(serving - 1) + ", and the rule is serving - 1 >= floor(" +
          std::to_string(view.voters) + "/2) + 1" +
          (quorum_margin ? " + margin " + std::to_string(quorum_margin) : std::string()) + " = " +
          std::to_string(majority + quorum_margin) +
          ". Use --mode=online (stops nothing) or bring the other servers back first");
    }
  } else if (mode != "online") {
    return InvalidArgument("--mode must be online or offline, not '" + mode + "'");
  }
  if (followers.empty()) {
    return FailedPrecondition("no serving follower to take the backup from (" +
                              std::to_string(serving) + " of " + std::to_string(view.voters) +
                              " voters serve); `lockstep cluster status` shows why");
  }
  // Closest to the leader first; offline, spare the coordinator's own master when possible.
  std::stable_sort(followers.begin(), followers.end(), [&](const auto& a, const auto& b) {
    if (mode == "offline" && (a.name() == self) != (b.name() == self)) return b.name() == self;
    return ZxidOf(a) > ZxidOf(b);
  });
  return followers.front();
}

Result<ComponentSelection> SelectComponents(const std::vector<std::string>& names,
                                            const std::vector<proto::ComponentSpec>& configured) {
  ComponentSelection selection;
  if (names.empty()) {
    selection.zookeeper = true;
    selection.apps = configured;
    return selection;
  }
  for (const auto& name : names) {
    if (name == "zookeeper") {
      selection.zookeeper = true;
      continue;
    }
    auto it = std::find_if(configured.begin(), configured.end(),
                           [&](const auto& c) { return c.name() == name; });
    if (it == configured.end()) {
      std::string known = "zookeeper";
      for (const auto& c : configured) known += ", " + c.name();
      return InvalidArgument("unknown component '" + name + "': the cluster has " + known);
    }
    if (std::none_of(selection.apps.begin(), selection.apps.end(),
                     [&](const auto& c) { return c.name() == name; })) {
      selection.apps.push_back(*it);
    }
  }
  return selection;
}

}  // namespace lockstep::coordinator
