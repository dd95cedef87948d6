#include "agent/master/node_restore.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "api/exhibitor_code.h"
#include "api/names.h"
#include "common/clock.h"
#include "common/crash_point.h"
#include "common/crypto/secret.h"
#include "common/disk_space.h"
#include "common/log.h"
#include "common/zxid.h"
#include "engine/backup_file/extract.h"
#include "engine/datadir/cluster_swap.h"
#include "engine/datadir/restore.h"
#include "engine/zk/server_guard.h"

namespace lockstep::agent {
namespace fs = std::filesystem;
namespace phase = api::restore_phase;
namespace {

// Finished journals are only history (the backup's restores[] keeps the outcome), but every agent
// looks through all journals every few seconds for orphans: keep the recent ones only.
constexpr size_t kFinishedJournalsKept = 20;

Status WrongPhase(const proto::RestoreJournal& journal, const std::string& step) {
  return FailedPrecondition("restore " + journal.restore_id() + " cannot " + step +
                            " here: it is " + journal.phase());
}

}  // namespace

NodeRestore::NodeRestore(NodeRestoreParts parts)
    : zoo_cfg_(std::move(parts.zoo_cfg)),
      node_(parts.node),
      archives_(parts.archives),
      segments_(parts.segments),
      repository_(parts.repository),
      client_(parts.client),
      token_(std::move(parts.token)),
      rollback_keep_(parts.rollback_keep),
      compact_(std::move(parts.compact)),
      journals_(parts.store_dir + "/restores",
                [](const proto::RestoreJournal& j) { return j.restore_id(); }) {}

Status NodeRestore::Open() {
  RETURN_IF_ERROR(journals_.Open());
  // A cluster restore's staging is owned by its journal once staged; one without a journal file
  // (an unreadable journal still counts) is what an agent killed mid-staging left. `zk restore`
  // stamps its staging with a bare time, so its staging is never taken for an orphan.
  auto orphaned = [this](const std::string& stamp) {
    return api::CheckRestoreId(stamp).ok() && !journals_.Has(stamp);
  };
  if (Status removed = datadir::RemoveOrphanStaging(RealFilesystem(), Live(), orphaned);
      !removed.ok()) {
    log::Warn("staging left by an interrupted restore not removed", {{"error", removed.message()}});
  }
  return Status::Ok();
}

zkfmt::DataDirs NodeRestore::Live() const {
  zkfmt::DataDirs dirs{zoo_cfg_.data_dir, zoo_cfg_.data_log_dir};
  for (std::string* dir : {&dirs.data_dir, &dirs.data_log_dir}) {
    *dir = fs::path(*dir).lexically_normal().string();
    while (dir->size() > 1 && dir->back() == '/') dir->pop_back();
  }
  return dirs;
}

Result<proto::RestoreJournal> NodeRestore::Load(const std::string& restore_id) const {
  RETURN_IF_ERROR(api::CheckRestoreId(restore_id));
  Result<proto::RestoreJournal> journal = journals_.Get(restore_id);
  if (!journal.ok()) {
    return NotFound(node_->options().name + " has no journal for restore " + restore_id +
                    " (it was never staged here)");
  }
  return journal;
}

Status NodeRestore::Record(proto::RestoreJournal& journal, const std::string& phase_name) {
  journal.set_phase(phase_name);
  journal.set_updated_at(UtcTimestamp());
  journal.set_revision(journal.revision() + 1);
  RETURN_IF_ERROR(journals_.Put(journal).status());
  log::Info("restore step", {{"restore", journal.restore_id()}, {"phase", phase_name}});
  if (phase::IsTerminal(phase_name)) PruneJournals();
  return Status::Ok();
}

std::vector<std::string> JournalsToPrune(const std::vector<proto::RestoreJournal>& journals,
                                         size_t keep) {
  std::vector<std::string> finished;
  for (const auto& journal : journals) {
    if (phase::IsTerminal(journal.phase())) finished.push_back(journal.restore_id());
  }
  if (finished.size() <= keep) return {};
  // Restore ids begin with their UTC start, so they order by age: newest first.
  std::sort(finished.begin(), finished.end(), std::greater<>());
  return {finished.begin() + static_cast<std::ptrdiff_t>(keep), finished.end()};
}

void NodeRestore::PruneJournals() {
  for (const std::string& id : JournalsToPrune(journals_.All(), kFinishedJournalsKept)) {
    if (Status removed = journals_.Remove(id); !removed.ok()) {
      log::Warn("old restore journal not removed", {{"error", removed.message()}});
    }
  }
}

Status NodeRestore::FetchReplica(const proto::StageRequest& request) {
  Status last = NotFound("no master holds a good replica of " + request.backup_id());
  for (const auto& url : request.source_urls()) {
    proto::FetchRequest fetch;
    fetch.set_id(request.backup_id());
    fetch.set_from_url(url);
    fetch.set_sha256(request.sha256());
    fetch.set_size_bytes(request.size_bytes());
    last = archives_->Fetch(fetch);
    if (last.ok()) return last;
    log::Warn("fetching a replica failed", {{"from", url}, {"error", last.message()}});
  }
  return last.Prepend(node_->options().name + " has no good replica of " + request.backup_id() +
                      " and none could be fetched");
}

Result<datadir::StagedRestore> NodeRestore::StageArchive(const proto::StageRequest& request) {
  const std::string archive = archives_->PathOf(request.backup_id());
  const age::SecretStrings given(request.identities().begin(), request.identities().end());
  ASSIGN_OR_RETURN(age::Identities identities, archives_->Identities(given.get()));
  RETURN_IF_ERROR(CheckStagingSpace(archive, identities));
  datadir::RestoreOptions options{.dirs = Live(),
                                  .archive_path = archive,
                                  .client = zoo_cfg_.client,
                                  .stamp = request.restore_id(),
                                  .identities = std::move(identities)};
  ASSIGN_OR_RETURN(datadir::StagedRestore staged, datadir::StagedRestore::Stage(options));
  if (staged.verified().archive_sha256 != request.sha256()) {
    return Corruption(node_->options().name + "'s replica of " + request.backup_id() +
                      " has sha256 " + staged.verified().archive_sha256 + ", not the catalog's " +
                      request.sha256());
  }
  return staged;
}

Result<datadir::StagedRestore> NodeRestore::StageReplica(const proto::StageRequest& request,
                                                         bool* repaired) {
  *repaired = false;
  if (archives_->Has(request.backup_id())) {
    Result<datadir::StagedRestore> staged = StageArchive(request);
    if (staged.ok()) return staged;
    // Only now is the replica hashed on its own: a good one means the failure lies elsewhere.
    Result<std::string> sha = archives_->Hash(request.backup_id());
    if (sha.ok() && *sha == request.sha256()) return staged.status();
    log::Warn("replica corrupt, fetching it again",
              {{"id", request.backup_id()}, {"error", staged.status().message()}});
  }
  *repaired = true;
  RETURN_IF_ERROR(FetchReplica(request));
  return StageArchive(request);
}

Status NodeRestore::CheckStagingSpace(const std::string& archive_path,
                                      const age::Identities& identities) const {
  ASSIGN_OR_RETURN(std::optional<proto::Manifest> manifest,
                   backup_file::PeekManifest(archive_path, identities));
  uint64_t needed = 0;
  if (manifest) {
    for (const auto& file : manifest->files()) needed += file.size();
  } else {
    ASSIGN_OR_RETURN(needed, FileSize(archive_path));
    needed *= 4;  // a dcos-zk gzip archive states no sizes: assume a typical ratio
  }
  const std::string parent = fs::path(Live().data_dir).parent_path().string();
  return CheckFreeSpace(parent, needed, node_->options().name, "staging the restore",
                        "free space beside the data directory, then run the restore again");
}

Result<std::string> NodeRestore::Compact(const datadir::StagedRestore& staged,
                                         const datadir::RestoreResult& verified) {
  datadir::CompactOptions options = compact_;
  options.staged = staged.dirs();
  options.zxid = ParseHexZxid(verified.last_zxid).value_or(0);
  options.node_count = verified.node_count;
  ASSIGN_OR_RETURN(datadir::CompactResult result, datadir::CompactStaging(options));
  log::Info(result.compacted ? "staging compacted" : "staging not compacted",
            {{"staging", options.staged.data_dir},
             {"detail", result.detail},
             {"replay_bytes", std::to_string(result.replay_bytes)},
             {"seconds", std::to_string(result.seconds)}});
  return result.detail;
}

Result<proto::StageReply> NodeRestore::Stage(const proto::StageRequest& request) {
  std::lock_guard serial(mu_);
  RETURN_IF_ERROR(api::CheckRestoreId(request.restore_id()));
  RETURN_IF_ERROR(api::CheckBackupId(request.backup_id()));
  if (journals_.Get(request.restore_id()).ok()) {
    return FailedPrecondition("restore " + request.restore_id() + " was already staged on " +
                              node_->options().name);
  }
  const auto begun = std::chrono::steady_clock::now();
  proto::StageReply reply;
  reply.set_master(node_->options().name);
  bool repaired = false;
  ASSIGN_OR_RETURN(datadir::StagedRestore staged, StageReplica(request, &repaired));
  reply.set_repaired(repaired);
  datadir::RestoreResult verified = staged.verified();
  if (!request.target_zxid().empty()) {
    ASSIGN_OR_RETURN(verified, ReplayArchive(request, staged));
  }
  ASSIGN_OR_RETURN(std::string compaction, Compact(staged, verified));
  reply.set_compaction(compaction);
  RETURN_IF_ERROR(datadir::MarkStaged(Live(), request.restore_id(), request.restore_id()));
  proto::RestoreJournal journal;
  journal.set_restore_id(request.restore_id());
  journal.set_backup_id(request.backup_id());
  journal.set_archive_sha256(verified.archive_sha256);
  journal.set_driver(request.driver());
  journal.set_restored_zxid(verified.last_zxid);
  journal.set_node_count(static_cast<uint32_t>(verified.node_count));
  RETURN_IF_ERROR(Record(journal, phase::kStaged));
  staged.Keep();  // from here the journal owns the staging directories

  const proto::ZkServerStatus now = node_->Refresh();
  const Zxid current = ParseHexZxid(now.zxid()).value_or(0);
  reply.set_current_zxid(now.zxid());
  reply.set_current_epoch(std::max(datadir::HighestEpochOnDisk(Live()), ZxidEpoch(current)));
  reply.set_restored_zxid(journal.restored_zxid());
  reply.set_node_count(journal.node_count());
  reply.set_staged_bytes(verified.bytes);
  reply.set_seconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begun).count());
  return reply;
}

