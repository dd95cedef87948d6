// The archived half of a point-in-time restore, on one master: the chain's segments turned into
// one plain transaction log, log.<base zxid + 1>, dropped into the staged data-log directory
// beside the base backup's data, so that ZooKeeper itself replays it on load (and the staging's
// compaction, when it runs, leaves one snapshot at the target).
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "common/zxid.h"
#include "engine/archiving/segment_store.h"
#include "proto/archiving.pb.h"

namespace lockstep::archiving {

struct ReplayLog {
  std::string path;      // the log written
  uint64_t records = 0;  // transactions in it
  Zxid last = 0;         // its last zxid: the target
};

// Writes the records of `segments` (the chain's, in order, all held by `store`) with
// `covered` < zxid <= `target` into `log_dir`/log.<covered + 1>. Every segment is checked on the
// way (sha256, zxids): Corruption naming the one damaged. FailedPrecondition when the segments
// leave a hole after `covered` or end before `target`. Nothing is left behind on failure.
// `identities` open encrypted segments.
Result<ReplayLog> WriteReplayLog(const SegmentStore& store,
                                 const std::vector<proto::ArchiveSegment>& segments, Zxid covered,
                                 Zxid target, const std::string& log_dir,
                                 const age::Identities& identities = {});

}  // namespace lockstep::archiving
