#include "agent/master/replica_sources.h"

#include <algorithm>

namespace lockstep::agent {
namespace {

bool HoldsReplica(const proto::Backup& record, const std::string& master) {
  return std::any_of(record.replicas().begin(), record.replicas().end(),
                     [&](const proto::Replica& replica) { return replica.master() == master; });
}

}  // namespace

std::vector<std::string> ReplicaSources(const proto::Backup& record,
                                        const coordinator::ClusterView& view,
                                        const std::string& self) {
  std::vector<std::string> holders, others;
  for (const auto& master : view.masters) {
    if (master.name() == self || !master.agent_reachable()) continue;
    (HoldsReplica(record, master.name()) ? holders : others).push_back(master.address());
  }
  holders.insert(holders.end(), others.begin(), others.end());
  if (record.remote().status() == proto::STATUS_READY && !record.remote().url().empty()) {
    holders.push_back(record.remote().url());
  }
  return holders;
}

Status FetchFromAny(ReplicaStore& store, const proto::Backup& record,
                    const std::vector<std::string>& sources) {
  Status last = NotFound("no other master or repository holds a replica of " + record.id());
  for (const auto& source : sources) {
    proto::FetchRequest fetch;
    fetch.set_id(record.id());
    fetch.set_from_url(source);
    fetch.set_sha256(record.sha256());
    fetch.set_size_bytes(record.size_bytes());
    last = store.Fetch(fetch);
    if (last.ok()) return last;
  }
  return last;
}

}  // namespace lockstep::agent