Result<proto::RestoreJournal> NodeRestore::Stop(const std::string& restore_id) {
  std::lock_guard serial(mu_);
  ASSIGN_OR_RETURN(proto::RestoreJournal journal, Load(restore_id));
  if (journal.phase() == phase::kStaged) {
    // Journaled first: an agent that dies mid-stop still knows whether to start it again.
    journal.set_was_running(node_->Refresh().code() != api::kDown);
    RETURN_IF_ERROR(Record(journal, phase::kStopping));
  } else if (journal.phase() != phase::kStopping && journal.phase() != phase::kStopped) {
    return WrongPhase(journal, "stop");
  }
  RETURN_IF_ERROR(node_->Act("stop", "restore " + restore_id).status());
  RETURN_IF_ERROR(zk::EnsureServerStopped(Live(), zoo_cfg_.client, " after the stop"));
  RETURN_IF_ERROR(Record(journal, phase::kStopped));
  return journal;
}

Result<proto::RestoreJournal> NodeRestore::Swap(const std::string& restore_id, uint32_t min_epoch) {
  std::lock_guard serial(mu_);
  ASSIGN_OR_RETURN(proto::RestoreJournal journal, Load(restore_id));
  if (journal.phase() == phase::kSwapped) return journal;
  if (journal.phase() != phase::kStopped && journal.phase() != phase::kSwapping) {
    return WrongPhase(journal, "swap");
  }
  journal.set_min_epoch(min_epoch);
  RETURN_IF_ERROR(Record(journal, phase::kSwapping));
  if (!datadir::IsSwappedIn(Live(), restore_id)) {
    datadir::RestoreOptions options{.dirs = Live(), .client = zoo_cfg_.client, .stamp = restore_id};
    datadir::RestoreResult verified;
    verified.last_zxid = journal.restored_zxid();
    verified.node_count = journal.node_count();
    verified.archive_sha256 = journal.archive_sha256();
    ASSIGN_OR_RETURN(datadir::StagedRestore staged,
                     datadir::StagedRestore::Adopt(options, verified));
    staged.Keep();  // a failed commit undoes itself; staging stays for a retry or the rollback
    RETURN_IF_ERROR(staged.Commit(min_epoch).status());
  }
  CrashPoint("restore.agent_after_swap");
  RETURN_IF_ERROR(Record(journal, phase::kSwapped));
  return journal;
}

