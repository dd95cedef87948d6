// Chains and point-in-time targets (docs/design.md "Continuous archiving"). A chain is a base
// backup continued by segments without a hole: each segment starts right after what is covered so
// far (overlaps are harmless: a restore replays them idempotently, as ZooKeeper replays a fuzzy
// snapshot's log) or at the first transaction of a newer epoch, the rule the log verifier uses
// (zkfmt/data_dir.h). A target (a zxid, a moment, or the latest) is resolved against the bases
// and segments to the newest base at or before it and the segments up to it; when the chain
// breaks before the target, the error says where and what the newest restorable point is.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/zxid.h"
#include "engine/archiving/segment.h"

namespace lockstep::archiving {

struct Base {
  std::string id;       // the backup's
  Zxid zxid = 0;        // its data's last zxid
  int64_t time_ms = 0;  // when it was taken
};

struct Segment {
  std::string id;
  SegmentInfo info;
  // The zxid the segment was proven to follow (proto::ArchiveSegment::follows_zxid); unknown
  // for segments described only by their zxids, which then follow by Follows.
  std::optional<Zxid> follows;
};

struct Target {
  std::optional<Zxid> zxid;
  std::optional<int64_t> time_ms;  // the last transaction proposed at or before it
  bool latest = false;
};

struct PointInTimePlan {
  Base base;
  std::vector<Segment> segments;  // in order; the last one is cut at target_zxid
  Zxid target_zxid = 0;
  int64_t target_time_ms = 0;  // the leader's clock at target_zxid (the base's time if none)
  // --to-time later than the last archived transaction: the target is the chain's end, and
  // nothing says whether the ensemble wrote more before the moment asked for.
  bool beyond_archive = false;
};

// True when a transaction `next` may follow `previous` with nothing lost between them.
bool Follows(Zxid previous, Zxid next);

// True when `segment` continues an archive that holds every transaction through `covered` with
// nothing lost: it starts at or before the next zxid, or past an epoch change it was proven to
// follow `covered` (only the archiver's proof tells a leader change from a hole; a segment
// without one follows by Follows).
bool Joins(const Segment& segment, Zxid covered);

// Where the chain of `base` (ContinuationOf) ends: its last zxid, and that transaction's time
// (the base's own when no segment continues it).
Zxid EndOf(const Base& base, const std::vector<Segment>& chain);
int64_t EndTimeOf(const Base& base, const std::vector<Segment>& chain);

// The segments continuing `base` without a hole, in order (`segments` in any order); the first
// segment that would leave a hole ends it.
std::vector<Segment> ContinuationOf(const Base& base, std::vector<Segment> segments);

// The last zxid of a segment whose transaction time is at or before a moment; nullopt when its
// first transaction is already later. ReadSegment over the stored file does it for real.
using TimeLookup =
    std::function<Result<std::optional<Zxid>>(const Segment& segment, int64_t time_ms)>;

// FailedPrecondition (exit 2's family: the target can't be reached) naming why: no base at or
// before the target, or the chain ending (or breaking) before it, with the newest point that can
// be restored.
Result<PointInTimePlan> PlanPointInTime(const std::vector<Base>& bases,
                                        const std::vector<Segment>& segments, const Target& target,
                                        const TimeLookup& lookup);

// The real TimeLookup: reads the segment in `dir` (as `dir`/ID) and finds the moment's zxid.
TimeLookup SegmentFilesLookup(std::string dir);

}  // namespace lockstep::archiving
