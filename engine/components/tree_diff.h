// What restoring a backup's subtree would change in the live ensemble, computed without writing
// anything: the live subtree is walked (live_tree.h), then the backup's records are streamed past
// it. Counts are exact; of each kind of change the first kDiffPathLimit paths (by name) are kept,
// so memory stays bounded by the live subtree's paths whatever the backup's size.
#pragma once

#include <cstddef>
#include <string>

#include "common/status.h"
#include "common/zk_client.h"
#include "engine/components/dump.h"
#include "proto/backup.pb.h"

namespace lockstep::components {

inline constexpr size_t kDiffPathLimit = 1000;

// `backup` yields records at or under `live_root` (renamed there already, for --to). Fills the
// counts, paths and `truncated` of a BackupDiff; the caller names the backup and the source.
Result<proto::BackupDiff> DiffSubtree(ZkClient& zk, ZNodeSource& backup,
                                      const std::string& live_root,
                                      size_t path_limit = kDiffPathLimit);

}  // namespace lockstep::components
