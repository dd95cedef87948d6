// Makes a live znode subtree equal to a backup's (a component's dump, or a subtree of a full
// backup) without stopping anything: nodes missing are created (parents first: the dump is
// breadth first), nodes present get the backup's data and ACL, nodes the backup lacks are deleted
// (children first). Writes go in `multi` batches; ACLs, which `multi` can't set, one by one and
// only where they differ. Ephemeral nodes in the dump are not restored. Running it again after an
// interruption finishes the job.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "common/zk_client.h"
#include "engine/components/dump.h"

namespace lockstep::components {

struct SubtreeRestoreStats {
  uint64_t created = 0;
  uint64_t updated = 0;  // data or ACL differed
  uint64_t unchanged = 0;
  uint64_t deleted = 0;
  uint64_t ephemeral_skipped = 0;
};

// `dump`'s records must lie at or under `root` and carry their data (not digests).
Result<SubtreeRestoreStats> RestoreSubtree(ZkClient& zk, ZNodeSource& dump,
                                           const std::string& root);

}  // namespace lockstep::components
