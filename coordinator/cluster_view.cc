#include "coordinator/cluster_view.h"

#include <algorithm>

#include "api/exhibitor_code.h"

namespace lockstep::coordinator {

Member MemberOf(const proto::MasterStatus& master) { return {master.name(), master.address()}; }

std::vector<Member> MembersOf(const ClusterView& view) {
  std::vector<Member> members;
  for (const auto& master : view.masters) members.push_back(MemberOf(master));
  std::sort(members.begin(), members.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return members;
}

std::vector<Member> ReachableMembersOf(const ClusterView& view) {
  ClusterView reachable = view;
  std::erase_if(reachable.masters, [](const auto& master) { return !master.agent_reachable(); });
  return MembersOf(reachable);
}

bool ServingVoter(const proto::MasterStatus& master) {
  return master.agent_reachable() && master.zk().code() == api::kServing &&
         master.zk().mode() != "observer";
}

}  // namespace lockstep::coordinator
