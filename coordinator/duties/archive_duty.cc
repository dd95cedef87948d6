#include "coordinator/duties/archive_duty.h"

#include <algorithm>
#include <sstream>

#include "api/paths.h"
#include "api/status_http.h"
#include "common/log.h"
#include "coordinator/cluster_backups.h"
#include "coordinator/cluster_view.h"
#include "proto/json.h"

namespace lockstep::agent {
namespace {

namespace paths = api::paths;
using coordinator::Member;

bool FollowerServing(const proto::MasterStatus& master) {
  return coordinator::ServingVoter(master) && master.zk().mode() == "follower";
}

}  // namespace

ArchiveDuty::ArchiveDuty(ArchiveSettings settings, std::string self, std::string token,
                         const http::Client* client, const MastersView* masters,
                         const archiving::SegmentStore* store, archiving::Archiver* local,
                         coordinator::Election* election, coordinator::ClusterBackups* backups,
                         Clock& clock)
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
                                                       const std::string& path, uint64_t generation,
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
      Assign(*chosen, generation,
             archiving::ContinueAfter(archiving::BasesOf(catalog), store_->LastZxid()));
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
  const std::string why =
      archiving::BaseNeeded(catalog, archiving::SegmentsOf(store_->List()), ensemble_zxid);
  if (why.empty()) return;
  proto::CreateBackupRequest request;
  request.set_label("archive-base");
  request.set_mode("online");
  request.add_components("zookeeper");
  Result<proto::Backup> started = backups_->Start(request);
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
  archiving::DescribeChains(archiving::BasesOf(catalog), archiving::SegmentsOf(store_->List()),
                            &status);
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
  archiving::DescribeChains(archiving::BasesOf(catalog), archiving::SegmentsOf(store_->List()),
                            &status);
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
  const bool fresh =
      reported_at_ != Clock::TimePoint{} && clock_.Now() - reported_at_ < settings_.lease;
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
