#include "agent/master/point_in_time.h"

#include <algorithm>
#include <map>

#include "api/restore_request.h"
#include "common/clock.h"
#include "engine/archiving/chain.h"
#include "engine/archiving/chain_view.h"

namespace lockstep::agent {
namespace {

Result<archiving::Target> TargetOf(const proto::RestoreRequest& request) {
  ASSIGN_OR_RETURN(api::RestoreTarget parsed, api::RestoreTargetOf(request));
  return archiving::Target{.zxid = parsed.zxid, .time_ms = parsed.time_ms, .latest = parsed.latest};
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
  choice.pit.target_zxid = plan.target_zxid;
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
