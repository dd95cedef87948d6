#include "node-agent/agent/archive_duty.h"

#include <algorithm>
#include <sstream>

#include "api/paths.h"
#include "api/status_http.h"
#include "common/log.h"
#include "coordinator/cluster_view.h"
#include "node-agent/agent/backup_service.h"
#include "proto/json.h"

namespace lockstep::agent {
namespace {

namespace paths = api::paths;
using coordinator::Member;

bool FollowerServing(const proto::MasterStatus& master) {
  return coordinator::ServingVoter(master) && master.zk().mode() == "follower";
}

}  // namespace

std::vector<archiving::Base> BasesOf(const std::vector<proto::Backup>& catalog) {
  std::vector<archiving::Base> bases;
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

std::vector<archiving::Segment> SegmentsOf(const std::vector<proto::ArchiveSegment>& records) {
  std::vector<archiving::Segment> segments;
  for (const auto& record : records) {
    Result<archiving::Segment> segment = archiving::SegmentOf(record);
    if (segment.ok()) segments.push_back(std::move(*segment));
  }
  std::sort(segments.begin(), segments.end(), [](const auto& a, const auto& b) {
    return a.info.first_zxid < b.info.first_zxid;
  });
  return segments;
}

std::vector<std::string> PruneSegments(const std::vector<proto::Backup>& catalog,
                                       archiving::SegmentStore& store) {
  const std::vector<archiving::Base> bases = BasesOf(catalog);
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

void DescribeChains(const std::vector<archiving::Base>& bases,
                    const std::vector<archiving::Segment>& segments,
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
    if (covered && !archiving::Joins(segment, *covered)) {
      proto::ArchiveBreak* hole = status->add_breaks();
      hole->set_after_zxid(FormatZxid(*covered));
      hole->set_resumes_at(FormatZxid(segment.info.first_zxid));
      hole->set_at(UtcTimestampOfMillis(segment.info.first_time_ms));
    }
    covered = segment.info.last_zxid;
  }
  for (const auto& base : bases) {
    const std::vector<archiving::Segment> chain = archiving::ContinuationOf(base, segments);
    proto::ArchiveChain* described = status->add_chains();
    described->set_base(base.id);
    described->set_base_zxid(FormatZxid(base.zxid));
    described->set_base_time(UtcTimestampOfMillis(base.time_ms));
    described->set_end_zxid(FormatZxid(archiving::EndOf(base, chain)));
    described->set_end_time(UtcTimestampOfMillis(archiving::EndTimeOf(base, chain)));
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

ArchiveDuty::ArchiveDuty(ArchiveSettings settings, std::string self, std::string token,
                         const http::Client* client, const MastersView* masters,
                         const archiving::SegmentStore* store, archiving::Archiver* local,
                         coordinator::Election* election, BackupService* backups, Clock& clock)
    : settings_(settings),
      self_(std::move(self)),
      token_(std::move(token)),
      client_(client),
      masters_(masters),
      store_(store),
      local_(local),
      election_(election),
      backups_(backups),
      clock_(clock) {}

std::optional<Member> ArchiveDuty::Choose(const coordinator::ClusterView& view) const {
  std::optional<std::string> current;
  {
    std::lock_guard lock(mu_);
    if (archiver_) current = archiver_->name;
  }
  const proto::MasterStatus* first_follower = nullptr;
  const proto::MasterStatus* first_voter = nullptr;
  for (const auto& master : view.masters) {
    if (FollowerServing(master)) {
      if (current && master.name() == *current) return coordinator::MemberOf(master);
      if (!first_follower) first_follower = &master;
    }
    if (coordinator::ServingVoter(master) && !first_voter) first_voter = &master;
  }
  if (first_follower) return coordinator::MemberOf(*first_follower);
  if (first_voter && view.voters == 1) return coordinator::MemberOf(*first_voter);
  return std::nullopt;
}

Result<proto::ArchiveReport> ArchiveDuty::Assign(const Member& member, uint64_t generation,
                                                 const std::string& after) {
  proto::ArchiveAssignment assignment;
  assignment.set_coordinator(self_);
  assignment.set_after_zxid(after);
  assignment.set_lease_ms(static_cast<uint32_t>(settings_.lease.count()));
  assignment.set_interval_ms(static_cast<uint32_t>(settings_.interval.count()));
  if (member.name == self_) return local_->Assign(assignment, generation);
  return CallArchiver(member, "POST", paths::kArchiver, generation,
                      proto::ToCompactJson(assignment));
}

Result<proto::ArchiveReport> ArchiveDuty::AskReport(const Member& member) const {
  if (member.name == self_) return local_->Report();
  return CallArchiver(member, "GET", paths::kArchiver, 0, "");
}

void ArchiveDuty::Release(const Member& member, uint64_t generation) {
  log::Info("archiver moves", {{"from", member.name}});
  if (member.name == self_) return local_->Release();
  // Best effort: an archiver not told stops when its lease ends.
  (void)CallArchiver(member, "POST", paths::kArchiverRelease, generation, "");
}

Result<proto::ArchiveReport> ArchiveDuty::CallArchiver(const Member& member,
                                                       const std::string& method,
                                                       const std::string& path,
                                                       uint64_t generation,
                                                       std::string body) const {
  ASSIGN_OR_RETURN(http::Url url, http::ParseUrl(member.url));
  std::string target = path;
  if (generation != 0) {  // a coordinator's mutating call, fenced on the other side
    target += std::string("?") + coordinator::kGenerationParam + "=" +
              FormatZxid(static_cast<Zxid>(generation));
  }
  http::CallOptions call{.method = method,
                         .target = target,
                         .body = std::move(body),
                         .token = token_,
                         .timeout = kCallTimeout};
  ASSIGN_OR_RETURN(http::Reply reply, client_->Call(url, call));
  if (reply.status != 200) return api::StatusFromReply(reply, member.name + " archiver");
  proto::ArchiveReport report;
  RETURN_IF_ERROR(proto::FromJson(reply.body, &report, true));
  return report;
}

void ArchiveDuty::Tick(const std::vector<proto::Backup>& catalog) {
  if (!settings_.enabled) return;
  const uint64_t generation = election_->Generation();
  if (generation == 0) return;
  if (const std::string adopting = adopting_ ? adopting_() : ""; !adopting.empty()) {
    std::lock_guard lock(mu_);
    idle_ = "this master is " + adopting;  // where the archive ends is not known yet
    return;
  }
  const std::optional<Member> chosen = Choose(masters_->View());
  std::optional<Member> previous;
  {
    std::lock_guard lock(mu_);
    previous = archiver_;
    if (!chosen) {
      archiver_.reset();
      idle_ = "no master's server serves as a follower";
    }
  }
  if (previous && (!chosen || previous->name != chosen->name)) Release(*previous, generation);
  if (!chosen) return;
  Result<proto::ArchiveReport> report =
      Assign(*chosen, generation, ContinueAfter(BasesOf(catalog), store_->LastZxid()));
  {
    std::lock_guard lock(mu_);
    archiver_ = chosen;
    if (report.ok()) {
      report_ = *report;
      reported_at_ = clock_.Now();
      idle_.clear();
    } else {
      idle_ = chosen->name + " did not take the archiver's job: " + report.status().message();
    }
  }
  BaseOnBreak(catalog);
}

std::string ContinueAfter(const std::vector<archiving::Base>& bases, std::optional<Zxid> end) {
  if (!end) return bases.empty() ? "" : FormatZxid(bases.back().zxid);
  // Retention removes segments wholly before the oldest kept base as soon as they arrive: an
  // archive that ends before that base (it lagged while the base was taken) continues from the
  // base instead of archiving history no chain needs.
  if (!bases.empty() && *end < bases.front().zxid) end = bases.front().zxid;
  return FormatZxid(*end);
}

std::string BaseNeeded(const std::vector<proto::Backup>& catalog,
                       const std::vector<archiving::Segment>& segments, Zxid ensemble_zxid) {
  const std::vector<archiving::Base> bases = BasesOf(catalog);
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
    reached = std::max(reached, archiving::EndOf(base, archiving::ContinuationOf(base, segments)));
  }
  if (reached >= archive_end) return "";
  return "the newest chain ends at " + FormatZxid(reached) + ", the archive at " +
         FormatZxid(archive_end);
}

void ArchiveDuty::BaseOnBreak(const std::vector<proto::Backup>& catalog) {
  {
    std::lock_guard lock(mu_);
    if (clock_.Now() < next_base_) return;
  }
  Zxid ensemble_zxid = 0;
  for (const auto& master : masters_->View().masters) {
    if (coordinator::ServingVoter(master)) {
      ensemble_zxid = std::max(ensemble_zxid, ParseHexZxid(master.zk().zxid()).value_or(0));
    }
  }
  const std::string why = BaseNeeded(catalog, SegmentsOf(store_->List()), ensemble_zxid);
  if (why.empty()) return;
  proto::CreateBackupRequest request;
  request.set_label("archive-base");
  request.set_mode("online");
  request.add_components("zookeeper");
  Result<proto::Backup> started = backups_->StartBackup(request);
  {
    std::lock_guard lock(mu_);
    // Busy (another operation holds the lock): soon again; started: once it had time to end.
    next_base_ = clock_.Now() + (started.ok() ? kBaseRetry : kBaseBusyRetry);
  }
  log::Warn("archive chain broken: taking a base backup",
            {{"master", self_},
             {"why", why},
             {"backup", started.ok() ? started->id() : started.status().message()}});
}

std::string ArchiveDuty::Metrics(const std::vector<proto::Backup>& catalog,
                                 bool coordinating) const {
  proto::ArchiveStatus status;
  DescribeChains(BasesOf(catalog), SegmentsOf(store_->List()), &status);
  std::optional<double> lag;
  if (const proto::ArchiveReport own = local_->Report(); own.active() && own.caught_up_ms() > 0) {
    lag = own.lag_seconds();
  } else if (coordinating) {
    std::lock_guard lock(mu_);
    if (reported_at_ != Clock::TimePoint{} && clock_.Now() - reported_at_ < settings_.lease &&
        report_.caught_up_ms() > 0) {
      lag = static_cast<double>(UnixMillis(clock_.WallNow()) - report_.caught_up_ms()) / 1000.0;
    }
  }
  std::ostringstream out;
  out.precision(15);
  auto family = [&](const char* name, const char* type, const char* help, double value) {
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n"
        << name << " " << value << "\n";
  };
  family("lockstep_archive_enabled", "gauge", "1 when continuous archiving is on",
         settings_.enabled ? 1 : 0);
  family("lockstep_archive_last_zxid", "gauge",
         "the newest transaction archived on this master (as a number)",
         static_cast<double>(ParseHexZxid(status.last_zxid()).value_or(0)));
  family("lockstep_archive_chain_breaks_total", "counter",
         "holes in the archive this master holds: transactions the archive lost",
         static_cast<double>(status.breaks_size()));
  family("lockstep_archive_segments", "gauge", "segments this master holds",
         static_cast<double>(status.segments()));
  family("lockstep_archive_bytes", "gauge", "bytes of segments this master holds",
         static_cast<double>(status.bytes()));
  if (lag) {
    family("lockstep_archive_lag_seconds", "gauge",
           "how long ago everything committed was last archived: what a disaster now would lose",
           *lag);
  }
  return out.str();
}

proto::ArchiveStatus ArchiveDuty::Status(const std::vector<proto::Backup>& catalog) const {
  proto::ArchiveStatus status;
  status.set_enabled(settings_.enabled);
  status.set_coordinator(self_);
  status.set_answered_by(self_);
  DescribeChains(BasesOf(catalog), SegmentsOf(store_->List()), &status);
  status.set_repository(repository_url_);
  if (adopting_) status.set_adopting(adopting_());
  if (!settings_.enabled) {
    status.set_state("disabled");
    return status;
  }
  std::optional<Member> archiver;
  {
    std::lock_guard lock(mu_);
    archiver = archiver_;
  }
  // The archiver's own word now, rather than the last renewal's (up to a duty tick old).
  std::optional<proto::ArchiveReport> live;
  if (archiver) {
    Result<proto::ArchiveReport> asked = AskReport(*archiver);
    if (asked.ok()) live = std::move(*asked);
  }
  std::lock_guard lock(mu_);
  const bool fresh = reported_at_ != Clock::TimePoint{} &&
                     clock_.Now() - reported_at_ < settings_.lease;
  if (archiver_ && (live || fresh)) {
    proto::ArchiveReport report = live ? *live : report_;
    // The archiver's own clock measured a live report's lag; a renewal's has aged since.
    if (!live && report.caught_up_ms() > 0) {
      report.set_lag_seconds(
          static_cast<double>(UnixMillis(clock_.WallNow()) - report.caught_up_ms()) / 1000.0);
    }
    status.set_lag_seconds(report.lag_seconds());
    *status.mutable_archiver() = std::move(report);
  }
  if (!idle_.empty()) {
    status.set_state("idle: " + idle_);
  } else if (!status.has_archiver()) {
    status.set_state("idle: no archiver assigned yet");
  } else if (!status.archiver().error().empty()) {
    status.set_state("stalled: " + status.archiver().error());
  } else {
    status.set_state("archiving");
  }
  return status;
}

}  // namespace lockstep::agent
