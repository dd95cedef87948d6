// The masters as the coordinator sees them when it decides (who serves, who leads, who to lock):
// what backups, restores and schedules all judge, so it lives apart from each of them.
#pragma once

#include <vector>

#include "coordinator/agent_client.h"
#include "proto/agent.pb.h"

namespace lockstep::coordinator {

struct ClusterView {
  std::vector<proto::MasterStatus> masters;
  int voters = 1;
};

// Every master of `view` as a member of an operation, in name order.
std::vector<Member> MembersOf(const ClusterView& view);
// Only the masters whose agent answered the last poll, sorted as MembersOf.
std::vector<Member> ReachableMembersOf(const ClusterView& view);
Member MemberOf(const proto::MasterStatus& master);
// A voter (not an observer) whose agent answers and whose server serves.
bool ServingVoter(const proto::MasterStatus& master);

}  // namespace lockstep::coordinator