Result<proto::RestoreJournal> NodeRestore::Start(const std::string& restore_id) {
  std::lock_guard serial(mu_);
  ASSIGN_OR_RETURN(proto::RestoreJournal journal, Load(restore_id));
  if (journal.phase() != phase::kSwapped && journal.phase() != phase::kStarted) {
    return WrongPhase(journal, "start");
  }
  RETURN_IF_ERROR(
      node_->Act("start", "restore " + restore_id).status().Prepend("ZooKeeper did not start"));
  RETURN_IF_ERROR(Record(journal, phase::kStarted));
  return journal;
}

Result<proto::RestoreJournal> NodeRestore::Finish(const std::string& restore_id) {
  std::lock_guard serial(mu_);
  ASSIGN_OR_RETURN(proto::RestoreJournal journal, Load(restore_id));
  if (journal.phase() == phase::kDone) return journal;
  if (journal.phase() != phase::kStarted) return WrongPhase(journal, "finish");
  if (Status pruned = datadir::PruneRollbacks(RealFilesystem(), Live(), rollback_keep_);
      !pruned.ok()) {
    log::Warn("rollback copies not pruned", {{"error", pruned.message()}});
  }
  RETURN_IF_ERROR(Record(journal, phase::kDone));
  return journal;
}

Result<proto::RestoreJournal> NodeRestore::Rollback(const std::string& restore_id) {
  std::lock_guard serial(mu_);
  ASSIGN_OR_RETURN(proto::RestoreJournal journal, Load(restore_id));
  if (journal.phase() == phase::kRolledBack) return journal;
  if (journal.phase() == phase::kDone) {
    return FailedPrecondition("restore " + restore_id + " was confirmed on " +
                              node_->options().name + "; it can no longer be rolled back");
  }
  const bool touched_server = journal.phase() != phase::kStaged;
  if (datadir::IsSwappedIn(Live(), restore_id)) {
    // The server may run on the restored data (started, or restarted by hand): stop it first.
    RETURN_IF_ERROR(node_->Act("stop", "rolling back restore " + restore_id).status());
    RETURN_IF_ERROR(zk::EnsureServerStopped(Live(), zoo_cfg_.client, " before the rollback"));
  }
  // Clients may have seen zxids of the restored ensemble's first epoch (min_epoch + 1).
  const uint32_t epoch = journal.min_epoch() ? journal.min_epoch() + 1 : 0;
  RETURN_IF_ERROR(datadir::UndoSwap(RealFilesystem(), Live(), restore_id, restore_id, epoch));
  if (touched_server && journal.was_running()) {
    RETURN_IF_ERROR(node_->Act("start", "rolled back restore " + restore_id)
                        .status()
                        .Prepend("rolled back, but ZooKeeper did not start"));
  }
  RETURN_IF_ERROR(Record(journal, phase::kRolledBack));
  return journal;
}

}  // namespace lockstep::agent
