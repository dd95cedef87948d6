#include "engine/archiving/chain.h"

#include <algorithm>

#include "common/clock.h"

namespace lockstep::archiving {
namespace {

// Why the chain of `base` stops at its end: a hole before the next segment, or nothing after.
std::string WhyItEnds(const Base& base, const std::vector<Segment>& chain,
                      const std::vector<Segment>& all) {
  const Zxid end = EndOf(base, chain);
  std::optional<Zxid> next;
  for (const auto& segment : all) {
    if (segment.info.first_zxid > end && (!next || segment.info.first_zxid < *next)) {
      next = segment.info.first_zxid;
    }
  }
  std::string why = "the chain of base " + base.id + " ends at " + FormatZxid(end) + " (" +
                    UtcTimestampOfMillis(EndTimeOf(base, chain)) + ")";
  if (next) {
    why += "; the next archived transaction is " + FormatZxid(*next) +
           ": the transactions between were lost to the archive (a break)";
  }
  return why;
}

// The chain's segments up to the one holding `target`.
std::vector<Segment> UpTo(const std::vector<Segment>& chain, Zxid target) {
  std::vector<Segment> used;
  for (const auto& segment : chain) {
    if (segment.info.first_zxid > target) break;
    used.push_back(segment);
  }
  return used;
}

Result<PointInTimePlan> PlanToZxid(const Base& base, const std::vector<Segment>& chain,
                                   Zxid target) {
  PointInTimePlan plan;
  plan.base = base;
  plan.segments = UpTo(chain, target);
  plan.target_zxid = target;
  plan.target_time_ms = base.time_ms;
  // The exact time is known for a segment's last transaction; inside one, the caller resolves
  // it while cutting. The segment's last time bounds it.
  if (!plan.segments.empty()) {
    const SegmentInfo& last = plan.segments.back().info;
    plan.target_time_ms = target >= last.last_zxid ? last.last_time_ms : last.first_time_ms;
  }
  return plan;
}

Result<PointInTimePlan> PlanToTime(const Base& base, const std::vector<Segment>& chain,
                                   int64_t time_ms, const TimeLookup& lookup) {
  PointInTimePlan plan;
  plan.base = base;
  plan.target_zxid = base.zxid;
  plan.target_time_ms = base.time_ms;
  for (const auto& segment : chain) {
    if (segment.info.first_time_ms > time_ms) break;
    if (segment.info.last_time_ms <= time_ms) {
      plan.segments.push_back(segment);
      plan.target_zxid = segment.info.last_zxid;
      plan.target_time_ms = segment.info.last_time_ms;
      continue;
    }
    ASSIGN_OR_RETURN(std::optional<Zxid> inside, lookup(segment, time_ms));
    if (inside && *inside > plan.target_zxid) {
      plan.segments.push_back(segment);
      plan.target_zxid = *inside;
      plan.target_time_ms = time_ms;
    }
    break;
  }
  plan.beyond_archive = time_ms > EndTimeOf(base, chain);
  return plan;
}

}  // namespace

Zxid EndOf(const Base& base, const std::vector<Segment>& chain) {
  return chain.empty() ? base.zxid : std::max(base.zxid, chain.back().info.last_zxid);
}

int64_t EndTimeOf(const Base& base, const std::vector<Segment>& chain) {
  return chain.empty() ? base.time_ms : chain.back().info.last_time_ms;
}

bool Follows(Zxid previous, Zxid next) {
  return next == previous + 1 || ZxidEpoch(next) > ZxidEpoch(previous);
}

bool Joins(const Segment& segment, Zxid covered) {
  if (segment.info.first_zxid <= covered + 1) return true;
  return segment.follows ? *segment.follows == covered : Follows(covered, segment.info.first_zxid);
}

std::vector<Segment> ContinuationOf(const Base& base, std::vector<Segment> segments) {
  std::sort(segments.begin(), segments.end(), [](const Segment& a, const Segment& b) {
    return a.info.first_zxid < b.info.first_zxid;
  });
  std::vector<Segment> chain;
  Zxid covered = base.zxid;
  for (auto& segment : segments) {
    if (segment.info.last_zxid <= covered) continue;  // wholly inside what is covered
    if (!Joins(segment, covered)) break;              // a hole
    covered = segment.info.last_zxid;
    chain.push_back(std::move(segment));
  }
  return chain;
}

Result<PointInTimePlan> PlanPointInTime(const std::vector<Base>& bases,
                                        const std::vector<Segment>& segments, const Target& target,
                                        const TimeLookup& lookup) {
  std::vector<Base> newest_first = bases;
  std::sort(newest_first.begin(), newest_first.end(),
            [](const Base& a, const Base& b) { return a.zxid > b.zxid; });
  if (newest_first.empty()) {
    return FailedPrecondition(
        "no base backup: a point-in-time restore starts from one "
        "(`lockstep backup create`)");
  }
  std::string why_not;
  for (const Base& base : newest_first) {
    const std::vector<Segment> chain = ContinuationOf(base, segments);
    if (target.latest) return PlanToZxid(base, chain, EndOf(base, chain));
    if (target.zxid) {
      if (base.zxid > *target.zxid) continue;
      if (*target.zxid <= EndOf(base, chain)) return PlanToZxid(base, chain, *target.zxid);
      why_not = FormatZxid(*target.zxid) + " can't be reached: " + WhyItEnds(base, chain, segments);
      break;  // an older base's chain ends no later: it could only run into the same break
    }
    if (target.time_ms && base.time_ms <= *target.time_ms) {
      return PlanToTime(base, chain, *target.time_ms, lookup);
    }
  }
  if (!why_not.empty()) return FailedPrecondition(why_not);
  const Base& oldest = newest_first.back();
  return FailedPrecondition("no base backup at or before the target; the oldest is " + oldest.id +
                            " at " + FormatZxid(oldest.zxid) + " (" +
                            UtcTimestampOfMillis(oldest.time_ms) + ")");
}

TimeLookup SegmentFilesLookup(std::string dir) {
  return [dir = std::move(dir)](const Segment& segment,
                                int64_t time_ms) -> Result<std::optional<Zxid>> {
    std::optional<Zxid> last;
    RETURN_IF_ERROR(
        ReadSegment(dir + "/" + segment.id, segment.info, [&](const zkfmt::TxnRecord& record) {
          if (record.time_ms <= time_ms) last = record.zxid;
        }));
    return last;
  };
}

}  // namespace lockstep::archiving
