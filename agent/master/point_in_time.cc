#include "agent/master/point_in_time.h"

#include <algorithm>
#include <map>

#include "api/names.h"
#include "common/clock.h"
#include "engine/archiving/chain.h"
#include "engine/archiving/chain_view.h"

namespace lockstep::agent {
namespace {

Result<archiving::Target> TargetOf(const proto::RestoreRequest& request) {
  archiving::Target target;
  if (request.latest()) target.latest = true;
  if (!request.to_zxid().empty()) {
    target.zxid = ParseHexZxid(request.to_zxid());
    if (!target.zxid || !request.to_zxid().starts_with("0x")) {
      return InvalidArgument("--to-zxid '" + request.to_zxid() +
                             "' is not a zxid: write it as ZooKeeper does, 0x followed by hex");
    }
  }
  if (!request.to_time().empty()) {
    std::optional<Clock::WallTimePoint> when = ParseUtcTimestamp(request.to_time());
    if (!when) {
      return InvalidArgument("--to-time '" + request.to_time() +
                             "' is not a UTC time: write it as 2026-12-01T10:42:00Z");
    }
    target.time_ms = UnixMillis(*when);
  }
  return target;
}

// The exact time of `zxid`'s transaction in `segment` (the segment's bounds when it is not there).
int64_t TimeOfZxid(const archiving::SegmentStore& store, const archiving::Segment& segment,
                   Zxid zxid, const age::Identities& identities) {
  int64_t time_ms = segment.info.last_time_ms;
  (void)archiving::ReadSegment(
      store.PathOf(segment.id), segment.info,
      [&](const zkfmt::TxnRecord& txn) {
        if (txn.zxid == zxid) time_ms = txn.time_ms;
      },
      identities);
  return time_ms;
}

}  // namespace

bool IsPointInTime(const proto::RestoreRequest& request) {
  return request.latest() || !request.to_zxid().empty() || !request.to_time().empty();
}

Status CheckPointInTime(const proto::RestoreRequest& request) {
  const int targets = (request.latest() ? 1 : 0) + (request.to_zxid().empty() ? 0 : 1) +
                      (request.to_time().empty() ? 0 : 1);
  if (targets != 1) {
    return InvalidArgument(
        "a point-in-time restore takes exactly one of --to-zxid, --to-time "
        "and --latest");
  }
  if (!request.path().empty() || !request.to().empty()) {
    return InvalidArgument("a point-in-time restore replaces the whole ensemble: leave out --path");
  }
  for (const auto& component : request.components()) {
    if (component != "zookeeper") {
      return InvalidArgument("a point-in-time restore is of --component zookeeper only, not '" +
                             component + "'");
    }
  }
  if (!request.base().empty()) RETURN_IF_ERROR(api::CheckBackupId(request.base()));
  return TargetOf(request).status();
}

Result<PointInTimeChoice> ChoosePointInTime(const proto::RestoreRequest& request,
                                            const std::vector<proto::Backup>& catalog,
                                            const archiving::SegmentStore& store,
                                            const age::Identities& identities) {
  ASSIGN_OR_RETURN(archiving::Target target, TargetOf(request));
  std::vector<archiving::Base> bases = archiving::BasesOf(catalog);
  if (!request.base().empty()) {
    std::erase_if(bases, [&](const archiving::Base& base) { return base.id != request.base(); });
    if (bases.empty()) {
      return NotFound("backup " + request.base() +
                      " is not a READY backup holding zookeeper: it can't be a base");
    }
  }
  const std::vector<proto::ArchiveSegment> records = store.List();
  const std::vector<archiving::Segment> segments = archiving::SegmentsOf(records);
  archiving::TimeLookup lookup = [&store, &identities](
                                     const archiving::Segment& segment,
                                     int64_t time_ms) -> Result<std::optional<Zxid>> {
    std::optional<Zxid> last;
    RETURN_IF_ERROR(archiving::ReadSegment(
        store.PathOf(segment.id), segment.info,
        [&](const zkfmt::TxnRecord& txn) {
          if (txn.time_ms <= time_ms) last = txn.zxid;
        },
        identities));
    return last;
  };
  ASSIGN_OR_RETURN(archiving::PointInTimePlan plan,
                   archiving::PlanPointInTime(bases, segments, target, lookup));
  std::map<std::string, const proto::ArchiveSegment*> by_id;
  for (const auto& record : records) by_id[record.id()] = &record;
  PointInTimeChoice choice;
  choice.base_id = plan.base.id;
  for (const auto& segment : plan.segments) choice.pit.segments.push_back(*by_id.at(segment.id));
  choice.pit.target_zxid = FormatZxid(plan.target_zxid);
  choice.pit.target_time =
      UtcTimestampWithMillis(plan.segments.empty() ? plan.base.time_ms
                                                   : TimeOfZxid(store, plan.segments.back(),
                                                                plan.target_zxid, identities));
  choice.pit.beyond_archive = plan.beyond_archive;
  Zxid archive_end = 0;
  for (const auto& segment : segments) archive_end = std::max(archive_end, segment.info.last_zxid);
  if (archive_end > plan.target_zxid && (target.latest || plan.beyond_archive)) {
    choice.pit.unreachable = "the archive also holds transactions up to " +
                             FormatZxid(archive_end) +
                             " that no base backup reaches (after a break): they cannot be "
                             "restored";
  }
  return choice;
}

}  // namespace lockstep::agent
