// The coordinator's side of continuous archiving (docs/design.md "Continuous archiving"): every
// duty tick it renews the archiver's lease on one agent whose server serves as a follower (the same
// one while it can: a move costs a handover), moves the job when that master stops serving or
// answering, and takes a base backup at once when the newest chain no longer reaches the end of
// the archive (a break: the logs lost what followed). It also composes `archive status` from the
// archiver's last report, this master's segments and the catalog's bases. Thread-safe: Tick runs
// on the duties thread, Status on request threads.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/master/masters_view.h"
#include "common/clock.h"
#include "common/http/client.h"
#include "coordinator/agent_client.h"
#include "coordinator/cluster_backups.h"
#include "coordinator/election.h"
#include "engine/archiving/archiver.h"
#include "engine/archiving/chain_view.h"
#include "engine/archiving/segment_store.h"
#include "proto/archiving.pb.h"
#include "proto/backup.pb.h"

namespace lockstep::agent {

struct ArchiveSettings {
  bool enabled = true;
  std::chrono::milliseconds interval{1000};  // the archiver ships this often
  std::chrono::milliseconds lease{10000};    // an archiver not renewed for this long stops
};

class ArchiveDuty {
 public:
  ArchiveDuty(ArchiveSettings settings, std::string self, std::string token,
              const http::Client* client, const MastersView* masters,
              const archiving::SegmentStore* store, archiving::Archiver* local,
              coordinator::Election* election, coordinator::ClusterBackups* backups,
              Clock& clock = RealClockInstance());

  // Coordinator duty (the catalog as the duties loop read it).
  void Tick(const std::vector<proto::Backup>& catalog);
  // What `GET /v1/archive/status` answers on the coordinator.
  proto::ArchiveStatus Status(const std::vector<proto::Backup>& catalog) const;
  // The archive's part of /metrics on this master: what its store holds, and the lag where it
  // is known (on the archiver's master, and on the coordinator's).
  std::string Metrics(const std::vector<proto::Backup>& catalog, bool coordinating) const;
  const ArchiveSettings& settings() const { return settings_; }
  // With [repository]: the bucket's archive (shown in the status), and what says, while this
  // master still copies the archive from it, that no archiver can be told where the archive ends.
  void set_repository(std::string url, std::function<std::string()> adopting) {
    repository_url_ = std::move(url);
    adopting_ = std::move(adopting);
  }

  // A base is asked again no sooner than this after one started, or after one refused.
  static constexpr std::chrono::seconds kBaseRetry{5};
  static constexpr std::chrono::seconds kBaseBusyRetry{2};

 private:
  // The agent to hold the job: the current one while its server serves as a follower, else
  // the first such master, else any serving voter (a single-server ensemble).
  std::optional<coordinator::Member> Choose(const coordinator::ClusterView& view) const;
  Result<proto::ArchiveReport> Assign(const coordinator::Member& member, uint64_t generation,
                                      const std::string& after);
  void Release(const coordinator::Member& member, uint64_t generation);
  Result<proto::ArchiveReport> AskReport(const coordinator::Member& member) const;
  // One call to another master's archiver route; its report.
  Result<proto::ArchiveReport> CallArchiver(const coordinator::Member& member,
                                            const std::string& method, const std::string& path,
                                            uint64_t generation, std::string body) const;
  // An archiver that does not answer within this costs the duty tick no more.
  static constexpr std::chrono::milliseconds kCallTimeout{2000};
  // Takes a base backup when a chain existed and no longer reaches the archive's end.
  void BaseOnBreak(const std::vector<proto::Backup>& catalog);

  const ArchiveSettings settings_;
  const std::string self_;
  const std::string token_;
  const http::Client* client_;
  const MastersView* masters_;
  const archiving::SegmentStore* store_;
  archiving::Archiver* local_;
  coordinator::Election* election_;
  coordinator::ClusterBackups* backups_;
  Clock& clock_;
  std::string repository_url_;
  std::function<std::string()> adopting_;

  mutable std::mutex mu_;
  std::optional<coordinator::Member> archiver_;  // who holds the job, guarded by mu_
  proto::ArchiveReport report_;                  // its last report
  Clock::TimePoint reported_at_{};
  std::string idle_;              // why nobody archives, when nobody does
  Clock::TimePoint next_base_{};  // no base asked before this
};

}  // namespace lockstep::agent
