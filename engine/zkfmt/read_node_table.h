// Rebuilding a data directory's tree, data and ACLs included, as ZooKeeper would load it: the
// restorable set (data_dir.h: the newest valid snapshot and the logs after it, checked for
// continuity) is chosen first, then read again into a NodeTable, its logs replayed up to the
// set's last zxid.
#pragma once

#include "common/status.h"
#include "engine/zkfmt/data_dir.h"
#include "engine/zkfmt/node_table.h"

namespace lockstep::zkfmt {

// Corruption naming the first fatal problem when the files hold no restorable set.
Result<NodeTable> ReadNodeTable(const DataDirs& dirs, NodeTableOptions options = {});

}  // namespace lockstep::zkfmt
