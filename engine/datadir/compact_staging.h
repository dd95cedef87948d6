// Before a restore's outage, turn the staged data into one snapshot.
//
// A backup taken online from a follower is often an old snapshot plus a long transaction log:
// followers write a snapshot only every snapCount transactions. Every server of the restored
// ensemble would replay that log while the cluster is down. CompactStaging lets a scratch
// standalone ZooKeeper load the staged data first - ZooKeeper writes a snapshot of exactly what it
// loaded before it serves - checks that snapshot against what the staging was verified to hold,
// and only then removes the files it supersedes. Any doubt leaves the staging as it was.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/status.h"
#include "common/zxid.h"
#include "engine/zkfmt/data_dir.h"

namespace lockstep::datadir {

inline constexpr uint64_t kCompactMinReplayBytes = 16ull << 20;

struct CompactOptions {
  zkfmt::DataDirs staged;
  Zxid zxid = 0;  // what the staging was verified to hold
  uint64_t node_count = 0;
  std::string java = "/usr/bin/java";
  std::string classpath = "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar";
  std::chrono::milliseconds start_timeout{120000};
  // Less log than this replays faster than a JVM starts: leave it.
  uint64_t min_replay_bytes = kCompactMinReplayBytes;
};

struct CompactResult {
  bool compacted = false;
  std::string detail;         // what was done, or why not
  uint64_t replay_bytes = 0;  // transaction log a server would have replayed at start
  double seconds = 0;
};

// compacted=false with the reason in `detail` when compaction was not needed or did not work out
// (the staging is then untouched); an error Status only when the staging no longer holds the
// verified data, which the caller must treat as a failed staging.
Result<CompactResult> CompactStaging(const CompactOptions& options);

}  // namespace lockstep::datadir
