#include "engine/archiving/chain_view.h"

#include <algorithm>

#include "common/clock.h"
#include "common/log.h"

namespace lockstep::archiving {

std::vector<Base> BasesOf(const std::vector<proto::Backup>& catalog) {
  std::vector<Base> bases;
  for (const auto& backup : catalog) {
    if (backup.deleted() || backup.status() != proto::STATUS_READY) continue;
    auto zookeeper = backup.component_status().find("zookeeper");
    if (zookeeper == backup.component_status().end()) continue;
    std::optional<Zxid> zxid = ParseHexZxid(zookeeper->second.last_zxid());
    std::optional<Clock::WallTimePoint> taken = ParseUtcTimestamp(backup.timestamp());
    if (!zxid || !taken) continue;
    bases.push_back({backup.id(), *zxid, UnixMillis(*taken)});
  }
  std::sort(bases.begin(), bases.end(),
            [](const auto& a, const auto& b) { return a.zxid < b.zxid; });
  return bases;
}

std::vector<Segment> SegmentsOf(const std::vector<proto::ArchiveSegment>& records) {
  std::vector<Segment> segments;
  for (const auto& record : records) {
    Result<Segment> segment = SegmentOf(record);
    if (segment.ok()) segments.push_back(std::move(*segment));
  }
  std::sort(segments.begin(), segments.end(),
            [](const auto& a, const auto& b) { return a.info.first_zxid < b.info.first_zxid; });
  return segments;
}

std::vector<std::string> PruneSegments(const std::vector<proto::Backup>& catalog,
                                       SegmentStore& store) {
  const std::vector<Base> bases = BasesOf(catalog);
  if (bases.empty()) return {};
  Result<std::vector<std::string>> removed = store.RemoveThrough(bases.front().zxid);
  if (!removed.ok()) {
    log::Warn("archive retention failed", {{"error", removed.status().message()}});
    return {};
  }
  if (!removed->empty()) {
    log::Info("archive retention: segments no kept base needs removed",
              {{"segments", std::to_string(removed->size())},
               {"oldest_base", bases.front().id},
               {"through", FormatZxid(bases.front().zxid)}});
  }
  return *removed;
}

void DescribeChains(const std::vector<Base>& bases, const std::vector<Segment>& segments,
                    proto::ArchiveStatus* status) {
  uint64_t bytes = 0;
  for (const auto& segment : segments) bytes += segment.info.size_bytes;
  status->set_segments(segments.size());
  status->set_bytes(bytes);
  if (!segments.empty()) {
    const auto& last = *std::max_element(segments.begin(), segments.end(), [](auto& a, auto& b) {
      return a.info.last_zxid < b.info.last_zxid;
    });
    status->set_last_zxid(FormatZxid(last.info.last_zxid));
    status->set_last_time(UtcTimestampOfMillis(last.info.last_time_ms));
  }
  // A break: a segment that does not join what the segments before it cover.
  std::optional<Zxid> covered;
  for (const auto& segment : segments) {
    if (covered && segment.info.last_zxid <= *covered) continue;
    if (covered && !Joins(segment, *covered)) {
      proto::ArchiveBreak* hole = status->add_breaks();
      hole->set_after_zxid(FormatZxid(*covered));
      hole->set_resumes_at(FormatZxid(segment.info.first_zxid));
      hole->set_at(UtcTimestampOfMillis(segment.info.first_time_ms));
    }
    covered = segment.info.last_zxid;
  }
  for (const auto& base : bases) {
    const std::vector<Segment> chain = ContinuationOf(base, segments);
    proto::ArchiveChain* described = status->add_chains();
    described->set_base(base.id);
    described->set_base_zxid(FormatZxid(base.zxid));
    described->set_base_time(UtcTimestampOfMillis(base.time_ms));
    described->set_end_zxid(FormatZxid(EndOf(base, chain)));
    described->set_end_time(UtcTimestampOfMillis(EndTimeOf(base, chain)));
    described->set_segments(static_cast<uint32_t>(chain.size()));
  }
  if (!bases.empty()) {
    status->set_earliest_zxid(FormatZxid(bases.front().zxid));
    status->set_earliest_time(UtcTimestampOfMillis(bases.front().time_ms));
    const auto latest = std::max_element(
        status->chains().begin(), status->chains().end(), [](const auto& a, const auto& b) {
          return *ParseHexZxid(a.end_zxid()) < *ParseHexZxid(b.end_zxid());
        });
    status->set_latest_zxid(latest->end_zxid());
    status->set_latest_time(latest->end_time());
  }
}

std::string ContinueAfter(const std::vector<Base>& bases, std::optional<Zxid> end) {
  if (!end) return bases.empty() ? "" : FormatZxid(bases.back().zxid);
  // Retention removes segments wholly before the oldest kept base as soon as they arrive: an
  // archive that ends before that base (it lagged while the base was taken) continues from the
  // base instead of archiving history no chain needs.
  if (!bases.empty() && *end < bases.front().zxid) end = bases.front().zxid;
  return FormatZxid(*end);
}

std::string BaseNeeded(const std::vector<proto::Backup>& catalog,
                       const std::vector<Segment>& segments, Zxid ensemble_zxid) {
  const std::vector<Base> bases = BasesOf(catalog);
  if (bases.empty()) return "";  // no chain yet: the first base is the operator's
  // An ensemble behind its own archive lost its data (or is being restored): a base now would
  // hold the loss. Restoring is the operator's call.
  Zxid archive_end = 0;
  for (const auto& segment : segments) archive_end = std::max(archive_end, segment.info.last_zxid);
  if (ensemble_zxid == 0 || ensemble_zxid < archive_end) return "";
  // A cluster restore begins a new history, which no base before it can start.
  std::string newest_base_time;
  for (const auto& backup : catalog) {
    if (backup.status() == proto::STATUS_BACKING_UP) return "";  // a base may be on its way
    if (backup.status() == proto::STATUS_READY && backup.component_status().count("zookeeper")) {
      newest_base_time = std::max(newest_base_time, backup.timestamp());
    }
  }
  for (const auto& backup : catalog) {
    for (const auto& restore : backup.restores()) {
      const bool ensemble = restore.path().empty() && restore.component_status().count("zookeeper");
      if (ensemble && restore.status() == proto::STATUS_READY &&
          restore.finished_at() > newest_base_time) {
        return "restore " + restore.id() + " began a new history";
      }
    }
  }
  Zxid reached = 0;
  for (const auto& base : bases) {
    reached = std::max(reached, EndOf(base, ContinuationOf(base, segments)));
  }
  if (reached >= archive_end) return "";
  return "the newest chain ends at " + FormatZxid(reached) + ", the archive at " +
         FormatZxid(archive_end);
}

}  // namespace lockstep::archiving
