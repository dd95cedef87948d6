// Catching up the copies a backup missed: a master whose agent did not answer while the backup was
// taken (paused, partitioned, stopped) has no replica of it; once it answers again, it fetches the
// archive from a master that holds one (the sha256 checked there) and joins the record. The
// coordinator runs this as a duty (ClusterBackups::CatchUp), one fetch at a time in the
// background; a failed one is tried again with backoff. A backup kept only in the repository (no
// replica left, by remote retention or after a disaster) is not brought back to the masters.
#pragma once

#include <cstdint>
#include <optional>

#include "coordinator/cluster_view.h"
#include "proto/backup.pb.h"

namespace lockstep::coordinator {

struct CatchUpFetch {
  proto::MasterStatus from;  // holds a replica and answers
  proto::MasterStatus to;    // lacks one and answers
};

// The next copy `record` is missing in `view`: the first answering master without a replica (by
// name) and the first answering holder. nullopt when the record has every copy it should (one on
// each master, or `replicas` of them when that is set), is not READY, is deleted, has no replica
// at all, or no laggard or holder answers.
std::optional<CatchUpFetch> NextCatchUp(const proto::Backup& record, const ClusterView& view,
                                        uint32_t replicas);

}  // namespace lockstep::coordinator
