// Getting a replica onto this master when an operation needs the archive here (a component or
// spot restore, a diff, an upload, a download): from a peer's agent or the repository, with its
// sha256 checked on the way (ReplicaStore::Fetch).
#pragma once

#include <string>
#include <vector>

#include "agent/master/replica_store.h"
#include "common/status.h"
#include "coordinator/cluster_view.h"
#include "proto/backup.pb.h"

namespace lockstep::agent {

// Where a replica of `record` can come from, best first: the reachable agents of the masters
// recorded as holding one, then the other reachable agents (a replica may have been caught up
// since the record was read), then the repository's copy when it is READY. `self` is left out.
std::vector<std::string> ReplicaSources(const proto::Backup& record,
                                        const coordinator::ClusterView& view,
                                        const std::string& self);

// Ok once `store` holds `record`'s archive with the record's sha256 (a corrupt local copy is
// replaced): fetched from the first of `sources` that serves it. The last failure otherwise.
Status FetchFromAny(ReplicaStore& store, const proto::Backup& record,
                    const std::vector<std::string>& sources);

}  // namespace lockstep::agent
