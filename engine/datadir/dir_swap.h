// DirSwap: puts staged directories in place of live ones, all or none. Each live directory is
// exchanged with its staging directory (so the live name always exists), then the old data is
// renamed to its rollback name. If any step fails, the steps already taken are undone in reverse
// order, leaving every live directory as it was.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/fs.h"
#include "common/status.h"

namespace lockstep::datadir {

struct SwapTarget {
  std::string live;      // e.g. /var/lib/zookeeper
  std::string staging;   // the verified new contents
  std::string rollback;  // where the previous contents go
};

struct SwapOutcome {
  std::vector<std::string> rollbacks;  // rollback dirs created (targets that existed)
};

Result<SwapOutcome> SwapDirectories(Filesystem& fs, const std::vector<SwapTarget>& targets);

}  // namespace lockstep::datadir
